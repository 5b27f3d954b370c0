"""Writes to a working folder in progress in this process, so quitting never cuts one short.

The app runs an action's write (repickle, rm, clean, restart's start) in a worker thread;
:func:`plams_tui.launch.run_app` leaves without waiting for reading threads, but waits for
these. No textual import: the CLI imports the launcher.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["writing", "writes_in_progress"]

_lock = threading.Lock()
_count = 0


@contextmanager
def writing() -> Iterator[None]:
    """Mark a write to the working folder as in progress for its duration."""
    global _count
    with _lock:
        _count += 1
    try:
        yield
    finally:
        with _lock:
            _count -= 1


def writes_in_progress() -> int:
    """How many writes are in progress now."""
    with _lock:
        return _count
