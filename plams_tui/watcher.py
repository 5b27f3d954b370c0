"""The watcher: a watchdog observer on the working folder that records changed paths.

Its thread never touches a widget and never reads the index: it adds paths to a set and
posts a :class:`~plams_tui.messages.FilesChanged`, which collapses in the message queue, so
a burst of 10,000 events costs the app one refresh of the folders they touched. The app
takes the paths with :meth:`Watcher.take` and refreshes the index in a worker.

Where inotify cannot serve (no inotify, the per-user watch or instance limits: ENOSPC,
EMFILE) the watcher falls back to watchdog's :class:`PollingObserver` and says so once;
``poll`` forces polling (for network filesystems written by other machines, which inotify
does not see).
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Callable

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

__all__ = ["Watcher", "DEFAULT_POLL_SECONDS"]

_LIMIT_ERRORS = (errno.ENOSPC, errno.EMFILE, errno.ENFILE, errno.ENOSYS, errno.EPERM)
# Writes only: without a filter inotify also reports every open and read, and the app's own
# scan of a big folder (reading every $JN.in) overflows the kernel's event queue.
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
    """Watch *root* recursively and post to *post* (``App.post_message``) when paths change."""

    def __init__(self, root: str, post: Callable[[Message], object], poll: float | None = None) -> None:
        self.root = root
        self._post = post
        self._poll = poll
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._observer: BaseObserver | None = None
        self.polling = False  #: True when the PollingObserver serves
        self._stopped = False

    def start(self) -> None:
        """Start observing; fall back to polling where inotify fails.

        Blocks while watches are added (one per folder: call it from a worker thread).
        """
        # watchdog logs queue overflows (it then re-reads the tree itself) to stderr: keep the screen
        logging.getLogger("watchdog").addHandler(logging.NullHandler())
        logging.getLogger("watchdog").propagate = False
        if self._poll is not None:
            self._start_polling(self._poll)
            return
        try:
            from watchdog.observers import Observer

            observer = Observer()
            observer.schedule(_Recorder(self), self.root, recursive=True, event_filter=_EVENTS)
            observer.start()
            self._started(observer)
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

    def _started(self, observer: BaseObserver) -> None:
        # stop() may have come while watches were being added (the app quit early)
        with self._lock:
            self._observer = observer
            stopped = self._stopped
        if stopped:
            self.stop()

    def _start_polling(self, seconds: float) -> None:
        from watchdog.observers.polling import PollingObserver

        observer = PollingObserver(timeout=seconds)
        observer.schedule(_Recorder(self), self.root, recursive=True, event_filter=_EVENTS)
        self.polling = True
        observer.start()
        self._started(observer)

    def stop(self) -> None:
        """Stop the observer thread (waits for it)."""
        with self._lock:
            self._stopped = True
            observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)

    def record(self, paths: list[str]) -> None:
        """Called from the observer thread: remember *paths*, tell the app if it did not know yet."""
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
