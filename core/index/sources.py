"""What a PLAMS working folder says about its jobs outside the job folders.

Three readers, each reading its file once and only the lines that matter:

* :func:`find_layout` names the text log (``logfile`` or, before 2018, ``<folder>.log``),
  the script copy (``input`` or ``<folder>.inp``) and ``job_logfile.csv`` (2025+).
* :class:`JobCsv` reads ``job_logfile.csv`` with the csv module (error messages span lines).
  Rows are keyed by ``job_path`` made relative to the working folder: the recorded path is
  where the folder was when the job ran, so the folder may have moved since. The last row
  of a path wins (the file is appended when a folder is reused).
* :class:`JobLog` reads the text log: the last ``JOB <full name> <STATUS>`` line per name
  (any prefix era: ``[dd.mm|HH:MM:SS]``, ``[HH:MM:SS]``, none), the pre-2018
  ``Job NAME started`` / ``Job NAME finished with status 'x'`` lines, renames and
  ``Job X previously run as Y`` lines.

Both sources are refreshed incrementally: when the file only grew, only the new bytes are
parsed. Nothing here writes anything or requires a recorded path to exist.
"""

from __future__ import annotations

import csv
import io
import operator
import os
import re
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Set
from dataclasses import dataclass, field
from typing import Any, NamedTuple, get_args

from .records import Status

__all__ = [
    "WorkdirLayout",
    "find_layout",
    "CsvRow",
    "JobCsv",
    "JobLog",
    "parse_csv_timeline",
    "KNOWN_STATUSES",
]

#: Every status PLAMS writes (enum values since 2025, plain strings before).
KNOWN_STATUSES = frozenset(get_args(Status)) - {"unknown"}  # PLAMS's own, one list (records.Status)

_UPPER_STATUSES = {s.upper(): s for s in KNOWN_STATUSES}
_FINAL_STATUSES = frozenset({"crashed", "failed", "successful", "copied", "preview", "deleted"})
CSV_NAME = "job_logfile.csv"


@dataclass(frozen=True, slots=True)
class WorkdirLayout:
    """Names (relative to the working folder) of the files PLAMS keeps beside the job folders."""

    logfile: str | None
    csv: str | None
    input: str | None
    era: str  # 'plams.PID' (up to 2018) or 'plams_workdir' (2018+)


def find_layout(top_files: set[str], folder_name: str) -> WorkdirLayout:
    """The layout of a working folder from the names of its top-level files."""
    old_log, old_inp = folder_name + ".log", folder_name + ".inp"
    logfile = "logfile" if "logfile" in top_files else old_log if old_log in top_files else None
    script = "input" if "input" in top_files else old_inp if old_inp in top_files else None
    old = logfile == old_log or script == old_inp or re.fullmatch(r"plams\.\d+", folder_name) is not None
    return WorkdirLayout(
        logfile=logfile,
        csv=CSV_NAME if CSV_NAME in top_files else None,
        input=script,
        era="plams.PID" if old else "plams_workdir",
    )


def _tail(path: str, offset: int, inode: int) -> tuple[bytes, int, bool]:
    """New complete lines of *path* since *offset* (whole file if it was replaced or shrank).

    Returns (data, inode, restarted). A partly written last line is left for next time.
    """
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        restarted = st.st_ino != inode or st.st_size < offset
        start = 0 if restarted else offset
        f.seek(start)
        data = f.read()
    return data, st.st_ino, restarted


def _tail_or_problem(path: str, offset: int, inode: int) -> tuple[bytes, bool, int, str | None]:
    """:func:`_tail`, or nothing and why when the file cannot be read (nothing when it is gone)."""
    try:
        data, inode, restarted = _tail(path, offset, inode)
    except FileNotFoundError:
        return b"", True, -1, None
    except OSError as exc:
        return b"", True, -1, f"cannot read {os.path.basename(path)} ({exc.strerror or exc})"
    return data, restarted, inode, None


# ---------------------------------------------------------------------------------------- csv


class CsvRow(NamedTuple):
    """One row of job_logfile.csv, for the job at a path relative to the working folder."""

    logged_at: str
    job_name: str
    status: str
    ok: str
    check: str
    error: str
    timeline: str
    parent_name: str


