"""``JobManager``: the working folder, job folders, names, hashes and loading of ``.dill`` files.

As the PLAMS manual's JobManager chapter says (``/work/shared/spec/jobmanager.txt``) and PLAMS
2026.104 does (its unit tests run against us: ``tests/core/test_conformance_plams.py``), with
these decisions:

* Default working folder name ``plams.<PID>`` as in the manual (PLAMS 2025+: ``plams_workdir``;
  no PLAMS unit test depends on it), ``.002``, ``.003`` if taken.
* The working folder is made lazily, as in PLAMS 2025+: on the first access of ``workdir``
  (running a job, ``init()``), not when the manager is made, so loading or cleaning creates
  nothing. It is locked (one writer per folder, :func:`lock_workdir`) when it is made, or at
  once when the manager takes over an existing folder (``use_existing_folder``); if the name
  was taken meanwhile by another process, the next free counter is used.
* ``_register`` names the job and sets its path but creates no folder (PLAMS 2025+); the job
  creates it in ``_prepare``, and a folder that already exists is never reused (FileError).
* Names follow PLAMS 2026: a ``.NNN`` suffix counts (``job.005`` registered first keeps its
  name and sets the counter to 5); counters are kept per full name (``subdir/parent/child``);
  ``auto_rename=False`` refuses a taken name; ``remove_job`` lowers the counter to the highest
  remaining one.
* Each manager writes its own ``logfile`` and ``job_logfile.csv`` (PLAMS sends every text
  line to the default manager's logfile), so a private manager (the demo) stays separate.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import threading
from os.path import join as opj
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .basejob import Job, MultiJob, check_job_name
from .errors import CorruptPickleError, FileError, PlamsError, WorkdirError, WorkdirLockedError
from .functions import _get_dir_for_jobs, get_config
from .logfile import CSV_HEADER, JobLogSink, emit, job_csv_row, write_csv_row
from .pickles.loader import LoadedPickle, load_dill
from .settings import Settings

if TYPE_CHECKING:
    pass

__all__ = ["JobManager", "describe_lock_holder", "describe_process", "lock_workdir"]


def lock_workdir(workdir: str | os.PathLike[str]) -> int:
    """Take the one-writer lock of *workdir*; returns the descriptor holding it (close it to release).

    The lock is an exclusive, non-blocking ``flock`` on the directory itself, opened read-only:
    no lock file is written into a folder users browse and copy, and the kernel drops the lock
    when the process dies, so a crash never leaves a stale lock. The descriptor is not inherited
    by runscripts, so a runscript that outlives a killed PLAMS does not keep the folder locked.
    When the lock is taken, :class:`WorkdirLockedError` names the holder (pid, host, start time
    and command, from ``/proc/locks`` on Linux) so the user knows which run to wait for.
    A folder that cannot be opened or locked at all (an NFS mount without lock daemon answers
    ``ENOLCK``) raises :class:`WorkdirError`: nobody writes it unlocked.
    """
    try:
        fd = os.open(workdir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise WorkdirError(f"cannot lock working folder {os.fspath(workdir)}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            os.close(fd)  # e.g. ENOLCK: an NFS mount without lock daemon; writing unlocked is not safe
            raise WorkdirError(
                f"cannot lock working folder {os.fspath(workdir)} ({exc.strerror}); nothing was written"
            ) from None
        try:
            holder = describe_lock_holder(os.fstat(fd))
        finally:
            os.close(fd)
        raise WorkdirLockedError(
            f"working folder {os.fspath(workdir)} is in use by another PLAMS job manager"
            f"{f' ({holder})' if holder else ''}; wait for that run to finish or use another folder"
        ) from None
    return fd


def describe_lock_holder(st: os.stat_result) -> str | None:
    """Who holds a ``flock`` on the file *st* describes: ``pid N on HOST, started ..., CMD``; None if unknown.

    Linux lists every lock in ``/proc/locks`` by device and inode (``FLOCK ADVISORY WRITE pid
    maj:min:inode``); the host is this one (flock is local), the start time comes from
    ``/proc/PID/stat`` and the boot time. Elsewhere, or when the holder is hidden (another pid
    namespace), None: the message then says only that the folder is in use.
    """
    want = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    pids = []
    for line in lines:
        parts = line.split()
        if "->" in parts:  # a waiter, not a holder
            continue
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == want and parts[4].isdigit():
            pid = int(parts[4])
            if pid > 0 and pid not in pids:
                pids.append(pid)
    if not pids:
        return None
    return "; ".join(describe_process(pid) for pid in pids)


def describe_process(pid: int) -> str:
    """``pid N on HOST, started YYYY-MM-DD HH:MM:SS UTC: CMD`` as far as ``/proc`` tells (Linux)."""
    import socket
    import time

    text = f"pid {pid} on {socket.gethostname()}"
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        ticks = int(stat[stat.rfind(b")") + 2 :].split()[19])  # field 22: start time after boot
        with open("/proc/stat", "rb") as f:
            btime = next(int(ln.split()[1]) for ln in f if ln.startswith(b"btime "))
        started = btime + ticks / os.sysconf("SC_CLK_TCK")
        text += ", started " + time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started))
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
        if argv:  # the interpreter by its name: the script and its arguments are what tell runs apart
            cmd = " ".join([os.path.basename(argv[0]), *argv[1:]]).replace("\n", " ")
            text += ": " + (cmd if len(cmd) <= 100 else cmd[:97] + "...")
    except OSError:
        pass
    return text


class JobCSVLogger:
    """Writes ``job_logfile.csv`` (PLAMS's ``JobManager.job_logger``): one row per ended job.

    ``logfile`` is the csv path; ``log(job, level)`` appends *job*'s row when *level* is
    within the manager's ``csv`` verbosity; ``close()`` is for PLAMS compatibility (every row
    is written and closed at once).
    """

    def __init__(self, logfile: str, level: Any) -> None:
        self.logfile = logfile
        self._level = level  # a callable returning the csv verbosity, read at each row

    def log(self, job: Job, level: int = 3) -> None:
        """Append the row of *job* (created with its header if empty)."""
        if level <= self._level():
            write_csv_row(self.logfile, job_csv_row(job))

    def close(self) -> None:
        """Nothing stays open between rows."""

    header = CSV_HEADER


class JobManager:
    """Keeps track of the jobs of one working folder and prevents running the same job twice.

    Attributes: ``folder``/``foldername`` (working folder name), ``path`` (where it lives),
    ``workdir`` (``path/folder``, made and locked on first access), ``settings`` (the given
    Settings itself: ``hashing``, ``counter_len``, ``remove_empty_directories``), ``jobs``,
    ``names`` (highest counter per full name), ``hashes`` (hash -> job), ``logfile`` and
    ``input`` (``workdir/logfile``, ``workdir/input``), ``job_logger`` (``job_logfile.csv``).

    *log_settings* (default: ``config.log``) sets the verbosities of this manager's logfile
    and stdout. *log_sink* (attribute ``log_sink``), when set, receives a
    :class:`~plams_core.logfile.LogRecord` for every line this manager logs, and then this
    manager prints nothing to stdout. Making the folder raises WorkdirLockedError if another
    manager writes it.
    """

    # set by _init_state (embedded() builds a manager without __init__)
    log_sink: JobLogSink | None
    _lock_fd: int | None
    _job_logger: Any
    _embedded: bool  # only set by embedded(); read with getattr(self, "_embedded", False)

    def __init__(
        self,
        settings: Settings,
        path: str | os.PathLike[str] | None = None,
        folder: str | None = None,
        use_existing_folder: bool = False,
        job_logger: Any = None,
        *,
        log_settings: Settings | None = None,
        log_sink: JobLogSink | None = None,
    ) -> None:
        self._init_state(settings, log_settings)
        self.log_sink = log_sink
        if path is None:
            self.path = os.getcwd()
        elif os.path.isdir(path):
            self.path = os.path.abspath(path)
        else:
            raise PlamsError(f"Invalid path: {os.fspath(path)} is not a directory")
        self._base = os.path.normpath(folder) if folder else f"plams.{os.getpid()}"
        self.folder = self._base
        self._counter = 2
        if not use_existing_folder:
            while os.path.exists(opj(self.path, self.folder)):
                self._next_name()
        self._workdir = Path(self.path, self.folder)
        self._create_workdir = not (use_existing_folder and self._workdir.is_dir())
        self._made = not self._create_workdir
        self.logfile = os.environ.get("SCM_LOGFILE") or opj(self._workdir, "logfile")
        self.input = opj(self._workdir, "input")
        self.job_logfile = opj(self._workdir, "job_logfile.csv")
        self._job_logger = job_logger
        if self._made:  # an existing folder taken over: lock it now, before anything reads it as ours
            self._lock_fd = lock_workdir(self._workdir)

    def _next_name(self) -> None:
        self.folder = f"{self._base}.{self._counter:03d}"
        self._counter += 1

    @property
    def workdir(self) -> str:
        """Absolute path of the working folder; made (and locked) on first access."""
        with self._lazy_lock:
            if self._create_workdir:
                while True:
                    try:
                        os.mkdir(self._workdir)  # atomic: whoever creates the name owns it
                        break
                    except FileExistsError:
                        self._next_name()
                        self._workdir = Path(self.path, self.folder)
                        self.logfile = os.environ.get("SCM_LOGFILE") or opj(self._workdir, "logfile")
                        self.input = opj(self._workdir, "input")
                        self.job_logfile = opj(self._workdir, "job_logfile.csv")
                self._create_workdir = False
                self._made = True
            if self._made and self._lock_fd is None and not self._closed:
                self._lock_fd = lock_workdir(self._workdir)
        return str(self._workdir.resolve())

    def _init_state(self, settings: Settings, log_settings: Settings | None) -> None:
        self.settings = settings
        self.jobs: list[Job] = []
        self.names: dict[str, int] = {}
        self.hashes: dict[str, Job] = {}
        self._name_counts: dict[int, tuple[str, int]] = {}  # id(job) -> (full name without counter, counter)
        self._register_lock = threading.RLock()
        self._lazy_lock = threading.Lock()
        self._log_settings = log_settings
        self.log_sink = None
        self._lock_fd = None
        self._closed = False  # once closed (or embedded), the folder is never locked again
        self._job_logger = None

    @classmethod
    def embedded(
        cls,
        workdir: str | os.PathLike[str],
        settings: Settings | None = None,
        *,
        log_settings: Settings | None = None,
    ) -> JobManager:
        """A manager over the existing working folder *workdir*, to load its jobs into (the action layer).

        It neither locks the folder nor writes into it: no ``logfile``, no ``job_logfile.csv``
        (log lines go to the log sinks only, unless *log_settings* asks for stdout). Loaded
        jobs get their hashes registered as with any manager; it is not meant to run jobs.
        """
        raw = os.fspath(workdir)
        if not os.path.isdir(raw):
            raise FileError(f"working folder {raw} is not a folder")
        jm = cls.__new__(cls)
        quiet = Settings({"file": -1, "stdout": -1, "csv": -1, "date": True, "time": True})
        jm._init_state(
            settings if settings is not None else get_config().jobmanager.copy(), log_settings or quiet
        )
        jm._workdir = Path(os.path.realpath(raw))
        jm._create_workdir = False
        jm._made = True
        jm._closed = True  # never takes the one-writer lock
        jm.path, jm.folder = os.path.split(str(jm._workdir))
        jm._base, jm._counter = jm.folder, 2
        jm.logfile = None  # type: ignore[assignment]  # an embedded manager writes no log
        jm.input = opj(str(jm._workdir), "input")
        jm.job_logfile = None  # type: ignore[assignment]  # nor a job_logfile.csv
        jm._embedded = True  # loads call no method a pickle may define (see _setstate)
        return jm

    @property
    def foldername(self) -> str:
        """The working folder name (PLAMS 2018+'s attribute name)."""
        return self.folder

    @property
    def current_dir_for_jobs(self) -> Path:
        """Absolute folder where jobs started now are put: the working folder, or the
        :func:`~plams_core.functions.jobs_in_directory` folder inside it."""
        rel = _get_dir_for_jobs()
        return (self._workdir / rel if rel else self._workdir).resolve()

    @property
    def job_logger(self) -> JobCSVLogger:
        """The writer of ``job_logfile.csv`` (made on first use; the folder too)."""
        if self._job_logger is None:
            _ = self.workdir  # the csv lives in the working folder: make it
            self._job_logger = JobCSVLogger(self.job_logfile, lambda: self.log_settings.get("csv", 7))
        return self._job_logger

    # -- logging -------------------------------------------------------------------------------

    @property
    def log_settings(self) -> Settings:
        """Verbosities used by this manager (``file``, ``stdout``, ``csv``, ``date``, ``time``)."""
        return self._log_settings if self._log_settings is not None else get_config().log

    def log(self, message: object, level: int = 0, *, echo: bool = True, job: Job | None = None) -> None:
        """Log *message* (about *job*, if given) at *level* to this manager's logfile, its sink or
        stdout (unless not *echo*), and the global log sinks. Nothing goes to a folder not yet made."""
        emit(
            str(message),
            level,
            self.logfile if self._made else None,
            self.log_settings,
            echo=echo,
            sink=self.log_sink,
            job=job,
            workdir=str(self._workdir),
        )

    def _log_job_row(self, job: Job) -> None:
        """Append *job*'s summary to ``job_logfile.csv`` (PLAMS 2026 logs it at level 3)."""
        if self.job_logfile is None:  # an embedded manager writes nothing into the folder
            return
        self.job_logger.log(job, level=3)

    # -- registration --------------------------------------------------------------------------

    def _register(self, job: Job, rel_dir_for_jobs: Path | None = None, auto_rename: bool = True) -> None:
        """Register *job*: give it a unique full name and its path; the folder is the job's to make.

        The job goes into *rel_dir_for_jobs* (relative to the working folder), else the current
        :func:`~plams_core.functions.jobs_in_directory` folder; a MultiJob's child always into
        its parent's folder. A taken name gets the next ``.NNN`` counter, or, with
        ``auto_rename=False``, raises PlamsError.
        """
        with self._register_lock:
            self.log(f"Registering job {job.name}", 7, job=job)
            check_job_name(job.name)
            job.jobmanager = self
            workdir = Path(self.workdir)  # made (and locked) now: job folders go inside it
            if rel_dir_for_jobs:
                dir_for_jobs = (self._workdir / rel_dir_for_jobs).resolve()
            else:
                dir_for_jobs = self.current_dir_for_jobs
                rel_dir_for_jobs = dir_for_jobs.relative_to(workdir)
            rel = rel_dir_for_jobs if rel_dir_for_jobs != Path(".") else None
            counter_len = int(self.settings.get("counter_len", 3))
            pattern = rf"(?:\.(\d{{{counter_len}}}))+?$"
            original = job._full_name(rel)
            match = re.search(pattern, job.name)
            count = int(match.group(1)) if match else 1
            base = re.sub(pattern, "", original)
            if base not in self.names:
                self.names[base] = count
            elif auto_rename:
                self.names[base] += 1
                count = self.names[base]
                job.name = f"{re.sub(pattern, '', job.name)}.{str(count).zfill(counter_len)}"
                if job._full_name(rel) != original:
                    self.log(f"Renaming job {original} to {job._full_name(rel)}", 3, job=job)
            else:
                in_use = [c for n, c in self._name_counts.values() if n == base]
                if count in in_use:
                    raise PlamsError(f"Job {job.name} already registered and cannot automatically be renamed")
                if count > (max(in_use) if in_use else 1):
                    self.names[base] = count
            if job.path is None:
                parent_path = job.parent.path if job.parent is not None else None
                job.path = opj(parent_path, job.name) if parent_path else opj(dir_for_jobs, job.name)
            self.jobs.append(job)
            self._name_counts[id(job)] = (base, count)
            self.log(f"Job {job.name} registered", 7, job=job)

    def _forget_name(self, job: Job) -> None:
        entry = self._name_counts.pop(id(job), None)
        if entry is None:
            return
        base, count = entry
        if self.names.get(base) == count:
            remaining = [c for n, c in self._name_counts.values() if n == base]
            if remaining:
                self.names[base] = max(remaining)
            else:
                del self.names[base]

    def _check_hash(self, job: Job) -> Job | None:
        """Hash *job*; return an earlier job with the same hash, or register this one and return None."""
        h = job.hash()
        if h is None:
            return None
        with self._register_lock:
            prev = self.hashes.get(h)
            if prev is not None:
                self.log(f"Job {job.name} previously run as {prev.name}, using old results", 1, job=job)
                return prev
            self.hashes[h] = job
        return None

    def remove_job(self, job: Job) -> None:
        """Forget *job* (and its children): its name count falls back to the highest remaining, its hash is dropped.

        Files are left alone (``Job.delete`` removes them).
        """
        with self._register_lock:
            self.log(f"Removing job {job.name}", 7, job=job)
            if job in self.jobs:
                self.jobs.remove(job)
                job.jobmanager = None
            self._forget_name(job)
            try:
                h = job.hash()
            except Exception:
                h = None
            if h is not None and self.hashes.get(h) is job:
                del self.hashes[h]
            else:  # the hash may have changed since registration: drop by identity
                for key in [k for k, v in self.hashes.items() if v is job]:
                    del self.hashes[key]
            MultiJob.apply_to_children(job, self.remove_job)
            self.log(f"Job {job.name} removed", 7, job=job)

    def rename_job(self, job: Job, name: str) -> None:
        """Register *job* under *name* (``.NNN`` if taken) in the folder it is in; children follow.

        Moving the files is the job's business (``Job.rename``).
        """
        with self._register_lock:
            if name == job.name:
                return
            if job.jobmanager is not self:
                raise PlamsError(f"Cannot rename job '{job.name}' as it does not belong to this job manager")
            original = job.name
            try:
                if job.parent is not None or job.path is None:
                    rel = Path(".")
                else:
                    rel = Path(job.path).parent.resolve().relative_to(self._workdir.resolve())
            except ValueError:
                raise PlamsError(
                    f"Cannot rename job '{job.name}': it is not inside the working folder {self._workdir}"
                ) from None
            self.remove_job(job)
            job.name = name
            job.path = None
            self._register(job, rel)

            def reregister(child: Job) -> None:
                child.path = None
                self._register(child, rel_dir_for_jobs=Path("."), auto_rename=False)

            MultiJob.apply_to_children(job, reregister, recursive=True)
            self.log(f"Job {original} renamed to {job.name}", 7, job=job)

    # -- loading -------------------------------------------------------------------------------

    def load_job(self, filename: str | os.PathLike[str], *, allow_unsafe: bool = False) -> Job | None:
        """Load a job from a ``.dill`` file and attach it to this manager.

        Restores what pickling dropped: ``jobmanager``, ``path`` (the folder of *filename*),
        ``default_settings`` (``[]``: ``config.job`` is applied at run time) and, recursively, the children's ``parent`` and
        ``path``; ``_dont_pickle`` attributes become None. Results are refreshed and hashes
        registered, so rerun prevention sees the job. The job is not registered (no folder, no
        renaming, no cleaning). A file that the static reader finds unsafe (unless
        *allow_unsafe*) or corrupt, or that cannot be unpickled, is logged and None returned
        (see :meth:`load_pickle`).
        """
        filename = os.fspath(filename)
        if not os.path.isfile(filename):
            raise FileError(f"File {filename} not present")
        try:
            return self.load_pickle(filename, allow_unsafe=allow_unsafe, import_user_modules=True).job
        except PlamsError as exc:
            self.log(f"Unpickling of {os.path.abspath(filename)} failed: {exc}", 1)
            return None

    def load_pickle(
        self,
        filename: str | os.PathLike[str],
        *,
        allow_unsafe: bool = False,
        import_user_modules: bool = False,
    ) -> LoadedPickle:
        """:meth:`load_job` that raises instead of logging, and returns what the load made (for repickling).

        The static reader judges the bytes first (:func:`plams_core.pickles.loader.load_dill`):
        UnsafePickleError, CorruptPickleError, FileError. *import_user_modules* imports the
        modules the pickle names (as PLAMS does); without it their classes become stand-ins.
        """
        filename = os.path.abspath(os.fspath(filename))
        loaded = load_dill(filename, allow_unsafe=allow_unsafe, import_user_modules=import_user_modules)
        try:
            self._setstate(loaded.job, os.path.dirname(filename), None)
        except Exception as exc:
            raise CorruptPickleError(f"{filename}: {type(exc).__name__}: {exc}"[:300]) from None
        return loaded

    def _setstate(self, job: Job, path: str, parent: MultiJob | None) -> None:
        import threading as _threading

        job.parent = parent
        job.jobmanager = self
        job.default_settings = []
        job.path = path
        # An embedded manager (plams-tui load/repickle) runs no code from the pickle: a class
        # the script defined travels by value with its methods, and PLAMS's load_job would call
        # its __iter__, other_jobs, refresh and hash_input. The base methods run instead and
        # the hash comes from the files, as the index computes it. A script run by the engine
        # (python -m plams_core, -r/-l) calls them, as PLAMS does: that is the user's own code.
        embedded = getattr(self, "_embedded", False)
        if isinstance(job, MultiJob):
            job._lock = _threading.Condition()
            children = (
                [*MultiJob.__iter__(job), *MultiJob.other_jobs(job)]
                if embedded
                else [*job, *job.other_jobs()]
            )
            for child in children:
                self._setstate(child, opj(path, child.name), job)
        if embedded:
            from .results import Results

            if isinstance(job.results, Results):
                Results.refresh(job.results)
            h = self._file_hash(job)
        else:
            job.results.refresh()
            h = job.hash()
        if h is not None:
            with self._register_lock:
                self.hashes[h] = job
        for key in job._dont_pickle:
            job.__dict__[key] = None

    def _file_hash(self, job: Job) -> str | None:
        """The job's hash from its files (``$JN.in``, ``$JN.run``), as PLAMS defines it; None for MultiJobs."""
        from .hashing import combine_hashes, sha256

        if isinstance(job, MultiJob) or job.path is None:
            return None
        mode = self.settings.get("hashing")
        if not mode:
            return None
        digests: list[str | None] = []
        for ext in ("in", "run"):
            try:
                with open(opj(job.path, f"{job.name}.{ext}"), "rb") as f:
                    digests.append(sha256(f.read()))
            except OSError:
                digests.append(None)
        return combine_hashes(mode, digests[0], digests[1])

    # -- the end -------------------------------------------------------------------------------

    def _clean(self) -> None:
        """Clean every registered job by its ``save`` setting, then remove empty folders if configured."""
        self.log("Cleaning job manager", 7)
        for job in list(self.jobs):
            if job.path is not None and os.path.isdir(job.path):
                try:
                    job.results._clean(job.settings.get("save", get_config().job.get("save", "all")))
                except OSError as exc:
                    self.log(f"Cleaning of {job.name} failed: {exc}", 1, job=job)
        if self.settings.get("remove_empty_directories"):
            for root, dirs, _files in os.walk(self._workdir, topdown=False):  # never makes the folder
                for name in dirs:
                    full = opj(root, name)
                    try:
                        if not os.listdir(full):
                            os.rmdir(full)
                    except OSError:
                        pass
        self.log("Job manager cleaned", 7)

    def close(self) -> None:
        """Release the working folder's lock (finish() does this); the manager should not run jobs after."""
        self._closed = True
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)

    @property
    def locked(self) -> bool:
        """True while this manager holds its working folder's lock."""
        return self._lock_fd is not None

    def __getstate__(self) -> dict[str, Any]:
        raise PlamsError("a JobManager cannot be pickled (jobs drop it when they are pickled)")

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"JobManager(workdir={str(self._workdir)!r}, jobs={len(self.jobs)})"
