"""Restarting a working folder: the plan, the folder moves that survive ``kill -9``, leftovers.

PLAMS's launcher restarts in place with ``-r`` (move ``FOLDER`` to ``FOLDER.res``, load its
jobs, run the script in a fresh ``FOLDER``, delete the ``.res`` at the end) and into a new
folder with ``-l``. Its faults (reproduced on plams_core) were: a restart killed while it
reruns a job leaves ``FOLDER.res``; the next ``-r`` moves the half-done folder to ``.res2``,
loads only that, reruns jobs that had finished in ``.res`` and leaves ``.res`` behind without a
word; and an orphaned runscript of a killed run is not noticed. Here:

* **Stashes.** ``FOLDER.res``, ``FOLDER.res2``, ... (PLAMS's names, so real PLAMS's leftovers
  are recognised too) are the *stashes* of an unfinished restart: the lowest-numbered one is
  the folder as it was before the restart, the others are half-done attempts. A restart
  (:class:`RestartFolders`) moves the current ``FOLDER`` to the next free stash name and
  loads the jobs of **every** stash, oldest first, so nothing that finished in any attempt
  reruns.
* **Dropping them.** Only when the script finished without an error are the stashes dropped,
  newest first, each renamed to ``NAME.discard`` (one atomic step) and then deleted by a
  detached ``rm -rf`` (the restart is complete once the renames are done). A kill
  at any moment leaves either stashes (the next restart resumes from them, or
  :func:`rollback` restores the oldest) or ``*.discard`` folders, which hold nothing that is
  not in ``FOLDER`` and are deleted by the next restart or rollback.
* **Blockers.** A restart is refused while a process from an earlier run still works inside
  the folder or a stash (its current directory or an open file there: an orphaned
  ``sh ./x.run`` after ``kill -9`` of the master, or a running PLAMS script), naming the
  pids; and while another writer holds the one-writer lock of any of them. The restart holds
  the lock of every stash until it ends (``flock`` follows the folder through ``rename``).
* **Loading** asks the static reader first (:func:`load_checked`): a ``.dill`` that is not
  ``ok`` is never unpickled, its job reruns.
* :func:`leftover` tells what is beside a working folder and what it means, in one line,
  for ``ls``, ``show`` and the app.
* :func:`plan_restart` says, per job, ``reuse`` or ``rerun`` and why, writing nothing;
  :func:`start_restart` runs the restart as ``python -m plams_core`` (or, for a script
  written for real PLAMS, :mod:`plams_core.plamsrun` with ``scm.plams``) in a subprocess in
  its own process group and returns a :class:`RestartRun` to watch and cancel it.

Test hook (tests only): with ``PLAMS_CORE_STOP_AT=<point>`` and ``PLAMS_CORE_STOP_FIFO=<fifo>``
in its environment, the restarting process stops at the named point by opening the fifo for
reading (so a test's open-for-writing returns exactly when the point is reached) and
continues when the test closes it. Points: ``before-move``, ``after-move``, ``loading``
(after the first folder is loaded), ``before-cleanup`` (the script and ``finish()`` are done)
and ``cleaning`` (the newest stash is renamed to ``.discard``, the others not yet).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from .errors import PlamsError, RestartError, WorkdirBusyError, WorkdirError

if TYPE_CHECKING:
    from .index import JobRecord

__all__ = [
    "Leftover",
    "PlannedJob",
    "RestartFolders",
    "RestartPlan",
    "RestartRun",
    "RollbackPlan",
    "blockers",
    "check_writers",
    "guard_rerun_prevention",
    "leftover",
    "load_checked",
    "plan_restart",
    "plan_rollback",
    "rollback",
    "stash_owner",
    "start_restart",
    "stop_point",
]

STOP_AT_ENV = "PLAMS_CORE_STOP_AT"
STOP_FIFO_ENV = "PLAMS_CORE_STOP_FIFO"
DISCARD = ".discard"
_STASH_RE = re.compile(r"\.res(\d*)(\.discard)?$")
_PLAMS_IMPORT_RE = re.compile(r"^[ \t]*(?:from[ \t]+scm\.plams\b|import[ \t]+scm\.plams\b)", re.M)

Engine = Literal["plams_core", "plams"]


def stop_point(name: str) -> None:
    """Stop here if a test asked for point *name* (see the module docstring); else do nothing."""
    if os.environ.get(STOP_AT_ENV) != name:
        return
    fifo = os.environ.get(STOP_FIFO_ENV)
    if fifo:
        with open(fifo, "rb") as f:  # blocks until the test opens it for writing
            f.read()  # returns when the test closes it (or the process is killed here)


# ---------------------------------------------------------------------------------------------
# What is beside a working folder
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leftover:
    """What an unfinished or interrupted restart left beside working folder ``workdir``.

    ``stashes``: ``FOLDER.res``, ``FOLDER.res2``, ... oldest first (the first is the folder as
    it was before the restart; a restart loads them all). ``discards``: ``*.discard`` folders
    of a finished restart or rollback (nothing in them is needed; the next restart deletes
    them). ``exists``: whether ``FOLDER`` itself is there (not when a restart was killed right
    after moving it).
    """

    workdir: str
    exists: bool
    stashes: tuple[str, ...] = ()
    discards: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.stashes or self.discards)

    @property
    def previous(self) -> str | None:
        """The folder as it was before the unfinished restart (what ``--rollback`` restores)."""
        return self.stashes[0] if self.stashes else None

    @property
    def message(self) -> str:
        """One line: what is there, what it means and what to do ('' when nothing is)."""
        name = os.path.basename(self.workdir)
        if self.stashes:
            stashes = ", ".join(os.path.basename(s) for s in self.stashes)
            where = (
                f"{name} holds what the restart did since"
                if self.exists
                else f"{name} itself is missing: the restart was stopped right after moving it"
            )
            return (
                f"unfinished restart: {stashes} beside it ({os.path.basename(self.stashes[0])} is the folder "
                f"before the restart, {where}; PLAMS's own launcher also leaves it after a finished restart); "
                f"`plams-tui restart {name}` resumes and reruns nothing that finished, "
                f"`plams-tui restart {name} --rollback` restores the folder as it was"
            )
        if self.discards:
            discards = ", ".join(os.path.basename(s) for s in self.discards)
            return f"{discards}: left by a finished restart, nothing in it is needed; the next restart deletes it"
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "workdir": self.workdir,
            "exists": self.exists,
            "stashes": list(self.stashes),
            "discards": list(self.discards),
            "message": self.message,
        }


def _stash_number(suffix: str) -> int:
    return int(suffix) if suffix else 1


def leftover(workdir: str | os.PathLike[str]) -> Leftover:
    """What a restart left beside *workdir* (one ``listdir`` of its parent; never writes)."""
    path = os.path.abspath(os.fspath(workdir)).rstrip("/")
    parent, name = os.path.split(path)
    try:
        entries = os.listdir(parent)
    except OSError:
        return Leftover(path, os.path.isdir(path))
    stashes: list[tuple[int, str]] = []
    discards: list[str] = []
    prefix = name + ".res"
    for entry in entries:
        if not entry.startswith(prefix):
            continue
        m = _STASH_RE.fullmatch(entry, len(name))
        if m is None or not os.path.isdir(os.path.join(parent, entry)):
            continue
        if m.group(2):
            discards.append(os.path.join(parent, entry))
        else:
            stashes.append((_stash_number(m.group(1)), os.path.join(parent, entry)))
    return Leftover(
        path,
        os.path.isdir(path),
        tuple(p for _, p in sorted(stashes)),
        tuple(sorted(discards)),
    )


def stash_owner(path: str | os.PathLike[str]) -> str | None:
    """The working folder whose restart stash *path* is (``/x/wd`` for ``/x/wd.res2``), else None."""
    full = os.path.abspath(os.fspath(path)).rstrip("/")
    m = _STASH_RE.search(full)
    if m is None or m.group(2) or m.start() == len(os.path.dirname(full)) + 1:
        return None
    return full[: m.start()]


def _next_stash(lo: Leftover) -> str:
    numbers = [_stash_number(_STASH_RE.search(s).group(1)) for s in lo.stashes]  # type: ignore[union-attr]  # stashes match it
    n = max(numbers) + 1 if numbers else 1
    return f"{lo.workdir}.res" + ("" if n == 1 else str(n))


# ---------------------------------------------------------------------------------------------
# Who else is working in a folder
# ---------------------------------------------------------------------------------------------


#: ``PLAMS_CORE_FORCE=1`` in the environment of a restart (``start_restart(force=True)``, the
#: CLI's ``--force``): live processes that only look like writers do not stop it (the
#: one-writer lock still does).
FORCE_ENV = "PLAMS_CORE_FORCE"


def blockers(folders: Iterable[str]) -> dict[int, str]:
    """Live processes that may write into one of *folders*: pid -> the folder (absolute).

    The signs are those of :func:`plams_core.index.procs.writers` (current directory or a file
    open for writing there, a PLAMS script between two jobs, ...). This process and its
    ancestors are not counted (the app or shell that starts a restart). Linux ``/proc`` only.
    """
    from .index.procs import writers

    return {w.pid: w.folder for w in writers(folders)}


def check_writers(folders: Sequence[str], *, force: bool = False) -> None:
    """Raise :class:`WorkdirBusyError` naming every live process that may write into *folders*.

    The one check before anything writes into a working folder (``rm``, ``clean``,
    ``repickle``, ``restart``, ``--rollback``). The message names each process (pid, host,
    start, command), why it is taken for a writer, and the way out: wait, ``kill`` it, or
    *force* (``--force``) when the user knows none of them writes there. *force* skips the
    check (never the one-writer lock, which is certain).
    """
    if force or not folders:
        return
    from .index.procs import writers
    from .jobmanager import describe_process

    found = writers(folders)
    if not found:
        return
    base = os.path.dirname(os.path.realpath(folders[0]).rstrip("/"))
    parts = [f"{describe_process(w.pid)} ({w.why})" for w in found[:3]]
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    names = sorted({os.path.relpath(w.folder, base) for w in found})
    pids = " ".join(str(w.pid) for w in found)
    raise WorkdirBusyError(
        f"processes still work in {', '.join(names)} (a PLAMS script or its jobs may be writing there): "
        f"{'; '.join(parts)}{more}; wait for them to end or stop them (kill {pids}); "
        "if none of them writes there, pass --force on the command line (the app never overrides this)"
    )


def _check_blockers(folders: Sequence[str]) -> None:
    # popped: the script's own jobs (a nested restart) are not forced too
    check_writers(folders, force=os.environ.pop(FORCE_ENV, None) == "1")


def _lock_all(folders: Sequence[str]) -> list[int]:
    from .jobmanager import lock_workdir

    fds: list[int] = []
    try:
        for folder in folders:
            fds.append(lock_workdir(folder))
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return fds


# ---------------------------------------------------------------------------------------------
# The folder moves of one restart
# ---------------------------------------------------------------------------------------------


class RestartFolders:
    """The folder side of one in-place restart of *workdir*, for the process that runs the script.

    ``begin()`` refuses if processes of an earlier run work in the folder or its stashes, or if
    another writer holds any of them; deletes ``*.discard`` leftovers; moves ``FOLDER`` to the
    next stash name; and returns every stash, oldest first: the folders to load. The locks of
    the stashes are held until ``end()``. ``end(finished)`` drops the stashes if the script
    *finished* (newest first, see the module docstring) and returns a line for the user
    either way.
    """

    def __init__(self, workdir: str | os.PathLike[str]) -> None:
        self.workdir = os.path.abspath(os.fspath(workdir)).rstrip("/")
        self.stashes: list[str] = []
        self.moved_to: str | None = None  # where begin() moved FOLDER
        self._fds: list[int] = []

    def begin(self) -> list[str]:
        lo = leftover(self.workdir)
        if not lo.exists and not lo.stashes:
            raise WorkdirError(
                f"working folder {self.workdir} does not exist and no {self.workdir}.res is beside it"
            )
        folders = ([self.workdir] if lo.exists else []) + list(lo.stashes)
        self._fds = _lock_all(folders)  # another writer first: it is named as the holder
        try:
            _check_blockers(folders)
        except BaseException:
            self.release()
            raise
        for discard in lo.discards:
            shutil.rmtree(discard, ignore_errors=True)
        self.stashes = list(lo.stashes)
        stop_point("before-move")
        if lo.exists:
            target = _next_stash(lo)
            os.rename(self.workdir, target)
            self.moved_to = target
            self.stashes.append(target)
        stop_point("after-move")
        return list(self.stashes)

    def end(self, finished: bool) -> str:
        try:
            if not finished:
                name = os.path.basename(self.workdir)
                return (
                    f"the script did not finish, so the previous run stays in {', '.join(self.stashes)}; "
                    f"the next restart resumes from it (nothing that finished reruns), "
                    f"`plams-tui restart {name} --rollback` puts {name} back as it was"
                )
            names = ", ".join(os.path.basename(s) + DISCARD for s in self.stashes)
            pid = drop_stashes(self.stashes, background=True)
            if pid is None:
                return f"restart finished; removed {names}"
            return f"restart finished; deleting {names} in the background (pid {pid})"
        finally:
            self.release()

    def release(self) -> None:
        fds, self._fds = self._fds, []
        for fd in fds:
            os.close(fd)


def drop_stashes(stashes: Sequence[str], *, background: bool = False) -> int | None:
    """Delete *stashes*, newest first, each renamed to ``NAME.discard`` before it is deleted.

    A kill half-way leaves the oldest stash (the folder before the restart) for last, so
    rollback stays possible until the very end, and a half-deleted folder always carries the
    ``.discard`` name. With *background* the renames happen here and the deletion in a
    detached ``rm -rf`` (its own session, so it outlives this process and a kill of its
    group); returns its pid. Deleting tens of thousands of hard-linked files is most of what
    a restart adds (``bench/README.md``), and nothing in a ``.discard`` folder is needed:
    if the deletion is stopped, the next restart (or rollback) deletes what is left.
    """
    discards = []
    for i, stash in enumerate(reversed(stashes)):
        discard = stash + DISCARD
        if os.path.exists(discard):
            shutil.rmtree(discard, ignore_errors=True)
        os.rename(stash, discard)
        discards.append(discard)
        if i == 0:
            stop_point("cleaning")
    if background and discards:
        try:
            proc = subprocess.Popen(
                ["rm", "-rf", "--", *discards],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            return proc.pid
        except OSError:  # no rm: delete here
            pass
    for discard in discards:
        shutil.rmtree(discard, ignore_errors=True)
    return None


# ---------------------------------------------------------------------------------------------
# Loading what the static reader says is safe
# ---------------------------------------------------------------------------------------------


def load_checked(
    path: str | os.PathLike[str],
    load_job: Callable[[str], Any],
    log: Callable[[str], None] = print,
    *,
    check: bool = True,
) -> dict[str, Any]:
    """Load every job of a working folder as ``load_all`` does, but only ``.dill`` files the static reader calls ``ok``.

    Walks like PLAMS's ``load_all`` (``NAME/NAME.dill``, descending into folders without
    one); *load_job* is the engine's (plams_core's ``JobManager.load_job`` or real PLAMS's
    ``load``). A ``.dill`` that is ``unsafe`` or ``corrupt`` is never unpickled: *log* gets a
    line and its job reruns. *check* False leaves the verdict to *load_job* (plams_core's
    ``JobManager.load_job`` asks the static reader itself; real PLAMS's does not). Returns
    ``{absolute dill path: job}``.

    A folder whose ``.dill`` is not loaded (refused, or *load_job* gave nothing) is walked as
    one without a ``.dill``: a MultiJob's pickle truncated by a kill (Ctrl-C while PLAMS
    pickles at exit) leaves its children's own ``.dill`` files, and they are loaded. PLAMS's
    ``load_all`` stops at such a folder and reruns the children; the restart plan (and
    ``ls``) call them ``ok``, so they are reused.

    The cyclic garbage collector is off meanwhile: a load makes many objects and no garbage
    worth a collection, and at 20,000 jobs its passes over the growing heap were an eighth
    of the loading time (collections resume afterwards).
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_walk(path, load_job, log, check)
    finally:
        if enabled:
            gc.enable()


