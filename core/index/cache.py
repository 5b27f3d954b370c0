"""A cache of what reading a working folder cost most: .dill summaries and file hashes.

Entries are keyed by the file's path relative to the working folder and its
(inode, mtime_ns, size), so a changed or replaced file is read again. The cache lives in
``$XDG_CACHE_HOME/plams-tui/index/`` (``~/.cache`` by default), one file per working
folder, never inside the working folder. It is written with :mod:`marshal`: plain data
only, nothing in it can run code when loaded.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from typing import Any

__all__ = ["ScanCache"]

_FORMAT = 2  # bump when the shape of a value changes
Key = tuple[str, int, int, int]


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "plams-tui", "index")


class ScanCache:
    """Values remembered between runs for files that did not change."""

    def __init__(self, root: str, enabled: bool = True) -> None:
        self.path: str | None = None
        self.entries: dict[Key, Any] = {}
        self._used: dict[Key, Any] = {}
        self._dirty = False
        if not enabled:
            return
        folder = _cache_dir()
        real = os.path.realpath(folder)
        if real == root or real.startswith(root.rstrip("/") + "/"):
            return  # a cache inside the working folder would write into it
        self.path = os.path.join(
            folder, hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        )
        try:
            with open(self.path, "rb") as f:
                data = marshal.load(f)
            if isinstance(data, tuple) and len(data) == 3 and data[0] == _FORMAT and data[1] == root:
                self.entries = data[2]
        except (OSError, EOFError, ValueError, TypeError):
            self.entries = {}

    @property
    def enabled(self) -> bool:
        """Whether values are looked up and saved."""
        return self.path is not None

    def get(self, key: Key) -> Any:
        """The value stored for *key*, or None."""
        return self.entries.get(key)

    def update(self, values: dict[Key, Any]) -> None:
        """Remember *values*, the entries a scan used or computed (saved by :meth:`save`)."""
        if self.path is None or not values:
            return
        self._used.update(values)
        entries = self.entries
        for key, value in values.items():
            if entries.get(key) != value:
                entries[key] = value
                self._dirty = True

    def save(self, root: str, only_used: bool = False) -> None:
        """Write the cache atomically; a cache that cannot be written is silently skipped.

        With *only_used*, entries not looked up or added since loading are dropped (after a
        full scan they belong to files that changed or are gone).
        """
        if self.path is None:
            return
        if only_used and self._used.keys() != self.entries.keys():
            self.entries = self._used
            self._dirty = True
        if not self._dirty:
            return
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.path), prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    marshal.dump((_FORMAT, root, self.entries), f)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
            self._dirty = False
        except (OSError, ValueError):
            pass  # read-only home, unmarshallable value: the cache is only an optimisation
