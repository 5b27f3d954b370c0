"""Where the lines of a (possibly huge, possibly growing) text file start, without reading it whole.

The file is never loaded: :class:`LineIndex` counts newlines block by block (64 KiB, C speed:
a 2 GB file in about a second, in a worker, while the first screen is already shown) and
keeps one number per block, the newlines before it (32,768 ints for 2 GB). A line is found
by reading its one block; a screen of lines by one read from there. Search runs over an
mmap with a compiled regex, so it is C speed too.
"""

from __future__ import annotations

import mmap
import os
import re
import threading
from bisect import bisect_left

__all__ = ["LineIndex", "BLOCK", "MAX_LINE"]

BLOCK = 1 << 16
MAX_LINE = 4096  # characters of one line kept for display; longer lines are cut


class LineIndex:
    """Line starts of the file at *path*; call :meth:`extend` to index more (thread-safe)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._before: list[int] = [0]  # newlines before block k
        self.indexed = 0  # bytes counted so far
        self.newlines = 0
        self.last_byte_newline = True

    @property
    def line_count(self) -> int:
        """Lines in the indexed part (a last line without a newline counts)."""
        return self.newlines + (0 if self.last_byte_newline else 1)

    def size_on_disk(self) -> int:
        try:
            return os.stat(self.path).st_size
        except OSError:
            return self.indexed

    def extend(self, limit: int | None = None, *, stop: threading.Event | None = None) -> bool:
        """Count newlines from where the last call stopped, at most *limit* bytes; True if the file grew."""
        size = self.size_on_disk()
        if size < self.indexed:  # truncated (rewritten): start again
            with self._lock:
                self._before, self.indexed, self.newlines, self.last_byte_newline = [0], 0, 0, True
        end = size if limit is None else min(size, self.indexed + limit)
        if end <= self.indexed:
            return False
        with open(self.path, "rb") as f:
            pos = self.indexed
            f.seek(pos)
            while pos < end:
                if stop is not None and stop.is_set():
                    break
                # up to the next block boundary, so each block's count is recorded once
                want = min(BLOCK - pos % BLOCK, end - pos)
                data = f.read(want)
                if not data:
                    break
                with self._lock:
                    self.newlines += data.count(b"\n")
                    pos += len(data)
                    self.indexed = pos
                    self.last_byte_newline = data.endswith(b"\n")
                    if pos % BLOCK == 0:
                        self._before.append(self.newlines)
        return True

    def offset_of(self, line: int) -> int:
        """The byte offset where *line* (0-based) starts."""
        if line <= 0:
            return 0
        with self._lock:
            before = self._before
            # the block holding the line-th newline: the last block with fewer newlines before it
            k = bisect_left(before, line) - 1
            k = max(0, k)
            skip = line - before[k]
        with open(self.path, "rb") as f:
            f.seek(k * BLOCK)
            pos = k * BLOCK
            while True:
                data = f.read(BLOCK)
                if not data:
                    return pos
                n = data.count(b"\n")
                if n >= skip:
                    i = -1
                    for _ in range(skip):
                        i = data.index(b"\n", i + 1)
                    return pos + i + 1
                skip -= n
                pos += len(data)

    def line_of(self, offset: int) -> int:
        """The line (0-based) holding byte *offset*."""
        k = offset // BLOCK
        with self._lock:
            k = min(k, len(self._before) - 1)
            base = self._before[k]
        with open(self.path, "rb") as f:
            f.seek(k * BLOCK)
            return base + f.read(offset - k * BLOCK).count(b"\n")

    def lines(self, start: int, count: int) -> list[str]:
        """Up to *count* lines from *start*, decoded (invalid UTF-8 replaced), tabs expanded, cut at MAX_LINE."""
        total = self.line_count
        if start >= total or count <= 0:
            return []
        count = min(count, total - start)
        out: list[str] = []
        with open(self.path, "rb") as f:
            f.seek(self.offset_of(start))
            rest = b""
            while len(out) < count:
                data = f.read(max(BLOCK, count * 256))
                if not data:
                    if rest:
                        out.append(rest[: MAX_LINE * 4].decode("utf-8", "replace"))
                    break
                parts = (rest + data).split(b"\n")
                rest = parts.pop()
                out.extend(p[: MAX_LINE * 4].decode("utf-8", "replace") for p in parts)
                if len(rest) > MAX_LINE * 4:  # a very long line: keep its start, skip to its end
                    rest = rest[: MAX_LINE * 4]
        return [s[:MAX_LINE].expandtabs(8).rstrip("\r") for s in out[:count]]

    def search(self, pattern: str, from_line: int, *, backwards: bool = False) -> int | None:
        """The first line after (before, with *backwards*) *from_line* containing *pattern* (any case)."""
        if not pattern:
            return None
        rx = re.compile(re.escape(pattern.encode("utf-8")), re.IGNORECASE)
        size = min(self.indexed, self.size_on_disk())
        if size == 0:
            return None
        with open(self.path, "rb") as f, mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ) as mm:
            if not backwards:
                start = self.offset_of(from_line + 1)
                m = rx.search(mm, start)
                return None if m is None else self.line_of(m.start())
            end = self.offset_of(from_line)
            last = None
            # scan backwards a window at a time, keeping the last hit of each window
            window = 1 << 22
            hi = end
            while hi > 0 and last is None:
                lo = max(0, hi - window)
                for m in rx.finditer(mm, lo, hi):
                    last = m.start()
                hi = lo
            return None if last is None else self.line_of(last)