def _status_of(job: Any) -> str:
    status = getattr(job, "status", None)
    return str(getattr(status, "value", status))


def _drop_bad_copies(
    jobmanager: Any, loaded: list[tuple[str, Any]], folders: Sequence[str], log: Callable[[str], None]
) -> None:
    """Forget the loaded copies of jobs that crashed or failed (:func:`_bad_copies` of *folders*).

    The copy leaves *loaded* and *jobmanager*'s ``hashes``. The folders are read (as ``ls``
    reads them) only when a loaded job is ``copied``.
    """
    if not any(_status_of(job) == "copied" for _, job in loaded):
        return
    if not any(_may_hold_failures(f) for f in folders):
        return  # no crashed or failed job anywhere: the folders need not be read
    from .index import scan_workdir

    bad = _bad_copies([(os.path.abspath(f), scan_workdir(f)) for f in folders])
    for dill, job in list(loaded):
        why = bad.get(os.path.abspath(dill))
        if why is None:
            continue
        loaded.remove((dill, job))
        for key in [k for k, v in jobmanager.hashes.items() if v is job]:
            del jobmanager.hashes[key]
        log(f"LOAD: not reusing {dill}: {why}; the job reruns")


def _may_hold_failures(folder: str) -> bool:
    """Whether *folder*'s csv or text log names a crashed or failed job (a cheap bytes search; True if unsure)."""
    import mmap

    found_any = False
    for name, needles in (
        ("job_logfile.csv", (b",crashed,", b",failed,")),
        ("logfile", (b" CRASHED\n", b" FAILED\n")),
        (os.path.basename(folder) + ".log", (b"'crashed'", b"'failed'", b" CRASHED\n", b" FAILED\n")),
    ):
        try:
            with open(os.path.join(folder, name), "rb") as f:
                found_any = True
                if os.fstat(f.fileno()).st_size == 0:
                    continue
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as text:
                    if any(text.find(n) >= 0 for n in needles):
                        return True
        except (OSError, ValueError):
            continue
    return not found_any  # neither file: statuses may come from elsewhere, read the folder


