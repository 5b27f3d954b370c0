"""plams_core: a PLAMS-compatible job engine and a safe, fast reader of PLAMS working folders.

The engine follows the PLAMS manual and ``scm.plams`` (2024.107 and 2026.104): scripts
written for PLAMS run unchanged with ``from plams_core import *`` and leave the same
working folders. ``import *`` gives the PLAMS script names only (:mod:`plams_core.scripting`);
the read side and the action layer live in :mod:`plams_core.index` and
:mod:`plams_core.workdir`. Nothing here imports a user interface; an app gives its JobManager
a ``log_sink``.

Names are imported on first use (PEP 562): ``plams-tui ls`` needs the folder index, not
the engine and dill, and a command-line tool pays for every import at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .scripting import SCRIPT_EXPORTS

# Names reached as attributes (``plams_core.scan_workdir(path)``) but not exported by
# ``import *``: the read side, the action layer's helpers and plams_core's own engine API.
# New code imports them from their modules (``plams_core.index``, ``plams_core.workdir``).
_ATTRIBUTES: dict[str, str] = {
    "DaskJobRunner": "plams_core.daskrunner",
    "Job": "plams_core.basejob",
    "add_log_sink": "plams_core.functions",
    "remove_log_sink": "plams_core.functions",
    "default_config": "plams_core.functions",
    "LogRecord": "plams_core.logfile",
    "run_runscript": "plams_core.jobrunner",
    "build_demo": "plams_core.demo",
    "write_pickle_atomically": "plams_core.pickles.writer",
    "WorkdirError": "plams_core.errors",
    "WorkdirLockedError": "plams_core.errors",
    "sha256": "plams_core.hashing",
    "DillInfo": "plams_core.pickles.reader",
    "FileEntry": "plams_core.index",
    "IndexUpdate": "plams_core.index",
    "JobDetail": "plams_core.index",
    "JobRecord": "plams_core.index",
    "WorkdirIndex": "plams_core.index",
    "read_dill": "plams_core.pickles.reader",
    "scan_workdir": "plams_core.index",
}

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    **{name: f"plams_core.{module}" for name, module in SCRIPT_EXPORTS.items()},
    **_ATTRIBUTES,
}

#: What ``from plams_core import *`` gives: the PLAMS script names (:mod:`plams_core.scripting`).
__all__ = sorted(SCRIPT_EXPORTS)


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
    from .daskrunner import DaskJobRunner
    from .demo import build_demo
    from .errors import (
        FileError,
        JobError,
        MissingOptionalPackageError,
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
        config_context,
        default_config,
        delete_job,
        finish,
        get_config,
        init,
        jobs_in_directory,
        load,
        load_all,
        log,
        remove_log_sink,
    )
    from .hashing import sha256
    from .index import FileEntry, IndexUpdate, JobDetail, JobRecord, WorkdirIndex, scan_workdir
    from .jobmanager import JobManager
    from .jobrunner import JobRunner, run_runscript
    from .logfile import LogRecord
    from .pickles.reader import DillInfo, read_dill
    from .pickles.writer import write_pickle_atomically
    from .results import Results
    from .settings import (
        ConfigSettings,
        JobManagerSettings,
        JobSettings,
        LogSettings,
        RunScriptSettings,
        SafeRunSettings,
        Settings,
    )
    from .status import JobStatus