@dataclass(slots=True)
class JobCsv:
    """The rows of ``job_logfile.csv`` by job path relative to the working folder."""

    root: str
    rows: dict[str, CsvRow] = field(default_factory=dict)
    unmatched: list[tuple[str, CsvRow]] = field(default_factory=list)  # absolute path, row
    _roots: list[str] = field(default_factory=list)  # where the folder was, as recorded
    _offset: int = 0
    _inode: int = -1
    _header: list[str] | None = None
    _want: tuple[int, ...] = ()
    _pick: Any = None
    _max_col: int = 1 << 30
    _path_col: int = -1
    problem: str | None = None  # why the file could not be read the last time, if it could not
    _memo: dict[str, str] = field(default_factory=dict)  # value -> the one string object kept
    #: the index's own string of each job path it knows (path -> itself): rows are keyed by
    #: it, and a top-level job's name is it, not two more strings a job (~13 MB at 100,000)
    paths: Mapping[str, str] = field(default_factory=dict)

    def _tail(self, path: str) -> tuple[bytes, bool]:
        data, restarted, self._inode, self.problem = _tail_or_problem(path, self._offset, self._inode)
        return data, restarted

    def read(self, path: str, known_rels: Set[str]) -> set[str]:
        """Parse what was appended to *path* since the last call; return the relative paths it names.

        *known_rels* are the folders found on disk: they tell where the folder was when a
        recorded absolute path does not start with the current location.
        """
        data, restarted = self._tail(path)
        if restarted:
            self.rows.clear()
            self._memo.clear()
            self.unmatched.clear()
            self._header = None
            self._offset = 0
        # A row may span lines (quoted error messages): parse up to the last newline outside
        # quotes (an even number of quote characters before it); the rest waits for next time.
        end = data.rfind(b"\n")
        while end >= 0 and data.count(b'"', 0, end) % 2:
            end = data.rfind(b"\n", 0, end)
        end += 1
        if end == 0:
            return set()
        self._offset += end
        named: set[str] = set()
        rows = self.rows
        prefix = self.root + "/"
        cut = len(prefix)
        # the usual row, inline: every column there, the path under the folder's current place
        fast = self._header is not None and self._max_col < (1 << 30) and self._path_col >= 0
        pick, width, path_col = self._pick, max(self._max_col, self._path_col), self._path_col
        paths = self.paths
        try:
            for fields in _csv_rows(data[:end].decode("utf-8", "replace")):
                if fast and len(fields) > width:
                    path = fields[path_col]
                    if "\\" not in path and not path.endswith("/"):  # else _add cleans it up
                        rel = path[cut:] if path.startswith(prefix) else self._relative(path, known_rels)
                        if rel is None:
                            self.unmatched.append((path, self._row(pick(fields))))
                        else:
                            rel = paths.get(rel, rel)
                            rows[rel] = self._row(pick(fields), rel)
                            named.add(rel)
                        continue
                if self._header is None:
                    self._header = fields
                    cols = {name.strip(): i for i, name in enumerate(fields)}
                    self._want = tuple(cols.get(k, -1) for k in _CSV_FIELDS)
                    self._path_col = cols.get("job_path", -1)
                    if min(self._want) >= 0:
                        self._pick = operator.itemgetter(*self._want)
                        self._max_col = max(self._want)
                    else:
                        self._max_col = 1 << 30  # a column is missing: take the slow path
                    fast = self._max_col < (1 << 30) and self._path_col >= 0
                    pick, width, path_col = self._pick, max(self._max_col, self._path_col), self._path_col
                elif len(fields) >= 7:
                    named.add(self._add(fields, known_rels))
        except csv.Error:
            pass  # a malformed row (NUL byte...): keep what was read
        named.discard("")
        return named

    def _row(self, vals: tuple[str, ...], rel: str = "") -> CsvRow:
        """The row of the picked columns *vals*, one string object per distinct value but the
        job's name: at 100,000 rows the repeated stamps, statuses, flags and timelines held
        ~45 MB (a row 700 bytes, now ~250). The name of a top-level job is *rel*, its path."""
        m = self._memo.setdefault
        status = vals[2].strip().lower()
        job = rel if vals[1] == rel else vals[1]
        # tuple.__new__: CsvRow's Python-level __new__ costs ~0.5 us a row
        return _new(
            CsvRow,
            (
                m(vals[0], vals[0]),
                job,
                m(status, status),
                m(vals[3], vals[3]),
                m(vals[4], vals[4]),
                m(vals[5], vals[5]),
                m(vals[6], vals[6]),
                m(vals[7], vals[7]),
            ),
        )

    def _add(self, fields: list[str], known_rels: Set[str]) -> str:
        n = len(fields)
        if n > self._max_col:
            vals = self._pick(fields)  # C speed for the usual, complete row
        else:
            vals = tuple(fields[i] if 0 <= i < n else "" for i in self._want)
        abs_path = fields[self._path_col] if 0 <= self._path_col < n else ""
        abs_path = abs_path.replace("\\", "/").rstrip("/")
        root = self.root
        if abs_path.startswith(root) and abs_path[len(root) : len(root) + 1] == "/":
            rel: str | None = abs_path[len(root) + 1 :]  # the common case: the folder did not move
        else:
            rel = self._relative(abs_path, known_rels)
        if rel is None:
            self.unmatched.append((abs_path, self._row(vals)))
            return ""
        rel = self.paths.get(rel, rel)
        self.rows[rel] = self._row(vals, rel)
        return rel

    def _relative(self, abs_path: str, known_rels: Set[str]) -> str | None:
        for root in (self.root, *self._roots):
            if abs_path.startswith(root + "/"):
                return abs_path[len(root) + 1 :]
        if not known_rels:
            # no folder known yet (the first read runs before the folders are read): no tail
            # can match; rematch() finds the old root later (a moved folder: ~10 us a row saved)
            return None
        # Where was the folder? The longest tail of the recorded path that is a folder here.
        parts = abs_path.split("/")
        for k in range(1, len(parts)):
            tail = "/".join(parts[k:])
            if tail in known_rels:
                self._roots.append("/".join(parts[:k]))
                return tail
        return None

    def adopt_root(self, top_names: Collection[str]) -> set[str]:
        """Where a moved folder was, from its rows alone, before any job folder is read.

        A folder copied from a cluster keeps the csv's old absolute paths. The rows of
        top-level jobs end in a name that is a top-level folder here; the parent they share
        most, if it is shared by most of them, is the old place, and every row under it is
        matched now (so records are built once, with their csv rows, instead of being
        redone after :meth:`rematch`). A child named like a top-level folder only votes for
        a wrong parent; a minority is outvoted and a tie adopts nothing. Returns the
        relative paths matched.
        """
        if self._roots or not self.unmatched or not top_names:
            return set()
        votes: Counter[str] = Counter()
        for abs_path, _ in self.unmatched:
            parent, _, name = abs_path.rpartition("/")
            if name in top_names:
                votes[parent] += 1
        if not votes:
            return set()
        (root, n), *rest = votes.most_common(2)
        if not root or 2 * n <= sum(votes.values()) or (rest and rest[0][1] == n):
            return set()
        self._roots.append(root)
        return self.rematch(frozenset())

    def rematch(self, known_rels: Set[str]) -> set[str]:
        """Match rows whose job folder was not known when they were read (new folders appeared)."""
        pending, self.unmatched = self.unmatched, []
        named = set()
        roots = [root + "/" for root in (self.root, *self._roots)]
        for abs_path, row in pending:
            for root in roots:  # as _relative() begins, inline: a moved folder sends every row here
                if abs_path.startswith(root):
                    rel: str | None = abs_path[len(root) :]
                    break
            else:
                rel = self._relative(abs_path, known_rels)
                roots = [root + "/" for root in (self.root, *self._roots)]  # it may have found one
            if rel is None:
                self.unmatched.append((abs_path, row))
            else:
                rel = self.paths.get(rel, rel)
                if row is not None and row.job_name == rel:  # (tests vote with rows of None)
                    row = _new(CsvRow, (row[0], rel, *row[2:]))
                self.rows[rel] = row
                named.add(rel)
        return named


