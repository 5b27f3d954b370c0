"""A read-only index of a PLAMS working folder: one record per job, without unpickling.

:func:`scan_workdir` turns a working folder of any PLAMS era into :class:`JobRecord` s held
by a :class:`WorkdirIndex`; :meth:`WorkdirIndex.refresh_paths` re-reads only what changed.
Opening never writes into the folder and never runs anything from it: ``.dill`` files are
read statically (:func:`plams_core.pickles.reader.read_dill_summary`).

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
  not ok -> ``failed``. Anything else is ``unknown``: the index does not guess.
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
  ``PARALLEL_THRESHOLD`` folders on a level, forked children (one per usable CPU but one)
  and the main process share them in chunks; the main process reads the csv first (only
  when the caller has no other threads: forking a threaded process is unsafe). A ``.dill``
  that differs from one already read only in data (the same script's other jobs) is
  answered without unpickling (:mod:`plams_core.pickles.templates`). The cyclic garbage
  collector is paused during a scan. .dill summaries and hashes are cached by
  (inode, mtime_ns, size) outside the folder (:mod:`plams_core.index.cache`).
* Refresh: :meth:`WorkdirIndex.refresh_paths` rescans the folders the paths are in (a new
  folder with everything below it), drops vanished ones, tails the csv/log when they are
  among the paths, re-reads the process table, then re-resolves those jobs and their
  MultiJob ancestors. Records that come out equal stay the same objects.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import WorkdirError
from ..hashing import combine_hashes, validate_hashing
from ..status import FINAL_STATUSES
from .cache import ScanCache
from .procs import processes_inside
from .sources import JobCsv, JobLog, WorkdirLayout, find_layout, parse_csv_timeline

__all__ = [
    "FileEntry",
    "JobRecord",
    "JobDetail",
    "WorkdirIndex",
    "IndexUpdate",
    "scan_workdir",
    "STATUS_SOURCES",
]

#: Where a status can come from, best first.
STATUS_SOURCES = ("dill", "csv", "process", "logfile", "files", "children", "unknown")
#: From this many folders to read on one level, forked processes read them in parallel.
PARALLEL_THRESHOLD = 500
_MAX_DEPTH = 32
_OK = frozenset({"successful", "copied"})
_FINAL = frozenset(str(s) for s in FINAL_STATUSES)
_OWN_EXTS = (".in", ".run", ".out", ".err")


class FileEntry(NamedTuple):
    """A file (or subfolder, ``is_dir``) directly in a job folder."""

    name: str
    size: int | None
    mtime_ns: int
    inode: int
    nlink: int
    is_dir: bool


class _Dill(NamedTuple):
    """The parts of a DillInfo a listing needs (plain data: picklable and marshallable)."""

    verdict: str
    reason: str | None
    class_name: str | None
    status: str | None
    children: tuple[str, ...]


class _Folder(NamedTuple):
    """What one scandir of a folder found (read in a worker process for big folders)."""

    rel: str
    names: tuple[str, ...]  # entries directly inside; folders end with '/'
    inodes: tuple[int, ...]  # of its files (no stat needed: scandir knows them)
    subdirs: tuple[str, ...]
    single: bool  # holds $JN.in/.run/.out/.err
    in_hash: str | None
    run_hash: str | None
    dill: _Dill | None  # None: no $JN.dill


@dataclass(slots=True)
class JobRecord:
    """One job of a working folder as a listing shows it. Records are replaced, never changed.

    Details that cost a stat or a read per file (sizes, times, the .dill's settings and status
    log) are in :meth:`WorkdirIndex.detail`.
    """

    name: str
    path: str  # relative to the working folder, POSIX
    parent: str | None
    kind: str  # 'single' | 'multi'
    class_name: str | None
    status: str
    status_source: str
    interrupted: bool
    hash: str | None
    dill: str  # 'ok' | 'missing' | 'corrupt' | 'unsafe' | 'removed' ($JN.removed.dill, plams-tui rm)
    dill_reason: str | None = None
    copied_from: str | None = None
    children: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # names directly in the job folder; folders end with '/'
    error: str | None = None  # the error message job_logfile.csv recorded
    pids: tuple[int, ...] = ()  # live processes inside the job folder
    log_name: str | None = None  # the full name the text log uses

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (one object of ``plams-tui ls --json``)."""
        return {
            "name": self.name,
            "path": self.path,
            "parent": self.parent,
            "status": self.status,
            "hash": self.hash,
            "class": self.class_name,
            "dill": self.dill,
            "kind": self.kind,
            "status_source": self.status_source,
            "interrupted": self.interrupted,
            "copied_from": self.copied_from,
            "dill_reason": self.dill_reason,
            "files": list(self.files),
        }


