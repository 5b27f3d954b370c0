"""The read side: a fast, read-only index of any PLAMS working folder.

Nothing here writes into a working folder or runs code from it. ``scan`` builds the
:class:`WorkdirIndex`; ``sources`` reads the text log and ``job_logfile.csv``; ``procs``
finds live processes inside job folders; ``cache`` is the opt-in summary cache kept outside
the folder. ``.dill`` files are read by :mod:`plams_core.pickles`.
"""

from .scan import (
    STATUS_SOURCES,
    FileEntry,
    IndexUpdate,
    JobDetail,
    JobRecord,
    ScanBatch,
    WorkdirIndex,
    natural_key,
    scan_workdir,
    scan_workdir_iter,
)

__all__ = [
    "STATUS_SOURCES",
    "FileEntry",
    "IndexUpdate",
    "JobDetail",
    "JobRecord",
    "ScanBatch",
    "WorkdirIndex",
    "natural_key",
    "scan_workdir",
    "scan_workdir_iter",
]
