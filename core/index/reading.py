"""Reading job folders: one ``scandir`` per folder, hashes, the ``.dill`` summary; in parallel when many.

Nothing here keeps state between calls: what a read needs (the folder's prefix, the hashing
mode, the cache) travels in a :class:`ReadContext`, so any number of threads may scan at once.

Parallel reading
----------------
From ``PARALLEL_THRESHOLD`` folders on one level, helper processes and the calling thread
share the folders in chunks, claimed one at a time from a queue (a pipe of chunk numbers), so
a slow or busy process takes fewer and nobody waits for the slowest. How the helpers start
depends on whether the process has threads:

* **No other thread** (``plams-tui ls``): ``os.fork``. The children inherit the chunk list
  and everything imported, and start in about a millisecond.
* **Other threads** (the app scans from a worker thread while its watcher thread runs):
  forking would copy locks another thread may hold at that instant (the import lock,
  a logging handler's, the allocator's) into a child that can then hang forever, and
  Python 3.12 warns about it. The helpers are **spawned** instead: a fresh interpreter
  (``python -S``) that imports only this module and the ``.dill`` reader and reads the chunk
  list from a memory file. It costs ~0.1 s of start-up, but only to the helper: the calling
  thread claims chunks from the first moment, so the start-up delays nothing but the
  helper's own share. Measured on 20,000 jobs made by real PLAMS (bench/README.md,
  "Streaming"; 7 interleaved runs on a shared 2-core machine): whole scan 2.19 s (median)
  with a spawned helper while a second thread runs, 2.22 s forked without threads, 2.86 s
  reading alone; the spawn costs nothing measurable, so it is the only mode a threaded
  process uses. A ``multiprocessing`` forkserver was not chosen: its server is itself
  spawned on first use (the same start-up, paid by the first scan, which is the one a user
  waits for), it then lives as long as the app, and it brings multiprocessing's resource
  tracker. A pool forked before any thread starts would save the ~0.1 s start-up on one
  open at the price of every caller creating it early and keeping idle processes. Below
  ``SPAWN_THRESHOLD`` folders a threaded process reads alone: importing the reader in a
  fresh interpreter (0.1-0.15 s here) costs more than a helper would read (~50 us a
  folder, so ~2,000-3,000 folders).

Helpers send their results back with :mod:`marshal` (plain tuples, several times faster
than pickle). A helper that dies leaves its chunks unread; the caller reads them afterwards.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from .cache import ScanCache

__all__ = [
    "ReadContext",
    "read_folders",
    "read_folder_parts",
    "pool_size",
    "PARALLEL_THRESHOLD",
    "SPAWN_THRESHOLD",
]

#: From this many folders to read on one level, helper processes read them in parallel.
PARALLEL_THRESHOLD = 500
#: In a process with threads (helpers are spawned, not forked), from this many folders.
SPAWN_THRESHOLD = 3000
_MAX_DEPTH = 32


class _Dill(NamedTuple):
    """The parts of a DillInfo a listing needs (plain data: picklable and marshallable)."""

    verdict: str
    reason: str | None
    class_name: str | None
    status: str | None
    children: tuple[str, ...]


class _Folder(NamedTuple):
    """What one scandir of a folder found (read in a helper process for big folders)."""

    rel: str
    names: Sequence[str]  # entries directly inside; folders end with '/' (a JobFiles once in the index)
    inodes: tuple[int, ...]  # of its files (no stat needed: scandir knows them)
    subdirs: tuple[str, ...]
    single: bool  # holds $JN.in/.run/.out/.err
    in_hash: str | None
    run_hash: str | None
    dill: _Dill | None  # None: no $JN.dill
    problems: tuple[str, ...]  # what could not be read, e.g. 'cannot read the folder (Permission denied)'


class ReadContext(NamedTuple):
    """What reading a folder needs besides its path: passed along, never kept in a global."""

    prefix: str  # the working folder with a trailing '/'
    hashing: str | None
    cache: ScanCache


_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__ (hot loop)

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


def _file_hash(
    path: str, rel: str, cache: ScanCache, used: dict[Any, Any] | None, problems: list[str]
) -> str | None:
    """sha256 of the file at *path*; with a cache (*used* not None) looked up by (rel, inode, mtime, size).

    None if it cannot be read; unless it vanished, *problems* then says why.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)  # cheaper than open(): no buffered file object
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(_cannot(path.rpartition("/")[2], exc))
        return None
    try:
        if used is None:
            return _sha256_fd(fd)  # no cache: no key, so no fstat
        st = os.fstat(fd)
        key = (rel, st.st_ino, st.st_mtime_ns, st.st_size)
        digest = cache.get(key)
        if type(digest) is not str:  # not cached (or a foreign value)
            digest = _sha256_fd(fd)
    except OSError as exc:
        problems.append(_cannot(path.rpartition("/")[2], exc))
        return None
    finally:
        os.close(fd)
    used[key] = digest
    return digest


