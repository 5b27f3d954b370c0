"""Global PLAMS environment: ``config``, ``init``/``finish``, ``log`` and job loading helpers.

Names and behaviour follow ``scm.plams.core.functions`` of PLAMS 2025+ (checked by PLAMS's own
unit tests, ``tests/core/test_conformance_plams.py``):

* ``config`` is a :class:`~plams_core.settings.ConfigSettings` with PLAMS's defaults, and
  :func:`_init` runs at import (``config.init`` is True): a script may run jobs without
  calling :func:`init`. The default JobManager is made on first use, so importing the engine
  creates no folder; :func:`finish` runs at exit if the script did not call it (only if the
  default JobManager was used: a process that ran nothing there, such as the app, exits
  without waiting for job threads of private managers).
* Code reads the configuration through :func:`get_config`, never a reference taken at import,
  so a replaced ``functions.config`` (tests patch it) and :func:`config_context` reach every
  module.
* :func:`init` (explicit) resets ``config`` to the defaults, applies a ``plams_defaults`` file
  (``$PLAMSDEFAULTS``, ``$AMSHOME/scripting/scm/plams/plams_defaults``, or one beside the
  package: the legacy PLAMS mechanism, a Python file run with ``config`` in scope) and
  *config_settings*, and makes the default JobManager now.
* Decision: the default working folder is ``plams.<PID>``, as the manual says (PLAMS 2025+
  uses ``plams_workdir``); see :mod:`plams_core.jobmanager`.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import threading
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.util import find_spec
from os.path import dirname, expandvars, isfile
from os.path import join as opj
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import MissingOptionalPackageError
from .logfile import add_log_sink, remove_log_sink
from .logging import get_logger
from .settings import ConfigSettings, Settings

if TYPE_CHECKING:
    from .basejob import Job
    from .jobmanager import JobManager

__all__ = [
    "add_log_sink",
    "add_to_class",
    "add_to_instance",
    "config",
    "config_context",
    "default_config",
    "delete_job",
    "finish",
    "get_config",
    "init",
    "jobs_in_directory",
    "load",
    "load_all",
    "log",
    "remove_log_sink",
    "requires_optional_package",
]

T = TypeVar("T")

#: The global PLAMS settings (``config.default_jobmanager``, ``config.job``, ``config.log``...).
#: Read it through :func:`get_config`, which also sees :func:`config_context`.
config: ConfigSettings = ConfigSettings()
_config: ContextVar[ConfigSettings] = ContextVar("_config")
_dir_for_jobs: ContextVar[Path | None] = ContextVar("_dir_for_jobs", default=None)
_init_lock = threading.RLock()
_logger = get_logger("plams")  # what log() writes through when the default manager is not ours
_log_lock = threading.Lock()


def default_config() -> ConfigSettings:
    """A fresh ``ConfigSettings`` with PLAMS's defaults (its JobRunner and JobManager made on first use)."""
    return ConfigSettings()


def get_config() -> ConfigSettings:
    """The ``config`` of the current context: the one of :func:`config_context`, else the global one."""
    try:
        return _config.get()
    except LookupError:
        return config


@contextmanager
def config_context() -> Iterator[ConfigSettings]:
    """Run a block with its own copy of ``config`` (what :func:`get_config` returns inside it).

    The copy shares the lazily made default JobRunner and JobManager. New threads start with
    the global config unless they are :class:`~plams_core.threading_utils.ContextAwareThread`\\ s
    (job threads are).
    """
    cfg = get_config().copy()
    token = _config.set(cfg)
    try:
        yield cfg
    finally:
        _config.reset(token)


def log(message: object, level: int = 0) -> None:
    """Log *message* at verbosity *level* (0 most important .. 7 debug), as PLAMS does.

    Goes to the default JobManager's ``logfile`` (``level <= config.log.file``) once that
    manager exists (and to its ``log_sink``), to stdout (``level <= config.log.stdout``) and to
    every global sink. After :func:`finish` (``config.init`` false) only levels 0-3 go to
    stdout, without time stamps, as in PLAMS.
    """
    cfg = get_config()
    if cfg.init:
        jm = cfg.default_jobmanager if cfg._check_initialized("default_jobmanager") else None
        # A plams_core JobManager (by its class, not by name: tests patch jobmanager.JobManager)
        if isinstance(getattr(type(jm), "log_settings", None), property):
            jm.log(message, level)  # type: ignore[union-attr]  # its own logfile, sink and verbosities
            return
        with _log_lock:
            logfile = getattr(jm, "logfile", None) if jm is not None else None
            _logger.configure(cfg.log.stdout, cfg.log.file, logfile, cfg.log.date, cfg.log.time)
            _logger.log(message, level)
    else:
        with _log_lock:
            _logger.configure(3)
            _logger.log(message, level)


