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
from typing import TYPE_CHECKING, Any

from .errors import FileError, PlamsError, WorkdirError
from .index import IndexUpdate, JobDetail, JobRecord, ScanBatch, WorkdirIndex, scan_workdir, scan_workdir_iter
from .restart import Leftover, RestartPlan, RestartRun, RollbackPlan

if TYPE_CHECKING:
    from .jobmanager import JobManager
    from .pickles.loader import LoadedPickle

__all__ = [
    "Workdir",
    "CleanPlan",
    "LoadedJob",
    "RemovePlan",
    "RepicklePlan",
    "RestartPlan",
    "RestartRun",
    "RollbackPlan",
]


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


def _plain(value: Any) -> Any:
    """*value* as JSON data: mappings (Settings) as objects, sequences as lists, anything else as its repr."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


@dataclass(frozen=True)
class LoadedJob:
    """A job unpickled by :meth:`Workdir.load` into the working folder's embedded JobManager.

    ``job`` is the live object (plams_core classes; stand-ins for classes whose code is not
    here), ``path`` the job folder relative to the working folder, ``dill`` the file's
    absolute path, ``loaded`` what the load made (the repickler needs it).
    """

    job: Any
    path: str
    dill: str
    loaded: LoadedPickle

    @property
    def python(self) -> str:
        """The Python that does the same in a PLAMS script."""
        return f"job = load({self.dill!r})"

    def to_dict(self) -> dict[str, Any]:
        """name, path, status, class, module, stand_in, hash, settings (nested), files, children, python."""
        from .pickles.loader import class_origin, is_stand_in

        job = self.job
        module, qualname = class_origin(job)
        try:
            digest = job.hash()
        except Exception:  # a by-value class whose get_input needs what is not here
            digest = None
        children = getattr(job, "children", None) or []
        if isinstance(children, dict):
            children = list(children.values())
        return {
            "name": job.name,
            "path": self.path,
            "status": str(job.status),
            "class": qualname.rsplit(".", 1)[-1],
            "module": module,
            "stand_in": is_stand_in(job),
            "hash": digest,
            "settings": _plain(job.settings),
            "files": sorted(job.results.files),
            "children": [c.name for c in children],
            "stand_ins": self.loaded.origin.stand_ins,
            "dill": self.dill,
            "python": self.python,
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

    # -- load and repickle (the loader's block: keep these together)

    @property
    def jobmanager(self) -> JobManager:
        """The embedded JobManager jobs are loaded into (it never locks or writes the folder)."""
        manager = self.__dict__.get("_jobmanager")
        if manager is None:
            from .jobmanager import JobManager

            manager = self.__dict__["_jobmanager"] = JobManager.embedded(self.root)
        return manager

    def _job_dill(self, job: str) -> tuple[str, str]:
        """``(job path relative to the folder, absolute path of its .dill)``; WorkdirError if no such job folder."""
        rel = job.replace(os.sep, "/").strip("/")
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            raise WorkdirError(f"{job!r}: not a job path inside {self.root}")
        folder = os.path.join(self.root, *parts)
        if not os.path.isdir(folder):
            raise WorkdirError(f"{'/'.join(parts)}: no such job in {self.root}")
        return "/".join(parts), os.path.join(folder, parts[-1] + ".dill")

    def load(self, job: str, *, allow_unsafe: bool = False) -> LoadedJob:
        """Unpickle *job*'s ``$JN.dill`` into the embedded JobManager (hash registered, job not registered).

        The static reader judges the file first: ``unsafe`` raises UnsafePickleError unless
        *allow_unsafe*, ``corrupt`` CorruptPickleError, a missing file FileError. Classes of
        ``scm.plams`` map to plams_core's; classes whose modules are not imported here
        (PLAMS's Molecule, AMSJob, the user's own modules) load as stand-ins
        (:mod:`plams_core.pickles.loader`). Nothing is written.
        """
        rel, dill = self._job_dill(job)
        if not os.path.isfile(dill):
            raise FileError(
                f"{rel}: no {os.path.basename(dill)} (PLAMS pickles a job when it ends, unless pickle is off)"
            )
        loaded = self.jobmanager.load_pickle(dill, allow_unsafe=allow_unsafe)
        return LoadedJob(loaded.job, rel, dill, loaded)

    def plan_repickle(self, jobs: Sequence[str]) -> RepicklePlan:
        """What :meth:`repickle` would write: each job's ``.dill`` and its backup; jobs that cannot be, and why.

        Writes nothing; unpickles nothing (the static reader's verdict decides).
        """
        from .pickles.reader import read_dill
        from .pickles.writer import backup_path

        todo: list[str] = []
        backups: list[tuple[str, str]] = []
        refused: list[tuple[str, str]] = []
        for job in jobs:
            rel, dill = self._job_dill(job)
            info = read_dill(dill, timeline=False)
            if info.verdict != "ok":
                why = "no .dill" if info.verdict == "missing" else f"{info.verdict}: {info.reason}"
                refused.append((rel, why))
                continue
            if rel in todo:
                continue
            todo.append(rel)
            backups.append((os.path.relpath(dill, self.root), os.path.relpath(backup_path(dill), self.root)))
        return RepicklePlan(tuple(todo), tuple(backups), tuple(refused))

    def repickle(self, plan: RepicklePlan) -> RepicklePlan:
        """Load and write again every job of *plan* (refused jobs are left alone); return what was written.

        Takes the working folder's lock. Each file is written atomically after the new bytes
        read ``ok`` and as the same job (:func:`plams_core.pickles.loader.write_repickled`);
        the old bytes are kept as ``$JN.prev.dill``. A failure raises naming the job; its file
        is untouched (jobs before it in the plan stay repickled, the message names them).
        """
        from .jobmanager import lock_workdir
        from .pickles.loader import write_repickled

        done: list[int] = []
        fd = lock_workdir(self.root)
        try:
            for i, job in enumerate(plan.jobs):
                try:
                    loaded = self.load(job)
                    write_repickled(loaded.loaded)
                except PlamsError as exc:
                    before = f" (already repickled: {', '.join(plan.jobs[j] for j in done)})" if done else ""
                    raise type(exc)(f"{job}: {exc}{before}") from None
                done.append(i)
        finally:
            os.close(fd)
        return RepicklePlan(plan.jobs, plan.backups)

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