def read_folder(
    prefix: str,
    rel: str,
    hashing: str | None,
    cache: ScanCache,
    used: dict[Any, Any] | None,
    summary: Callable[..., Any] | None = None,
) -> Any:
    """One scandir of *rel*; hash its $JN.in/$JN.run and read its $JN.dill. None if it vanished.

    *summary* is :func:`plams_core.pickles.reader.read_dill_summary` (looked up here when not
    given; a caller reading many folders passes it: the lookup costs ~2.5 us a folder).

    No file is stat-ed but the .dill (scandir gives names, types and inodes for free), and
    that only for its cache key. Returns plain tuples (the fields of a _Folder): they pickle
    far faster than NamedTuples on their way back from a helper. Cache entries used are
    added to *used* (None: the cache is off, nothing to record or send back).
    """
    path = prefix + rel
    names: list[str] = []
    inodes: list[int] = []
    subdirs: list[str] = []
    problems: list[str] = []
    name = rel.rpartition("/")[2]
    n = len(name)
    has_in = has_run = has_dill = has_removed = single = dill_regular = False
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
                    what = _EXTS.get(fname[n:])
                    if what is None:
                        pass
                    elif what == 1:
                        has_in = single = True
                    elif what == 2:
                        has_run = single = True
                    elif what == 3:
                        single = True
                    elif what == 4:
                        has_dill = True
                        dill_regular = e.is_file(follow_symlinks=False)  # d_type: no system call
                    else:  # `plams-tui rm` (core/workdir.py) renamed $JN.dill
                        has_removed = True
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(_cannot("the folder", exc))  # what it holds is unknown, not empty
    in_hash = run_hash = None
    if single and hashing:
        if has_in and hashing != "runscript":
            in_hash = _file_hash(f"{path}/{name}.in", f"{rel}/{name}.in", cache, used, problems)
        if has_run and hashing != "input":
            run_hash = _file_hash(f"{path}/{name}.run", f"{rel}/{name}.run", cache, used, problems)
    dill = None
    if has_removed and not has_dill:  # out of rerun prevention: not read, so it reruns as no .dill would
        dill = ("removed", _REMOVED_REASON, None, None, ())
    if has_dill:
        if summary is None:
            summary = _reader_summary()
        dill_path = f"{path}/{name}.dill"
        if used is None:  # no cache: the reader opens, fstats and reads it once
            dill = summary(dill_path, regular=dill_regular)  # detail() re-reads it in full, with the timeline
        else:
            try:
                st = os.stat(dill_path)
                key: Any = (f"{rel}/{name}.dill", st.st_ino, st.st_mtime_ns, st.st_size)
            except OSError:
                key = None
            dill = cache.get(key) if key is not None else None
            if not (type(dill) is tuple and len(dill) == 5 and type(dill[4]) in (tuple, list)):  # noqa: E721
                dill = None  # not cached, or cached by another version: read it again
            if dill is None:
                dill = summary(dill_path)
            if key is not None and dill[0] not in ("missing", "unreadable"):  # may be readable next time
                used[key] = dill
        if dill[0] == "unreadable":
            problems.append(f"cannot read {name}.dill ({_why(dill[1])})")
    return (
        rel,
        tuple(names),
        tuple(inodes),
        tuple(subdirs),
        single,
        in_hash,
        run_hash,
        dill,
        tuple(problems) if problems else (),
    )