# -- the environment -------------------------------------------------------------------------


def _init() -> None:
    """Finish setting up ``config`` once (at import): the defaults file, Slurm, and ``config.init``."""
    _load_defaults_file()
    cfg = get_config()
    cfg.slurm = _init_slurm() if "SLURM_JOB_ID" in os.environ else None
    cfg.init = True


def _load_defaults_file() -> str | None:
    """Run the first ``plams_defaults`` file found, with ``config`` in scope; returns its path."""
    if "PLAMSDEFAULTS" in os.environ and isfile(expandvars("$PLAMSDEFAULTS")):
        defaults = expandvars("$PLAMSDEFAULTS")
    elif "AMSHOME" in os.environ and isfile(
        opj(expandvars("$AMSHOME"), "scripting", "scm", "plams", "plams_defaults")
    ):
        defaults = opj(expandvars("$AMSHOME"), "scripting", "scm", "plams", "plams_defaults")
    else:
        defaults = opj(dirname(dirname(__file__)), "plams_defaults")
    if not isfile(defaults):
        return None
    with open(defaults) as f:
        code = compile(f.read(), defaults, "exec")
    # This module's globals (relative imports in the file resolve in plams_core) and its config.
    exec(code, {**globals(), "config": get_config()})
    return defaults


def _init_slurm() -> Settings | None:
    """Under Slurm: the Slurm version and tasks per node (Settings), and ``$SCM_SRUN_OPTIONS``; None if not usable."""
    if "SLURM_JOB_ID" not in os.environ:
        log("Slurm setup aborted: SLURM_JOB_ID is not set")
        return None
    try:
        srun = subprocess.run(["srun", "--version"], stdout=subprocess.PIPE, timeout=60)
    except (subprocess.TimeoutExpired, OSError) as exc:
        log(f"Slurm setup failed: srun --version: {exc}")
        return None
    if srun.returncode != 0:
        log("Slurm setup failed: srun --version exited with non-zero return code")
        return None
    ret = Settings()
    try:
        version = srun.stdout.decode().split()[1].split(".")
        major, minor = int(version[0]), int(version[1])
    except Exception:
        log("Slurm setup failed: could not determine Slurm version")
        return None
    ret.slurm_version = version
    if major < 15:
        log("Slurm setup failed: Slurm version >=15 is required for Slurm/PLAMS integration")
        return None
    if "SLURM_TASKS_PER_NODE" not in os.environ:
        log("Slurm setup failed: SLURM_TASKS_PER_NODE is not set")
        return None
    tasks_per_node: list[int] = []
    try:
        for tasks in os.environ["SLURM_TASKS_PER_NODE"].split(","):
            if "(" in tasks:  # "16(x2)": 16 tasks on each of 2 nodes
                count, _, nodes = tasks.partition("(")
                tasks_per_node += [int(count)] * int(nodes[1:-1])
            else:
                tasks_per_node.append(int(tasks))
    except ValueError:
        log("Slurm setup failed: can not determine the number of tasks per node")
        return None
    ret.tasks_per_node = sorted(tasks_per_node, reverse=True)
    options = "-m block:block:block,NoPack --use-min-nodes"
    # srun's --exclusive became --exact in Slurm 20.11.
    options += " --exact" if (major, minor) >= (20, 11) else " --exclusive"
    os.environ["SCM_SRUN_OPTIONS"] = options
    return ret


def init(
    path: str | os.PathLike[str] | None = None,
    folder: str | None = None,
    config_settings: dict[str, Any] | None = None,
    quiet: bool = False,
    use_existing_folder: bool = False,
) -> None:
    """Start the PLAMS environment: reset ``config`` to the defaults, apply *config_settings*, and make
    the default JobManager (working folder *path*/*folder*) now.

    Optional since PLAMS 2025 (the defaults are ready at import). *folder* defaults to
    ``plams.<PID>``; a taken name gets ``.002``, ``.003`` unless *use_existing_folder*. A
    second call before :func:`finish` does nothing.
    """
    from . import jobmanager  # looked up at call time (tests patch jobmanager.JobManager)

    with _init_lock:
        cfg = get_config()
        if cfg.init and cfg._explicit_init:
            return
        cfg.update(ConfigSettings())
        defaults_file = _load_defaults_file()
        cfg.update(config_settings or {})
        cfg.default_jobmanager = jobmanager.JobManager(cfg.jobmanager, path, folder, use_existing_folder)
        cfg.jm = cfg.default_jobmanager  # the old alias, still used by scripts
        # Unlike PLAMS (whose quiet init makes no folder), the folder is made and locked now:
        # a second writer fails here, before the script runs.
        _ = cfg.default_jobmanager.workdir
        cfg.slurm = _init_slurm() if "SLURM_JOB_ID" in os.environ else None
        cfg.init = True
        cfg._explicit_init = True
        if not quiet:
            log(f"Running plams_core located in {dirname(__file__)}", 5)
            log(f"Using Python {sys.version.split()[0]} located in {sys.executable}", 5)
            if defaults_file is not None:
                log(f"PLAMS defaults were loaded from {defaults_file}", 5)
            log("PLAMS environment initialized", 5)
            log(f"PLAMS working folder: {cfg.default_jobmanager.workdir}", 1)


