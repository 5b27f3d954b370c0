"""What the job table shows, without a screen: rows in order, filter, sort, collapsed MultiJobs, marks.

:class:`JobRows` holds the records of a working folder by path and computes the visible
rows (a list of paths) from them. Everything is keyed by the job's path, so the cursor and
the marks stay on the same job while records change, appear or vanish under them. The
table widget only draws ``rows[i]``; tests drive this class directly or through the app.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plams_core.index import JobRecord
from plams_core.index.report import natural_key, natural_keys

__all__ = ["COLUMNS", "Column", "JobRows", "status_text", "start_of", "run_time", "copy_marker"]


@dataclass(frozen=True)
class Column:
    """One column of the job table: its key, header and width in cells (0: takes what is left)."""

    key: str
    header: str
    width: int


COLUMNS: tuple[Column, ...] = (
    Column("name", "NAME", 0),
    Column("status", "STATUS", 22),
    Column("class", "CLASS", 16),
    Column("hash", "HASH", 9),
    Column("dill", "DILL", 8),
    Column("copy", "COPY/DUP", 18),
    Column("start", "START", 15),
    Column("runtime", "RUN TIME", 9),
)
SORT_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)


def _by_name(paths: list[str], records: dict[str, JobRecord], reverse: bool) -> list[str]:
    """*paths* in natural order of their names (job2 before job10), as ``ls`` sorts.

    The keys of all names in one regex pass (:func:`natural_keys`: ~3x faster than a key a
    name), computed anew each time: a cache of 100,000 keys held ~20 MB for ~0.1 s a sort.
    """
    if len(paths) < 2:
        return list(paths)
    keys = natural_keys([records[p].name for p in paths])
    order = sorted(range(len(paths)), key=keys.__getitem__, reverse=reverse)
    return [paths[i] for i in order]


def status_text(rec: JobRecord) -> str:
    """``crashed``, or ``running (interrupted)`` for a job whose process is gone."""
    return f"{rec.status} (interrupted)" if rec.interrupted else rec.status


def _epoch(value: Any) -> float | None:
    """A time as the index may give it (epoch seconds, datetime, ISO text) in epoch seconds."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None


def start_of(rec: JobRecord) -> float | None:
    """When the job started (epoch seconds), if the index knows."""
    return _epoch(getattr(rec, "start", None))


def run_time(rec: JobRecord, now: float | None = None) -> float | None:
    """Seconds from start to end; to *now* for a running job; None if unknown."""
    start = start_of(rec)
    if start is None:
        return None
    end = _epoch(getattr(rec, "end", None))
    if end is None:
        if rec.status != "running" or rec.interrupted:
            return None
        end = time.time() if now is None else now
    return max(0.0, end - start)


def copy_marker(rec: JobRecord, hash_count: int) -> str:
    """``<- other`` for a job copied by rerun prevention; ``=N`` when N jobs share its hash."""
    if rec.copied_from:
        return "<- " + rec.copied_from
    if hash_count > 1:
        return f"={hash_count} same hash"
    return ""


#: statuses of a job still going (unless interrupted: no process left)
_GOING = frozenset({"running", "started", "registered", "created", "finished"})


