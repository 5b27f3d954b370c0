"""The read side: a fast, read-only index of any PLAMS working folder.

Nothing here writes into a working folder or runs code from it. ``scan`` builds the
:class:`WorkdirIndex`; ``records`` holds what it says of a job (:class:`JobRecord`, its JSON
shape, the status filter); ``reading`` reads job folders (in helper processes when many);
``sources`` reads the text log and ``job_logfile.csv``; ``procs`` finds live processes inside
job folders; ``cache`` is the opt-in summary cache kept outside the folder. ``.dill`` files
are read by :mod:`plams_core.pickles`.
"""

from .records import (
    STATUS_FILTERS,
    STATUS_SOURCES,
    STATUSES,
    DillState,
    FileEntry,
    IndexUpdate,
    JobDetail,
    JobRecord,
    Kind,
    Status,
    StatusSource,
    filter_records,
    parse_status_filter,
    records_json,
    records_json_parts,
)
from .scan import ScanBatch, WorkdirIndex, natural_key, scan_workdir, scan_workdir_iter

__all__ = [
    "STATUS_FILTERS",
    "STATUS_SOURCES",
    "STATUSES",
    "DillState",
    "FileEntry",
    "IndexUpdate",
    "JobDetail",
    "JobRecord",
    "Kind",
    "ScanBatch",
    "Status",
    "StatusSource",
    "WorkdirIndex",
    "filter_records",
    "natural_key",
    "parse_status_filter",
    "records_json",
    "records_json_parts",
    "scan_workdir",
    "scan_workdir_iter",
]
