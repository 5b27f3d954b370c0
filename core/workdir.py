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
* ``plan_restart(script=None, *, into=None, variables=None) -> RestartPlan`` (``.jobs``: per
  job ``reuse``/``rerun`` and the reason; ``.blocked``: why it cannot start now);
  ``start_restart(plan, *, into=None, dask=None, on_output=None) -> RestartRun``
  (``on_output(line)`` from a reader thread; ``.poll()``, ``.cancel()`` sends SIGINT to the
  run's process group, ``.wait()``, ``.returncode``); ``leftover()`` (what an unfinished
  restart left beside the folder, ``.message`` one line); ``plan_rollback()`` /
  ``rollback(plan)``. The logic is in :mod:`plams_core.restart`.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import WorkdirError
from .index import IndexUpdate, JobDetail, JobRecord, WorkdirIndex, scan_workdir
from .restart import Leftover, RestartPlan, RestartRun, RollbackPlan

__all__ = ["Workdir", "CleanPlan", "RemovePlan", "RepicklePlan", "RestartPlan", "RestartRun", "RollbackPlan"]


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

    def scan(self) -> Iterator[Sequence[JobRecord]]:
        """Scan the folder, yielding records in batches as they are read (see :mod:`plams_core.index`)."""
        index = self.index
        yield list(index)

    def records(self) -> list[JobRecord]:
        """Every job, in folder-tree order."""
        return list(self.index)

    def detail(self, job: str) -> JobDetail:
        """One job in full (files, timeline, settings, why it ended)."""
        return self.index.detail(job)

    def refresh(self, paths: Sequence[str] | None = None) -> IndexUpdate:
        """Re-read what *paths* affect (all sources and live processes when None)."""
        return self.index.refresh() if paths is None else self.index.refresh_paths(paths)

    # -- restart (logic in plams_core.restart; these stay thin)

    def leftover(self) -> Leftover:
        """What an unfinished restart left beside the folder (``FOLDER.res`` ...) and what it means."""
        from .restart import leftover

        return leftover(self.root)

    def plan_restart(
        self,
        script: str | os.PathLike[str] | None = None,
        *,
        into: str | os.PathLike[str] | None = None,
        variables: dict[str, str] | None = None,
    ) -> RestartPlan:
        """Per job, ``reuse`` or ``rerun`` and why; writes nothing (see :func:`plams_core.restart.plan_restart`)."""
        from .restart import plan_restart

        return plan_restart(self.root, script, into=into, variables=variables, hashing=self.hashing)

    def start_restart(
        self,
        plan: RestartPlan,
        *,
        into: str | os.PathLike[str] | None = None,
        dask: str | None = None,
        on_output: Callable[[str], None] | None = None,
    ) -> RestartRun:
        """Run *plan* in a subprocess of its own process group; returns the handle to watch and cancel it.

        ``on_output(line)`` gets every output line from a reader thread (post it to the UI,
        do not touch widgets there). The handle has ``poll()``, ``cancel()`` (SIGINT to the
        process group: the run stops as after Ctrl-C, nothing finished is lost, the next
        restart resumes), ``wait()`` and ``returncode`` (0 done, 1 the script raised, 2
        refused, 130 cancelled); see :class:`plams_core.restart.RestartRun`. *into*, when
        given, must be the plan's (plan with ``into=`` instead). *dask* runs the runscripts on a
        Dask cluster (``python -m plams_core --dask``: an address or ``local[:N]``). Raises
        :class:`~plams_core.errors.WorkdirLockedError` (another writer),
        :class:`~plams_core.errors.WorkdirBusyError` (live processes, pids named) or
        :class:`~plams_core.errors.RestartError`.
        """
        from .errors import RestartError
        from .restart import start_restart

        if into is not None and os.path.abspath(os.fspath(into)) != plan.into:
            raise RestartError("start_restart(into=...) differs from the plan's; plan with into= instead")
        return start_restart(plan, on_output=on_output, dask=dask)

    def plan_rollback(self) -> RollbackPlan:
        """What ``rollback`` would restore and discard (raises RestartError when no restart left a stash)."""
        from .restart import plan_rollback

        return plan_rollback(self.root)

    def rollback(self, plan: RollbackPlan) -> None:
        """Put the folder back as it was before an unfinished restart (see :func:`plams_core.restart.rollback`)."""
        from .restart import rollback

        rollback(plan)
