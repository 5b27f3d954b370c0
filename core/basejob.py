"""Jobs: ``Job`` (the life cycle), ``SingleJob`` (one runscript) and ``MultiJob`` (a container).

Follows ``scm.plams.core.basejob``: the life cycle is ``_prepare`` (register, prerun, rerun
prevention, write ``$JN.in``/``$JN.run``), ``_execute`` (run the runscript, or the children)
and ``_finalize`` (collect, check, keep-cleaning, postrun, pickle). As in PLAMS 2025+, the
status is a :class:`JobStatus` in ``_status`` with every change time-stamped in
``_status_log``, and an exception anywhere in the life cycle (prerun, postrun, check, a
failing hard link...) marks the job ``failed`` with its traceback instead of killing the runner.
"""

from __future__ import annotations

import datetime
import os
import shutil
import stat
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ALL_COMPLETED, Future, ThreadPoolExecutor, wait
from os.path import join as opj
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import FileError, JobError, PlamsError, ResultsError
from .functions import get_config, log
from .hashing import combine_hashes, sha256, validate_hashing
from .pickles.writer import write_pickle_atomically
from .results import Results
from .settings import Settings
from .status import OK_STATUSES, JobStatus

if TYPE_CHECKING:
    from .jobmanager import JobManager
    from .jobrunner import JobRunner

__all__ = ["Job", "MultiJob", "SingleJob", "check_job_name", "wait_for_status_change_callbacks"]

J = TypeVar("J", bound="Job")

# on_status_change callbacks run in a small pool of their own, so a slow callback never holds up a job.
_callback_lock = threading.Lock()
_callback_pool: ThreadPoolExecutor | None = None
_callback_futures: set[Future[None]] = set()


def _submit_status_callback(
    callback: Callable[..., Any], name: str, path: str | None, status: str, at: Any
) -> None:
    global _callback_pool

    def safe() -> None:
        try:
            callback(name=name, path=path, status=status, at=at)
        except Exception as exc:  # a broken callback must never stop a job
            log(f"on_status_change callback execution raised {exc}", 5)

    with _callback_lock:
        if _callback_pool is None:
            _callback_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="job-status-change")
        future = _callback_pool.submit(safe)
        _callback_futures.add(future)
    future.add_done_callback(_callback_futures.discard)


def wait_for_status_change_callbacks(timeout: float) -> None:
    """Wait (at most *timeout* seconds) until every pending ``on_status_change`` callback has run."""
    with _callback_lock:
        pending = set(_callback_futures)
    if pending:
        wait(pending, timeout=timeout, return_when=ALL_COMPLETED)


#: Attributes never pickled: they point at this process's environment.
_NEVER_PICKLED = ("jobmanager", "parent", "default_settings", "_lock")


def check_job_name(name: object) -> str:
    """Return *name* if it can be a job (and folder) name, else raise PlamsError saying why."""
    if not isinstance(name, str) or not name:
        raise PlamsError(f"Job name must be a non-empty string, got {name!r}")
    for sep in {os.sep, os.altsep or os.sep}:
        if sep in name:
            raise PlamsError(
                f"Job name {name!r} contains the path separator {sep!r}: a job name becomes a folder name, "
                f"use e.g. {name.replace(sep, '_')!r}"
            )
    return name