#: The job files of a folder named $JN, by what follows $JN: .in, .run, .out/.err, .dill, .removed.dill.
_EXTS = {".in": 1, ".run": 2, ".out": 3, ".err": 3, ".dill": 4, ".removed.dill": 5}


def _reader_summary() -> Callable[..., Any]:
    # imported on first use, not at import time: most of the index does not need the reader
    from ..pickles.reader import read_dill_summary

    return read_dill_summary


_READER = __name__.rpartition(".")[0].rpartition(".")[0] + ".pickles.reader"


def _summary_if_imported() -> Callable[..., Any] | None:
    """The reader's summary function if it is imported already (None: read_folder imports it when needed)."""
    reader = sys.modules.get(_READER)
    return None if reader is None else reader.read_dill_summary


_REMOVED_REASON = "taken out of rerun prevention by plams-tui rm (undo: rm --undo)"


def _why(reason: str | None) -> str:
    return (reason or "").removeprefix("cannot read: ")


def _cannot(what: str, exc: OSError) -> str:
    return f"cannot read {what} ({exc.strerror or exc})"


def _folder_of(raw: Any) -> _Folder:
    """Rebuild the typed folder from what a helper sent."""
    dill = raw[7]
    if dill is None:
        if type(raw[8]) is tuple:  # as read_folder sends it: nothing to convert
            return _new(_Folder, raw)
    elif type(dill[4]) is tuple and type(raw[8]) is tuple:  # a cache entry may hold a list
        return _new(_Folder, (*raw[:7], _new(_Dill, dill), raw[8]))
    else:
        dill = _new(_Dill, (*dill[:4], tuple(dill[4])))
    return _new(_Folder, (*raw[:7], dill, tuple(raw[8])))


Part = tuple[list[Any], "dict[Any, Any] | None"]


def _read_many(ctx: ReadContext, rels: list[str]) -> Part:
    """Read the folders *rels* (in a helper process, or in the caller); the cache entries used."""
    prefix, hashing, cache = ctx
    used: dict[Any, Any] | None = {} if cache.enabled else None
    summary = _summary_if_imported()
    return [read_folder(prefix, rel, hashing, cache, used, summary) or rel for rel in rels], used


#: Folders per claimed chunk: small enough that every process stays busy to the end.
_CHUNK = 250


