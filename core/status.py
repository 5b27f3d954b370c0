"""Job statuses: a string enum, as in PLAMS 2025+.

A status compares equal to its lowercase name and prints as it, so code written for
old PLAMS (``job.status == 'successful'``) and new PLAMS (``JobStatus.SUCCESSFUL``) both work.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["JobStatus", "OK_STATUSES", "FINAL_STATUSES"]


class JobStatus(StrEnum):
    """Status of a PLAMS job."""

    CREATED = "created"
    STARTED = "started"
    REGISTERED = "registered"
    RUNNING = "running"
    FINISHED = "finished"
    CRASHED = "crashed"
    FAILED = "failed"
    SUCCESSFUL = "successful"
    COPIED = "copied"
    PREVIEW = "preview"
    DELETED = "deleted"


#: Statuses for which ``Job.ok()`` is true.
OK_STATUSES = frozenset({JobStatus.SUCCESSFUL, JobStatus.COPIED})
#: Statuses after which nothing more happens to a job.
FINAL_STATUSES = frozenset(
    {
        JobStatus.CRASHED,
        JobStatus.FAILED,
        JobStatus.SUCCESSFUL,
        JobStatus.COPIED,
        JobStatus.PREVIEW,
        JobStatus.DELETED,
    }
)