def _load_walk(
    path: str | os.PathLike[str], load_job: Callable[[str], Any], log: Callable[[str], None], check: bool
) -> dict[str, Any]:
    from .pickles.reader import read_dill_summary

    loaded: dict[str, Any] = {}
    root = os.fspath(path)
    for name in sorted(os.listdir(root)):
        sub = os.path.join(root, name)
        if not os.path.isdir(sub):
            continue
        dill = os.path.join(sub, name + ".dill")
        if os.path.isfile(dill):
            verdict, reason, *_ = read_dill_summary(dill) if check else ("ok", None)
            if verdict != "ok":
                log(f"LOAD: not loading {dill}: {verdict} ({reason}); the job reruns")
            else:
                job = load_job(dill)
                if job is not None:
                    loaded[os.path.abspath(dill)] = job
                    continue
        loaded.update(_load_walk(sub, load_job, log, check))
    return loaded


def _with_children(job: Any) -> Iterable[Any]:
    yield job
    children = getattr(job, "children", None) or ()
    for child in children.values() if isinstance(children, dict) else children:
        yield from _with_children(child)


def guard_rerun_prevention(
    jobmanager: Any, loaded: list[tuple[str, Any]], folders: Sequence[str], log: Callable[[str], None]
) -> None:
    """Make the *loaded* jobs (``(dill path, job)`` of *folders*, filled by the loads that follow) serve rerun prevention as the plan says.

    Done at the first hash check, i.e. after every folder is loaded and before any job runs:

    * copies of jobs that crashed or failed are forgotten (:func:`_drop_bad_copies`);
    * the loaded jobs follow *jobmanager*'s hashing mode. ``load_job`` registers a loaded
      job's hash in the mode the manager has then; a restart (``-r``/``-l``) loads before the
      script runs, so a script that sets ``config.default_jobmanager.settings.hashing =
      'runscript'`` after ``init()`` looked every job up under a hash no loaded job had, and
      nothing was reused (real PLAMS 2024.107 and 2026.104 do this with their own launcher).
      The manual says a loaded job "is added to hash registry so it is visible to Rerun
      prevention" and that restarting is loading and letting rerun prevention do the rest;
      so when the mode changed the loaded jobs (children included) are registered again in
      the new mode, without taking a hash from a job of this run. ``hashing = None`` still
      turns rerun prevention off.

    Works on plams_core's and real PLAMS's JobManager alike (both look hashes up through
    ``self._check_hash``).
    """
    check = jobmanager._check_hash
    lock = threading.Lock()
    mode: list[Any] = [jobmanager.settings.hashing]
    first = [True]

    def _check_hash(job: Any) -> Any:
        with lock:
            if first[0]:
                first[0] = False
                try:
                    _drop_bad_copies(jobmanager, loaded, folders, log)
                except Exception as exc:  # noqa: BLE001 - never fail the job for it: everything loaded stays
                    log(f"LOAD: could not check the loaded copies ({type(exc).__name__}: {exc})")
            now = jobmanager.settings.hashing
            if now != mode[0]:
                mode[0] = now
                for _, top in loaded:
                    for old in _with_children(top):
                        try:
                            h = old.hash()
                        except Exception:  # noqa: BLE001 - a job that cannot hash is simply not reused
                            continue
                        if h is not None:
                            jobmanager.hashes.setdefault(h, old)
        return check(job)

    jobmanager._check_hash = _check_hash


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedJob:
    """One job of the plan: ``reuse`` (its results are loaded, its hash registered) or ``rerun``, and why.

    ``path`` is relative to the folder it was found in; ``source`` is that folder's name (the
    working folder, a stash, or the ``--into`` source).
    """

    path: str
    name: str
    action: Literal["reuse", "rerun"]
    reason: str
    status: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "action": self.action,
            "reason": self.reason,
            "status": self.status,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class RestartPlan:
    """What a restart would do; :func:`plan_restart` makes it, :func:`start_restart` runs it.

    ``workdir`` is where the script runs (the folder itself, or ``into``); ``sources`` are the
    folders whose jobs are loaded, oldest first; ``script``/``script_text`` what runs;
    ``engine`` ``plams_core`` or ``plams`` (real PLAMS, for scripts that import
    ``scm.plams``); ``jobs`` the per-job verdicts; ``blocked`` why it cannot start now
    (live processes, another writer, real PLAMS missing), else None; ``leftover`` what an
    earlier restart left.
    """

    workdir: str
    into: str | None
    script: str
    script_text: str = field(repr=False)
    engine: Engine
    sources: tuple[str, ...]
    jobs: tuple[PlannedJob, ...]
    leftover: Leftover
    blocked: str | None = None
    variables: tuple[tuple[str, str], ...] = ()

    @property
    def reuse(self) -> tuple[PlannedJob, ...]:
        return tuple(j for j in self.jobs if j.action == "reuse")

    @property
    def rerun(self) -> tuple[PlannedJob, ...]:
        return tuple(j for j in self.jobs if j.action == "rerun")

    def to_dict(self) -> dict[str, Any]:
        return {
            "workdir": self.workdir,
            "into": self.into,
            "script": self.script,
            "engine": self.engine,
            "sources": list(self.sources),
            "reuse": len(self.reuse),
            "rerun": len(self.rerun),
            "blocked": self.blocked,
            "leftover": self.leftover.to_dict(),
            "jobs": [j.to_dict() for j in self.jobs],
        }