@dataclass(frozen=True, slots=True)
class JobDetail:
    """Everything known about one job: its record plus what a listing does not read."""

    record: JobRecord
    files: tuple[FileEntry, ...]
    timeline: tuple[tuple[str, str], ...]  # (time as recorded, status)
    timeline_source: str | None  # 'dill' (ISO times), 'csv', 'logfile' ([dd.mm|HH:MM:SS]) or None
    settings: Mapping[str, Any]  # keep, save, pickle, link_files from the .dill
    class_module: str | None
    by_value: bool  # the class is stored in the .dill itself (defined in the script)
    recorded_path: str | None  # where the .dill says the job was

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``plams-tui show --json``)."""
        d = self.record.to_dict()
        d.update(
            files=[
                {
                    "name": f.name,
                    "size": f.size,
                    "mtime_ns": f.mtime_ns,
                    "inode": f.inode,
                    "nlink": f.nlink,
                    "is_dir": f.is_dir,
                }
                for f in self.files
            ],
            children=list(self.record.children),
            timeline=[{"time": t, "status": st} for t, st in self.timeline],
            timeline_source=self.timeline_source,
            settings={k: self.settings.get(k) for k in ("keep", "save", "pickle", "link_files")},
            class_module=self.class_module,
            by_value=self.by_value,
            recorded_path=self.recorded_path,
            error=self.record.error,
            pids=list(self.record.pids),
            log_name=self.record.log_name,
        )
        return d


@dataclass(frozen=True, slots=True)
class IndexUpdate:
    """What :meth:`WorkdirIndex.refresh_paths` changed: new or different records, and removed paths."""

    changed: tuple[JobRecord, ...]
    removed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


# ------------------------------------------------------------------------ reading a job folder

_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__ (hot loop)

# Set before forking so the children inherit them (copy-on-write) instead of receiving them.
_worker_state: tuple[str, str | None, ScanCache] | None = None


_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Below malloc's mmap threshold (128 KiB): a 1 MiB first read cost an mmap/munmap pair and
# page faults per file, ~20 us, more than the rest of reading a job folder.
_HASH_READ = 1 << 16


def _sha256_fd(fd: int) -> str:
    data = os.read(fd, _HASH_READ)
    if len(data) < _HASH_READ:  # a short read of a regular file is its end: one read for most inputs
        return hashlib.sha256(data).hexdigest()
    h = hashlib.sha256(data)
    while chunk := os.read(fd, _HASH_READ):
        h.update(chunk)
    return h.hexdigest()


def _file_hash(path: str, rel: str, cache: ScanCache, used: dict[Any, Any] | None) -> str | None:
    """sha256 of the file at *path*; with a cache (*used* not None) looked up by (rel, inode, mtime, size)."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)  # cheaper than open(): no buffered file object
    except OSError:
        return None
    try:
        if used is None:
            return _sha256_fd(fd)  # no cache: no key, so no fstat
        st = os.fstat(fd)
        key = (rel, st.st_ino, st.st_mtime_ns, st.st_size)
        digest = cache.get(key)
        if type(digest) is not str:  # not cached (or a foreign value)
            digest = _sha256_fd(fd)
    except OSError:
        return None
    finally:
        os.close(fd)
    used[key] = digest
    return digest


_REMOVED_REASON = "taken out of rerun prevention by plams-tui rm (undo: rm --undo)"


