"""Messages between threads and widgets. Threads only post these; they never touch a widget.

Messages that come in bursts (file events) carry no payload and collapse in the queue
(``can_replace``): the receiver takes what piled up from :class:`plams_tui.watcher.Watcher`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plams_core.index import IndexUpdate, JobDetail, JobRecord
from textual.message import Message

__all__ = [
    "FilesChanged",
    "ScanBatch",
    "ScanDone",
    "RecordsUpdated",
    "WatcherNote",
    "DetailReady",
    "RestartOutput",
]


class FilesChanged(Message):
    """Paths changed under the working folder; :meth:`Watcher.take` returns them. Bursts collapse."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FilesChanged)


class ScanBatch(Message):
    """Records read by the first scan (more follow until :class:`ScanDone`)."""

    def __init__(
        self, records: Sequence[JobRecord], removed: Sequence[str], read: int, done: int, total: int
    ) -> None:
        super().__init__()
        self.records = records  # insert or replace by path
        self.removed = removed  # drop these paths
        self.read = read  # records received so far
        self.done = done  # folders read
        self.total = total  # folders known to read


class ScanDone(Message):
    """A scan finished (``error`` says why it failed, if it did).

    ``paths``: every job the new index holds (rows not among them went away, as after a
    restart moved the folder aside); None when unknown.
    """

    def __init__(self, error: str | None = None, paths: frozenset[str] | None = None) -> None:
        super().__init__()
        self.error = error
        self.paths = paths


class RecordsUpdated(Message):
    """A refresh changed records in place."""

    def __init__(self, update: IndexUpdate, since: float | None = None) -> None:
        super().__init__()
        self.update = update
        self.since = since  # when the refresh began reading (time.time()), if it was one


class DetailReady(Message):
    """The detail of one job, read in a worker."""

    def __init__(
        self,
        path: str,
        detail: JobDetail | None,
        error: str | None = None,
        worker: str | None = None,
        ending: Any = None,
        times: Any = (),
    ) -> None:
        super().__init__()
        self.path = path
        self.detail = detail
        self.error = error
        self.worker = worker  # the Dask worker that ran it, when it ran on Dask
        self.ending = ending  # plams_core.index.report.Ending: why it ended (what `show` says)
        self.times = times  # the timeline as (epoch or None, as recorded, status)


class RestartOutput(Message):
    """A running restart printed lines; the screen takes them from its buffer. Bursts collapse."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RestartOutput)


class WatcherNote(Message):
    """Something the user should know once about live updates (e.g. polling instead of inotify)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