def _rerun_reason(rec: JobRecord) -> str:
    if rec.dill == "unsafe":
        return f"unsafe .dill, never unpickled: {rec.dill_reason}"
    if rec.dill == "corrupt":
        return f"corrupt .dill: {rec.dill_reason}"
    if rec.dill == "removed":  # `plams-tui rm` (remove_job on disk): $JN.dill renamed $JN.removed.dill
        return "removed with rm: its .dill is set aside ($JN.removed.dill)"
    if rec.dill not in ("missing", "ok"):  # any other verdict of the reader (unreadable, ...)
        return f"{rec.dill} .dill: {rec.dill_reason}"
    if rec.interrupted:
        return f"interrupted (last recorded {rec.status}, no process left)"
    if rec.status in ("crashed", "failed"):
        why = f": {rec.error.splitlines()[0]}" if rec.error else ""
        return f"{rec.status}{why}"
    if rec.status in ("successful", "copied"):
        return f"{rec.status} but no .dill (pickling was off): nothing to load"
    if rec.kind == "multi":
        return "MultiJob without .dill (not all children ok); its ok children are reused"
    return f"no .dill (status {rec.status})"


def _bad_copies(indexes: Sequence[tuple[str, Any]]) -> dict[str, str]:
    """``{.dill path: why}`` of the copies a restart must not reuse: copies of a job that crashed or failed.

    PLAMS registers a job's hash when the job starts, so a job with the same input copies a
    job that then crashes (or copies it after the crash: the hash stays registered), and
    gets a ``.dill`` saying ``copied``. Loaded, it would make the rerun of the crashed job a
    copy of the crashed files again. A copy is bad when the job it was copied from (the
    index's ``copied_from``) is in its folder and ``crashed`` or ``failed``, and no job the
    restart loads with that hash succeeded. A copy whose source is gone (a copy made by an
    earlier restart, its source deleted with the ``.res``) is reused. *indexes*: ``(folder,
    its WorkdirIndex)``; paths are ``folder/JOB/NAME.dill``. The plan and the run (through
    :func:`guard_rerun_prevention`) both ask this.
    """
    suspects: list[tuple[str, str, str | None]] = []
    good: set[str] = set()
    for folder, index in indexes:
        records = index.records
        for rec in index:
            if rec.dill != "ok":
                continue
            for r in _with_children_records(records, rec):  # loaded with it
                if r.status == "successful" and r.hash is not None:
                    good.add(r.hash)
            if rec.status == "copied" and rec.copied_from is not None and not _in_ok_parent(records, rec):
                src = records.get(rec.copied_from)
                if src is not None and src.status in ("crashed", "failed"):
                    why = f"copied from {src.path}, which {src.status}: not reused"
                    suspects.append((os.path.join(folder, rec.path, rec.name + ".dill"), why, rec.hash))
    return {dill: why for dill, why, h in suspects if h is None or h not in good}