_CSV_FIELDS = (
    "logged_at",
    "job_name",
    "job_status",
    "job_ok",
    "job_check",
    "job_get_errormsg",
    "job_timeline",
    "job_parent_name",
)


_new = tuple.__new__


def _csv_rows(text: str) -> Iterator[list[str]]:
    """The rows of *text*, exactly as ``csv.reader(io.StringIO(text, newline=""))`` gives them.

    A line without a quote, NUL or CR is one row split at commas (what the csv module does
    with it, at ~4x the speed: ~0.09 s on 20,000 rows); the rows from a line with a quote
    on (an error message that spans lines) are left to the csv module, fed the same lines,
    which raises the same errors.
    """
    if "\r" in text:  # the csv module ends rows at CR too: keep its line splitting
        yield from csv.reader(io.StringIO(text, newline=""))
        return
    lines = text.split("\n")
    last = lines.pop()  # the text after the last newline ('' when it ends with one)
    if last:
        lines.append(last)
    limit = csv.field_size_limit()
    if '"' not in text and "\0" not in text and max(map(len, lines), default=0) <= limit:
        yield from [line.split(",") if line else [] for line in lines]  # the usual file
        return
    ends = [True] * len(lines)
    if last:
        ends[-1] = False
    pos = 0

    def feed() -> Iterator[str]:  # the csv module pulls lines from here, as many as a row needs
        nonlocal pos
        while pos < len(lines):
            line = lines[pos]
            pos += 1
            yield line + "\n" if ends[pos - 1] else line

    reader = csv.reader(feed())
    while pos < len(lines):
        line = lines[pos]
        if '"' in line or "\0" in line or len(line) > limit:
            row = next(reader, None)
            if row is None:
                return
            yield row
        else:
            pos += 1
            yield line.split(",") if line else []