class Job:
    """A computational task with PLAMS's life cycle. Subclass :class:`SingleJob` or :class:`MultiJob`.

    Attributes: ``name``, ``settings``, ``default_settings`` (soft-merged into ``settings``
    when the job starts; ``[config.job]``), ``depend`` (jobs to wait for), ``status``,
    ``results``, ``path`` (the job folder), ``jobmanager``, ``parent`` and ``_dont_pickle``
    (extra attribute names left out of the ``.dill`` file, None after loading).
    """

    _result_type: type[Results] = Results

    def __init__(
        self, name: str = "plamsjob", settings: Settings | Job | None = None, depend: list[Job] | None = None
    ):
        check_job_name(name)
        self._status_log: list[tuple[datetime.datetime, str]] = []
        self.results = type(self)._result_type(self)
        self.name = name
        self.path: str | None = None
        self.jobmanager: JobManager | None = None
        self.parent: MultiJob | None = None
        self.settings = Settings()
        self.default_settings: list[Settings] = []
        self.depend: list[Job] = depend or []
        self._dont_pickle: list[str] = []
        self._error_msg: str | None = None
        self._parent_notified = False
        if isinstance(settings, Settings):
            self.settings = settings.copy()
        elif isinstance(settings, Job):
            self.settings = settings.settings.copy()
        self.status = JobStatus.CREATED

    # -- status ------------------------------------------------------------------------------

    @property
    def status(self) -> JobStatus:
        """Current status; a :class:`JobStatus`, equal to its lowercase name (``'successful'``)."""
        return self._status

    @status.setter
    def status(self, value: JobStatus | str) -> None:
        value = JobStatus(str(value))
        at = datetime.datetime.now(datetime.UTC)
        self._status = value
        self._status_log.append((at, str(value)))
        settings = self.__dict__.get("settings")
        callback = (settings.get("on_status_change") if isinstance(settings, Settings) else None) or (
            get_config().job.get("on_status_change")
        )
        if callback is not None:
            _submit_status_callback(callback, self.name, self.path, str(value), at)

    @property
    def status_log(self) -> list[tuple[datetime.datetime, str]]:
        """Every status change as ``(UTC datetime, status)``, oldest first."""
        return self._status_log

    # -- public API ----------------------------------------------------------------------------

    def run(
        self, jobrunner: JobRunner | None = None, jobmanager: JobManager | None = None, **kwargs: Any
    ) -> Results:
        """Run this job with *jobrunner* and *jobmanager* (defaults from ``config``); *kwargs* go to ``settings.run``.

        Returns ``self.results`` (possibly before the job ends with a parallel runner).
        """
        if self.status != JobStatus.CREATED:
            raise JobError(f"Trying to run previously started job {self.name}")
        # As PLAMS 2025+: without init() the defaults are made now (the working folder on first use).
        cfg = get_config()
        jobrunner = jobrunner or cfg.default_jobrunner
        jobmanager = jobmanager or cfg.default_jobmanager
        _ = jobmanager.workdir  # the folder (and its logfile) exist from the first log line on
        self._error_msg = None
        self._parent_notified = False
        self.jobmanager = jobmanager  # known from now on, so early log lines reach its logfile
        self.status = JobStatus.STARTED
        self._log_status(1, jobmanager)
        self.settings.run.soft_update(Settings(kwargs))
        jobrunner._run_job(self, jobmanager)
        return self.results

    def pickle(self, filename: str | os.PathLike[str] | None = None) -> bool:
        """Save this job to *filename* (default ``$JN.dill`` in the job folder) atomically.

        Returns False (and logs why) if it could not be pickled; an older file stays intact.
        """
        if filename is None:
            if self.path is None:
                self._log(f"Pickling of {self.name} failed: the job has no folder yet", 1)
                return False
            filename = opj(self.path, self.name + ".dill")
        protocol = self.settings.get("pickle_protocol", get_config().job.get("pickle_protocol", -1))
        try:
            from .pickles.loader import dump_for  # a job loaded from real PLAMS keeps its classes' names

            write_pickle_atomically(self, filename, protocol, dump=dump_for(self))
        except Exception as exc:
            self._log(f"Pickling of {self.name} failed: {type(exc).__name__}: {exc}", 1)
            return False
        return True

    def ok(self, strict: bool = True) -> bool:
        """True if the job ended ``successful`` or ``copied`` (waits for it to end).

        Called before :meth:`run` it logs a warning and returns False, unless *strict* is False.
        """
        if strict and self.status == JobStatus.CREATED:
            self._log(
                f"Job {self.name} WARNING: ok() method was called before run(). Returned value is False. "
                "Please check the documentation",
                3,
            )
            return False
        self.results.wait()
        return self.status in OK_STATUSES

    def check(self) -> bool:
        """Whether the execution succeeded; defined by subclasses."""
        raise PlamsError("Trying to run an abstract method Job.check()")

    def hash(self) -> str | None:
        """The rerun-prevention hash; defined by subclasses."""
        raise PlamsError("Trying to run an abstract method Job.hash()")

    def get_errormsg(self) -> str | None:
        """An error message for a job whose check() is false (the traceback if it raised), else None."""
        if self._error_msg is None and self.check():
            return None
        return self._error_msg or "Could not determine error message. Please check the output manually."

    def prerun(self) -> None:
        """Hook run before the job executes (after registration, before rerun prevention)."""

    def delete(self) -> None:
        """Delete the job: wait for it, forget it in its JobManager (its name can be used again),
        remove it from its parent, delete its folder; status ``deleted``, ``path`` None."""
        if self.status != JobStatus.CREATED:
            self.results.wait()
        if self.jobmanager is not None:
            self.jobmanager.remove_job(self)
        if self.parent is not None:
            self.parent.remove_child(self)
        if self.path is not None and os.path.isdir(self.path):
            shutil.rmtree(self.path)
        self.status = JobStatus.DELETED
        self.path = None
        self._log_status(5)

    def rename(self, name: str) -> None:
        """Rename the job (``.NNN`` if the name is taken): its registration, folder and files named
        after it, and its ``.dill`` (repickled). A job not yet run just changes its name."""
        if self.status != JobStatus.CREATED:
            self.results.wait()
        check_job_name(name)
        previous = self.name
        if name == previous:
            return
        if self.path is None:
            self.name = name
            return
        old_path = self.path
        if self.jobmanager is not None:
            self.jobmanager.rename_job(self, name)
        else:
            self.name = name
            self.path = opj(os.path.dirname(old_path), name)
        if self.path == old_path or not os.path.isdir(old_path):
            return
        shutil.move(old_path, self.path)
        self.results.collect()
        MultiJob.apply_to_children(self, lambda j: j.results.collect(), recursive=True)
        for old_file in Path(self.path).iterdir():
            if old_file.is_file() and not old_file.name.endswith(".dill") and previous in old_file.name:
                self.results.rename(old_file.name, old_file.name.replace(previous, self.name))
        self.results.collect()
        old_dill = Path(self.path, previous + ".dill")
        if old_dill.exists():
            os.remove(old_dill)
            self.pickle()
        MultiJob.apply_to_children(
            self,
            lambda j: j.pickle() if j.path and Path(j.path, j.name + ".dill").exists() else None,
            recursive=True,
        )

    @classmethod
    def load(
        cls: type[J], path: str | os.PathLike[str], jobmanager: JobManager | None = None, strict: bool = True
    ) -> J:
        """Load a job from a job folder (its ``.dill``) or a ``.dill`` file, into *jobmanager*
        (default: the default JobManager). With *strict*, the job must be an instance of *cls*
        (ValueError otherwise). A missing path or ``.dill`` raises FileError."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileError(f"Path '{path}' does not exist")
        if os.path.isdir(path):
            dills = sorted(
                f for f in os.listdir(path) if f.endswith(".dill") and not f.endswith(".prev.dill")
            )
            if not dills:
                raise FileError(f"No '.dill' file present in '{path}'")
            preferred = os.path.basename(os.path.normpath(path)) + ".dill"
            path = opj(path, preferred if preferred in dills else dills[0])
        jm = jobmanager or get_config().default_jobmanager
        job = jm.load_job(path)
        if job is None:
            raise FileError(f"Could not load a job from '{path}' (see the log)")
        if strict and not isinstance(job, cls):
            raise ValueError(f"Loaded job is a {type(job).__name__}, not a {cls.__name__}")
        return job  # type: ignore[return-value]  # with strict=False any Job (PLAMS's contract)

    def postrun(self) -> None:
        """Hook run after a successful check(), before pickling."""

    # -- logging -------------------------------------------------------------------------------

    def _log(self, message: str, level: int, jobmanager: JobManager | None = None) -> None:
        jm = jobmanager or self.jobmanager
        if jm is None and self.parent is not None:
            jm = self.parent.jobmanager
        if jm is not None:
            jm.log(message, level, job=self)
        else:
            log(message, level)

    def _log_status(self, level: int, jobmanager: JobManager | None = None) -> None:
        """Log ``JOB <full name> <STATUS>`` (uppercased, like PLAMS)."""
        self._log(f"JOB {self._full_name()} {str(self.status).upper()}", level, jobmanager)

    def _full_name(self, rel_dir: str | os.PathLike[str] | None = None) -> str:
        """``<rel_dir>/<parent's full name>/<name>``: how the JobManager counts names."""
        path = Path(self.name)
        if self.parent is not None:
            path = Path(self.parent._full_name(rel_dir)) / path
        elif rel_dir:
            path = Path(rel_dir) / path
        return path.as_posix()

    def _make_folder(self) -> None:
        """Create the job folder set by registration; an existing folder is never reused."""
        if self.path is None:
            raise JobError(f"Path for job {self.name} is not set")
        try:
            os.makedirs(self.path)
        except FileExistsError:
            raise FileError(
                f"job folder {self.path} already exists; refusing to reuse it for job {self.name} "
                "(plams_core never overwrites a job folder)"
            ) from None
        except OSError as exc:
            raise FileError(f"cannot create job folder {self.path}: {exc.strerror}") from None

    # -- life cycle ----------------------------------------------------------------------------

    def _notify_parent(self) -> None:
        if not self._parent_notified and self.parent is not None and self in self.parent:
            self._parent_notified = True
            self.parent._notify()

    def _fail(self, exc: BaseException) -> None:
        """Mark the job failed after *exc*, keep the traceback for get_errormsg() and release waiters."""
        self._log(f"Encountered exception {exc!r} in {self.name}, marking job as {JobStatus.FAILED}", 5)
        self._error_msg = traceback.format_exc()
        self.status = JobStatus.FAILED
        self.results._privileged_thread = None
        self.results.finished.set()
        self.results.done.set()
        self._notify_parent()

    def _prepare(self, jobmanager: JobManager) -> bool:
        """Steps before execution; returns True if the job must execute (not copied, not failed)."""
        try:
            self._log(f"Starting {self.name}._prepare()", 7, jobmanager)
            if not get_config().preview:
                for dep in self.depend:
                    dep.results.wait()
            jobmanager._register(self)
            self._make_folder()
            self.status = JobStatus.REGISTERED
            self._log(f"Starting {self.name}.prerun()", 5)
            self.prerun()
            self._log(f"{self.name}.prerun() finished", 5)
            for defaults in reversed([get_config().job, *self.default_settings]):
                self.settings.soft_update(defaults)
            prev = jobmanager._check_hash(self)
            if prev is not None:
                try:
                    prev.results._copy_to(self.results)
                    self.status = JobStatus.COPIED
                except ResultsError as exc:
                    self._log(
                        f"Copying results of {prev.name} failed because of the following error: {exc}", 1
                    )
                    self.status = prev.status
                if self.settings.pickle:
                    self.pickle()
                self.results.finished.set()
                self.results.done.set()
                self._notify_parent()
            else:
                self.status = JobStatus.RUNNING
                self._get_ready()
            self._log(f"{self.name}._prepare() finished", 7)
            self._log_status(3)
            return prev is None
        except Exception as exc:
            self._fail(exc)
            return False

    def _get_ready(self) -> None:
        raise PlamsError("Trying to run an abstract method Job._get_ready()")

    def _execute(self, jobrunner: JobRunner) -> None:
        raise PlamsError("Trying to run an abstract method Job._execute()")

    def _finalize(self) -> None:
        """Steps after execution: collect, check, clean with ``keep``, postrun, pickle."""
        try:
            self._log(f"Starting {self.name}._finalize()", 7)
            if self.status == JobStatus.FAILED:
                pass  # _execute failed and already released everything
            elif not get_config().preview:
                self.results.collect()
                self.results.finished.set()
                if self.status != JobStatus.CRASHED:
                    self.status = JobStatus.FINISHED
                    self._log_status(3)
                    # check() and postrun() may read results before the job is done.
                    self.results._privileged_thread = threading.get_ident()
                    if self.check():
                        self._log(
                            f"{self.name}.check() success. Cleaning results with keep = {self.settings.keep}",
                            7,
                        )
                        self.results._clean(self.settings.keep)
                        self._log(f"Starting {self.name}.postrun()", 5)
                        self.postrun()
                        self._log(f"{self.name}.postrun() finished", 5)
                        self.results._privileged_thread = None
                        self.status = JobStatus.SUCCESSFUL
                        if self.settings.pickle:
                            self._log(f"Pickling {self.name}", 7)
                            self.pickle()
                    else:
                        self.results._privileged_thread = None
                        self._log(f"{self.name}.check() failed", 7)
                        self.status = JobStatus.FAILED
            else:
                self.status = JobStatus.PREVIEW
                self.results.finished.set()
            self.results.done.set()
            self._notify_parent()
            self._log(f"{self.name}._finalize() finished", 7)
            self._log_status(1)
        except Exception as exc:
            self._fail(exc)
            self._log_status(1)

    # -- pickling ------------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """The pickled state: everything but jobmanager, parent, default_settings, _lock and ``_dont_pickle``."""
        remove = set(_NEVER_PICKLED) | set(self.__dict__.get("_dont_pickle") or ())
        return {k: v for k, v in self.__dict__.items() if k not in remove}

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "_status" not in state:  # pickles of PLAMS < 2025 store a plain 'status' string
            state["_status"] = JobStatus(str(state.pop("status", JobStatus.CREATED)))
            state.setdefault("_status_log", [])
        state.setdefault("_error_msg", None)
        state.setdefault("_dont_pickle", [])
        state.setdefault("_parent_notified", True)
        self.__dict__.update(state)
        self.__dict__.setdefault("jobmanager", None)
        self.__dict__.setdefault("parent", None)
        self.__dict__.setdefault("default_settings", [])


