"""The namespace of a PLAMS script: what ``from scm.plams import *`` gives, as far as plams_core has it.

One list for two doors: ``from plams_core import *`` (``plams_core.__all__`` is exactly these
names) and the master script ``python -m plams_core``, which runs scripts in a namespace
holding them. The read side and the action layer (``plams_core.index``,
``plams_core.workdir``, ``plams_core.pickles``) are not in it: the app and the CLI import them
from their own modules, and a user's script never sees ``scan_workdir`` or ``read_dill``
shadowing its own names.

``Job`` itself is not a script name (PLAMS does not export it either; subclass SingleJob or
MultiJob). Besides PLAMS's names there is one of ours, ``CommandJob`` (runs any program without
subclassing; documented in the README).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["SCRIPT_EXPORTS", "script_namespace"]

#: script name -> module of plams_core that defines it (PLAMS's own module names)
SCRIPT_EXPORTS: dict[str, str] = {
    # scm.plams.core.basejob / jobmanager / jobrunner / results / settings
    "MultiJob": "basejob",
    "SingleJob": "basejob",
    "JobManager": "jobmanager",
    "JobRunner": "jobrunner",
    "Results": "results",
    "Settings": "settings",
    "ConfigSettings": "settings",
    "JobManagerSettings": "settings",
    "JobSettings": "settings",
    "LogSettings": "settings",
    "RunScriptSettings": "settings",
    "SafeRunSettings": "settings",
    # scm.plams.core.functions
    "add_to_class": "functions",
    "add_to_instance": "functions",
    "config": "functions",
    "config_context": "functions",
    "get_config": "functions",
    "jobs_in_directory": "functions",
    "delete_job": "functions",
    "finish": "functions",
    "init": "functions",
    "load": "functions",
    "load_all": "functions",
    "log": "functions",
    # scm.plams.core.enums and errors
    "JobStatus": "status",
    "FileError": "errors",
    "JobError": "errors",
    "MissingOptionalPackageError": "errors",
    "PlamsError": "errors",
    "ResultsError": "errors",
    # ours
    "CommandJob": "commandjob",
}


def script_namespace() -> dict[str, Any]:
    """A fresh dict of every script name bound to its object (imports the engine)."""
    package = __name__.rpartition(".")[0]
    return {
        name: getattr(importlib.import_module(f"{package}.{module}"), name)
        for name, module in SCRIPT_EXPORTS.items()
    }
