"""A read-only index of a PLAMS working folder: one record per job, without unpickling.

:func:`scan_workdir` turns a working folder of any PLAMS era into :class:`JobRecord` s held
by a :class:`WorkdirIndex`; :meth:`WorkdirIndex.refresh_paths` re-reads only what changed.
:func:`scan_workdir_iter` streams the same scan in batches. Opening never writes into the
folder and never runs anything from it: ``.dill`` files are read statically
(:func:`plams_core.pickles.reader.read_dill_summary`).

The read side by concern: :mod:`.records` (what a job's record says, its JSON), :mod:`.reading`
(job folders, in helper processes when many), :mod:`.sources` (csv and text log),
:mod:`.procs` (live processes), :mod:`.resolve` (which folder is a job, of which kind, its
status, times and copy link), this module (the index: scan, stream, detail, refresh) and
:mod:`.cache`.

How the folder is read
----------------------
* Job folders: a folder is a job when it holds files named after it (``$JN.in``, ``.run``,
  ``.out``, ``.err``, ``.dill``) or when ``job_logfile.csv`` or the text log name it. A
  folder holding job folders is a MultiJob when it has its own ``$JN.dill`` or is named in
  the csv/log; otherwise it is a ``jobs_in_directory`` folder (2026+), which is no job. A
  dill-less MultiJob that neither source names therefore shows as such a folder, its
  children as top-level jobs. The subfolders of a SingleJob (its own files) are not searched.
* Status, first source that knows (``status_source``): the status in the ``.dill``
  (``dill``); the last ``job_logfile.csv`` row for the job's path relative to the working
  folder (``csv``); a live process whose cwd is inside the job folder, which gives
  ``running`` (``process``); the last ``JOB <full name> <STATUS>`` line of the text log, or a
  pre-2018 ``Job NAME started/finished`` line (``logfile``; not used when two job folders
  share a full name, which ``jobs_in_directory`` allows); file clues (``files``): only
  ``$JN.in``/``$JN.run`` and no output means the runscript never ran: ``registered``; a
  MultiJob from its children (``children``): all ok -> ``successful``, all final with one
  not ok -> ``failed``. Anything else is ``unknown``: the index does not guess. In the text
  log, a ``JOB <name> STARTED`` line followed by PLAMS's ``Renaming job <name> to <new>``
  belongs to ``<new>`` (PLAMS logs it before renaming a reused name).
* What cannot be read is said, never guessed: ``problems`` on the record (its folder, ``.in``
  or ``.run``, ``.dill``) and :attr:`WorkdirIndex.problems` (plus the csv and text log). A
  job folder that cannot be listed is a job of status ``unknown`` (not the csv's word for a
  folder nobody can check); a ``.dill`` that cannot be read is ``unreadable``, not ``corrupt``.
* Times (``start``, ``end``): from the csv row's timeline, else the text log (see
  :meth:`Resolver._times <plams_core.index.resolve.Resolver._times>`).
* ``interrupted`` is true when the status is not final (started, registered, running,
  finished...) and no live process is inside the job folder: the status stays the last one
  recorded (``running`` only comes with a live process *or* an interrupted flag) so it is
  always one of PLAMS's statuses or ``unknown``.
* Hashes are recomputed from the files as PLAMS defines them (``--hashing``): sha256 of
  ``$JN.in`` (``input``, the default), of ``$JN.run`` (``runscript``), of the two hex
  digests (``input+runscript``); None when a needed file was cleaned away, for MultiJobs
  and with ``none``.
* ``copied_from``: for a job copied by rerun prevention (status ``copied`` or a
  ``Job X previously run as Y`` log line), the job with the same hash, preferring the one
  whose files share inodes with it (PLAMS hard-links them).
* Absolute paths recorded inside the folder (csv ``job_path``, the path in a .dill) are
  matched relative to the working folder: the folder may have moved since.
* Speed: one ``os.scandir`` per folder and no ``stat`` but of the ``.dill`` (sizes and
  times of files are read by :meth:`WorkdirIndex.detail`, for one job); ``.in``/``.run``
  hashed with hashlib on bytes; the csv read once with the csv module; the text log read
  only when a job needs it, with literal-prefixed regexes over the whole text. From
  ``PARALLEL_THRESHOLD`` folders on a level, helper processes (one per usable CPU but one:
  forked in a process without threads, spawned in one with threads) and the calling thread
  share them in chunks; the caller reads the csv first (:mod:`plams_core.index.reading`).
  A ``.dill`` that differs from one already read only in data (the same script's other
  jobs) is answered without unpickling (:mod:`plams_core.pickles.templates`). .dill
  summaries and hashes are cached by (inode, mtime_ns, size) outside the folder
  (:mod:`plams_core.index.cache`). The garbage collector is left alone: a caller that
  scans big folders in a short-lived process may pause it (``plams-tui ls`` does).
* Threads: nothing is kept in module globals, so scans run from any number of threads at
  once. One index may be read from several threads while one refreshes it: a lock inside
  :class:`WorkdirIndex` serialises refreshes, and readers get consistent snapshots.
* Refresh: :meth:`WorkdirIndex.refresh_paths` rescans the folders the paths are in (a new
  folder with everything below it), drops vanished ones, tails the csv/log when they are
  among the paths, re-reads the process table, then re-resolves those jobs and their
  MultiJob ancestors. Records that come out equal stay the same objects.
"""