class SingleJob(Job):
    """A job that is one run of a runscript. Subclasses define get_input() and get_runscript().

    Files are named by ``_filenames`` (``$JN`` = job name): ``$JN.in``, ``$JN.run``
    (executable), ``$JN.out``, ``$JN.err``.
    """

    _filenames: dict[str, str] = {"inp": "$JN.in", "run": "$JN.run", "out": "$JN.out", "err": "$JN.err"}

    def __init__(self, molecule: Any = None, **kwargs: Any) -> None:
        Job.__init__(self, **kwargs)
        self.molecule = molecule.copy() if hasattr(molecule, "copy") else molecule

    def get_input(self) -> str:
        """The text of the input file ``$JN.in``."""
        raise PlamsError("Trying to run an abstract method SingleJob.get_input()")

    def get_runscript(self) -> str:
        """The body of the runscript (shebang, pre and post are added by full_runscript())."""
        raise PlamsError("Trying to run an abstract method SingleJob.get_runscript()")

    def hash_input(self) -> str:
        """SHA256 of the input text."""
        return sha256(self.get_input())

    def hash_runscript(self) -> str:
        """SHA256 of the full runscript."""
        return sha256(self.full_runscript())

    def hash(self) -> str | None:
        """The hash for rerun prevention, by the JobManager's ``hashing`` (or ``config.jobmanager.hashing``).

        ``input``, ``runscript``, ``input+runscript`` (hash of the two hex digests) or None.
        """
        raw = (
            self.jobmanager.settings.get("hashing")
            if self.jobmanager
            else get_config().jobmanager.get("hashing")
        )
        try:
            mode = validate_hashing(raw)
        except ValueError as exc:
            raise PlamsError(f"Unsupported hashing method: {raw}") from exc
        if mode is None:
            return None
        input_hash = self.hash_input() if "input" in mode else None
        runscript_hash = self.hash_runscript() if "runscript" in mode else None
        return combine_hashes(mode, input_hash, runscript_hash)

    def check(self) -> bool:
        """True by default; override to inspect the output."""
        return True

    def full_runscript(self) -> str:
        """Shebang (``settings.runscript.shebang``), optional ``pre``, get_runscript(), optional ``post``."""
        rs = self.settings.runscript
        ret = rs.get("shebang", get_config().job.runscript.get("shebang", "#!/bin/sh")) + "\n\n"
        if "pre" in rs:
            ret += rs.pre + "\n\n"
        ret += self.get_runscript()
        if "post" in rs:
            ret += rs.post + "\n\n"
        return ret

    def _filename(self, t: str) -> str:
        """The file name of kind *t* (``inp``, ``run``, ``out``, ``err``) for this job."""
        return self._filenames[t].replace("$JN", self.name)

    def _get_ready(self) -> None:
        if self.path is None:
            raise JobError(f"No path has been set for the job {self.name!r}")
        runfile = opj(self.path, self._filename("run"))
        with open(opj(self.path, self._filename("inp")), "w", encoding="utf-8") as f:
            f.write(self.get_input())
        with open(runfile, "w", encoding="utf-8") as f:
            f.write(self.full_runscript())
        os.chmod(runfile, os.stat(runfile).st_mode | stat.S_IEXEC)

    def _execute(self, jobrunner: JobRunner) -> None:
        try:
            self._log(f"Starting {self.name}._execute()", 7)
            if not get_config().preview:
                assert self.path is not None
                runscript = self._filename("run")
                out = None if self.settings.runscript.get("stdout_redirect") else self._filename("out")
                self._log(f"Executing {runscript}", 5)
                retcode = jobrunner.call(
                    runscript=runscript,
                    workdir=self.path,
                    out=out,
                    err=self._filename("err"),
                    runflags=self.settings.run,
                )
                self._log(f"Execution of {runscript} finished with returncode {retcode}", 5)
                if retcode != 0:
                    self._log(f"WARNING: Job {self.name} finished with nonzero return code", 3)
                    self.status = JobStatus.CRASHED
            self._log(f"{self.name}._execute() finished", 7)
        except Exception as exc:
            self._fail(exc)