def parse_csv_timeline(timeline: str) -> list[tuple[str, str]]:
    """``'2026-01-02 10:00:00 created -> ... successful'`` as [(time, status), ...]."""
    out = []
    for step in timeline.split(" -> "):
        when, _, status = step.strip().rpartition(" ")
        if status:
            out.append((when, status.lower()))
    return out


# ------------------------------------------------------------------------------------ logfile

# Each pattern starts with a literal, so the regex engine skips to candidates with a fast
# substring search instead of trying every line: the log of 20,000 jobs has 200,000 lines.
_STATUS_RE = re.compile(r"\] JOB ([^\n]+) ([A-Z]+)[ \t\r]*$", re.M)
_OLD_STATUS_RE = re.compile(r"Job ([^\n]+?) (?:(started)|finished with status '(\w+)')[ \t\r]*$", re.M)
_COPY_RE = re.compile(r"Job ([^\n]+?) previously run as ([^\n]+?), using old results", re.M)
_RENAME_RE = re.compile(r"Renaming job ([^\n]+) to ([^\n]+?)[ \t\r]*$", re.M)
_WORKDIR_RE = re.compile(r"PLAMS working folder: ([^\n]+?)[ \t\r]*$", re.M)
_HISTORY_RE = re.compile(
    r"^(?:\[([^\]\n]{0,32})\] )?(?:JOB (.+) ([A-Z]+)|Job (.+?) (?:(started)|finished with status '(\w+)'))[ \t\r]*$",
    re.M,
)


