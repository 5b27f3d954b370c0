"""The watcher: which paths changed under the working folder, for the app to refresh.

Its threads never touch a widget and never read the index: they add paths to a set and post
a :class:`~plams_tui.messages.FilesChanged`, which collapses in the message queue, so a burst
of 10,000 events costs the app one refresh of the folders they touched. The app takes the
paths with :meth:`Watcher.take` and refreshes the index in a worker.

Decision: what is watched (issue 10, 100,000 jobs). A recursive inotify watch costs one watch
per folder: at 100,000 job folders watchdog's recursive observer held ~130 MB and took
seconds to set up, to hear about folders where nothing happens any more. PLAMS announces
every status change at the top level (the text ``logfile`` and ``job_logfile.csv``) and
makes new job folders at the top level or inside folders of jobs that are not finished.
So, on one inotify instance (:class:`_Inotify`, ctypes, no thread per watch):

* the working folder itself, not recursively: new, removed and renamed job folders, the
  logfile and the csv (whose new lines name the jobs whose status changed);
* the folders the app asks for with :meth:`Watcher.follow`: jobs that are not finished
  (and not interrupted), the folders holding them (MultiJobs, ``jobs_in_directory``
  folders), and the job in the detail pane / file viewer. A folder that leaves that set
  stays watched for ``GRACE_SECONDS`` (PLAMS writes the ``.dill`` after the final status);
* every folder created inside a watched folder, at once, from the watcher's thread (a
  job folder is made, then its files are written: the app may not know it is a job yet),
  for ``GRACE_SECONDS`` unless followed by then;
* a folder that gets a watch is reported as changed once more: what was written before the
  watch was in place is read by that refresh;
* the rest (finished jobs: a file edited by hand, a folder removed inside a MultiJob) by a
  slow sweep (:meth:`Watcher.set_jobs`): ``stat`` of each job folder and of its
  ``$JN.in``/``.run``/``.dill`` (what a row shows), about ``SWEEP_JOBS_PER_SECOND`` jobs a
  second, a full pass at least every ``SWEEP_MIN_SECONDS``: at 100,000 jobs such a change
  shows within ~50 s, for ~1.5 s of CPU per pass (14 us a job) and one int per job.
  A kernel queue overflow reports every watched folder and starts a new pass.

Where inotify cannot serve (no inotify, the per-user watch or instance limits: ENOSPC,
EMFILE) the watcher falls back to watchdog's recursive :class:`PollingObserver` and says so
once; ``poll`` forces it (for network filesystems written by other machines, which inotify
does not see). A job folder whose watch cannot be added (the limit reached) is left to the
sweep.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import select
import struct
import threading
import time
from collections.abc import Callable, Iterable

from textual.message import Message
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.api import BaseObserver

from .defaults import DEFAULT_POLL_SECONDS
from .messages import FilesChanged, WatcherNote

__all__ = ["Watcher", "DEFAULT_POLL_SECONDS", "GRACE_SECONDS", "SWEEP_JOBS_PER_SECOND"]

_LIMIT_ERRORS = (errno.ENOSPC, errno.EMFILE, errno.ENFILE, errno.ENOSYS, errno.EPERM)
# Writes only (polling): without a filter the app's own scan of a big folder (reading every
# $JN.in) would be reported too.
_EVENTS = [
    FileCreatedEvent,
    DirCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    DirDeletedEvent,
    FileMovedEvent,
    DirMovedEvent,
    FileClosedEvent,
]

#: Seconds a folder stays watched after it was created or stopped being followed.
GRACE_SECONDS = 30.0
#: Jobs the sweep looks at per second (a pass over 100,000 jobs: 50 s).
SWEEP_JOBS_PER_SECOND = 2000
#: A full pass of the sweep takes at least this long (small folders are not stat'ed in a loop).
SWEEP_MIN_SECONDS = 10.0
_TICK = 0.5  # seconds between the sweep thread's steps

# inotify(7)
_IN_MODIFY, _IN_ATTRIB, _IN_CLOSE_WRITE = 0x2, 0x4, 0x8
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x40, 0x80, 0x100, 0x200
_IN_DELETE_SELF, _IN_MOVE_SELF = 0x400, 0x800
_IN_Q_OVERFLOW, _IN_IGNORED, _IN_ISDIR = 0x4000, 0x8000, 0x40000000
_IN_ONLYDIR, _IN_DONT_FOLLOW, _IN_EXCL_UNLINK = 0x01000000, 0x02000000, 0x04000000
_MASK = (
    _IN_MODIFY
    | _IN_ATTRIB
    | _IN_CLOSE_WRITE
    | _IN_MOVED_FROM
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
    | _IN_ONLYDIR
    | _IN_DONT_FOLLOW
    | _IN_EXCL_UNLINK
)
_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len


class _Inotify:
    """One inotify instance (ctypes): watches added and removed by path, events read in a thread."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name or "libc.so.6", use_errno=True)
        if not hasattr(libc, "inotify_init1"):
            raise OSError(errno.ENOSYS, "no inotify on this system")
        self._add = libc.inotify_add_watch
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self._rm = libc.inotify_rm_watch
        self._rm.argtypes = [ctypes.c_int, ctypes.c_int]
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        self.fd = fd

    def add(self, path: str) -> int:
        """Watch the folder *path*; its watch descriptor. Raises OSError (ENOSPC at the limit)."""
        wd = self._add(self.fd, os.fsencode(path), _MASK)
        if wd < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e), path)
        return int(wd)

    def remove(self, wd: int) -> None:
        self._rm(self.fd, wd)  # EINVAL when the folder is gone already: nothing to do

    def read(self) -> list[tuple[int, int, str]]:
        """The events waiting: (wd, mask, name)."""
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return []
        out = []
        i, n = 0, len(data)
        while i + 16 <= n:
            wd, mask, _cookie, length = _HEADER.unpack_from(data, i)
            raw = data[i + 16 : i + 16 + length].split(b"\0", 1)[0]
            out.append((wd, mask, os.fsdecode(raw)))
            i += 16 + length
        return out

    def close(self) -> None:
        os.close(self.fd)