def _with_children_records(records: Any, rec: Any) -> Iterable[Any]:
    yield rec
    for child in rec.children:
        c = records.get(child)
        if c is not None:
            yield from _with_children_records(records, c)


def _in_ok_parent(records: Any, rec: Any) -> bool:
    """Loaded with an ancestor's ``.dill`` (``load_all`` does not open its own then)."""
    p = rec.parent
    while p is not None:
        r = records.get(p)
        if r is None:
            return False
        if r.dill == "ok":
            return True
        p = r.parent
    return False


def _plan_jobs(
    folders: Sequence[str], classes: dict[tuple[str, str], str | None] | None = None
) -> list[PlannedJob]:
    """Merge the jobs of *folders* (oldest first) by path: reuse if any folder has an ok ``.dill``.

    The scan computes no job hashes: a verdict needs the ``.dill`` verdicts, statuses and
    parents only (hashing every input was a sixth of the plan at 20,000 jobs). Only where a
    loaded job is ``copied`` and a folder names a crashed or failed job are the folders read
    again with hashes, for :func:`_bad_copies` (the run does the same, the same way).
    *classes*, if given, gets ``(source, path) -> class name`` of every job (from the listing).
    """
    from .index import scan_workdir

    merged: dict[str, PlannedJob] = {}
    indexes = [(folder, scan_workdir(folder, hashing=None)) for folder in folders]
    bad: dict[str, str] = {}
    if any(r.status == "copied" and r.dill == "ok" for _, index in indexes for r in index) and any(
        _may_hold_failures(f) for f in folders
    ):
        bad = _bad_copies([(folder, scan_workdir(folder)) for folder in folders])
    for folder, index in indexes:
        records = index.records
        source = os.path.basename(folder)
        for rec in index:
            if classes is not None:
                classes[(source, rec.path)] = rec.class_name
            # A job loaded with an ok parent (load_all takes the parent's .dill and all its children).
            parent_ok = False
            p = rec.parent
            while p is not None:
                prec = records.get(p)
                if prec is None:
                    break
                if prec.dill == "ok":
                    parent_ok = True
                    break
                p = prec.parent
            why_not = bad.get(os.path.join(folder, rec.path, rec.name + ".dill")) if bad else None
            if why_not is not None:  # the run forgets it (_drop_bad_copies)
                job = PlannedJob(rec.path, rec.name, "rerun", why_not, rec.status, source)
            elif rec.dill == "ok" or parent_ok:
                why = (
                    f"{rec.status}, .dill ok: loaded, its hash registered"
                    if rec.dill == "ok"
                    else (f"{rec.status}: loaded with its MultiJob's .dill")
                )
                job = PlannedJob(rec.path, rec.name, "reuse", why, rec.status, source)
            else:
                job = PlannedJob(rec.path, rec.name, "rerun", _rerun_reason(rec), rec.status, source)
            old = merged.get(rec.path)
            if old is None or job.action == "reuse" or old.action == "rerun":
                merged[rec.path] = job
    return list(merged.values())