def _chunk_queue(level: list[str]) -> tuple[list[list[str]], int]:
    """Split *level* into chunks and queue their numbers in a pipe; return the chunks and its read end.

    2-byte reads are atomic below PIPE_BUF, so processes can claim from it concurrently. The
    write end is closed: an empty read means the queue is drained.
    """
    size = max(_CHUNK, -(-len(level) // 30_000))  # at most 30,000 chunks: the queue fits a pipe buffer
    chunks = [level[i : i + size] for i in range(0, len(level), size)]
    qr, qw = os.pipe()
    os.write(qw, b"".join(i.to_bytes(2, "little") for i in range(len(chunks))))  # < 64 KiB: never blocks
    os.close(qw)
    return chunks, qr


def _claim(qr: int) -> Iterator[int]:
    while len(b := os.read(qr, 2)) == 2:
        yield int.from_bytes(b, "little")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _parallel_read(
    ctx: ReadContext, level: list[str], helpers: int, meanwhile: Callable[[], object] | None, spawn: bool
) -> Iterator[Part]:
    """Read *level* with *helpers* helper processes and the calling thread, sharing chunks dynamically.

    The caller runs *meanwhile* first (the csv), then reads chunks itself, yielding each as
    it is read (its results need no transfer); the helpers' parts come once the queue is
    drained. Chunks a helper claimed but never delivered (it died) are read here afterwards.
    Closing the generator early stops the helpers.
    """
    chunks, qr = _chunk_queue(level)
    started: list[tuple[Any, int]] = []  # (pid or Popen, read end of its results)
    try:
        if spawn:
            started = _spawn_helpers(ctx, chunks, qr, helpers)
        else:
            from ..pickles import reader as _reader  # noqa: F401  imported once here, not in every child

            started = _fork_helpers(ctx, chunks, qr, helpers)
        if meanwhile is not None:
            meanwhile()
        done: set[str] = set()
        for i in _claim(qr):
            part = _read_many(ctx, chunks[i])
            done.update(chunks[i])
            yield part
        while started:
            helper, rr = started[-1]
            with os.fdopen(rr, "rb") as f:
                started.pop()
                data = f.read()
            _reap(helper)
            try:
                parts = marshal.loads(data)
            except (EOFError, ValueError, TypeError):
                continue  # a helper that died: its chunks are read below
            for part in parts:
                done.update(raw if type(raw) is str else raw[0] for raw in part[0])
                yield part
        if len(done) < len(level):
            yield _read_many(ctx, [r for r in level if r not in done])
    finally:
        os.close(qr)
        for helper, rr in started:  # only after an error or an early close: stop and reap the helpers left
            os.close(rr)
            _reap(helper, kill=True)


def _reap(helper: Any, kill: bool = False) -> None:
    try:
        if isinstance(helper, subprocess.Popen):
            if kill:
                helper.kill()
            helper.wait()
        else:
            if kill:
                os.kill(helper, 9)
            os.waitpid(helper, 0)
    except (ChildProcessError, ProcessLookupError):
        pass


def _fork_helpers(ctx: ReadContext, chunks: list[list[str]], qr: int, helpers: int) -> list[tuple[Any, int]]:
    """Fork *helpers* children that claim chunks from *qr* (only in a process without other threads)."""
    started: list[tuple[Any, int]] = []
    for _ in range(helpers):
        rr, rw = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns
            code = 1
            try:
                os.close(rr)
                _write_all(rw, marshal.dumps([_read_many(ctx, chunks[i]) for i in _claim(qr)]))
                code = 0
            finally:
                os._exit(code)  # no atexit, no flushing of the parent's buffers
        os.close(rw)
        started.append((pid, rr))
    return started


# The spawned helper's program. It loads plams_core from the very files the caller uses (the
# package folder is named core/, so it is not importable by name from a bare sys.path).
_BOOT = """\
import importlib.util, sys
spec = importlib.util.spec_from_file_location("plams_core", sys.argv[1], submodule_search_locations=[sys.argv[2]])
mod = importlib.util.module_from_spec(spec)
sys.modules["plams_core"] = mod
spec.loader.exec_module(mod)
from plams_core.index.reading import helper_main
helper_main(int(sys.argv[3]), int(sys.argv[4]))
"""


def _spawn_helpers(ctx: ReadContext, chunks: list[list[str]], qr: int, helpers: int) -> list[tuple[Any, int]]:
    """Start *helpers* fresh interpreters that claim chunks from *qr* (safe in a threaded process).

    The chunk list goes through a memory file (no write blocks on a helper still starting);
    the results come back on the helper's stdout.
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    job = marshal.dumps((ctx.prefix, ctx.hashing, ctx.cache.enabled, chunks))
    memfd = os.memfd_create("plams-tui-chunks", 0)
    started: list[tuple[Any, int]] = []
    try:
        _write_all(memfd, job)
        for _ in range(helpers):
            rr, rw = os.pipe()
            try:
                proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-S",
                        "-c",
                        _BOOT,
                        os.path.join(package, "__init__.py"),
                        package,
                        str(memfd),
                        str(qr),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=rw,
                    stderr=subprocess.DEVNULL,  # a helper's traceback must not tear the app's screen
                    pass_fds=(memfd, qr),
                    close_fds=True,
                )
            except OSError:
                os.close(rr)
                break  # no helper: the caller reads everything
            finally:
                os.close(rw)
            started.append((proc, rr))
    finally:
        os.close(memfd)
    return started


def helper_main(job_fd: int, queue_fd: int) -> None:
    """The body of a spawned helper: read the job from *job_fd*, claim chunks from *queue_fd*, answer on stdout."""
    # pread: the helpers share one open file description, so no seek-then-read
    prefix, hashing, cache_on, chunks = marshal.loads(os.pread(job_fd, os.fstat(job_fd).st_size, 0))
    os.close(job_fd)
    cache = ScanCache(prefix.rstrip("/"), enabled=bool(cache_on))
    ctx = ReadContext(prefix, hashing, cache)
    out = [_read_many(ctx, chunks[i]) for i in _claim(queue_fd)]
    _write_all(sys.stdout.fileno(), marshal.dumps(out))


def read_folder_parts(
    ctx: ReadContext,
    rels: list[str],
    pool: int,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[list[tuple[str, _Folder | None]]]:
    """Read *rels* and every folder below one that is not a SingleJob; in parallel when many.

    Yields the folders in parts as they are read (a chunk of up to ``_CHUNK`` folders each):
    (rel, folder), or (rel, None) for a folder that vanished. *pool* is the number of
    processes to read with (the caller included; see :func:`pool_size`). *meanwhile* runs
    once before the caller reads any folder (while the helpers read, in parallel: the csv
    and log are read then). In parallel, folders come in the order the processes claimed them.
    """
    threaded = threading.active_count() > 1
    if threaded and not hasattr(os, "memfd_create"):
        pool = 1  # neither fork (threads) nor the spawned helpers' memory file: read alone
    level = rels
    depth = 0
    while level and depth < _MAX_DEPTH:
        parts: Iterable[Part]
        if pool > 1 and len(level) >= (SPAWN_THRESHOLD if threaded else PARALLEL_THRESHOLD):
            parts = _parallel_read(ctx, level, pool - 1, meanwhile, spawn=threaded)
        else:
            if meanwhile is not None:
                meanwhile()  # first, as in parallel: the caller may use what it read for each part
            parts = (_read_many(ctx, level[i : i + _CHUNK]) for i in range(0, len(level), _CHUNK))
        meanwhile = None
        nxt: list[str] = []
        for raws, used in parts:
            if used:
                ctx.cache.update(used)
            out: list[tuple[str, _Folder | None]] = []
            for raw in raws:
                if type(raw) is str:  # the folder vanished
                    out.append((raw, None))
                    continue
                folder = _folder_of(raw)
                out.append((folder.rel, folder))
                if not folder.single:
                    rel = folder.rel
                    nxt.extend(rel + "/" + d for d in folder.subdirs)
            yield out
        level = nxt
        depth += 1
    if meanwhile is not None:  # nothing to read
        meanwhile()


def read_folders(
    ctx: ReadContext, rels: list[str], pool: int, meanwhile: Callable[[], None] | None = None
) -> Iterator[tuple[str, _Folder | None]]:
    """:func:`read_folder_parts`, one folder at a time."""
    for part in read_folder_parts(ctx, rels, pool, meanwhile):
        yield from part


def pool_size(workers: int | None, count_hint: int) -> int:
    """How many processes read a first level of *count_hint* folders (*workers* forces it)."""
    if workers is not None:
        return max(1, workers)
    if count_hint < PARALLEL_THRESHOLD or not sys.platform.startswith("linux"):
        return 1  # elsewhere there is neither /proc nor memfd, and fork is not the default
    try:
        cpus = len(os.sched_getaffinity(0))  # the CPUs this process may use, not all the machine has
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))
