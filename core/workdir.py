"""The action layer: one working folder, read and acted on. The CLI, the app and the tests call this.

A :class:`Workdir` joins the two halves of plams_core: the read side (:mod:`plams_core.index`,
records by path, nothing unpickled) and the engine (Job objects in an embedded
:class:`~plams_core.jobmanager.JobManager`). One method per user action:

* reading: :meth:`Workdir.scan` (streams batches), :meth:`records`, :meth:`detail`,
  :meth:`refresh`;
* :meth:`load` (the reader's verdict first; unsafe refused unless ``allow_unsafe``);
* :meth:`plan_repickle` / :meth:`repickle`;
* :meth:`plan_remove` / :meth:`remove` / :meth:`undo_remove` (PLAMS's ``remove_job``, on disk);
* :meth:`plan_clean` / :meth:`clean` (PLAMS's ``keep``/``save`` cleaning);
* :meth:`plan_restart` / :meth:`start_restart` (``python -m plams_core -r`` in a subprocess).

The contract the CLI and the app code against (the actions and restart issues fill it in):

* ``Workdir(path, *, hashing="input", cache=False)``; ``.root`` (absolute), ``.index``.
* ``scan()`` yields batches of records as the index streams them; ``records()``;
  ``detail(job)``; ``refresh(paths=None) -> IndexUpdate``.
* ``load(job, *, allow_unsafe=False) -> LoadedJob`` (``.job`` the live object, ``.to_dict()``
  with name, status, class, module, hash, settings, files; ``.python`` the PLAMS call).
* ``plan_repickle(jobs) -> RepicklePlan``; ``repickle(plan)``.
* ``plan_remove(jobs) -> RemovePlan``; ``remove(plan)``; ``plan_undo_remove(jobs)``;
  ``undo_remove(plan)``.
* ``plan_clean(jobs=None, keep=None) -> CleanPlan``; ``clean(plan) -> CleanPlan`` (what was
  deleted).
* ``plan_restart(script=None) -> RestartPlan``; ``start_restart(plan, *, into=None,
  dask=None, on_output=None) -> RestartRun`` (``.poll()``, ``.cancel()`` sends SIGINT,
  ``.wait()``, ``.returncode``).

Every plan has ``to_dict()`` (the JSON the CLI prints) and names what it touches.

Rules every action follows:

* Side effects are arguments: a log sink, a runner, an output callback. Confirmation is the
  caller's: a ``plan_*`` method writes nothing and returns what the action would touch (jobs,
  files, bytes); the matching action method takes that plan and does exactly it.
* Every method that writes takes the working folder's one-writer lock
  (:func:`plams_core.jobmanager.lock_workdir`) for its duration and raises
  :class:`~plams_core.errors.WorkdirLockedError` naming the holder when it is taken.
* Errors are :class:`~plams_core.errors.PlamsError` subclasses with one-line messages.
* Nothing is unpickled before the static reader has said ``ok``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import WorkdirError
from .index import IndexUpdate, JobDetail, JobRecord, ScanBatch, WorkdirIndex, scan_workdir, scan_workdir_iter

__all__ = ["Workdir", "CleanPlan", "RemovePlan", "RepicklePlan"]


@dataclass(frozen=True, slots=True)
class CleanPlan:
    """What :meth:`Workdir.clean` would delete: every file (relative to the working folder) and the bytes freed."""

    files: tuple[str, ...]
    bytes: int
    folders: tuple[str, ...] = ()  # folders that will be empty afterwards and are removed

    def to_dict(self) -> dict[str, Any]:
        return {"files": list(self.files), "bytes": self.bytes, "folders": list(self.folders)}


@dataclass(frozen=True, slots=True)
class RemovePlan:
    """The jobs :meth:`Workdir.remove` would take out of rerun prevention, and the renames that do it."""

    jobs: tuple[str, ...]
    renames: tuple[tuple[str, str], ...] = ()  # (from, to), relative to the working folder

    def to_dict(self) -> dict[str, Any]:
        return {"jobs": list(self.jobs), "renames": [list(r) for r in self.renames]}


@dataclass(frozen=True, slots=True)
class RepicklePlan:
    """The ``.dill`` files :meth:`Workdir.repickle` would write again, and where the old bytes go."""

    jobs: tuple[str, ...]
    backups: tuple[tuple[str, str], ...] = ()  # (.dill, backup), relative to the working folder
    refused: tuple[tuple[str, str], ...] = field(default=())  # (job, why) that cannot be repickled

    def to_dict(self) -> dict[str, Any]:
        return {
            "jobs": list(self.jobs),
            "backups": [list(b) for b in self.backups],
            "refused": [list(r) for r in self.refused],
        }


class Workdir:
    """One PLAMS working folder. Reading never writes into it and never runs code from it.

    Raises :class:`~plams_core.errors.WorkdirError` if *path* is no folder.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, hashing: str | None = "input", cache: bool = False
    ) -> None:
        raw = os.fspath(path)
        if not os.path.isdir(raw):
            raise WorkdirError(
                f"{raw}: no such folder" if not os.path.exists(raw) else f"{raw}: not a folder"
            )
        self.root = os.path.realpath(raw)
        self.hashing = hashing
        self.cache = cache
        self._index: WorkdirIndex | None = None

    # -- reading

    @property
    def index(self) -> WorkdirIndex:
        """The index of the folder, scanned on first use."""
        if self._index is None:
            self._index = scan_workdir(self.root, hashing=self.hashing, cache=self.cache)
        return self._index

    def scan(self) -> Iterator[ScanBatch]:
        """Scan the folder again, yielding records in batches as they are read.

        The contract is :func:`plams_core.index.scan_workdir_iter`'s: insert or replace each
        batch's ``records`` by path, drop its ``removed``; ``progress`` is ``(done, total)``.
        When the iteration ends, :attr:`index` is the new index (until then the previous one,
        if any, stays in use).
        """
        batch = None
        for batch in scan_workdir_iter(self.root, hashing=self.hashing, cache=self.cache):
            yield batch
        if batch is not None:
            self._index = batch.index

    def records(self) -> list[JobRecord]:
        """Every job, in folder-tree order."""
        return list(self.index)

    def detail(self, job: str) -> JobDetail:
        """One job in full (files, timeline, settings, why it ended)."""
        return self.index.detail(job)

    def refresh(self, paths: Sequence[str] | None = None) -> IndexUpdate:
        """Re-read what *paths* affect (all sources and live processes when None)."""
        return self.index.refresh() if paths is None else self.index.refresh_paths(paths)