from __future__ import annotations

import os
import threading
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import WorkdirError
from ..hashing import validate_hashing
from .cache import ScanCache
from .procs import processes_inside
from .reading import ReadContext, _Folder, pool_size, read_folder_parts, read_folders
from .records import STATUS_SOURCES, FileEntry, IndexUpdate, JobDetail, JobFiles, JobRecord, make_record
from .report import natural_key  # the one natural order (ls, show, the app); re-exported here
from .resolve import Resolver, _tree_key, depth, parent_dir, with_ancestors
from .sources import JobCsv, JobLog, WorkdirLayout, find_layout, parse_csv_timeline

__all__ = [
    "FileEntry",
    "JobRecord",
    "JobDetail",
    "WorkdirIndex",
    "IndexUpdate",
    "scan_workdir",
    "scan_workdir_iter",
    "ScanBatch",
    "STATUS_SOURCES",
    "natural_key",
]

#: Status sources of a streamed record that later reads can change (placeholders; the text log's count of a name).
_REDO = frozenset({"pending", "logfile", "unknown", "files"})
_BATCH = 2000  # records per batch at the end of a streamed scan


class ScanBatch(list[JobRecord]):
    """Records read so far, from :func:`scan_workdir_iter` (whose docstring is the contract).

    The batch is the list of records to insert or replace by path (``batch.records`` is the
    batch itself), with ``removed`` (paths to drop), ``progress`` ``(done, total)`` (also
    ``done`` and ``total``) and ``index``.
    """

    __slots__ = ("removed", "progress", "index")
    removed: tuple[str, ...]
    progress: tuple[int, int]
    # the documented name shadows list.index (a method) on the instance; kept, callers use it
    index: WorkdirIndex  # type: ignore[assignment]

    def __init__(
        self,
        records: Iterable[JobRecord],
        removed: tuple[str, ...],
        progress: tuple[int, int],
        index: WorkdirIndex,
    ) -> None:
        super().__init__(records)
        self.removed = removed  # paths to drop (only in the last batch)
        self.progress = progress  # (folders read, folders known to read)
        self.index = index

    @property
    def records(self) -> list[JobRecord]:
        """The records to insert or replace by path (the batch itself)."""
        return self

    @property
    def done(self) -> int:
        return self.progress[0]

    @property
    def total(self) -> int:
        return self.progress[1]

    def __repr__(self) -> str:
        return f"ScanBatch({len(self)} records, removed={self.removed!r}, progress={self.progress!r})"


# ------------------------------------------------------------------------------- the index


