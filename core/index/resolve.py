"""What each folder is and what its job's record says: classification, status, times, copies.

:class:`Resolver` is the half of :class:`~plams_core.index.scan.WorkdirIndex` that turns
what was read (folders from :mod:`.reading`, the csv and log from :mod:`.sources`, live
processes from :mod:`.procs`) into :class:`~plams_core.index.records.JobRecord` s; the other
half (:mod:`.scan`) reads, streams and refreshes. The rules are in :mod:`plams_core.index.scan`'s
docstring ("How the folder is read").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from ..hashing import combine_hashes
from ..status import FINAL_STATUSES
from .reading import _Folder
from .records import JobRecord, make_record
from .sources import CsvRow, JobCsv, JobLog, WorkdirLayout

__all__ = ["Resolver", "depth", "parent_dir", "with_ancestors", "unreadable"]

_OK = frozenset({"successful", "copied"})
_FINAL = frozenset(str(s) for s in FINAL_STATUSES)
_UNSEEN = object()


def depth(rel: str) -> int:
    return rel.count("/")


def parent_dir(rel: str) -> str:
    return rel.rpartition("/")[0]


def with_ancestors(rels: set[str]) -> set[str]:
    """*rels* and every folder above them (a child's change can change its MultiJob)."""
    out = set(rels)
    for rel in rels:
        if "/" not in rel:
            continue  # top level (most folders): no ancestor
        p = parent_dir(rel)
        while p:
            out.add(p)
            p = parent_dir(p)
    return out


def unreadable(folder: _Folder) -> bool:
    return bool(folder.problems) and folder.problems[0].startswith("cannot read the folder")


class Resolver:
    """Classification, status, times and copy links of the jobs of one working folder (a mixin)."""

    # what the reading half keeps (set by WorkdirIndex.__init__)
    root: str
    hashing: str | None
    layout: WorkdirLayout
    _prefix: str
    _folders: dict[str, _Folder]
    _records: dict[str, JobRecord]
    _csv: JobCsv
    _log: JobLog
    _log_loaded: bool
    _procs: dict[str, list[int]]
    _kinds: dict[str, str | None]
    _log_names: dict[str, str]
    _log_count: dict[str, int]
    _epochs: dict[str, float | None]
    _spans: dict[str, tuple[float | None, float | None]]
    _by_hash: dict[str, list[str]] | None
    _copies: set[str]

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
        todo = with_ancestors(rels)
        folders, kinds = self._folders, self._kinds
        # one sort for both passes: folders of the same depth never depend on each other. The
        # top-level ones (most) first, in the set's order, as a stable sort by depth puts them
        order = [rel for rel in todo if "/" not in rel]
        if len(order) < len(todo):
            order += sorted((rel for rel in todo if "/" in rel), key=depth)
        for rel in reversed(order):  # deepest first: a folder's kind depends on its subfolders
            folder = folders.get(rel)
            if folder is None:
                kinds.pop(rel, None)
                continue
            kind: str | None = None
            if folder.single or unreadable(folder):
                kind = "single"  # an unreadable folder may be a job: listed as unknown, with why
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
        log_names, log_count = self._log_names, self._log_count
        for rel in order:  # parents first: a child's name is its parent's plus its own
            old = log_names.pop(rel, None)
            if old is not None:
                log_count[old] -= 1
            if not kinds.get(rel):
                continue
            if "/" in rel:
                p, _, base = rel.rpartition("/")
                name = log_names[p] + "/" + base if p in log_names and kinds.get(p) else base
            else:
                name = rel
            log_names[rel] = name
            log_count[name] = log_count.get(name, 0) + 1

    def _holds_jobs(self, rel: str) -> bool:
        folder = self._folders.get(rel)
        if folder is None:
            return False
        return any(self._kinds.get(rel + "/" + d) or self._holds_jobs(rel + "/" + d) for d in folder.subdirs)

    def _job_parent(self, rel: str) -> str | None:
        p = parent_dir(rel)
        while p:
            if self._kinds.get(p):
                return p
            p = parent_dir(p)
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
        problems = folder.problems
        if problems and unreadable(folder):
            pass  # what the csv or log said cannot be checked against the folder: unknown, with why
        elif ok_dill and dill.status:  # type: ignore[union-attr]
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
        span = self._spans.get(csv_row.timeline) if csv_row is not None else None  # the usual case, inline
        start, end = span if span is not None else self._times(csv_row, log_name, status)
        if kind != "single":
            job_hash = None
        elif self.hashing == "input":  # the default, inline
            job_hash = folder.in_hash
        elif self.hashing:
            job_hash = combine_hashes(self.hashing, folder.in_hash, folder.run_hash)
        else:
            job_hash = None
        if kind == "single":
            files = folder.names
        else:
            files = tuple(n for n in folder.names if not (n[-1] == "/" and kinds.get(rel + "/" + n[:-1])))
        return make_record(  # positionally, in JobRecord's field order: the hot loop of a scan
            name,
            rel,
            self._job_parent(rel) if "/" in rel else None,
            kind,
            dill.class_name if ok_dill else None,  # type: ignore[union-attr]
            status,
            source,
            status not in _FINAL and status != "unknown" and not pids,  # interrupted
            job_hash,
            "missing" if dill is None else dill.verdict,
            None if dill is None else dill.reason,
            None,  # copied_from: set by _link_copies
            children,
            files,
            (csv_row.error or None) if csv_row is not None else None,
            pids,
            log_name,
            start,
            end,
            problems,
        )

    def _resolve_many(self, rels: list[str], into: dict[str, JobRecord]) -> None:
        """``into[rel] = self._resolve(rel)`` for each of *rels* in turn, faster for the usual job.

        In turn: a MultiJob after its children takes their statuses from *into* (the index's
        records), as :meth:`_resolve` does one by one.

        The usual job of a big folder is a top-level SingleJob with no subfolder, nothing
        unreadable, no live process, its status from an ok ``.dill`` and its times from a csv
        timeline already seen: its record is built here, with the lookups made once for all
        (~2 us a job less). Every other folder goes through :meth:`_resolve`, which gives
        the same record for these (tests/core/test_index.py compares the two).
        """
        folders, kinds, procs = self._folders, self._kinds, self._procs
        log_names, csv_rows, spans = self._log_names, self._csv.rows, self._spans
        by_input = self.hashing == "input"
        resolve = self._resolve
        for rel in rels:
            folder = folders[rel]
            dill = folder.dill
            if (
                dill is None
                or folder.subdirs
                or folder.problems
                or dill.verdict != "ok"
                or not dill.status
                or kinds[rel] != "single"
                or "/" in rel
                or not by_input
                or rel in procs
            ):
                into[rel] = resolve(rel)
                continue
            csv_row = csv_rows.get(rel)
            span = spans.get(csv_row.timeline) if csv_row is not None else None
            if span is None:
                into[rel] = resolve(rel)  # no csv row, or its timeline not parsed yet
                continue
            status = dill.status
            into[rel] = make_record(  # as _resolve builds it for this case
                rel,
                rel,
                None,
                "single",
                dill.class_name,
                status,
                "dill",
                status not in _FINAL and status != "unknown",  # interrupted (no live process)
                folder.in_hash,
                "ok",
                dill.reason,
                None,
                (),
                folder.names,
                csv_row.error or None,  # type: ignore[union-attr]
                (),
                log_names.get(rel),
                span[0],
                span[1],
                folder.problems,
            )

    def _times(
        self, csv_row: CsvRow | None, log_name: str | None, status: str
    ) -> tuple[float | None, float | None]:
        """(start, end) in epoch seconds from the cheapest source that knows, or None.

        The csv row's timeline (local time, as PLAMS wrote it); else the text log's
        ``[dd.mm|HH:MM:SS]`` lines of a name no other job folder shares, the year taken from
        the log's mtime (a date after it is of the year before). The ``.dill`` status log is
        not used: it would cost a full read of every .dill. ``end`` only for a final status.
        """
        if csv_row is not None and csv_row.timeline:
            # a few distinct timelines among thousands of rows (same second, same steps)
            span = self._spans.get(csv_row.timeline)
            return span if span is not None else self._csv_span(csv_row.timeline)
        if log_name is None or self._log_count.get(log_name) != 1 or not self.layout.logfile:
            return None, None
        self._ensure_log()
        logged = self._log.times.get(log_name)  # the text log's (start, end) as written
        if logged is None:
            return None, None
        return self._log_epoch(logged[0]), self._log_epoch(logged[1]) if status in _FINAL else None

    def _csv_span(self, tl: str) -> tuple[float | None, float | None]:
        i = tl.find(" started")
        if i < 19:
            i = tl.find(" running")
        start = self._csv_epoch(tl[i - 19 : i]) if i >= 19 else None
        last = tl.rpartition(" -> ")[2]
        end = self._csv_epoch(last[:19]) if last[20:].strip().lower() in _FINAL else None
        span = self._spans[tl] = (start, end)
        return span

    def _csv_epoch(self, stamp: str) -> float | None:
        t = self._epochs.get(stamp, _UNSEEN)
        if t is _UNSEEN:
            try:
                t = time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S"))
            except (ValueError, OverflowError):
                t = None
            self._epochs[stamp] = t
        return t  # type: ignore[return-value]

    def _log_epoch(self, stamp: str | None) -> float | None:
        if stamp is None:
            return None
        key = "log " + stamp  # beside the csv stamps, which never start so
        t = self._epochs.get(key, _UNSEEN)
        if t is _UNSEEN:
            ref = time.localtime(self._log.mtime if self._log.mtime is not None else None)
            try:
                day, month = int(stamp[0:2]), int(stamp[3:5])
                hour, minute, second = int(stamp[6:8]), int(stamp[9:11]), int(stamp[12:14])
                year = ref.tm_year - 1 if (month, day) > (ref.tm_mon, ref.tm_mday) else ref.tm_year
                t = time.mktime((year, month, day, hour, minute, second, 0, 0, -1))
            except (ValueError, OverflowError):
                t = None
            self._epochs[key] = t
        return t  # type: ignore[return-value]

    def _from_children(self, children: tuple[str, ...]) -> tuple[str, str]:
        statuses = [
            self._records[c].status if c in self._records else self._resolve(c).status for c in children
        ]
        if all(s in _OK for s in statuses):
            return "successful", "children"
        if all(s in _FINAL for s in statuses):
            return "failed", "children"
        return "unknown", "unknown"

    def _hash_index(self) -> dict[str, list[str]]:
        """Job paths by hash: built on first need (most scans have no copy), then kept up to
        date by refreshes (:meth:`_reindex_hash`), so relinking costs the jobs that changed."""
        if self._by_hash is None:
            by_hash: dict[str, list[str]] = {}
            for rel, rec in self._records.items():
                if rec.hash is not None:
                    by_hash.setdefault(rec.hash, []).append(rel)
            self._by_hash = by_hash
        return self._by_hash

    def _reindex_hash(self, rel: str, old: str | None, new: str | None) -> None:
        """The job *rel*'s hash went from *old* to *new* (None: no record, or no hash)."""
        by_hash = self._by_hash
        if by_hash is None or old == new:
            return
        if old is not None:
            same = by_hash.get(old)
            if same is not None and rel in same:
                same.remove(rel)
                if not same:
                    del by_hash[old]
        if new is not None:
            by_hash.setdefault(new, []).append(rel)

    def _link_copies(self, rels: Iterable[str]) -> None:
        """Set copied_from on the records of *rels* that rerun prevention copied."""
        copies = self._log.copies
        by_log_name: dict[str, list[str]] | None = (
            None  # built when a logged copy has no same-hash job (rare)
        )

        def log_named(name: str) -> list[str]:
            nonlocal by_log_name
            if by_log_name is None:
                by_log_name = {}
                for rel, full in self._log_names.items():
                    by_log_name.setdefault(full.rpartition("/")[2], []).append(rel)
            return by_log_name.get(name, [])

        if (
            not copies
        ):  # no copy in the log: only a copied job or one that was linked can change (most scans: a few)
            records = self._records
            keep = []
            for rel in rels:
                rec = records.get(rel)
                if rec is not None and (rec.status == "copied" or rec.copied_from is not None):
                    keep.append(rel)
                else:
                    self._copies.discard(rel)
            rels = keep
        for rel in rels:
            rec = self._records.get(rel)
            if rec is None:
                self._copies.discard(rel)
                continue
            logged = copies.get(rec.name) if rec.log_name is not None else None
            if rec.status != "copied" and logged is None:
                source = None
            else:
                same_hash = self._hash_index().get(rec.hash, []) if rec.hash is not None else []
                source = self._copy_source(rec, same_hash, logged, log_named)
            if source != rec.copied_from:
                rec = self._records[rel] = _replace(rec, copied_from=source)
            if rec.copied_from is None:
                self._copies.discard(rel)
            else:
                self._copies.add(rel)

    def _copy_source(
        self, rec: JobRecord, same_hash: list[str], logged: str | None, log_named: Callable[[str], list[str]]
    ) -> str | None:
        candidates = [r for r in same_hash if r != rec.path]
        if logged is not None:
            named = [r for r in candidates if r.rpartition("/")[2] == logged]
            if named:
                candidates = named
            elif not candidates:
                candidates = [r for r in log_named(logged) if r != rec.path]
        if len(candidates) > 1:
            inodes = set(self._folders[rec.path].inodes)
            linked = [r for r in candidates if inodes.intersection(self._folders[r].inodes)]
            if linked:
                candidates = linked
        if len(candidates) > 1:
            not_copied = [r for r in candidates if self._records[r].status != "copied"]
            if not_copied:
                candidates = not_copied
        # the first in folder-tree order: the same answer whatever order the jobs were read in
        return min(candidates, key=_tree_key) if candidates else None

    def _copy_partners(self, affected: set[str], old: dict[str, JobRecord | None]) -> set[str]:
        """The jobs whose copy link may change with *affected* (*old*: their records before):
        those sharing a hash with them, before or now, and the copies of one of them."""
        hashes = {r.hash for rel in affected for r in (old.get(rel), self._records.get(rel)) if r and r.hash}
        out: set[str] = set()
        if hashes:
            by_hash = self._hash_index()
            for h in hashes:
                out.update(by_hash.get(h, ()))
        records = self._records
        out.update(c for c in self._copies if c in records and records[c].copied_from in affected)
        return out


def _tree_key(rel: str) -> str:
    """Sort key of folder-tree order (the order of ``rel.split("/")``)."""
    return rel.replace("/", "\0")


def _replace(rec: JobRecord, **changes: Any) -> JobRecord:
    from dataclasses import replace

    return replace(rec, **changes)
