"""``JobManager``: the working folder, job folders, names, hashes and loading of ``.dill`` files.

As the PLAMS manual's JobManager chapter says (``/work/shared/spec/jobmanager.txt``), with
these decisions:

* The working folder is created (not lazily, unlike PLAMS 2025+) and locked when the
  manager is made; default name ``plams.<PID>`` as in the spec, ``.002``, ``.003`` if taken.
* A job folder that already exists is never reused: ``_register`` raises FileError.
* Name counters follow PLAMS 2024 (a ``.NNN`` suffix is stripped first, counters per full
  name ``parent/child``); ``remove_job`` follows 2026 (the counter falls back to the highest
  remaining one).
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
from typing import TYPE_CHECKING, Any

from .basejob import Job, MultiJob, check_job_name
from .errors import CorruptPickleError, FileError, PlamsError, WorkdirLockedError
from .functions import config
from .logfile import emit, job_csv_row, write_csv_row
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
    """
    fd = os.open(workdir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        try:
            holder = describe_lock_holder(os.fstat(fd))
        finally:
            os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise WorkdirLockedError(
                f"working folder {os.fspath(workdir)} is in use by another PLAMS job manager"
                f"{f' ({holder})' if holder else ''}; wait for that run to finish or use another folder"
            ) from None
        raise
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


class JobManager:
    """Keeps track of the jobs of one working folder and prevents running the same job twice.

    Attributes: ``folder`` (working folder name), ``path`` (where it lives), ``workdir``
    (``path/folder``), ``settings`` (the given Settings itself: ``hashing``, ``counter_len``,
    ``remove_empty_directories``), ``jobs``, ``names`` (how many jobs per full name),
    ``hashes`` (hash -> job), ``logfile`` and ``input`` (``workdir/logfile``, ``workdir/input``).
    ``foldername`` is an alias of ``folder`` (PLAMS's newer name).

    *log_settings* (default: ``config.log``) sets the verbosities of this manager's logfile
    and stdout. Raises WorkdirLockedError if another manager writes the folder.
    """

    def __init__(
        self,
        settings: Settings,
        path: str | os.PathLike[str] | None = None,
        folder: str | None = None,
        *,
        use_existing_folder: bool = False,
        log_settings: Settings | None = None,
    ) -> None:
        self._init_state(settings, log_settings)
        if path is None:
            self.path = os.getcwd()
        elif os.path.isdir(path):
            self.path = os.path.abspath(path)
        else:
            raise PlamsError(f"Invalid path: {os.fspath(path)} is not a directory")
        base = os.path.normpath(folder) if folder else f"plams.{os.getpid()}"
        self.folder = base
        workdir = opj(self.path, base)
        if use_existing_folder and os.path.isdir(workdir):
            self.workdir = workdir
        else:
            n = 2
            while True:
                try:
                    os.mkdir(workdir)  # atomic: whoever creates the name owns it
                    break
                except FileExistsError:
                    self.folder = f"{base}.{n:03d}"
                    workdir = opj(self.path, self.folder)
                    n += 1
            self.workdir = workdir
        self._lock_fd = lock_workdir(self.workdir)
        self.logfile = os.environ.get("SCM_LOGFILE") or opj(self.workdir, "logfile")
        self.input = opj(self.workdir, "input")
        self.job_logfile = opj(self.workdir, "job_logfile.csv")

    def _init_state(self, settings: Settings, log_settings: Settings | None) -> None:
        self.settings = settings
        self.jobs: list[Job] = []
        self.names: dict[str, int] = {}
        self.hashes: dict[str, Job] = {}
        self._name_counts: dict[int, tuple[str, int]] = {}  # id(job) -> (full name, counter)
        self._register_lock = threading.RLock()
        self._log_settings = log_settings
        self._lock_fd: int | None = None

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
        jm._init_state(settings if settings is not None else config.jobmanager.copy(), log_settings or quiet)
        jm.workdir = os.path.realpath(raw)
        jm.path, jm.folder = os.path.split(jm.workdir)
        jm.logfile = None  # type: ignore[assignment]
        jm.input = opj(jm.workdir, "input")
        jm.job_logfile = None  # type: ignore[assignment]
        return jm

    @property
    def foldername(self) -> str:
        """The working folder name (PLAMS 2018+'s attribute name)."""
        return self.folder

    # -- logging -------------------------------------------------------------------------------

    @property
    def log_settings(self) -> Settings:
        """Verbosities used by this manager (``file``, ``stdout``, ``csv``, ``date``, ``time``)."""
        return self._log_settings if self._log_settings is not None else config.log

    def log(self, message: object, level: int = 0, *, echo: bool = True) -> None:
        """Log *message* at *level* to this manager's logfile, stdout (unless not *echo*) and the log sinks."""
        emit(str(message), level, self.logfile, self.log_settings, echo=echo)

    def _log_job_row(self, job: Job) -> None:
        """Append *job*'s summary to ``job_logfile.csv`` (PLAMS 2026 logs it at level 3)."""
        if self.job_logfile is not None and 3 <= self.log_settings.get("csv", 7):
            write_csv_row(self.job_logfile, job_csv_row(job))

    # -- registration --------------------------------------------------------------------------

    def _register_name(self, job: Job) -> None:
        """Give *job* a unique full name: strip a ``.NNN`` suffix, then append ``.002``, ``.003``... if taken."""
        with self._register_lock:
            check_job_name(job.name)
            counter_len = int(self.settings.get("counter_len", 3))
            original = job._full_name()
            job.name = re.sub(rf"(\.\d{{{counter_len}}})+$", "", job.name)
            full = job._full_name()
            if full in self.names:
                self.names[full] += 1
                count = self.names[full]
                job.name += "." + str(count).zfill(counter_len)
            else:
                count = self.names[full] = 1
            self._name_counts[id(job)] = (full, count)
            if job._full_name() != original:
                self.log(f"Renaming job {original} to {job._full_name()}", 3)

    def _register(self, job: Job) -> None:
        """Register *job*: give it a unique name and create its folder (never reusing an existing one)."""
        from .status import JobStatus

        with self._register_lock:
            self.log(f"Registering job {job.name}", 7)
            job.jobmanager = self
            self._register_name(job)
            if job.path is None:
                parent_path = job.parent.path if job.parent is not None else None
                job.path = opj(parent_path or self.workdir, job.name)
            try:
                os.mkdir(job.path)
            except FileExistsError:
                existing = job.path
                self._forget_name(job)
                job.path = None
                raise FileError(
                    f"job folder {existing} already exists; refusing to reuse it for job {job.name} "
                    "(plams_core never overwrites a job folder)"
                ) from None
            except OSError as exc:
                existing = job.path
                self._forget_name(job)
                job.path = None
                raise FileError(f"cannot create job folder {existing}: {exc.strerror}") from None
            self.jobs.append(job)
            job.status = JobStatus.REGISTERED
            self.log(f"Job {job.name} registered", 7)

    def _forget_name(self, job: Job) -> None:
        entry = self._name_counts.pop(id(job), None)
        if entry is None:
            return
        full, count = entry
        if self.names.get(full) == count:
            remaining = [c for n, c in self._name_counts.values() if n == full]
            if remaining:
                self.names[full] = max(remaining)
            else:
                del self.names[full]

    def _check_hash(self, job: Job) -> Job | None:
        """Hash *job*; return an earlier job with the same hash, or register this one and return None."""
        h = job.hash()
        if h is None:
            return None
        with self._register_lock:
            prev = self.hashes.get(h)
            if prev is not None:
                self.log(f"Job {job.name} previously run as {prev.name}, using old results", 1)
                return prev
            self.hashes[h] = job
        return None

    def remove_job(self, job: Job) -> None:
        """Forget *job* (and its children): its name count falls back to the highest remaining, its hash is dropped.

        Files are left alone (``delete_job`` removes them).
        """
        with self._register_lock:
            self.log(f"Removing job {job.name}", 7)
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
            if isinstance(job, MultiJob):
                for child in [*job, *job.other_jobs()]:
                    self.remove_job(child)

    # -- loading -------------------------------------------------------------------------------

    def load_job(self, filename: str | os.PathLike[str], *, allow_unsafe: bool = False) -> Job | None:
        """Load a job from a ``.dill`` file and attach it to this manager.

        Restores what pickling dropped: ``jobmanager``, ``path`` (the folder of *filename*),
        ``default_settings`` (``[config.job]``) and, recursively, the children's ``parent`` and
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
        job.default_settings = [config.job]
        job.path = path
        if isinstance(job, MultiJob):
            job._lock = _threading.Condition()
            for child in [*job, *job.other_jobs()]:
                self._setstate(child, opj(path, child.name), job)
        job.results.refresh()
        h = job.hash()
        if h is not None:
            with self._register_lock:
                self.hashes[h] = job
        for key in job._dont_pickle:
            job.__dict__[key] = None

    # -- the end -------------------------------------------------------------------------------

    def _clean(self) -> None:
        """Clean every registered job by its ``save`` setting, then remove empty folders if configured."""
        self.log("Cleaning job manager", 7)
        for job in list(self.jobs):
            if job.path is not None and os.path.isdir(job.path):
                try:
                    job.results._clean(job.settings.get("save", config.job.get("save", "all")))
                except OSError as exc:
                    self.log(f"Cleaning of {job.name} failed: {exc}", 1)
        if self.settings.get("remove_empty_directories"):
            for root, dirs, _files in os.walk(self.workdir, topdown=False):
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
        return f"JobManager(workdir={self.workdir!r}, jobs={len(self.jobs)})"