def saved_script(folders: Sequence[str]) -> str | None:
    """The script a working folder keeps (``input``, or pre-2018 ``<folder>.inp``), newest folder first."""
    for folder in reversed(folders):
        for name in ("input", os.path.basename(folder).split(".res")[0] + ".inp"):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
    return None


_HASHING_OFF_RE = re.compile(r"^[^#\n]*\bhashing\s*=\s*(?:None|False|0|''|\"\")\s*(?:[,)#].*)?$", re.M)


def _hashing_off(text: str) -> str | None:
    """``line N: ...`` of the first line of *text* that sets ``hashing`` to None/False (no rerun prevention), else None.

    Read from the text, nothing run: ``config.default_jobmanager.settings.hashing = None``,
    ``config.jobmanager.hashing = False``, ``JobManager(..., hashing=None)``. Loaded jobs are
    then never looked up, so nothing the plan would reuse is reused.
    """
    m = _HASHING_OFF_RE.search(text)
    if m is None:
        return None
    return f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0).strip()}"


def script_engine(text: str) -> Engine:
    """``plams`` for a script that imports ``scm.plams`` (written for real PLAMS), else ``plams_core``."""
    return "plams" if _PLAMS_IMPORT_RE.search(text) else "plams_core"


def _folder_engine(sources: Sequence[str], jobs: Sequence[PlannedJob]) -> Engine:
    """``plams`` when the ``.dill`` files of the folder name ``scm.plams`` modules, not ``plams_core`` ones.

    Only the bytes are searched (nothing is unpickled): a pickle names the modules of its
    classes (the job's, Settings', Results'), also when the job class is stored by value.
    """
    by_name = {os.path.basename(f): f for f in sources}
    looked = 0
    for job in jobs:
        folder = by_name.get(job.source)
        if folder is None:
            continue
        try:
            with open(os.path.join(folder, job.path, job.name + ".dill"), "rb") as f:
                data = f.read(1 << 20)
        except OSError:
            continue
        if b"plams_core" in data:
            return "plams_core"
        if b"scm.plams" in data:
            return "plams"
        looked += 1
        if looked >= 8:
            break
    return "plams_core"


def _module_found(module: str, path: Sequence[str]) -> bool:
    """Whether *module* (dotted) can be imported from *path*, found without importing (or running) anything."""
    import importlib.machinery

    if module in sys.modules or module in sys.builtin_module_names:
        return True
    locations: Sequence[str] | None = path
    name = ""
    for part in module.split("."):
        name = f"{name}.{part}" if name else part
        try:
            spec = importlib.machinery.PathFinder.find_spec(name, locations)
        except (ImportError, ValueError):
            return False
        if spec is None:
            return False
        locations = spec.submodule_search_locations
        if locations is None and name != module:
            return False  # a plain module where a package was needed
    return True


def _unloadable_modules(
    jobs: Sequence[PlannedJob],
    sources: Sequence[str],
    script_dir: str,
    classes: dict[tuple[str, str], str | None],
) -> list[PlannedJob]:
    """Jobs to reuse whose class's module real PLAMS cannot import become ``rerun``, with why.

    Real PLAMS's ``load_job`` imports the module a job class came from (``myjobs`` beside the
    script); when the user renamed or deleted it, loading logs "Unpickling ... failed" and
    the job runs again. The module is read from one ``.dill`` per class name (nothing is
    unpickled) and looked up on the path the restart will have: the script's folder, then
    this interpreter's ``sys.path`` (the restart runs with this interpreter). plams_core's
    engine loads such a job with a stand-in class instead, so this applies to real PLAMS only.
    """
    from .pickles.reader import read_dill

    by_name = {os.path.basename(f): f for f in sources}
    path = [script_dir, *sys.path]
    verdicts: dict[str, str | None] = {}  # class name -> missing module (None: importable)
    out = []
    for job in jobs:
        class_name = classes.get((job.source, job.path)) if job.action == "reuse" else None
        folder = by_name.get(job.source)
        if class_name is None or folder is None:  # no .dill of its own (loaded with its MultiJob)
            out.append(job)
            continue
        if class_name not in verdicts:
            dill = os.path.join(folder, job.path, job.name + ".dill")
            info = read_dill(dill, timeline=False)
            module = info.class_module or "__main__"
            top = module.split(".")[0]
            known = module == "__main__" or info.by_value or top in ("scm", "plams_core", "builtins")
            verdicts[class_name] = None if known or _module_found(module, path) else module
        missing = verdicts[class_name]
        if missing is not None:
            job = replace(
                job,
                action="rerun",
                reason=f"{job.status}, .dill ok, but its class's module {missing} cannot be imported (renamed or deleted?): "
                "real PLAMS cannot load it",
            )
        out.append(job)
    # A MultiJob's .dill holds its children: it cannot load either, and neither can the
    # children it alone brings (the walk then loads the ones with their own .dill).
    bad = [j.path + "/" for j in out if j.reason.endswith("real PLAMS cannot load it")]
    if not bad:
        return out
    by_path = {j.path: j for j in out}

    def unloadable(job: PlannedJob) -> bool:
        if any(b.startswith(job.path + "/") for b in bad):
            return True  # holds such a job
        if not job.reason.endswith("loaded with its MultiJob's .dill"):
            return False
        p = job.path.rpartition("/")[0]
        while p and p not in by_path:
            p = p.rpartition("/")[0]
        return bool(p) and unloadable(by_path[p])

    def why(job: PlannedJob) -> str:
        if any(b.startswith(job.path + "/") for b in bad):
            return f"{job.status}, .dill ok, but it holds a job whose class's module cannot be imported"
        return f"{job.status}, but only its MultiJob's .dill holds it, and real PLAMS cannot load that"

    return [
        replace(j, action="rerun", reason=why(j)) if j.action == "reuse" and unloadable(j) else j for j in out
    ]