class WorkdirIndex(Resolver):
    """The jobs of one working folder, by path relative to it. Built by :func:`scan_workdir`.

    Iterating yields records in folder-tree order (a snapshot taken when iteration starts).
    Thread-safe: refreshes from any thread are serialised by a lock; reading methods see the
    index either before or after a refresh, never half-way.
    """

    def __init__(self, root: str, hashing: str | None, cache: ScanCache, workers: int | None) -> None:
        self.root = root  #: absolute, symlinks resolved
        self.hashing = hashing
        self.layout = WorkdirLayout(None, None, None, "plams_workdir")
        self._cache = cache
        self._workers = workers
        self._prefix = root.rstrip("/") + "/"
        self._ctx = ReadContext(self._prefix, hashing, cache)
        self._lock = threading.RLock()  # held while the index changes (scan, refresh)
        self._epochs: dict[str, float | None] = {}  # timestamp text -> epoch (a few hundred distinct)
        self._spans: dict[str, tuple[float | None, float | None]] = {}  # csv timeline -> (start, end)
        self._top_files: set[str] = set()
        self._folders: dict[str, _Folder] = {}
        self._records: dict[str, JobRecord] = {}
        self._order: list[str] | None = None
        self._csv = JobCsv(root.rstrip("/"))
        self._log = JobLog()
        self._log_loaded = False  # read on first need: with a csv and .dill files it rarely is
        self._procs: dict[str, list[int]] = {}
        self._kinds: dict[str, str | None] = {}
        self._log_names: dict[str, str] = {}
        self._log_count: dict[str, int] = {}
        self._by_hash: dict[str, list[str]] | None = None  # see Resolver._hash_index
        self._copies: set[str] = set()  # jobs whose copied_from is set
        self._memo: dict[Any, Any] = {}  # see _compact
        self._shapes: dict[tuple[str, ...], tuple[str, ...]] = {}  # see JobFiles

    # -- public reading API

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[JobRecord]:
        with self._lock:
            if self._order is None:
                # folder-tree order: by path components. "/" as NUL (lower than any character a
                # name can hold) sorts the strings the same, without a list per path (~4x cheaper)
                self._order = sorted(self._records, key=_tree_key)
            records = self._records
            return iter([records[r] for r in self._order])

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._normalise(path) in self._records

    def get(self, path: str) -> JobRecord | None:
        """The record of the job at *path* (relative, POSIX or native; or absolute inside the folder)."""
        return self._records.get(self._normalise(path))

    @property
    def records(self) -> Mapping[str, JobRecord]:
        """All records by relative path (a read-only snapshot)."""
        from types import MappingProxyType

        with self._lock:
            return MappingProxyType(dict(self._records))

    @property
    def problems(self) -> tuple[str, ...]:
        """What could not be read, one line each: the csv or text log (``job_logfile.csv: ...``),
        then each job's (``path: cannot read ...``), in folder-tree order. Empty when all was read.
        """
        with self._lock:
            out = [p for p in (self._csv.problem, self._log.problem) if p]
            for rec in self:
                if rec.problems:  # rarely: no generator per record
                    out.extend(f"{rec.path}: {p}" for p in rec.problems)
            return tuple(out)

    def detail(self, path: str) -> JobDetail:
        """One job in full: files with sizes and times, timeline, .dill settings (reads that job only).

        Raises :class:`~plams_core.errors.WorkdirError` if no job is at *path*.
        """
        with self._lock:  # what the index knows now; the files are read without the lock
            rec = self.get(path)
            if rec is None:
                raise WorkdirError(f"{path}: no such job in {self.root}")
            csv_row = self._csv.rows.get(rec.path)
            logfile = self.layout.logfile
        folder = self._prefix + rec.path
        files = []
        for name in rec.files:
            is_dir = name.endswith("/")
            try:
                st = os.lstat(folder + "/" + name.rstrip("/"))
            except OSError:
                continue
            files.append(
                FileEntry(
                    name.rstrip("/"),
                    None if is_dir else st.st_size,
                    st.st_mtime_ns,
                    st.st_ino,
                    st.st_nlink,
                    is_dir,
                )
            )
        info = None
        if rec.dill != "missing":
            from ..pickles.reader import read_dill

            info = read_dill(f"{folder}/{rec.name}.dill")
        ok = info is not None and info.verdict == "ok"
        timeline: tuple[tuple[str, str], ...] = ()
        source = None
        if ok and info is not None and info.status_log:
            timeline, source = tuple(tuple(x) for x in info.status_log), "dill"  # type: ignore[misc]  # (time, status) pairs
        elif csv_row is not None and csv_row.timeline:
            timeline, source = tuple(parse_csv_timeline(csv_row.timeline)), "csv"
        elif rec.log_name is not None and logfile is not None:
            try:
                with open(self._prefix + logfile, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                timeline = tuple(JobLog.history(text, rec.log_name))
                source = "logfile" if timeline else None
            except OSError:
                pass
        return JobDetail(
            record=rec,
            files=tuple(files),
            timeline=timeline,
            timeline_source=source,
            settings=dict(info.settings) if ok and info is not None else {},
            class_module=info.class_module if ok and info is not None else None,
            by_value=bool(info.by_value) if ok and info is not None else False,
            recorded_path=info.path if ok and info is not None else None,
        )

    # -- building

    def _normalise(self, path: str) -> str:
        p = path.replace(os.sep, "/") if os.sep != "/" else path
        if os.path.isabs(p):
            real = os.path.realpath(p) if not p.startswith(self._prefix) else p
            if real.startswith(self._prefix):
                p = real[len(self._prefix) :]
            elif real.rstrip("/") == self.root.rstrip("/"):
                return ""
        return p.strip("/").removeprefix("./")

    def _scan(self) -> None:
        for _ in self._stream(False):
            pass

    def _stream(self, stream: bool) -> Iterator[ScanBatch]:
        """The first scan; with *stream*, yield what is known as it is read (see :func:`scan_workdir_iter`)."""
        top_dirs: list[str] = []
        try:
            with os.scandir(self.root) as it:
                for e in it:
                    if e.is_dir(follow_symlinks=False):
                        top_dirs.append(e.name)
                    else:
                        self._top_files.add(e.name)
        except OSError as exc:
            raise WorkdirError(f"{self.root}: cannot read the folder ({exc.strerror})") from None
        self.layout = find_layout(self._top_files, os.path.basename(self.root.rstrip("/")))
        self._refresh_procs()
        total, done = len(top_dirs), 0
        # what the caller was given, by path: replaced at the end only where it differs
        shown: dict[str, JobRecord] = {}
        if stream:
            top_dirs.sort()  # rows fill in from the top of a list sorted by name (natural_key: 0.6 s for 100,000)
            shown = {rel: _placeholder(rel) for rel in top_dirs}
            yield ScanBatch(list(shown.values()), (), (0, total), self)
        pool = pool_size(self._workers, len(top_dirs))
        folders = self._folders
        # the csv and the log are read while the helpers read the job folders
        # path -> itself: one string object a top-level path, shared by the folder, the record,
        # the csv row's key and name (helpers send copies; ~13 MB at 100,000 jobs)
        top_names = dict(zip(top_dirs, top_dirs, strict=True))
        self._csv.paths = top_names

        def sources() -> None:
            self._read_sources()
            self._csv.adopt_root(top_names)  # a moved folder: its rows matched before any record

        for part in read_folder_parts(self._ctx, top_dirs, pool, meanwhile=sources):
            ready = []
            for rel, folder in part:
                done += 1
                if folder is None:
                    continue
                rel = top_names.get(rel, rel)
                folders[rel] = folder = self._compact(folder, rel)
                if folder.single:
                    if stream and "/" not in rel:
                        ready.append(rel)  # a top-level SingleJob: nothing below can change its kind
                else:
                    total += len(folder.subdirs)
            if stream:
                # statuses from what is known now; the few that later reads can change are redone below
                self._classify(set(ready))
                built: dict[str, JobRecord] = {}
                self._resolve_many(ready, built)  # the usual job inline, as the last pass builds it
                batch = list(built.values())
                shown.update(built)
                yield ScanBatch(batch, (), (done, total), self)
        with self._lock:  # readers in other threads see no records or all of them
            late = self._csv.rematch(folders.keys())  # rows of a folder that moved: matched by known paths
            self._csv.paths = {}
            self._classify(set(folders))
            records = self._records
            jobs = [rel for rel, kind in self._kinds.items() if kind]  # children before their MultiJob
            if shown:
                rows = self._csv.rows
                redo = []
                for rel in jobs:
                    rec = shown.get(rel)
                    records[rel] = rec  # type: ignore[assignment]  # the order; redone ones replaced below
                    if (
                        rec is None
                        or rec.status_source in _REDO
                        or rel in late
                        or rec.kind != self._kinds[rel]
                        or rel not in rows  # times from the text log: its name count may have grown
                    ):
                        redo.append(rel)
                self._resolve_many(redo, records)
            else:
                self._resolve_many(jobs, records)
            self._link_copies(set(records))
            if (
                not records
                and self.layout.logfile is None
                and self.layout.csv is None
                and self.layout.input is None
            ):
                raise WorkdirError(
                    f"{self.root}: not a PLAMS working folder (no job folders, logfile, job_logfile.csv or input)"
                )
        self._cache.save(self.root, only_used=True)
        if stream:
            changed = [rec for rel, rec in records.items() if shown.get(rel) is not rec]
            removed = tuple(rel for rel in shown if rel not in records)
            for i in range(0, max(len(changed), 1), _BATCH):
                last = i + _BATCH >= len(changed)
                yield ScanBatch(changed[i : i + _BATCH], removed if last else (), (total, total), self)

    def _compact(self, folder: _Folder, rel: str | None = None) -> _Folder:
        """*folder* with its .dill summary and runscript hash shared with equal ones read before.

        Folders come from helper processes (unpickled: every string a new object); most jobs
        of a script have the same summary (verdict, class, status: ~260 bytes a folder, 26 MB
        at 100,000) and often the same runscript. Records take their class and status from it.
        The inodes are kept as an ``array`` of machine words, the names as a :class:`JobFiles`
        (the job's name and a shape shared with folders alike), which records hold as ``files``.
        """
        dill, run = folder.dill, folder.run_hash
        memo = self._memo
        if dill is not None:
            dill = memo.setdefault(dill, dill)
        if run is not None:
            run = memo.setdefault(run, run)
        # the inodes as machine words (only copy links look at them): 100 bytes, not 250
        inodes = array("Q", folder.inodes)
        rel = folder.rel if rel is None else rel  # the caller's string object of the path
        names = JobFiles.of(rel.rpartition("/")[2], folder.names, self._shapes)
        return folder._replace(rel=rel, dill=dill, run_hash=run, inodes=inodes, names=names)  # type: ignore[arg-type]  # an array is the Sequence[int] copy links read

    def _read_sources(self) -> set[str]:
        """Read what was added to the csv and the text log; return the job paths they may change."""
        touched: set[str] = set()
        if self.layout.csv:
            touched |= self._csv.read(self._prefix + self.layout.csv, self._folders.keys())
        if self.layout.logfile and self._log_loaded:
            names = self._log.read(self._prefix + self.layout.logfile)
            if names and self._log_names:
                by_name: dict[str, list[str]] = {}
                for rel, name in self._log_names.items():
                    by_name.setdefault(name, []).append(rel)
                for name in names:
                    touched.update(by_name.get(name, ()))
                    for rel in by_name.get(self._log.copies.get(name, ""), ()):
                        touched.add(rel)
        return touched

    def _refresh_procs(self) -> set[str]:
        """Re-read live processes; return the folders whose process state changed."""
        old = self._procs
        new: dict[str, list[int]] = {}
        for cwd, pids in processes_inside(self.root).items():
            p = cwd
            while p:  # a process in a child's folder is inside its MultiJob too
                new.setdefault(p, []).extend(pids)
                p = parent_dir(p)
        self._procs = new
        return {rel for rel in old.keys() | new.keys() if old.get(rel) != new.get(rel)}

    # -- incremental refresh

    def refresh_paths(self, paths: Iterable[str]) -> IndexUpdate:
        """Re-read what *paths* (files or folders, created, changed or deleted) affect.

        Work is proportional to the number of paths and the size of the job folders they
        are in, not to the working folder. Returns the records that are new or differ and the
        paths of jobs that are gone; records that did not change stay the same objects.
        """
        with self._lock:  # the folders known decide what to rescan
            rescan: set[str] = set()
            dropped: set[str] = set()
            sources = False
            for path in paths:
                rel = self._normalise(path)
                if (
                    rel == ""
                    or "/" not in rel
                    and rel
                    in (self.layout.logfile, self.layout.csv, self.layout.input, "logfile", "job_logfile.csv")
                ):
                    sources = True
                    continue
                if not os.path.isdir(self._prefix + rel):
                    rel = parent_dir(rel) if rel not in self._folders else rel
                # the nearest folder that exists: scan it (a new one with all below it)
                while rel and not os.path.isdir(self._prefix + rel):
                    dropped.add(rel)
                    rel = parent_dir(rel)
                # inside a SingleJob's own subfolder: the job folder is what changed
                p = parent_dir(rel)
                while p:
                    if p in self._folders and self._folders[p].single:
                        rel = p
                    p = parent_dir(p)
                if rel:
                    rescan.add(rel)
            return self._apply(rescan, dropped, sources)

    def refresh(self) -> IndexUpdate:
        """Re-read the sources beside the job folders and the live processes (no folder is rescanned)."""
        return self._apply(set(), set(), True)

    def _apply(self, rescan: set[str], dropped: set[str], sources: bool) -> IndexUpdate:
        with self._lock:
            return self._apply_locked(rescan, dropped, sources)

    def _apply_locked(self, rescan: set[str], dropped: set[str], sources: bool) -> IndexUpdate:
        # Work stays proportional to what changed: only the records of the jobs touched, their
        # MultiJob ancestors and their copy partners are rebuilt and compared (at 100,000 jobs a
        # pass over every record costs ~0.1 s, and copy links ~0.4 s).
        records = self._records
        touched: set[str] = set()
        for rel in dropped:
            touched |= self._forget(rel)
        if rescan:
            # the top folders of what changed: new ones get everything below them read
            todo = sorted(rescan, key=depth)
            for rel, folder in read_folders(self._ctx, todo, 1):
                old_folder = self._folders.get(rel)
                if folder is None:
                    touched |= self._forget(rel)
                    continue
                self._folders[rel] = folder = self._compact(folder)
                touched.add(rel)
                if old_folder is not None:
                    for d in set(old_folder.subdirs) - set(folder.subdirs):
                        touched |= self._forget(rel + "/" + d)
        if sources and not self._log_loaded and self.layout.logfile:
            self._ensure_log()
            touched |= {
                r.path
                for r in records.values()
                if r.status_source in ("logfile", "files", "unknown", "children", "process")
            }
        if sources or touched:
            layout = find_layout(
                self._top_files | self._current_top_files(sources), os.path.basename(self.root)
            )
            self.layout = layout
            named = self._read_sources()
            touched |= named
            # a job the csv names in a folder never read (a jobs_in_directory folder made
            # before, which no watch looks at any more): read it, with what is below
            for rel, folder in read_folders(self._ctx, self._unread(named), 1):
                if folder is not None:
                    self._folders[rel] = self._compact(folder)
                    touched.add(rel)
            if touched and self._csv.unmatched:
                touched |= self._csv.rematch(self._folders.keys())
        touched |= self._refresh_procs()
        touched = {r for r in touched if r in self._folders or r in records}
        self._classify(touched)
        # a change in a child can change its MultiJob (status from children, kind, files)
        affected = with_ancestors(touched)
        old: dict[str, JobRecord | None] = {rel: records.get(rel) for rel in affected}
        for rel in sorted(affected, key=depth, reverse=True):
            if self._kinds.get(rel) and rel in self._folders:
                records[rel] = self._resolve(rel)
            else:
                records.pop(rel, None)
        if self._by_hash is not None:
            for rel, was in old.items():
                now = records.get(rel)
                self._reindex_hash(rel, was.hash if was else None, now.hash if now else None)
        partners = self._copy_partners(affected, old) - affected
        for rel in partners:
            old[rel] = records.get(rel)
        self._link_copies(affected | partners)
        changed: list[JobRecord] = []
        removed: list[str] = []
        for rel, was in old.items():
            rec = records.get(rel)
            if rec is None:
                if was is not None:
                    removed.append(rel)
            elif was is None or was != rec:
                changed.append(rec)
            elif was is not rec:
                records[rel] = was  # keep the object the caller already holds
        if changed or removed:
            self._order = None
        changed.sort(key=lambda r: _tree_key(r.path))
        removed.sort()
        return IndexUpdate(tuple(changed), tuple(removed))

    def _unread(self, rels: Iterable[str]) -> list[str]:
        """The topmost folders, not read yet, that hold the folders *rels* (named by the csv)."""
        tops: set[str] = set()
        for rel in rels:
            if rel in self._folders:
                continue
            top = None
            p = rel
            while p and p not in self._folders:
                top = p
                p = parent_dir(p)
            if (
                top is not None
                and (not p or not self._folders[p].single)
                and os.path.isdir(self._prefix + top)
            ):
                tops.add(top)
        return sorted(tops, key=depth)

    def _current_top_files(self, reread: bool) -> set[str]:
        if not reread:
            return set()
        try:
            with os.scandir(self.root) as it:
                self._top_files = {e.name for e in it if not e.is_dir(follow_symlinks=False)}
        except OSError:
            pass
        return self._top_files

    def _forget(self, rel: str) -> set[str]:
        """Drop the folder *rel* and everything below it; return the paths dropped."""
        # down the subfolders each read found (what was read below rel), not a pass over all
        gone: set[str] = set()
        stack = [rel]
        while stack:
            r = stack.pop()
            folder = self._folders.pop(r, None)
            if folder is not None or r in self._records:
                gone.add(r)
            if folder is not None:
                stack.extend(r + "/" + d for d in folder.subdirs)
        return gone


def _placeholder(rel: str) -> JobRecord:
    """A top-level folder whose name is all that is known yet (``status_source`` ``pending``)."""
    # positionally, in JobRecord's field order: 100,000 of them come before the first row shows
    return make_record(rel, rel, None, "single", None, "unknown", "pending", False, None, "missing")


def _open(
    path: str | os.PathLike[str], hashing: str | None, cache: bool, workers: int | None
) -> WorkdirIndex:
    """An index of the folder at *path*, checked but not read yet."""
    try:
        mode = validate_hashing(hashing)
    except ValueError as exc:
        raise WorkdirError(str(exc)) from None
    raw = os.fspath(path)
    if not os.path.exists(raw):
        raise WorkdirError(f"{raw}: no such folder")
    if not os.path.isdir(raw):
        raise WorkdirError(f"{raw}: not a folder")
    root = os.path.realpath(raw)
    return WorkdirIndex(root, mode, ScanCache(root, enabled=cache), workers)


def scan_workdir_iter(
    path: str | os.PathLike[str],
    *,
    hashing: str | None = "input",
    cache: bool = False,
    workers: int | None = None,
) -> Iterator[ScanBatch]:
    """Index the working folder at *path* like :func:`scan_workdir`, yielding records as they are read.

    The contract (what a caller showing rows at once codes against):

    * Every batch is a :class:`ScanBatch`: a list of :class:`JobRecord` (also ``.records``)
      with ``.removed``, ``.progress`` and ``.index``. Apply it in order: insert or replace
      each record by its ``path``, drop the paths in ``removed``. After the last batch, what the caller holds equals ``list(index)``.
    * The first batch comes after one ``scandir`` of the working folder: a placeholder for
      every top-level folder, sorted by name, with ``status_source == "pending"``
      (only ``name`` and ``path`` are known; ``status`` is ``unknown``). Then, as the job
      folders are read, the top-level SingleJobs with their statuses; last, MultiJobs and
      their children, the records later reads changed (``copied_from``, a status from the
      text log), and in ``removed`` placeholders that turned out to be no job (such as
      ``jobs_in_directory`` folders). ``removed`` is empty in all batches but the last.
    * ``progress`` is ``(done, total)``: folders read so far and folders known to read;
      ``total`` grows while subfolders are found; the last batch has ``done == total``.
    * ``index`` is the same :class:`WorkdirIndex` in every batch, complete once the iteration
      ends (use it for :meth:`~WorkdirIndex.detail` and :meth:`~WorkdirIndex.refresh_paths`
      then: until the last batch it holds no records, and refreshing it is not supported).
      Paths a watcher reports meanwhile are refreshed after the last batch.

    Errors are raised as by :func:`scan_workdir` (a bad path before the first batch). Closing
    the iterator early stops any helper processes. Reading costs what :func:`scan_workdir`
    costs plus a record per top-level folder for the placeholders.
    """
    index = _open(path, hashing, cache, workers)
    return index._stream(True)


def scan_workdir(
    path: str | os.PathLike[str],
    *,
    hashing: str | None = "input",
    cache: bool = False,
    workers: int | None = None,
) -> WorkdirIndex:
    """Index the PLAMS working folder at *path* without writing to it or running anything from it.

    *hashing* is how job hashes are computed from the files (``input``, ``runscript``,
    ``input+runscript`` or ``none``); *cache* uses (and updates) the summary cache outside
    the folder, which pays only where .dill files differ in shape (off: nothing is written anywhere);
    *workers* forces the number of reading processes (default: automatic).
    Raises :class:`~plams_core.errors.WorkdirError` if *path* is no working folder.
    """
    index = _open(path, hashing, cache, workers)
    index._scan()
    return index