class _Recorder(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file changes nothing
        paths = [event.src_path]
        dest = getattr(event, "dest_path", "")
        if dest:
            paths.append(dest)
        self._watcher.record([os.fsdecode(p) for p in paths])


class Watcher:
    """Watch *root* (see the module docstring for what) and post to *post* (``App.post_message``)."""

    def __init__(self, root: str, post: Callable[[Message], object], poll: float | None = None) -> None:
        self.root = root
        self._prefix = root.rstrip("/") + "/"
        self._post = post
        self._poll = poll
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._observer: BaseObserver | None = None
        self.polling = False  #: True when the PollingObserver serves
        self._stopped = False
        # inotify: watched folders (relative; "" is the root) <-> descriptors
        self._ino: _Inotify | None = None
        self._wlock = threading.Lock()
        self._wd_rel: dict[int, str] = {}
        self._rel_wd: dict[str, int] = {}
        self._followed: set[str] = set()
        self._expires: dict[str, float] = {}  # watched, not followed: when to let go
        self._kill_r, self._kill_w = -1, -1
        self._threads: list[threading.Thread] = []
        self._limit_noted = False
        # the sweep: job path -> signature (None: not taken yet)
        self._jobs: dict[str, int | None] = {}
        self._since: dict[str, float] = {}  # jobs added with a time: changes after it count
        self._sweep_order: list[str] = []
        self._sweep_pos = 0
        self._sweep_started = 0.0

    # -- starting and stopping

    def start(self) -> None:
        """Start watching; fall back to polling where inotify fails (see the module docstring)."""
        # watchdog logs queue overflows (it then re-reads the tree itself) to stderr: keep the screen
        logging.getLogger("watchdog").addHandler(logging.NullHandler())
        logging.getLogger("watchdog").propagate = False
        if self._poll is not None:
            self._start_polling(self._poll)
            return
        try:
            ino = _Inotify()
            try:
                wd = ino.add(self.root)
            except OSError:
                ino.close()
                raise
        except OSError as exc:
            if exc.errno not in _LIMIT_ERRORS:
                raise
            self._start_polling(DEFAULT_POLL_SECONDS)
            self._post(
                WatcherNote(
                    f"inotify cannot watch this folder ({os.strerror(exc.errno or 0)}): "
                    f"polling every {DEFAULT_POLL_SECONDS:g} s instead"
                )
            )
            return
        with self._wlock:
            self._ino = ino
            self._wd_rel[wd] = ""
            self._rel_wd[""] = wd
            self._kill_r, self._kill_w = os.pipe()
            # what the app asked to follow before the watcher was up (start runs in a worker)
            early = [rel for rel in self._followed if self._watch(rel)]
        if early:
            self.record([self._prefix + r for r in early])
        for target, name in ((self._read_loop, "plams-tui-inotify"), (self._sweep_loop, "plams-tui-sweep")):
            t = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(t)
            t.start()
        with self._lock:
            stopped = self._stopped
        if stopped:  # stop() came while starting (the app quit early)
            self.stop()

    def _start_polling(self, seconds: float) -> None:
        from watchdog.observers.polling import PollingObserver

        observer = PollingObserver(timeout=seconds)
        observer.schedule(_Recorder(self), self.root, recursive=True, event_filter=_EVENTS)
        self.polling = True
        observer.start()
        # stop() may have come while the first snapshot was taken (the app quit early)
        with self._lock:
            self._observer = observer
            stopped = self._stopped
        if stopped:
            self.stop()

    def stop(self) -> None:
        """Stop the threads (waits for them)."""
        with self._lock:
            self._stopped = True
            observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
        with self._wlock:
            ino, self._ino = self._ino, None
            kill_w, self._kill_w = self._kill_w, -1
        if kill_w >= 0:
            os.write(kill_w, b"!")
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=5)
        self._threads = []
        if ino is not None:
            ino.close()
            os.close(self._kill_r)
            os.close(kill_w)

    # -- what the app tells the watcher

    def follow(self, rels: Iterable[str]) -> None:
        """Watch these job folders (relative paths) besides the working folder; let go of the others
        after ``GRACE_SECONDS``. A folder newly watched is reported as changed (read what came before)."""
        want = {r for r in rels if r}
        with self._wlock:
            if self._ino is None:
                self._followed = want
                return
            now = time.monotonic()
            for rel in self._followed - want:
                if rel in self._rel_wd:
                    self._expires[rel] = now + GRACE_SECONDS
            self._followed = want
            added = []
            for rel in want:
                self._expires.pop(rel, None)
                if rel not in self._rel_wd and self._watch(rel):
                    added.append(rel)
        if added:
            self.record([self._prefix + r for r in added])

    def set_jobs(self, rels: Iterable[str], removed: Iterable[str] = (), since: float | None = None) -> None:
        """Sweep these job folders (relative paths) for changes; forget *removed*.

        Changes are those after the first look, or after *since* (``time.time()``: when the
        app's index read them) when given, so nothing is missed between reading and sweeping.
        """
        with self._wlock:
            jobs = self._jobs
            for rel in removed:
                jobs.pop(rel, None)
                self._since.pop(rel, None)
            for rel in rels:
                if rel not in jobs:
                    jobs[rel] = None
                    if since is not None:
                        self._since[rel] = since

    def record(self, paths: list[str]) -> None:
        """Called from a watcher thread: remember *paths*, tell the app if it did not know yet."""
        with self._lock:
            was_empty = not self._pending
            self._pending.update(paths)
        if was_empty:
            self._post(FilesChanged())

    def take(self) -> list[str]:
        """The paths recorded since the last call (and forget them)."""
        with self._lock:
            paths, self._pending = self._pending, set()
        return sorted(paths)

    def pending(self) -> int:
        """How many paths wait to be taken."""
        with self._lock:
            return len(self._pending)

    def watched(self) -> set[str]:
        """The folders with an inotify watch now (relative; ``""`` is the working folder)."""
        with self._wlock:
            return set(self._rel_wd)

    # -- inotify

    def _watch(self, rel: str) -> bool:
        """Add a watch on *rel* (``_wlock`` held); False if it cannot be (gone, or the limit)."""
        assert self._ino is not None
        try:
            wd = self._ino.add(self._prefix + rel)
        except OSError as exc:
            if exc.errno in _LIMIT_ERRORS and not self._limit_noted:
                self._limit_noted = True
                self._post(
                    WatcherNote(
                        f"inotify watch limit reached ({os.strerror(exc.errno or 0)}): "
                        "changes in some job folders show with the slow sweep"
                    )
                )
            return False
        old = self._wd_rel.get(wd)
        if old is not None and old != rel:
            self._rel_wd.pop(old, None)  # the same folder under a new name (renamed)
        self._wd_rel[wd] = rel
        self._rel_wd[rel] = wd
        return True

    def _unwatch(self, rel: str) -> None:
        wd = self._rel_wd.pop(rel, None)
        if wd is not None and self._ino is not None:
            self._wd_rel.pop(wd, None)
            self._ino.remove(wd)

    def _read_loop(self) -> None:
        with self._wlock:
            ino, kill_r = self._ino, self._kill_r
        if ino is None:
            return
        poller = select.poll()
        poller.register(ino.fd, select.POLLIN)
        poller.register(kill_r, select.POLLIN)
        while True:
            ready = {fd for fd, _ in poller.poll()}
            if kill_r in ready:
                return
            paths: list[str] = []
            with self._wlock:
                if self._ino is None:
                    return
                for wd, mask, name in ino.read():
                    if mask & _IN_Q_OVERFLOW:
                        paths.extend(self._overflowed())
                        continue
                    rel = self._wd_rel.get(wd)
                    if rel is None:
                        continue
                    if mask & _IN_IGNORED:  # the folder went (or its watch was removed)
                        if self._rel_wd.get(rel) == wd:
                            del self._rel_wd[rel]
                        del self._wd_rel[wd]
                        continue
                    where = self._prefix + rel if rel else self.root
                    if not name:  # the watched folder itself (deleted, moved, chmod)
                        paths.append(where)
                        continue
                    child = f"{rel}/{name}" if rel else name
                    if mask & _IN_ISDIR and mask & (_IN_CREATE | _IN_MOVED_TO) and child not in self._rel_wd:
                        # a new folder: watch it now, before its files are written (and read it after)
                        if self._watch(child) and child not in self._followed:
                            self._expires[child] = time.monotonic() + GRACE_SECONDS
                    paths.append(self._prefix + child)
            if paths:
                self.record(paths)

    def _overflowed(self) -> list[str]:
        """The kernel dropped events: every watched folder is read again, and the sweep starts over."""
        self._sweep_pos = len(self._sweep_order)
        self._sweep_started = -SWEEP_MIN_SECONDS  # a new pass at the next step
        return [self._prefix + r if r else self.root for r in self._rel_wd]

    # -- the sweep

    def _sweep_loop(self) -> None:
        with self._wlock:
            kill_r = self._kill_r
        poller = select.poll()
        poller.register(kill_r, select.POLLIN)
        while not poller.poll(_TICK * 1000):
            now = time.monotonic()
            with self._wlock:
                if self._ino is None:
                    return
                for rel in [r for r, t in self._expires.items() if t <= now]:
                    del self._expires[rel]
                    if rel not in self._followed:
                        self._unwatch(rel)
                if self._sweep_pos >= len(self._sweep_order):
                    if now - self._sweep_started < SWEEP_MIN_SECONDS:
                        continue
                    self._sweep_order = list(self._jobs)
                    self._sweep_pos = 0
                    self._sweep_started = now
                step = max(1, int(SWEEP_JOBS_PER_SECOND * _TICK))
                todo = self._sweep_order[self._sweep_pos : self._sweep_pos + step]
                self._sweep_pos += len(todo)
                watched = self._rel_wd
            changed = []
            sigs = []
            for rel in todo:  # stat without the lock: the inotify thread goes on meanwhile
                if rel in watched:
                    continue  # inotify reports its changes
                sigs.append((rel, *_signature(self._prefix, rel)))
            with self._wlock:
                for rel, sig, newest in sigs:
                    if rel not in self._jobs:
                        continue
                    old = self._jobs[rel]
                    if old is None:
                        since = self._since.pop(rel, None)
                        if since is not None and newest >= since:
                            changed.append(rel)  # changed between the app's read and this look
                    elif old != sig:
                        changed.append(rel)
                    self._jobs[rel] = sig
            if changed:
                self.record([self._prefix + r for r in changed])


def _signature(prefix: str, rel: str) -> tuple[int, float]:
    """What a row of the job at *rel* depends on, as one int (the folder's listing and its
    ``$JN.in``, ``.run``, ``.dill``), and the newest mtime among them (epoch seconds)."""
    folder = prefix + rel
    name = rel.rpartition("/")[2]
    parts: list[int] = []
    newest = 0
    for path in (folder, f"{folder}/{name}.in", f"{folder}/{name}.run", f"{folder}/{name}.dill"):
        try:
            st = os.stat(path)
        except OSError:
            parts.append(-1)
            continue
        parts.append(st.st_mtime_ns)
        parts.append(st.st_size)
        parts.append(st.st_ino)
        newest = max(newest, st.st_mtime_ns)
    return hash(tuple(parts)), newest / 1e9
