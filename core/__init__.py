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


# For type checkers and IDEs: the same names, imported eagerly. `X as X` marks each as re-exported
# (PEP 484), which strict checkers and pyright on a py.typed package require.
if TYPE_CHECKING:
    from .basejob import Job as Job
    from .basejob import MultiJob as MultiJob
    from .basejob import SingleJob as SingleJob
    from .commandjob import CommandJob as CommandJob
    from .daskrunner import DaskJobRunner as DaskJobRunner
    from .demo import build_demo as build_demo
    from .errors import FileError as FileError
    from .errors import JobError as JobError
    from .errors import MissingOptionalPackageError as MissingOptionalPackageError
    from .errors import PlamsError as PlamsError
    from .errors import ResultsError as ResultsError
    from .errors import WorkdirError as WorkdirError
    from .errors import WorkdirLockedError as WorkdirLockedError
    from .functions import add_log_sink as add_log_sink
    from .functions import add_to_class as add_to_class
    from .functions import add_to_instance as add_to_instance
    from .functions import config as config
    from .functions import config_context as config_context
    from .functions import default_config as default_config
    from .functions import delete_job as delete_job
    from .functions import finish as finish
    from .functions import get_config as get_config
    from .functions import init as init
    from .functions import jobs_in_directory as jobs_in_directory
    from .functions import load as load
    from .functions import load_all as load_all
    from .functions import log as log
    from .functions import remove_log_sink as remove_log_sink
    from .hashing import sha256 as sha256
    from .index import FileEntry as FileEntry
    from .index import IndexUpdate as IndexUpdate
    from .index import JobDetail as JobDetail
    from .index import JobRecord as JobRecord
    from .index import WorkdirIndex as WorkdirIndex
    from .index import scan_workdir as scan_workdir
    from .jobmanager import JobManager as JobManager
    from .jobrunner import JobRunner as JobRunner
    from .jobrunner import run_runscript as run_runscript
    from .logfile import LogRecord as LogRecord
    from .pickles.reader import DillInfo as DillInfo
    from .pickles.reader import read_dill as read_dill
    from .pickles.writer import write_pickle_atomically as write_pickle_atomically
    from .results import Results as Results
    from .settings import ConfigSettings as ConfigSettings
    from .settings import JobManagerSettings as JobManagerSettings
    from .settings import JobSettings as JobSettings
    from .settings import LogSettings as LogSettings
    from .settings import RunScriptSettings as RunScriptSettings
    from .settings import SafeRunSettings as SafeRunSettings
    from .settings import Settings as Settings
    from .status import JobStatus as JobStatus