class JobRows:
    """The records of one working folder and the rows the table shows from them.

    Call :meth:`update` with new/changed records and removed paths, then :meth:`rebuild`
    (cheap to call again: it does nothing unless something changed).
    """

    def __init__(self) -> None:
        self.records: dict[str, JobRecord] = {}
        self.rows: list[str] = []
        self.collapsed: set[str] = set()
        self.marked: set[str] = set()
        self.filter = ""
        self.sort_key = "name"
        self.reverse = False
        self.hash_count: Counter[str] = Counter()
        self._pos: dict[str, int] = {}
        self._dirty = True
        self._kids: dict[str | None, list[str]] | None = None
        # the top-level jobs in row order, when rows are by name, unfiltered (see _put_in)
        self._top: list[str] | None = None
        self._counts: Counter[str] | None = None
        #: jobs that are not finished and not interrupted (the watcher follows their folders)
        self.live_paths: set[str] = set()

    # -- changing

    def update(self, changed: Iterable[JobRecord] = (), removed: Iterable[str] = ()) -> None:
        """Take new or changed records and forget removed paths (marks of removed jobs go too)."""
        records = self.records
        counts = self.hash_count
        self._counts = None
        live = self.live_paths
        for path in removed:
            live.discard(path)
            old = records.get(path)
            if old is not None:
                if old.hash:
                    counts[old.hash] -= 1
                if not self._take_out(old):
                    self._kids = None
                    self._dirty = True
                del records[path]
            self.marked.discard(path)
        # a record that changes in place moves only if the order or the filter looks at it
        in_place_moves = self.sort_key != "name" or bool(self.filter.strip())
        for rec in changed:
            old = records.get(rec.path)
            if old is not None and old.hash:
                counts[old.hash] -= 1
            if rec.hash:
                counts[rec.hash] += 1
            records[rec.path] = rec
            if old is None:
                if not self._put_in(rec):
                    self._kids = None
                    self._dirty = True
            elif old.parent != rec.parent:
                self._kids = None
                self._dirty = True
            elif in_place_moves:
                self._dirty = True
            if rec.status in _GOING and not rec.interrupted:
                live.add(rec.path)
            else:
                live.discard(rec.path)

    # A job folder that appears or goes at the top level (the usual live change) moves the rows
    # after it by one, in place: at 100,000 jobs a full rebuild (sorting every name) costs
    # ~0.3 s, and the table's flushes are spaced by five times what the last one cost.

    def _in_place(self, rec: JobRecord) -> bool:
        """Whether *rec*'s row can be put in or taken out without a rebuild."""
        return (
            not self._dirty
            and self._top is not None
            and self._kids is not None
            and (rec.parent is None or rec.parent not in self.records)
            and rec.kind != "multi"
            and not rec.children
            and rec.path not in self._kids
        )

    def _put_in(self, rec: JobRecord) -> bool:
        if not self._in_place(rec):
            return False
        assert self._top is not None and self._kids is not None
        records = self.records
        top, rows = self._top, self.rows
        i = bisect.bisect_right(top, natural_key(rec.name), key=lambda p: natural_key(records[p].name))
        at = self._pos[top[i]] if i < len(top) else len(rows)
        top.insert(i, rec.path)
        self._kids.setdefault(None, []).append(rec.path)
        rows.insert(at, rec.path)
        self._renumber(at)
        return True

    def _take_out(self, rec: JobRecord) -> bool:
        if not self._in_place(rec) or rec.path not in self._pos:
            return False
        assert self._top is not None and self._kids is not None
        at = self._pos.pop(rec.path)
        del self.rows[at]
        self._top.remove(rec.path)
        self._kids[None].remove(rec.path)
        self._renumber(at)
        return True

    def _renumber(self, start: int) -> None:
        pos, rows = self._pos, self.rows
        for i in range(start, len(rows)):
            pos[rows[i]] = i

    def set_filter(self, text: str) -> None:
        """Show only jobs whose name, path, status or class contain every word of *text* (any case)."""
        if text != self.filter:
            self.filter = text
            self._dirty = True

    def set_sort(self, key: str, reverse: bool | None = None) -> None:
        """Sort siblings (or, while filtering, all matches) by the column *key*."""
        if key not in SORT_KEYS:
            raise ValueError(f"unknown column {key!r}")
        self.sort_key = key
        if reverse is not None:
            self.reverse = reverse
        self._dirty = True

    def toggle_collapsed(self, path: str, collapsed: bool | None = None) -> None:
        """Fold or unfold the children of the MultiJob at *path*."""
        rec = self.records.get(path)
        if rec is None or rec.kind != "multi":
            return
        now = path in self.collapsed if collapsed is None else not collapsed
        (self.collapsed.discard if now else self.collapsed.add)(path)
        self._dirty = True

    def toggle_mark(self, path: str) -> None:
        """Mark or unmark the job at *path*."""
        if path in self.marked:
            self.marked.discard(path)
        elif path in self.records:
            self.marked.add(path)

    # -- reading

    def index_of(self, path: str | None) -> int | None:
        """The row of *path*, or None if it is not shown."""
        return None if path is None else self._pos.get(path)

    def counts(self) -> Counter[str]:
        """Jobs per status (``interrupted`` counted on its own too; ``live``: not final, not interrupted)."""
        if self._counts is None:
            c: Counter[str] = Counter(r.status for r in self.records.values())
            interrupted = sum(1 for r in self.records.values() if r.interrupted)
            if interrupted:
                c["interrupted"] = interrupted
            self._counts = c
        return self._counts

    def live(self) -> bool:
        """Whether some job is still going (running, started, registered... and not interrupted)."""
        return bool(self.live_paths)

    def watch_folders(self) -> set[str]:
        """The folders where files of live jobs will appear: theirs and the ones holding them."""
        out = set(self.live_paths)
        out.update(p.rpartition("/")[0] for p in self.live_paths)
        out.discard("")
        return out

    def selection(self, cursor: str | None) -> list[str]:
        """The jobs an action takes: the marked ones, else the one under the cursor."""
        if self.marked:
            return sorted(p for p in self.marked if p in self.records)
        return [cursor] if cursor is not None and cursor in self.records else []

    def depth(self, path: str) -> int:
        """How many job ancestors *path* has (its indent in the tree)."""
        d = 0
        rec = self.records.get(path)
        while rec is not None and rec.parent is not None and rec.parent in self.records:
            d += 1
            rec = self.records[rec.parent]
        return d

    # -- ordering

    def _key(self) -> Callable[[JobRecord], Any]:
        key = self.sort_key
        if key == "name":
            return lambda r: natural_key(r.name)
        if key == "status":
            return lambda r: (status_text(r), r.name)
        if key == "class":
            return lambda r: (r.class_name or "\uffff", r.name)
        if key == "hash":
            return lambda r: (r.hash or "\uffff", r.name)
        if key == "dill":
            return lambda r: (r.dill, r.name)
        if key == "copy":
            return lambda r: (copy_marker(r, self.hash_count[r.hash] if r.hash else 0) or "\uffff", r.name)
        if key == "start":
            return lambda r: (start_of(r) or float("inf"), r.name)
        now = time.time()
        return lambda r: (run_time(r, now) or -1.0, r.name)

    def _matches(self) -> Callable[[JobRecord], bool]:
        words = self.filter.lower().split()

        def match(r: JobRecord) -> bool:
            hay = f"{r.path}\n{status_text(r)}\n{r.class_name or ''}".lower()
            return all(w in hay for w in words)

        return match

    def rebuild(self) -> bool:
        """Recompute :attr:`rows` if anything changed; return whether it did."""
        if not self._dirty:
            return False
        self._dirty = False
        records = self.records
        key = self._key()
        self._top = None
        if self.filter.strip():
            match = self._matches()
            found = [r for r in records.values() if match(r)]
            if self.sort_key == "name":
                rows = _by_name([r.path for r in found], records, self.reverse)
            else:
                found.sort(key=key, reverse=self.reverse)
                rows = [r.path for r in found]
        else:
            if self._kids is None:
                kids: dict[str | None, list[str]] = {}
                for path, r in records.items():
                    parent = r.parent if r.parent in records else None
                    kids.setdefault(parent, []).append(path)
                self._kids = kids
            kids = self._kids
            rows = []
            collapsed = self.collapsed
            reverse = self.reverse
            stack: list[str] = []

            def ordered(parent: str | None) -> list[str]:
                children = kids.get(parent, [])
                if self.sort_key == "name":
                    return _by_name(children, records, reverse)
                return sorted(children, key=lambda p: key(records[p]), reverse=reverse)

            top = ordered(None)
            self._top = top if self.sort_key == "name" and not reverse else None
            if len(kids) <= 1:  # no job has children (as the first batch of a scan): no tree to walk
                rows = list(top)  # _put_in changes both
            stack = top[::-1] if len(kids) > 1 else []
            while stack:
                path = stack.pop()
                rows.append(path)
                if path in kids and path not in collapsed:
                    stack.extend(ordered(path)[::-1])
        self.rows = rows
        self._pos = {p: i for i, p in enumerate(rows)}
        return True
