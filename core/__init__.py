"""plams_core: a PLAMS-compatible job engine and a safe, fast reader of PLAMS working folders."""

from plams_core.errors import FileError, JobError, PlamsError, ResultsError, WorkdirError, WorkdirLockedError
from plams_core.hashing import sha256
from plams_core.status import JobStatus

__all__ = [
    "FileError",
    "JobError",
    "JobStatus",
    "PlamsError",
    "ResultsError",
    "WorkdirError",
    "WorkdirLockedError",
    "sha256",
]