def _finish() -> None:
    """Join the job threads, clean the default JobManager (only if it was made) and mark ``config`` finished."""
    cfg = get_config()
    if not cfg.init:
        return
    for thread in threading.enumerate():
        if thread.name == "plamsthread" and thread is not threading.current_thread():
            thread.join()
    if cfg._check_initialized("default_jobmanager"):
        jm = cfg.default_jobmanager
        jm._clean()
        if cfg.erase_workdir is True:
            shutil.rmtree(jm.workdir)
        close = getattr(jm, "close", None)
        if callable(close):
            close()  # releases the working folder's lock
    cfg.init = False


def finish(otherJM: Iterable[JobManager] | None = None) -> None:
    """Wait for all job threads, clean the default JobManager and *otherJM* (``save``) and release
    their working folders. Also runs at exit; calling it again does nothing until the next init().

    Pass every JobManager you created yourself as *otherJM*.
    """
    if not get_config().init:
        return
    _finish()
    for jm in otherJM or ():
        jm._clean()
        close = getattr(jm, "close", None)
        if callable(close):
            close()
    log("PLAMS environment cleaned up successfully", 5)
    log("PLAMS run finished. Goodbye", 3)


# -- jobs ------------------------------------------------------------------------------------


def load(filename: str | os.PathLike[str]) -> Job | None:
    """Load a job from a ``.dill`` file into the default JobManager (see ``JobManager.load_job``)."""
    return get_config().default_jobmanager.load_job(filename)


def load_all(path: str | os.PathLike[str], jobmanager: JobManager | None = None) -> dict[str, Job]:
    """Load every job of a working folder: ``path/NAME/NAME.dill``, descending into folders without one.

    That is exactly what PLAMS loads: a partly failed MultiJob has no ``.dill``, so its
    successful children are loaded instead, recursively. Returns ``{absolute dill path: job}``;
    files that cannot be unpickled are logged and skipped.
    """
    from .restart import load_checked  # the one walk (a restart loads its stashes with it)

    jm = jobmanager or get_config().default_jobmanager
    # check=False: JobManager.load_job asks the static reader itself and logs what it refuses
    return load_checked(path, jm.load_job, check=False)


def delete_job(job: Job) -> None:
    """Forget *job* in its JobManager, remove it from its parent, delete its folder; status ``deleted``."""
    job.delete()


@contextmanager
def jobs_in_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Run the jobs started in this block in *path*, relative to the JobManager's working folder.

    Blocks nest (``foo`` then ``bar`` gives ``foo/bar``); a MultiJob's children stay in their
    parent's folder. Yields the absolute folder for the default JobManager. Like
    :func:`config_context`, it reaches job threads (ContextAwareThread), not other threads.
    """
    current = _get_dir_for_jobs()
    rel = Path(path) if current is None else current / Path(path)
    token = _dir_for_jobs.set(rel)
    try:
        yield get_config().default_jobmanager.current_dir_for_jobs
    finally:
        _dir_for_jobs.reset(token)


def _get_dir_for_jobs() -> Path | None:
    """The folder (relative to the working folder) new jobs run in, or None for the working folder itself."""
    return _dir_for_jobs.get()


# -- decorators ------------------------------------------------------------------------------


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


def requires_optional_package(
    package_name: str, os_name: str | None = None
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: calling the function raises MissingOptionalPackageError if *package_name* cannot be
    imported (only on *os_name*, ``os.name``, if given)."""

    def decorator(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            if (os_name is None or os.name == os_name) and find_spec(package_name) is None:
                raise MissingOptionalPackageError(package_name)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def _finish_at_exit() -> None:
    """What runs at exit: :func:`_finish`, if this process used the default JobManager.

    PLAMS joins every job thread at exit; we do that only for scripts of the global
    environment, so a process that ran nothing there (the app, whose demo leaves a job
    running in a thread of its own) exits at once.
    """
    if get_config()._check_initialized("default_jobmanager"):
        _finish()


_init()
atexit.register(_finish_at_exit)