def real_plams_available() -> bool:
    """Whether ``scm.plams`` can be imported here (checked without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec("scm.plams") is not None
    except (ImportError, ValueError):
        return False


def _why_blocked(folders: Sequence[str], force: bool = False) -> str | None:
    from .errors import WorkdirLockedError

    try:
        fds = _lock_all(folders)
    except WorkdirLockedError as exc:
        return str(exc)
    try:
        check_writers(folders, force=force)
    except WorkdirLockedError as exc:
        return str(exc)
    finally:
        for fd in fds:
            os.close(fd)
    return None


def _why_blocked_reading(source: str, force: bool) -> str | None:
    """--into only reads its source: a run still writing there would be loaded half-done."""
    try:
        check_writers([source], force=force)
    except WorkdirBusyError as exc:
        return str(exc)
    return None


def plan_restart(
    workdir: str | os.PathLike[str],
    script: str | os.PathLike[str] | None = None,
    *,
    into: str | os.PathLike[str] | None = None,
    variables: dict[str, str] | None = None,
    engine: Engine | None = None,
    force: bool = False,
) -> RestartPlan:
    """Plan a restart of *workdir*, in place or *into* a new folder; writes nothing anywhere.

    *engine* (default: chosen) is ``plams`` (real PLAMS) for a script that imports
    ``scm.plams``, or for a script without imports (run by PLAMS's launcher, which injects
    its names) in a folder whose ``.dill`` files hold ``scm.plams`` classes; else ``plams_core``.

    *script* defaults to the one the folder keeps (:func:`saved_script`). In place, the
    folder and the stashes an unfinished restart left are loaded; *into* loads *workdir*
    (and *into* itself and its stashes, when an earlier ``--into`` there did not finish).
    Raises :class:`~plams_core.errors.RestartError` when there is no script or it cannot be
    read, :class:`~plams_core.errors.WorkdirError` when there is no folder. *force*: live
    processes that may write there do not block the plan (see :func:`check_writers`).
    """
    lo = leftover(workdir)
    if not lo.exists and not lo.stashes:
        raise WorkdirError(f"{os.fspath(workdir)}: no such folder")
    own = [*lo.stashes, *([lo.workdir] if lo.exists else [])]
    if into is None:
        target, target_lo, sources = lo.workdir, lo, own
    else:
        if lo.stashes:
            name = os.path.basename(lo.workdir)
            raise RestartError(
                f"{name} has an unfinished restart ({', '.join(os.path.basename(x) for x in lo.stashes)} beside it): "
                f"finish it (plams-tui restart {name}) or roll it back (--rollback) before restarting into another folder"
            )
        target = os.path.abspath(os.fspath(into)).rstrip("/")
        if target == lo.workdir:
            raise RestartError("--into names the folder itself; leave --into out to restart in place")
        target_lo = leftover(target)
        if os.path.exists(target) and not os.path.isdir(target):
            raise RestartError(f"--into {target}: not a folder")
        sources = [lo.workdir, *target_lo.stashes, *([target] if target_lo.exists else [])]
    if script is None:
        found = saved_script(own)
        if found is None:
            raise RestartError(
                f"{os.path.basename(lo.workdir)} keeps no script (input or {os.path.basename(lo.workdir)}.inp); "
                "give one with --script FILE"
            )
        script_path = found
    else:
        script_path = os.path.abspath(os.fspath(script))
    try:
        with open(script_path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise RestartError(f"cannot read script {script_path}: {exc.strerror or exc}") from None
    classes: dict[tuple[str, str], str | None] = {}
    jobs = _plan_jobs(sources, classes)
    off = _hashing_off(text)
    if off is not None:  # loaded, but no hash is looked up: every job runs again
        jobs = [
            replace(
                j,
                action="rerun",
                reason=f"{j.status}, .dill ok, but the script turns rerun prevention off ({off})",
            )
            if j.action == "reuse"
            else j
            for j in jobs
        ]
    if engine is None:
        engine = script_engine(text)
        if engine == "plams_core" and not re.search(r"^[ \t]*(?:from|import)[ \t]+plams_core\b", text, re.M):
            engine = _folder_engine(sources, jobs)
    # In place, the folder and its stashes are written; --into writes only the target side.
    written = own if into is None else [f for f in sources if f != lo.workdir]
    blocked = _why_blocked(written, force) if written else None
    if into is not None and blocked is None:
        blocked = _why_blocked_reading(lo.workdir, force)
    if engine == "plams":  # real PLAMS's load_job imports the job's module; it fails if that is gone
        jobs = _unloadable_modules(jobs, sources, os.path.dirname(script_path), classes)
    if engine == "plams" and not real_plams_available():
        blocked = (
            "this script is written for real PLAMS (it imports scm.plams), which is not installed here; "
            "nothing changed"
        )
    return RestartPlan(
        workdir=target,
        into=target if into is not None else None,
        script=script_path,
        script_text=text,
        engine=engine,
        sources=tuple(sources),
        jobs=tuple(jobs),
        leftover=target_lo if into is not None else lo,
        blocked=blocked,
        variables=tuple(sorted((variables or {}).items())),
    )


# ---------------------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------------------


class RestartRun:
    """A restart running in a subprocess of its own process group (what :func:`start_restart` returns).

    * ``on_output(line)`` (given to :func:`start_restart`) receives every line the run prints
      (stdout and stderr merged, without the newline), from a reader thread; without it the
      lines are kept in ``output``.
    * ``poll()`` -> the exit status, or None while it runs;
    * ``cancel()`` sends SIGINT to the whole process group (the script and its runscripts):
      the script stops as after Ctrl-C, ``finish()`` runs, the stashes stay, and the next
      restart resumes; a second ``cancel()`` does the same again;
    * ``wait(timeout=None)`` -> the exit status, once every line has been delivered;
    * ``returncode``: None while running; 0 done, 1 the script raised, 2 refused (usage,
      lock, live processes), 130 cancelled.

    For a watcher: in place, the run moves the folder to ``FOLDER.res`` (the old directory
    inode goes with it) and writes a new ``FOLDER``; follow the path, not the inode (the line
    ``RESTART: Moving ...`` marks the moment).
    """

    def __init__(
        self,
        plan: RestartPlan,
        argv: list[str],
        on_output: Callable[[str], None] | None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.plan = plan
        self.argv = argv
        self.output: list[str] = []
        self._on_output = on_output
        env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            start_new_session=True,  # its own process group: cancel() and kill reach every runscript
            text=True,
            errors="replace",
        )
        self.pid = self.process.pid
        self._reader = threading.Thread(target=self._read, name="restart-output", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.rstrip("\n")
            if self._on_output is not None:
                self._on_output(line)
            else:
                self.output.append(line)
        self.process.stdout.close()

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def poll(self) -> int | None:
        return self.process.poll()

    def cancel(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> int:
        code = self.process.wait(timeout)
        self._reader.join()
        return code


def restart_argv(plan: RestartPlan, dask: str | None = None) -> list[str]:
    """The command line that runs *plan* (``python -m plams_core ...`` or ``plams_core.plamsrun``).

    *dask*: a scheduler address or ``local[:N]``, for ``python -m plams_core --dask`` (plams_core
    scripts only).
    """
    module = "plams_core" if plan.engine == "plams_core" else "plams_core.plamsrun"
    argv = [sys.executable, "-m", module]
    parent, name = os.path.split(plan.workdir)
    argv += ["-p", parent, "-f", name]
    if plan.into is not None:
        argv += ["-l", plan.sources[0]]
        if os.path.isdir(plan.workdir) or leftover(plan.workdir).stashes:
            argv.append("-r")  # an earlier --into there did not finish: resume it in place
    else:
        argv.append("-r")
    for key, value in plan.variables:
        argv += ["-v", f"{key}={value}"]
    if dask is not None:
        if plan.engine != "plams_core":
            raise RestartError("--dask runs plams_core scripts only; this one is written for real PLAMS")
        argv += ["--dask", dask]
    argv.append(plan.script)
    return argv


def start_restart(
    plan: RestartPlan,
    *,
    on_output: Callable[[str], None] | None = None,
    dask: str | None = None,
    force: bool = False,
) -> RestartRun:
    """Start the restart *plan* describes, in a subprocess; returns its :class:`RestartRun`.

    Raises :class:`~plams_core.errors.RestartError` (or its ``WorkdirBusyError`` /
    ``WorkdirLockedError`` kin) when the plan is blocked; the check is made again now, and
    once more by the subprocess itself before it moves anything. *force* (``--force``): live
    processes that may write there do not stop it (:func:`check_writers`; the subprocess gets
    :data:`FORCE_ENV`); the one-writer lock still does.
    """
    if plan.blocked is not None and not (force and plan.blocked.startswith("processes ")):
        raise _blocked_error(plan.blocked)
    # Check again now (the plan may be old), without scanning the jobs again.
    lo = leftover(plan.workdir)
    written = [*lo.stashes, *([plan.workdir] if lo.exists else [])]
    blocked = _why_blocked(written, force) if written else None
    if blocked is None and plan.into is not None:
        blocked = _why_blocked_reading(plan.sources[0], force)
    if blocked is not None:
        raise _blocked_error(blocked)
    argv = restart_argv(plan, dask)
    return RestartRun(plan, argv, on_output, env={FORCE_ENV: "1"} if force else None)


def _blocked_error(message: str) -> PlamsError:
    from .errors import WorkdirLockedError

    if message.startswith("processes "):
        return WorkdirBusyError(message)
    if "in use" in message or "lock" in message:
        return WorkdirLockedError(message)
    return RestartError(message)


# ---------------------------------------------------------------------------------------------
# Rolling back
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    """What :func:`rollback` would do: ``restore`` (the oldest stash) becomes the working folder; ``discard`` goes."""

    workdir: str
    restore: str
    discard: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"workdir": self.workdir, "restore": self.restore, "discard": list(self.discard)}


def plan_rollback(workdir: str | os.PathLike[str]) -> RollbackPlan:
    """Plan putting *workdir* back as it was before an unfinished restart; writes nothing.

    Raises :class:`~plams_core.errors.RestartError` if no restart left a stash beside it.
    """
    lo = leftover(workdir)
    if not lo.stashes:
        raise RestartError(f"nothing to roll back: no {os.path.basename(lo.workdir)}.res beside {lo.workdir}")
    discard = [*lo.stashes[1:], *([lo.workdir] if lo.exists else [])]
    return RollbackPlan(lo.workdir, lo.stashes[0], tuple(discard))


def rollback(plan: RollbackPlan, *, force: bool = False) -> None:
    """Do *plan*: the half-done folders are renamed ``*.discard`` (newest first) and deleted, the stash renamed back.

    Refused (as a restart is) while processes of a run work in any of them or another writer
    holds one; *force* skips the live-process check (:func:`check_writers`), not the locks.
    """
    folders = [plan.restore, *plan.discard]
    check_writers([plan.workdir, *folders] if os.path.isdir(plan.workdir) else folders, force=force)
    fds = _lock_all([f for f in folders if os.path.isdir(f)])
    try:
        discards = []
        for folder in reversed(plan.discard):
            target = folder + DISCARD
            if os.path.exists(target):
                shutil.rmtree(target, ignore_errors=True)
            os.rename(folder, target)
            discards.append(target)
        os.rename(plan.restore, plan.workdir)
        for target in discards:
            shutil.rmtree(target, ignore_errors=True)
        for stale in leftover(plan.workdir).discards:
            shutil.rmtree(stale, ignore_errors=True)
    finally:
        for fd in fds:
            os.close(fd)


def plan_json(plan: RestartPlan) -> str:
    """The plan as ``plams-tui restart --dry-run --json`` prints it: an array of jobs."""
    return json.dumps([j.to_dict() for j in plan.jobs], indent=1)
