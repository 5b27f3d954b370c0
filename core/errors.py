"""Exception hierarchy of plams_core.

Every message is written for a user: it says what went wrong and with which path or job,
so the CLI can print it on one line and the app in a notification.
PLAMS's own names (PlamsError, FileError, JobError, ResultsError) are kept so scripts that
catch them keep working.
"""

from __future__ import annotations

import os

__all__ = [
    "PlamsError",
    "FileError",
    "JobError",
    "MissingOptionalPackageError",
    "ResultsError",
    "WorkdirError",
    "WorkdirLockedError",
    "WorkdirBusyError",
    "RestartError",
    "OptionError",
    "UnsafePickleError",
    "CorruptPickleError",
    "os_error_line",
]


class PlamsError(Exception):
    """Base of every error raised by plams_core."""


class FileError(PlamsError):
    """A file or folder is missing, already exists, or cannot be read or written."""


class JobError(PlamsError):
    """A job was used in a way its life cycle does not allow."""


class ResultsError(PlamsError):
    """Results of a job were asked for when they are not available."""


class WorkdirError(PlamsError):
    """A path is not a PLAMS working folder, or cannot be read as one."""


class WorkdirLockedError(PlamsError):
    """Another process is writing this working folder."""


class WorkdirBusyError(WorkdirLockedError):
    """Processes of an earlier run still work inside the working folder (their pids are named)."""


class RestartError(PlamsError):
    """A restart cannot be planned or started: no script, a bad target folder, real PLAMS missing."""


class OptionError(PlamsError, ValueError):
    """An option has a value that is not one of the allowed ones (the message lists them)."""


class UnsafePickleError(PlamsError):
    """Loading a ``.dill`` would run code from it (the static reader's ``unsafe`` verdict)."""


class CorruptPickleError(PlamsError):
    """A ``.dill`` is not a job pickle, or cannot be loaded (the static reader's ``corrupt`` verdict)."""


class MissingOptionalPackageError(PlamsError):
    """A function needs a Python package that is not installed (PLAMS's name)."""

    def __init__(self, package_name: str) -> None:
        self.package_name = package_name
        super().__init__(
            f"The optional package '{package_name}' is required for this functionality, but is not "
            "available: install it (pip install ...) and try again."
        )


def os_error_line(exc: OSError, doing: str | None = None) -> str:
    """One line for an :class:`OSError`, for a user: ``[doing: ]PATH: reason``.

    ``cannot create the working folder: /data/plams.123: Permission denied`` rather than a
    traceback or ``[Errno 13] ...``.
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    where = os.fsdecode(exc.filename) if exc.filename is not None else None
    text = f"{where}: {reason}" if where else reason
    return f"{doing}: {text}" if doing else text
