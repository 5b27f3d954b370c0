"""Global PLAMS environment: ``config``, ``init``/``finish``, ``log`` and job loading helpers.

Names and defaults follow ``scm.plams.core.functions`` and ``plams_defaults``. ``config`` is
filled with defaults at import time (like PLAMS 2025+), so code that only builds its own
JobManager (the demo, the TUI) never needs ``init()``.
"""

from __future__ import annotations

import os
import shutil
import threading
import types
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .logfile import add_log_sink, emit, remove_log_sink
from .settings import Settings

if TYPE_CHECKING:
    from .basejob import Job
    from .jobmanager import JobManager

__all__ = [
    "add_log_sink",
    "add_to_class",
    "add_to_instance",
    "config",
    "default_config",
    "delete_job",
    "finish",
    "init",
    "load",
    "load_all",
    "log",
    "remove_log_sink",
]


def default_config() -> Settings:
    """A fresh ``Settings`` with PLAMS's defaults (``plams_defaults``), without a job manager."""
    from .jobrunner import JobRunner

    cfg = Settings()
    cfg.init = False
    cfg.preview = False
    cfg.sleepstep = 5
    cfg.ignore_failure = True
    cfg.daemon_threads = True
    cfg.erase_workdir = False
    cfg.jobmanager.counter_len = 3
    cfg.jobmanager.hashing = "input"
    cfg.jobmanager.remove_empty_directories = True
    cfg.job.pickle = True
    cfg.job.pickle_protocol = -1
    cfg.job.keep = "all"
    cfg.job.save = "all"
    cfg.job.runscript.shebang = "#!/bin/sh"
    cfg.job.runscript.stdout_redirect = False
    cfg.job.link_files = True
    cfg.log.file = 5
    cfg.log.stdout = 3
    cfg.log.csv = 7
    cfg.log.time = True
    cfg.log.date = True
    cfg.default_jobrunner = JobRunner(parallel=False)
    return cfg


#: The global PLAMS settings; ``config.jm`` and ``config.default_jobmanager`` after init().
config: Settings = Settings()
_init_lock = threading.RLock()


def init(
    path: str | os.PathLike[str] | None = None,
    folder: str | None = None,
    config_settings: dict[str, Any] | None = None,
    quiet: bool = False,
    use_existing_folder: bool = False,
) -> None:
    """Start the PLAMS environment: create the default JobManager with working folder *path*/*folder*.

    *folder* defaults to ``plams.<PID>``; a taken name gets ``.002``, ``.003`` unless
    *use_existing_folder*. *config_settings* updates ``config`` first. A second call
    before :func:`finish` does nothing, as in PLAMS.
    """
    from .jobmanager import JobManager

    with _init_lock:
        if config.init:
            return
        if config_settings:
            config.update(config_settings)
        jm = JobManager(config.jobmanager, path, folder, use_existing_folder=use_existing_folder)
        config.default_jobmanager = jm
        config.jm = jm
        config.init = True
        if not quiet:
            log(f"PLAMS working folder: {jm.workdir}", 1)


def finish(otherJM: Iterable[JobManager] | None = None) -> None:
    """Wait for all job threads, clean every job manager (``save``) and release the working folders.

    Pass every JobManager you created yourself as *otherJM*.
    """
    if not config.init:
        for jm in otherJM or ():
            jm._clean()
            jm.close()
        return
    for thread in threading.enumerate():
        if thread.name == "plamsthread" and thread is not threading.current_thread():
            thread.join()
    managers = [config.default_jobmanager, *(otherJM or ())]
    for jm in managers:
        jm._clean()
    log("PLAMS environment cleaned up successfully", 5)
    log("PLAMS run finished. Goodbye", 3)
    for jm in managers:
        jm.close()
    if config.erase_workdir is True:
        shutil.rmtree(config.default_jobmanager.workdir, ignore_errors=True)
    config.init = False


def log(message: object, level: int = 0) -> None:
    """Log *message* at verbosity *level* (0 most important .. 7 debug), as PLAMS does.

    Goes to the default JobManager's ``logfile`` (``level <= config.log.file``), to stdout
    (``level <= config.log.stdout``) and to every sink added with :func:`add_log_sink`.
    """
    jm = config.get("default_jobmanager") if config.get("init") else None
    if jm is not None:
        jm.log(message, level)
    else:
        emit(str(message), level, None, config.log)


def load(filename: str | os.PathLike[str]) -> Job | None:
    """Load a job from a ``.dill`` file into the default JobManager (see ``JobManager.load_job``)."""
    return _default_jm().load_job(filename)


def load_all(path: str | os.PathLike[str], jobmanager: JobManager | None = None) -> dict[str, Job]:
    """Load every job of a working folder: ``path/NAME/NAME.dill``, descending into folders without one.

    That is exactly what PLAMS loads: a partly failed MultiJob has no ``.dill``, so its
    successful children are loaded instead, recursively. Returns ``{absolute dill path: job}``;
    files that cannot be unpickled are logged and skipped.
    """
    jm = jobmanager or _default_jm()
    loaded: dict[str, Job] = {}
    path = os.fspath(path)
    for name in sorted(os.listdir(path)):
        sub = os.path.join(path, name)
        if not os.path.isdir(sub):
            continue
        dill = os.path.join(sub, name + ".dill")
        if os.path.isfile(dill):
            job = jm.load_job(dill)
            if job is not None:
                loaded[os.path.abspath(dill)] = job
        else:
            loaded.update(load_all(sub, jm))
    return loaded


def delete_job(job: Job) -> None:
    """Forget *job* in its JobManager, remove it from its parent, delete its folder; status ``deleted``."""
    from .status import JobStatus

    if job.status != JobStatus.CREATED:
        job.results.wait()
    if job.jobmanager is not None:
        job.jobmanager.remove_job(job)
    if job.parent is not None:
        job.parent.remove_child(job)
    if job.path is not None and os.path.isdir(job.path):
        shutil.rmtree(job.path)
    job.status = JobStatus.DELETED
    job._log_status(5)


def add_to_class(classname: type) -> Callable[[Callable[..., Any]], None]:
    """Decorator: add the function as a method of *classname* (guarded like other Results methods)."""
    from .results import Results, _restrict

    def decorator(func: Callable[..., Any]) -> None:
        if isinstance(classname, type) and issubclass(classname, Results):
            func = _restrict(func)
        setattr(classname, func.__name__, func)

    return decorator


def add_to_instance(instance: object) -> Callable[[Callable[..., Any]], None]:
    """Decorator: add the function as a method of this one *instance* only."""
    from .results import Results, _restrict

    def decorator(func: Callable[..., Any]) -> None:
        if isinstance(instance, Results):
            func = _restrict(func)
        setattr(instance, func.__name__, types.MethodType(func, instance))

    return decorator


def _default_jm() -> JobManager:
    from .errors import PlamsError

    jm = config.get("default_jobmanager")
    if jm is None:
        raise PlamsError("no default JobManager: call init() first or pass a JobManager")
    return jm


config.update(default_config())