class MultiJob(Job):
    """A job made of other jobs (``children``: a list or a dict), run in this job's folder.

    ``childrunner`` runs the children instead of the parent's runner. new_children() may
    return more children (same container type) until it returns something empty.
    """

    def __init__(
        self,
        children: list[Job] | dict[Any, Job] | None = None,
        childrunner: JobRunner | None = None,
        **kwargs: Any,
    ):
        Job.__init__(self, **kwargs)
        self.children: list[Job] | dict[Any, Job] = [] if children is None else children
        self.childrunner = childrunner
        self._active_children = 0
        self._lock = threading.Condition()

    def __setstate__(self, state: dict[str, Any]) -> None:
        Job.__setstate__(self, state)
        self._lock = threading.Condition()

    def new_children(self) -> list[Job] | dict[Any, Job] | None:
        """More children to run after the current ones; None (default) ends the job."""
        return None

    def hash(self) -> None:
        """MultiJobs are never hashed (their children are)."""
        return None

    def check(self) -> bool:
        """True if every child is ok()."""
        return all([child.ok() for child in self])

    def other_jobs(self) -> Iterator[Job]:
        """Jobs stored as attributes of this MultiJob (not in children) whose parent is this job."""
        for attr in list(self.__dict__.values()):
            if isinstance(attr, Job) and (
                getattr(attr, "parent", None) is self or not hasattr(attr, "parent")
            ):
                yield attr

    @classmethod
    def apply_to_children(cls, job: Job, func: Callable[[Job], Any], recursive: bool = False) -> None:
        """Call *func* on every child of *job* (and its other jobs) if it is a MultiJob; with
        *recursive*, on their children too. Nothing for a SingleJob."""
        if isinstance(job, MultiJob):
            for child in [*job, *job.other_jobs()]:
                func(child)
                if recursive:
                    cls.apply_to_children(child, func, recursive)

    def delete(self) -> None:
        """Delete the children, then this job (see :meth:`Job.delete`)."""
        if self.status != JobStatus.CREATED:
            self.results.wait()
        for child in list(self):
            child.delete()
            self.remove_child(child)
        super().delete()

    def remove_child(self, job: Job) -> None:
        """Remove *job* from children."""
        items = self.children.items() if isinstance(self.children, dict) else enumerate(self.children)
        for key, child in list(items):
            if child is job:
                job.parent = None
                del self.children[key]
                return

    def __iter__(self) -> Iterator[Job]:
        """Iterate over the children (the values if children is a dict)."""
        if isinstance(self.children, dict):
            return iter(list(self.children.values()))
        return iter(list(self.children))

    def __contains__(self, job: object) -> bool:
        return any(child is job for child in self)

    def _get_ready(self) -> None:
        with self._lock:
            self._active_children = len(self.children)
        for child in self:
            child.parent = self

    def _notify(self) -> None:
        """A child has ended: count it and wake the parent."""
        with self._lock:
            self._active_children -= 1
            self._lock.notify_all()

    def _execute(self, jobrunner: JobRunner) -> None:
        try:
            self._log(f"Starting {self.name}._execute()", 7)
            runner = self.childrunner or jobrunner
            for child in self:
                child.run(jobrunner=runner, jobmanager=self.jobmanager, **self.settings.run)
            new = self.new_children()
            while new:
                if isinstance(new, dict) and isinstance(self.children, dict):
                    self.children.update(new)
                    batch = list(new.values())
                elif isinstance(new, list) and isinstance(self.children, list):
                    self.children += new
                    batch = list(new)
                else:
                    raise JobError(
                        f"ERROR in job {self.name}: 'new_children' returned a value incompatible with 'children'"
                    )
                with self._lock:
                    self._active_children += len(batch)
                for child in batch:
                    child.parent = self
                for child in [c for c in batch if not c.depend] + [c for c in batch if c.depend]:
                    child.run(jobrunner=runner, jobmanager=self.jobmanager, **self.settings.run)
                new = self.new_children()
            with self._lock:
                self._lock.wait_for(lambda: self._active_children <= 0)
            self._log(f"{self.name}._execute() finished", 7)
        except Exception as exc:
            self._fail(exc)