def _read_folder(
    prefix: str, rel: str, hashing: str | None, cache: ScanCache, used: dict[Any, Any] | None
) -> Any:
    """One scandir of *rel*; hash its $JN.in/$JN.run and read its $JN.dill. None if it vanished.

    No file is stat-ed but the .dill (scandir gives names, types and inodes for free), and
    that only for its cache key. Returns plain tuples (the fields of a _Folder): they pickle
    far faster than NamedTuples on their way back from a worker. Cache entries used are
    added to *used* (None: the cache is off, nothing to record or send back).
    """
    path = prefix + rel
    names: list[str] = []
    inodes: list[int] = []
    subdirs: list[str] = []
    name = rel.rpartition("/")[2]
    has_in = has_run = has_dill = has_removed = single = False
    try:
        with os.scandir(path) as it:
            for e in it:
                fname = e.name
                try:
                    if e.is_dir(follow_symlinks=False):
                        subdirs.append(fname)
                        names.append(fname + "/")
                        continue
                    inodes.append(e.inode())
                except OSError:
                    continue  # removed while listing
                names.append(fname)
                if fname.startswith(name):
                    ext = fname[len(name) :]
                    if ext == ".in":
                        has_in = single = True
                    elif ext == ".run":
                        has_run = single = True
                    elif ext == ".out" or ext == ".err":
                        single = True
                    elif ext == ".dill":
                        has_dill = True
                    elif ext == ".removed.dill":  # `plams-tui rm` (core/workdir.py) renamed $JN.dill
                        has_removed = True
    except FileNotFoundError:
        return None
    except OSError:
        pass  # unreadable: a folder with no visible files
    in_hash = run_hash = None
    if single and hashing:
        if has_in and hashing != "runscript":
            in_hash = _file_hash(f"{path}/{name}.in", f"{rel}/{name}.in", cache, used)
        if has_run and hashing != "input":
            run_hash = _file_hash(f"{path}/{name}.run", f"{rel}/{name}.run", cache, used)
    dill = None
    if has_removed and not has_dill:  # out of rerun prevention: not read, so it reruns as no .dill would
        dill = ("removed", _REMOVED_REASON, None, None, ())
    if has_dill:
        from ..pickles.reader import read_dill_summary  # lazy: most of the index does not need it

        dill_path = f"{path}/{name}.dill"
        if used is None:  # no cache: the reader opens, fstats and reads it once
            return (
                rel,
                tuple(names),
                tuple(inodes),
                tuple(subdirs),
                single,
                in_hash,
                run_hash,
                read_dill_summary(dill_path),
            )  # detail() re-reads it in full, with the timeline
        try:
            st = os.stat(dill_path)
            key: Any = (f"{rel}/{name}.dill", st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
        dill = cache.get(key) if key is not None else None
        if not (type(dill) is tuple and len(dill) == 5 and type(dill[4]) in (tuple, list)):  # noqa: E721
            dill = None  # not cached, or cached by another version: read it again
        if dill is None:
            dill = read_dill_summary(dill_path)
        if key is not None and dill[0] != "missing":  # don't remember a file that vanished under us
            used[key] = dill
    return (rel, tuple(names), tuple(inodes), tuple(subdirs), single, in_hash, run_hash, dill)


def _folder_of(raw: Any) -> _Folder:
    """Rebuild the typed folder from what a worker sent."""
    dill = raw[7]
    if dill is not None:
        dill = _new(_Dill, (*dill[:4], tuple(dill[4])))
    return _new(_Folder, (*raw[:7], dill))


def _read_many(rels: list[str]) -> tuple[list[Any], dict[Any, Any] | None]:
    """Read the folders *rels* (in a forked child, or in the caller); the cache entries used."""
    assert _worker_state is not None
    prefix, hashing, cache = _worker_state
    used: dict[Any, Any] | None = {} if cache.enabled else None
    return [_read_folder(prefix, rel, hashing, cache, used) or rel for rel in rels], used


#: Folders per claimed chunk: small enough that every process stays busy to the end.
_CHUNK = 250


def _forked_read(
    level: list[str], workers: int, meanwhile: Callable[[], None] | None
) -> list[tuple[list[Any], dict[Any, Any] | None]]:
    """Read *level* with *workers* forked children and this process, sharing chunks dynamically.

    Chunk numbers are queued in a pipe (2-byte reads, atomic below PIPE_BUF); every process
    claims the next one when done with its last, so a busy core slows nobody down. The main
    process runs *meanwhile* first (the csv), then reads chunks itself: its results need no
    transfer. Children send theirs with :mod:`marshal` (plain tuples: several times faster
    than pickle) once the queue is empty and leave with ``os._exit``. Chunks a child claimed
    but never delivered (it died) are read here afterwards.
    """
    import marshal

    from ..pickles import reader as _reader  # noqa: F401  imported once here, not again in every child

    size = max(_CHUNK, -(-len(level) // 30_000))  # at most 30,000 chunks: the queue fits a pipe buffer
    chunks = [level[i : i + size] for i in range(0, len(level), size)]
    qr, qw = os.pipe()
    os.write(qw, b"".join(i.to_bytes(2, "little") for i in range(len(chunks))))  # < 64 KiB: never blocks
    os.close(qw)  # the queue is complete: an empty read means it is drained

    def claim() -> Iterator[int]:
        while len(b := os.read(qr, 2)) == 2:
            yield int.from_bytes(b, "little")

    children: list[tuple[int, int]] = []
    try:
        for _ in range(workers):
            rr, rw = os.pipe()
            pid = os.fork()
            if pid == 0:  # child: never returns
                code = 1
                try:
                    os.close(rr)
                    out = [_read_many(chunks[i]) for i in claim()]
                    data = marshal.dumps(out)
                    view = memoryview(data)
                    while view:
                        view = view[os.write(rw, view) :]
                    code = 0
                finally:
                    os._exit(code)  # no atexit, no flushing of the parent's buffers
            os.close(rw)
            children.append((pid, rr))
        if meanwhile is not None:
            meanwhile()
        parts = [_read_many(chunks[i]) for i in claim()]
        while children:
            pid, rr = children[-1]
            with os.fdopen(rr, "rb") as f:
                children.pop()
                data = f.read()
                os.waitpid(pid, 0)
            try:
                parts.extend(marshal.loads(data))
            except (EOFError, ValueError, TypeError):
                pass  # a child that died: its chunks are read below
        done = {raw if type(raw) is str else raw[0] for raws, _ in parts for raw in raws}
        if len(done) < len(level):
            parts.append(_read_many([r for r in level if r not in done]))
        return parts
    finally:
        os.close(qr)
        for pid, rr in children:  # only after an error: stop and reap the children left
            os.close(rr)
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass


def _read_folders(
    rels: list[str],
    prefix: str,
    hashing: str | None,
    cache: ScanCache,
    pool_size: int,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[tuple[str, _Folder | None]]:
    """Read *rels* and every folder below one that is not a SingleJob; in parallel when many.

    *meanwhile* runs once while the other processes read the first level (the csv and log
    are read then). In parallel, folders come in the order the processes claimed them.
    """
    global _worker_state
    _worker_state = (prefix, hashing, cache)
    try:
        level = rels
        depth = 0
        while level and depth < _MAX_DEPTH:
            parts: Iterable[tuple[list[Any], dict[Any, Any] | None]]
            if pool_size > 1 and len(level) >= PARALLEL_THRESHOLD:
                parts = _forked_read(level, pool_size - 1, meanwhile)
                meanwhile = None
            else:
                parts = [_read_many(level)]
            nxt: list[str] = []
            for raws, used in parts:
                if used:
                    cache.update(used)
                for raw in raws:
                    if type(raw) is str:  # the folder vanished
                        yield raw, None
                        continue
                    folder = _folder_of(raw)
                    yield folder.rel, folder
                    if not folder.single:
                        rel = folder.rel
                        nxt.extend(rel + "/" + d for d in folder.subdirs)
            level = nxt
            depth += 1
        if meanwhile is not None:
            meanwhile()
    finally:
        _worker_state = None


def _pool_size(workers: int | None, count_hint: int) -> int:
    if workers is not None:
        return max(1, workers)
    if (
        count_hint < PARALLEL_THRESHOLD
        or threading.active_count() > 1
        or not sys.platform.startswith("linux")
    ):
        return 1  # fork in a threaded process can deadlock; elsewhere fork is not the default
    try:
        cpus = len(os.sched_getaffinity(0))  # the CPUs this process may use, not all the machine has
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


# ------------------------------------------------------------------------------- the index


def _depth(rel: str) -> int:
    return rel.count("/")


def _parent_dir(rel: str) -> str:
    return rel.rpartition("/")[0]


def _with_ancestors(rels: set[str]) -> set[str]:
    """*rels* and every folder above them (a child's change can change its MultiJob)."""
    out = set(rels)
    for rel in rels:
        p = _parent_dir(rel)
        while p:
            out.add(p)
            p = _parent_dir(p)
    return out


class WorkdirIndex:
    """The jobs of one working folder, by path relative to it. Built by :func:`scan_workdir`.

    Iterating yields records in folder-tree order. The index is not thread-safe: one thread
    (the app's watcher) calls :meth:`refresh_paths`.
    """

    def __init__(self, root: str, hashing: str | None, cache: ScanCache, workers: int | None) -> None:
        self.root = root  #: absolute, symlinks resolved
        self.hashing = hashing
        self.layout = WorkdirLayout(None, None, None, "plams_workdir")
        self._cache = cache
        self._workers = workers
        self._prefix = root.rstrip("/") + "/"
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

    # -- public reading API

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[JobRecord]:
        if self._order is None:
            self._order = sorted(self._records, key=lambda r: r.split("/"))
        records = self._records
        return (records[r] for r in self._order)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._normalise(path) in self._records

    def get(self, path: str) -> JobRecord | None:
        """The record of the job at *path* (relative, POSIX or native; or absolute inside the folder)."""
        return self._records.get(self._normalise(path))

    @property
    def records(self) -> Mapping[str, JobRecord]:
        """All records by relative path (a read-only view)."""
        from types import MappingProxyType

        return MappingProxyType(self._records)

    def detail(self, path: str) -> JobDetail:
        """One job in full: files with sizes and times, timeline, .dill settings (reads that job only).

        Raises :class:`~plams_core.errors.WorkdirError` if no job is at *path*.
        """
        rec = self.get(path)
        if rec is None:
            raise WorkdirError(f"{path}: no such job in {self.root}")
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
        csv_row = self._csv.rows.get(rec.path)
        if ok and info is not None and info.status_log:
            timeline, source = tuple(tuple(x) for x in info.status_log), "dill"  # type: ignore[misc]
        elif csv_row is not None and csv_row.timeline:
            timeline, source = tuple(parse_csv_timeline(csv_row.timeline)), "csv"
        elif rec.log_name is not None and self.layout.logfile is not None:
            try:
                with open(self._prefix + self.layout.logfile, "rb") as f:
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
        pool = _pool_size(self._workers, len(top_dirs))
        # the csv and the log are read while the workers read the job folders
        for rel, folder in _read_folders(
            top_dirs, self._prefix, self.hashing, self._cache, pool, meanwhile=self._read_sources
        ):
            if folder is not None:
                self._folders[rel] = folder
        self._csv.rematch(set(self._folders))  # rows of a folder that moved: matched by known paths
        self._refresh_procs()
        self._classify(set(self._folders))
        for rel in self._kinds:
            if self._kinds[rel]:
                self._records[rel] = self._resolve(rel)
        self._link_copies(set(self._records))
        if (
            not self._records
            and self.layout.logfile is None
            and self.layout.csv is None
            and self.layout.input is None
        ):
            raise WorkdirError(
                f"{self.root}: not a PLAMS working folder (no job folders, logfile, job_logfile.csv or input)"
            )
        self._cache.save(self.root, only_used=True)

    def _read_sources(self) -> set[str]:
        """Read what was added to the csv and the text log; return the job paths they may change."""
        touched: set[str] = set()
        if self.layout.csv:
            touched |= self._csv.read(self._prefix + self.layout.csv, self._folders.keys() | set())
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

    def _ensure_log(self) -> None:
        """Read the text log if no job needed it so far."""
        if not self._log_loaded:
            self._log_loaded = True
            if self.layout.logfile:
                self._log.read(self._prefix + self.layout.logfile)

    def _logged(self, log_name: str) -> bool:
        self._ensure_log()
        return log_name in self._log.last_status

    def _named(self, rel: str) -> bool:
        """Whether the csv or the text log names the folder *rel* as a job."""
        if rel in self._csv.rows:
            return True
        self._ensure_log()
        statuses = self._log.last_status
        parts = rel.split("/")
        return any("/".join(parts[k:]) in statuses for k in range(len(parts)))

    def _classify(self, rels: set[str]) -> None:
        """Decide which of *rels* (and their ancestors) are jobs, and of which kind."""
        todo = _with_ancestors(rels)
        folders, kinds = self._folders, self._kinds
        for rel in sorted(todo, key=_depth, reverse=True):
            folder = folders.get(rel)
            if folder is None:
                kinds.pop(rel, None)
                continue
            kind: str | None = None
            if folder.single:
                kind = "single"
            else:
                job_children = any(kinds.get(rel + "/" + d) for d in folder.subdirs)
                if folder.dill is not None:
                    dill_children = folder.dill.verdict == "ok" and bool(folder.dill.children)
                    kind = "multi" if job_children or dill_children else "single"
                elif job_children:
                    kind = "multi" if self._named(rel) else None
                elif self._named(rel) and not self._holds_jobs(rel):
                    kind = "single"
            kinds[rel] = kind
        # full names in the text log: parent/child, without jobs_in_directory folders
        for rel in sorted(todo, key=_depth):
            old = self._log_names.pop(rel, None)
            if old is not None:
                self._log_count[old] -= 1
            if not kinds.get(rel):
                continue
            p = _parent_dir(rel)
            base = rel.rpartition("/")[2]
            name = self._log_names[p] + "/" + base if p in self._log_names and kinds.get(p) else base
            self._log_names[rel] = name
            self._log_count[name] = self._log_count.get(name, 0) + 1

    def _holds_jobs(self, rel: str) -> bool:
        folder = self._folders.get(rel)
        if folder is None:
            return False
        return any(self._kinds.get(rel + "/" + d) or self._holds_jobs(rel + "/" + d) for d in folder.subdirs)

    def _refresh_procs(self) -> set[str]:
        """Re-read live processes; return the folders whose process state changed."""
        old = self._procs
        new: dict[str, list[int]] = {}
        for cwd, pids in processes_inside(self.root).items():
            p = cwd
            while p:  # a process in a child's folder is inside its MultiJob too
                new.setdefault(p, []).extend(pids)
                p = _parent_dir(p)
        self._procs = new
        return {rel for rel in old.keys() | new.keys() if old.get(rel) != new.get(rel)}

    def _job_parent(self, rel: str) -> str | None:
        p = _parent_dir(rel)
        while p:
            if self._kinds.get(p):
                return p
            p = _parent_dir(p)
        return None

    def _resolve(self, rel: str) -> JobRecord:
        """Build the record of the job folder *rel* from what the index knows now."""
        folder = self._folders[rel]
        kinds = self._kinds
        kind = kinds[rel] or "single"
        name = rel.rpartition("/")[2]
        dill = folder.dill
        children = (
            tuple(rel + "/" + d for d in folder.subdirs if kinds.get(rel + "/" + d)) if folder.subdirs else ()
        )
        pids = tuple(self._procs.get(rel, ()))
        log_name = self._log_names.get(rel)
        csv_row = self._csv.rows.get(rel)
        ok_dill = dill is not None and dill.verdict == "ok"
        status, source = "unknown", "unknown"
        if ok_dill and dill.status:  # type: ignore[union-attr]
            status, source = dill.status, "dill"  # type: ignore[union-attr]
        elif csv_row is not None and csv_row.status:
            status, source = csv_row.status, "csv"
        elif pids:
            status, source = "running", "process"
        elif log_name is not None and self._log_count.get(log_name) == 1 and self._logged(log_name):
            status, source = self._log.last_status[log_name], "logfile"
        elif kind == "single" and folder.single and dill is None:
            if not (name + ".out" in folder.names or name + ".err" in folder.names):
                status, source = "registered", "files"  # inputs written, runscript never ran
        elif kind == "multi" and children:
            status, source = self._from_children(children)
        if kind == "single" and self.hashing:
            job_hash = combine_hashes(self.hashing, folder.in_hash, folder.run_hash)
        else:
            job_hash = None
        if kind == "single":
            files = folder.names
        else:
            files = tuple(n for n in folder.names if not (n[-1] == "/" and kinds.get(rel + "/" + n[:-1])))
        return JobRecord(
            name=name,
            path=rel,
            parent=self._job_parent(rel) if "/" in rel else None,
            kind=kind,
            class_name=dill.class_name if ok_dill else None,  # type: ignore[union-attr]
            status=status,
            status_source=source,
            interrupted=status not in _FINAL and status != "unknown" and not pids,
            hash=job_hash,
            dill="missing" if dill is None else dill.verdict,
            dill_reason=None if dill is None else dill.reason,
            children=children,
            files=files,
            error=(csv_row.error or None) if csv_row is not None else None,
            pids=pids,
            log_name=log_name,
        )

    def _from_children(self, children: tuple[str, ...]) -> tuple[str, str]:
        statuses = [
            self._records[c].status if c in self._records else self._resolve(c).status for c in children
        ]
        if all(s in _OK for s in statuses):
            return "successful", "children"
        if all(s in _FINAL for s in statuses):
            return "failed", "children"
        return "unknown", "unknown"

    def _link_copies(self, rels: set[str]) -> None:
        """Set copied_from on the records of *rels* that rerun prevention copied."""
        by_hash: dict[str, list[str]] = {}
        for rec in self._records.values():
            if rec.hash is not None:
                by_hash.setdefault(rec.hash, []).append(rec.path)
        copies = self._log.copies
        by_log_name: dict[str, list[str]] = {}
        if copies:
            for rel, name in self._log_names.items():
                by_log_name.setdefault(name.rpartition("/")[2], []).append(rel)
        for rel in rels:
            rec = self._records.get(rel)
            if rec is None:
                continue
            logged = copies.get(rec.name) if rec.log_name is not None else None
            if rec.status != "copied" and logged is None:
                source = None
            else:
                source = self._copy_source(rec, by_hash.get(rec.hash or "", []), logged, by_log_name)
            if source != rec.copied_from:
                self._records[rel] = _replace(rec, copied_from=source)

    def _copy_source(
        self, rec: JobRecord, same_hash: list[str], logged: str | None, by_log_name: dict[str, list[str]]
    ) -> str | None:
        candidates = [r for r in same_hash if r != rec.path]
        if logged is not None:
            named = [r for r in candidates if r.rpartition("/")[2] == logged]
            if named:
                candidates = named
            elif not candidates:
                candidates = [r for r in by_log_name.get(logged, []) if r != rec.path]
        if len(candidates) > 1:
            inodes = set(self._folders[rec.path].inodes)
            linked = [r for r in candidates if inodes.intersection(self._folders[r].inodes)]
            if linked:
                candidates = linked
        if len(candidates) > 1:
            not_copied = [r for r in candidates if self._records[r].status != "copied"]
            if not_copied:
                candidates = not_copied
        return candidates[0] if candidates else None

    # -- incremental refresh

    def refresh_paths(self, paths: Iterable[str]) -> IndexUpdate:
        """Re-read what *paths* (files or folders, created, changed or deleted) affect.

        Work is proportional to the number of paths and the size of the job folders they
        are in, not to the working folder. Returns the records that are new or differ and the
        paths of jobs that are gone; records that did not change stay the same objects.
        """
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
                rel = _parent_dir(rel) if rel not in self._folders else rel
            # the nearest folder that exists: scan it (a new one with all below it)
            while rel and not os.path.isdir(self._prefix + rel):
                dropped.add(rel)
                rel = _parent_dir(rel)
            # inside a SingleJob's own subfolder: the job folder is what changed
            p = _parent_dir(rel)
            while p:
                if p in self._folders and self._folders[p].single:
                    rel = p
                p = _parent_dir(p)
            if rel:
                rescan.add(rel)
        return self._apply(rescan, dropped, sources)

    def refresh(self) -> IndexUpdate:
        """Re-read the sources beside the job folders and the live processes (no folder is rescanned)."""
        return self._apply(set(), set(), True)

    def _apply(self, rescan: set[str], dropped: set[str], sources: bool) -> IndexUpdate:
        before = dict(self._records)
        touched: set[str] = set()
        for rel in dropped:
            touched |= self._forget(rel)
        if rescan:
            # the top folders of what changed: new ones get everything below them read
            todo = sorted(rescan, key=_depth)
            for rel, folder in _read_folders(todo, self._prefix, self.hashing, self._cache, 1):
                old = self._folders.get(rel)
                if folder is None:
                    touched |= self._forget(rel)
                    continue
                self._folders[rel] = folder
                touched.add(rel)
                if old is not None:
                    for d in set(old.subdirs) - set(folder.subdirs):
                        touched |= self._forget(rel + "/" + d)
        if sources and not self._log_loaded and self.layout.logfile:
            self._ensure_log()
            touched |= {
                r.path
                for r in self._records.values()
                if r.status_source in ("logfile", "files", "unknown", "children", "process")
            }
        if sources or touched:
            layout = find_layout(
                self._top_files | self._current_top_files(sources), os.path.basename(self.root)
            )
            self.layout = layout
            touched |= self._read_sources()
            if touched:
                touched |= self._csv.rematch(set(self._folders))
        touched |= self._refresh_procs()
        touched = {r for r in touched if r in self._folders or r in self._records}
        self._classify(touched)
        # a change in a child can change its MultiJob (status from children, kind, files)
        affected = _with_ancestors(touched)
        for rel in sorted(affected, key=_depth, reverse=True):
            if self._kinds.get(rel) and rel in self._folders:
                self._records[rel] = self._resolve(rel)
            else:
                self._records.pop(rel, None)
        self._link_copies(affected | self._copy_partners(affected, before))
        changed = []
        for rel, rec in self._records.items():
            old = before.get(rel)
            if old is None or old != rec:
                changed.append(rec)
            elif old is not rec:
                self._records[rel] = old  # keep the object the caller already holds
        removed = tuple(sorted(set(before) - set(self._records)))
        if changed or removed:
            self._order = None
        return IndexUpdate(tuple(changed), removed)

    def _copy_partners(self, affected: set[str], before: dict[str, JobRecord]) -> set[str]:
        hashes = {
            r.hash for rel in affected for r in (before.get(rel), self._records.get(rel)) if r and r.hash
        }
        if not hashes:
            return set()
        return {rel for rel, r in self._records.items() if r.hash in hashes}

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
        gone = {r for r in self._folders if r == rel or r.startswith(rel + "/")}
        gone |= {r for r in self._records if r == rel or r.startswith(rel + "/")}
        for r in gone:
            self._folders.pop(r, None)
        return gone


def _replace(rec: JobRecord, **changes: Any) -> JobRecord:
    from dataclasses import replace

    return replace(rec, **changes)


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
    index = WorkdirIndex(root, mode, ScanCache(root, enabled=cache), workers)
    # A scan allocates a few objects per file and frees almost all of them by reference
    # counting; the cyclic collector would walk the whole growing index every few thousand
    # allocations (~10 % of a 20,000-job scan). Paused for the scan, back on afterwards.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        index._scan()
    finally:
        if was_enabled:
            gc.enable()
    return index
