"""plams_core: a PLAMS-compatible job engine and a safe, fast reader of PLAMS working folders.

The engine follows the PLAMS manual and ``scm.plams`` (2024.107 and 2026.104): scripts
written for PLAMS run unchanged with ``from plams_core import *`` and leave the same
working folders. Nothing here imports a user interface; the TUI listens through
:func:`add_log_sink`.

Names are imported on first use (PEP 562): ``plams-tui ls`` needs the folder index, not
the engine and dill, and a command-line tool pays for every import at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # the engine
    "CommandJob": "plams_core.commandjob",
    "DaskJobRunner": "plams_core.daskrunner",
    "Job": "plams_core.basejob",
    "JobManager": "plams_core.jobmanager",
    "JobRunner": "plams_core.jobrunner",
    "MultiJob": "plams_core.basejob",
    "Results": "plams_core.results",
    "Settings": "plams_core.settings",
    "SingleJob": "plams_core.basejob",
    "add_log_sink": "plams_core.functions",
    "add_to_class": "plams_core.functions",
    "add_to_instance": "plams_core.functions",
    "build_demo": "plams_core.demo",
    "config": "plams_core.functions",
    "default_config": "plams_core.functions",
    "delete_job": "plams_core.functions",
    "finish": "plams_core.functions",
    "init": "plams_core.functions",
    "load": "plams_core.functions",
    "load_all": "plams_core.functions",
    "log": "plams_core.functions",
    "remove_log_sink": "plams_core.functions",
    "run_runscript": "plams_core.jobrunner",
    "write_pickle_atomically": "plams_core.pickles.writer",
    # shared foundations
    "FileError": "plams_core.errors",
    "JobError": "plams_core.errors",
    "JobStatus": "plams_core.status",
    "PlamsError": "plams_core.errors",
    "ResultsError": "plams_core.errors",
    "WorkdirError": "plams_core.errors",
    "WorkdirLockedError": "plams_core.errors",
    "sha256": "plams_core.hashing",
    # folder index (read-only)
    "DillInfo": "plams_core.pickles.reader",
    "FileEntry": "plams_core.index",
    "IndexUpdate": "plams_core.index",
    "JobDetail": "plams_core.index",
    "JobRecord": "plams_core.index",
    "WorkdirIndex": "plams_core.index",
    "read_dill": "plams_core.pickles.reader",
    "scan_workdir": "plams_core.index",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'plams_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .basejob import Job, MultiJob, SingleJob
    from .commandjob import CommandJob
    from .demo import build_demo
    from .errors import (
        FileError,
        JobError,
        PlamsError,
        ResultsError,
        WorkdirError,
        WorkdirLockedError,
    )
    from .functions import (
        add_log_sink,
        add_to_class,
        add_to_instance,
        config,
        default_config,
        delete_job,
        finish,
        init,
        load,
        load_all,
        log,
        remove_log_sink,
    )
    from .hashing import sha256
    from .index import FileEntry, IndexUpdate, JobDetail, JobRecord, WorkdirIndex, scan_workdir
    from .jobmanager import JobManager
    from .jobrunner import JobRunner, run_runscript
    from .pickles.reader import DillInfo, read_dill
    from .pickles.writer import write_pickle_atomically
    from .results import Results
    from .settings import Settings
    from .status import JobStatus