@dataclass(slots=True)
class JobLog:
    """The text log: the last status per job full name (``parent/child`` for MultiJob children).

    Full names do not include the ``jobs_in_directory`` folders: the index maps them to paths.
    Only the last status is kept per name (a big log has several lines per job);
    :meth:`history` reads every status of one name again when asked.
    """

    last_status: dict[str, str] = field(default_factory=dict)  # full name -> last status
    copies: dict[str, str] = field(default_factory=dict)  # job name -> name of the job it copied
    renames: dict[str, str] = field(default_factory=dict)  # new full name -> old full name
    recorded_workdirs: list[str] = field(default_factory=list)
    #: full name -> [start, end] as logged ('dd.mm|HH:MM:SS', no year): the last STARTED line
    #: and the final status after it; None where the line has no date (older logs) or is missing
    times: dict[str, list[str | None]] = field(default_factory=dict)
    mtime: float | None = None  # of the file when last read: the year the dates lack
    _offset: int = 0
    _inode: int = -1
    problem: str | None = None  # why the file could not be read the last time, if it could not

    def _tail(self, path: str) -> tuple[bytes, bool]:
        data, restarted, self._inode, self.problem = _tail_or_problem(path, self._offset, self._inode)
        try:
            self.mtime = os.stat(path).st_mtime
        except OSError:
            pass
        return data, restarted

    def read(self, path: str) -> set[str]:
        """Parse what was appended to *path* since the last call; return the full names it mentions."""
        data, restarted = self._tail(path)
        if restarted:
            self._clear()
        end = data.rfind(b"\n") + 1
        self._offset += end
        text = data[:end].decode("utf-8", "replace")
        if not restarted and _rename_before_chunk(text):
            # a rename whose STARTED line was read last time: that status went to the wrong
            # job then; read the whole file again (rare: a refresh between two lines PLAMS
            # writes one after the other)
            self._clear()
            try:
                data, self._inode, _ = _tail(path, 0, self._inode)
            except OSError:
                data = b""
            end = data.rfind(b"\n") + 1
            self._offset = end
            text = data[:end].decode("utf-8", "replace")
        return self.parse(text)

    def _clear(self) -> None:
        self.times.clear()
        self.last_status.clear()
        self.copies.clear()
        self.renames.clear()
        self.recorded_workdirs.clear()
        self._offset = 0

    def parse(self, text: str) -> set[str]:
        """Add the lines of *text*; return the full names they mention.

        A job whose name is taken is renamed by PLAMS *after* it logged ``JOB <name>
        STARTED`` (``Renaming job opt to opt.002`` follows): that line belongs to the renamed
        job, not to the first ``opt`` (which would otherwise look started again).
        """
        last = self.last_status
        known = KNOWN_STATUSES
        named: set[str] = set()
        stolen = _stolen_lines(text) if "Renaming job " in text else {}
        olds = {old for old, _ in stolen.values()}
        for m in _OLD_STATUS_RE.finditer(text):  # pre-2018 logs
            name, ostarted, ostatus = m.groups()
            status = "started" if ostarted else ostatus.lower()
            if status in known:
                if name in olds:
                    name = stolen.get(_line_start(text, m.start()), (None, name))[1]
                last[name] = status
                named.add(name)
        upper = _UPPER_STATUSES
        times = self.times
        # in order, each stolen line under the renamed job's name; the '[dd.mm|HH:MM:SS'
        # before the match is the time (finditer costs ~0.1 s per 100,000 lines over findall,
        # paid only where the text log is read: folders without csv rows)
        for m in _STATUS_RE.finditer(text):
            name, status = m.groups()
            i = m.start()
            if name in olds:
                name = stolen.get(_line_start(text, i), (None, name))[1]
            st = upper.get(status)
            named.add(name)
            if st is None:
                continue
            last[name] = st
            if st == "started":
                stamp = text[i - 14 : i]
                times[name] = [stamp if i >= 15 and text[i - 15] == "[" and stamp[2] == "." else None, None]
            elif st in _FINAL_STATUSES:
                span = times.get(name)
                if span is None:
                    span = times[name] = [None, None]
                stamp = text[i - 14 : i]
                span[1] = stamp if i >= 15 and text[i - 15] == "[" and stamp[2] == "." else None
        for name, prev in _COPY_RE.findall(text):
            self.copies[name] = prev
            named.add(name)
        for old, new in _RENAME_RE.findall(text):
            self.renames[new] = old
        self.recorded_workdirs += _WORKDIR_RE.findall(text)
        return named

    @staticmethod
    def history(text: str, name: str) -> list[tuple[str, str]]:
        """Every (time, status) logged in *text* for the job with full name *name*.

        A ``STARTED`` line logged under the name a job had before PLAMS renamed it counts
        for the renamed job (see :meth:`parse`).
        """
        stolen = _stolen_lines(text) if "Renaming job " in text else {}
        out = []
        for m in _HISTORY_RE.finditer(text):
            time, lname, status, oname, ostarted, ostatus = m.groups()
            if stolen and (lname or oname):
                old_new = stolen.get(m.start())
                if old_new is not None:
                    if lname:
                        lname = old_new[1]
                    else:
                        oname = old_new[1]
            if lname == name and status.lower() in KNOWN_STATUSES:
                out.append((time or "", status.lower()))
            elif oname == name:
                out.append((time or "", "started" if ostarted else ostatus.lower()))
        return out


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _started_before(text: str, old: str, pos: int, taken: dict[int, tuple[str, str]]) -> int | None:
    """Start of the last line before *pos* in which *old* is logged as started (not yet taken)."""
    for needle, pattern in ((f"] JOB {old} ", _STATUS_RE), (f"Job {old} ", _OLD_STATUS_RE)):
        end = pos
        while (i := text.rfind(needle, 0, end)) >= 0:
            end = i
            start = _line_start(text, i)
            m = pattern.search(text, start, text.find("\n", i) if text.find("\n", i) >= 0 else len(text))
            if m is None or m.group(1) != old:
                continue
            if start in taken:
                return None  # the line before belongs to an earlier rename: nothing to take
            started = m.group(2) == "STARTED" if pattern is _STATUS_RE else bool(m.group(2))
            return start if started else None
    return None


def _stolen_lines(text: str) -> dict[int, tuple[str, str]]:
    """Lines (by start) logged under a job's old name just before PLAMS renamed it: start -> (old, new)."""
    taken: dict[int, tuple[str, str]] = {}
    for m in _RENAME_RE.finditer(text):
        old, new = m.group(1), m.group(2)
        start = _started_before(text, old, m.start(), taken)
        if start is not None:
            taken[start] = (old, new)
    return taken


def _rename_before_chunk(text: str) -> bool:
    """Whether *text* renames a job whose STARTED line is not in it (it came in an earlier chunk)."""
    if "Renaming job " not in text:
        return False
    for m in _RENAME_RE.finditer(text):
        old = m.group(1)
        if text.rfind(f"] JOB {old} ", 0, m.start()) < 0 and text.rfind(f"Job {old} ", 0, m.start()) < 0:
            return True
    return False
