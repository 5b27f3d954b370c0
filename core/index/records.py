"""What the index says about a job: records, details, updates, and their one JSON shape.

:class:`JobRecord` is what a listing shows (``plams-tui ls``, the app's job table);
:class:`JobDetail` adds what costs a read per file (``show``). The keys of a record in JSON
are defined once, in ``_JSON_FIELDS``: :meth:`JobRecord.to_dict` and the fast
:func:`records_json` (``ls --json``) are both built from it, so they cannot drift apart.
The status filter of ``ls --status`` (with the pseudo-statuses ``unknown`` and
``interrupted``) lives here too, for the CLI and the app alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields, make_dataclass
from dataclasses import field as dc_field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from ..errors import OptionError

__all__ = [
    "Kind",
    "Status",
    "StatusSource",
    "DillState",
    "STATUS_SOURCES",
    "STATUSES",
    "STATUS_FILTERS",
    "FileEntry",
    "JobFiles",
    "JobRecord",
    "JobDetail",
    "IndexUpdate",
    "records_json",
    "records_json_parts",
    "iso_time",
    "parse_status_filter",
    "filter_records",
]

Kind = Literal["single", "multi"]
#: PLAMS's statuses, plus ``unknown`` where no source says.
Status = Literal[
    "created",
    "started",
    "registered",
    "running",
    "finished",
    "crashed",
    "failed",
    "successful",
    "copied",
    "preview",
    "deleted",
    "unknown",
]
#: Where a status came from; ``pending``: a streamed placeholder, nothing read yet.
StatusSource = Literal["dill", "csv", "process", "logfile", "files", "children", "unknown", "pending"]
#: The static reader's verdict on ``$JN.dill``; ``missing``: no such file; ``unreadable``:
#: there, but it could not be read (permissions, I/O error), so nothing is known of its content.
DillState = Literal["ok", "missing", "corrupt", "unsafe", "unreadable", "removed"]  # removed: plams-tui rm

#: Where a status can come from, best first.
STATUS_SOURCES: tuple[str, ...] = ("dill", "csv", "process", "logfile", "files", "children", "unknown")
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]  # the Literal's values
#: What ``ls --status`` accepts: the statuses and ``interrupted`` (not final, no live process).
STATUS_FILTERS: tuple[str, ...] = (*STATUSES, "interrupted")


class FileEntry(NamedTuple):
    """A file (or subfolder, ``is_dir``) directly in a job folder."""

    name: str
    size: int | None
    mtime_ns: int
    inode: int
    nlink: int
    is_dir: bool


class JobFiles(Sequence[str]):
    """The names in a job folder (``JobRecord.files``), kept as the job's name plus a shape.

    PLAMS names most files after the job (``$JN.in``, ``$JN.run``, ``$JN.out``, ``$JN.err``,
    ``$JN.dill``), so the folders of one script have the same shape: their names with the job's
    name cut off the front (marked by a NUL, which no file name holds). The index shares one
    shape tuple among them: ~50 bytes a job instead of a tuple and five strings (~430 bytes,
    43 MB at 100,000 jobs, the biggest part of a record). The names are built when read.
    Compares equal to the tuple of the same names (and hashes like it).
    """

    __slots__ = ("_name", "_shape")

    def __init__(self, name: str, shape: tuple[str, ...]) -> None:
        self._name = name
        self._shape = shape

    @classmethod
    def of(cls, name: str, names: Iterable[str], shapes: dict[tuple[str, ...], tuple[str, ...]]) -> JobFiles:
        """*names* of the job folder of *name*, their shape shared through *shapes* (shape -> itself)."""
        n = len(name)
        shape = tuple("\0" + f[n:] if f.startswith(name) else f for f in names)
        return cls(name, shapes.setdefault(shape, shape))

    def __iter__(self) -> Iterator[str]:
        name = self._name
        return (name + f[1:] if f[:1] == "\0" else f for f in self._shape)

    def __len__(self) -> int:
        return len(self._shape)

    def __getitem__(self, i: Any) -> Any:
        return tuple(self)[i]

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        name = self._name
        return value in self._shape or (value.startswith(name) and "\0" + value[len(name) :] in self._shape)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JobFiles):
            if self._name == other._name and self._shape == other._shape:
                return True
            return tuple(self) == tuple(other)
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (JobFiles, (self._name, self._shape))


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One job of a working folder as a listing shows it. Frozen: a change is a new record.

    Details that cost a stat or a read per file (sizes, times, the .dill's settings and status
    log) are in :meth:`WorkdirIndex.detail`.
    """

    name: str
    path: str  # relative to the working folder, POSIX
    parent: str | None
    kind: Kind
    class_name: str | None
    status: Status
    status_source: StatusSource
    interrupted: bool
    hash: str | None
    dill: DillState
    dill_reason: str | None = None
    copied_from: str | None = None
    children: tuple[str, ...] = ()
    files: Sequence[
        str
    ] = ()  # names directly in the job folder; folders end with '/' (a JobFiles from the index)
    error: str | None = None  # the error message job_logfile.csv recorded
    pids: tuple[int, ...] = ()  # live processes inside the job folder
    log_name: str | None = None  # the full name the text log uses
    start: float | None = None  # when it started (epoch seconds): csv timeline, else the text log
    end: float | None = None  # when it reached its final status; None while not final or unknown
    problems: tuple[str, ...] = ()  # what could not be read, e.g. 'cannot read opt.dill (Permission denied)'

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (one object of ``plams-tui ls --json``)."""
        return _to_dict(self)


# The one JSON shape of a record: (key, attribute, kind). 'str' never None, 'str?' may be,
# 'bool', 'strs' a tuple of str as a list, 'time' epoch seconds as ISO 8601 local time with
# its offset ('2026-12-03T08:13:08+01:00') or null.
_JSON_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "name", "str"),
    ("path", "path", "str"),
    ("parent", "parent", "str?"),
    ("status", "status", "str"),
    ("hash", "hash", "str?"),
    ("class", "class_name", "str?"),
    ("dill", "dill", "str"),
    ("kind", "kind", "str"),
    ("status_source", "status_source", "str"),
    ("interrupted", "interrupted", "bool"),
    ("start", "start", "time"),
    ("end", "end", "time"),
    ("copied_from", "copied_from", "str?"),
    ("dill_reason", "dill_reason", "str?"),
    ("files", "files", "strs"),
    ("problems", "problems", "strs"),
)


def iso_time(t: float | None) -> str | None:
    """Epoch seconds as ISO 8601 local time with its UTC offset, to the second (None stays None)."""
    if t is None:
        return None
    return datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")


def _build_encoders() -> tuple[Any, Any]:
    """Generate to_dict and the JSON lines encoder from _JSON_FIELDS (one definition, C-speed escaping)."""
    from json.encoder import encode_basestring  # json's C escaper (ensure_ascii=False)

    dict_items = []
    line_parts = []
    values = []
    for key, attr, kind in _JSON_FIELDS:
        value = f"r.{attr}"
        if kind == "strs":
            value = f"list(r.{attr})"
        elif kind == "time":
            value = f"iso_time(r.{attr})"
        dict_items.append(f"{key!r}: {value}")
        line_parts.append(f'"{key}": ' + ("[%s]" if kind == "strs" else "%s"))
        if kind == "str":
            values.append(f"esc(r.{attr})")
        elif kind == "str?":
            values.append(f"'null' if r.{attr} is None else esc(r.{attr})")
        elif kind == "bool":
            values.append(f"'true' if r.{attr} else 'false'")
        elif kind == "time":
            values.append(f"'null' if r.{attr} is None else (times.get(r.{attr}) or stamp(r.{attr}))")
        else:
            values.append(f"', '.join(map(esc, r.{attr}))")
    line = "{" + ", ".join(line_parts) + "}"
    src = (
        f"def to_dict(r):\n    return {{{', '.join(dict_items)}}}\n"
        "def lines(records):\n"
        "    times = {}\n"  # a 20,000-job folder has a few hundred distinct seconds
        "    def stamp(t):\n"
        "        s = times[t] = '\"' + iso_time(t) + '\"'\n"
        "        return s\n"
        f"    return [{line!r} % ({', '.join(values)},) for r in records]\n"
    )
    ns: dict[str, Any] = {"esc": encode_basestring, "iso_time": iso_time}
    exec(src, ns)  # noqa: S102 - code generated from the constant above, nothing from outside
    return ns["to_dict"], ns["lines"]


_to_dict, _json_lines = _build_encoders()


def records_json(records: Iterable[JobRecord]) -> str:
    """``ls --json``: a JSON array of :meth:`JobRecord.to_dict` objects, one per line.

    The same text ``json.dumps(to_dict(), ensure_ascii=False)`` gives for each record, built
    with json's C string escaper (~3x faster for 20,000 jobs).
    """
    lines = _json_lines(records)
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def records_json_parts(records: Sequence[JobRecord], size: int = 1000) -> Iterator[str]:
    """:func:`records_json` in parts of *size* records, which joined are the same text.

    For a writer: the 10 MB of 20,000 jobs never sit in memory twice or three times (lines,
    the text, its UTF-8 bytes), each a fresh allocation the kernel must map page by page.
    """
    if not records:
        yield "[]\n"
        return
    head = "[\n"
    for i in range(0, len(records), size):
        yield head + ",\n".join(_json_lines(records[i : i + size]))
        head = ",\n"
    yield "\n]\n"


# Records are built in the index's hot loop: a frozen dataclass's __init__ sets each field
# through object.__setattr__ (~5 us a record, 0.1 s on 20,000 jobs). A mutable twin with the
# same slots is built at C speed and then given the frozen class (same layout: allowed).
_Builder = make_dataclass(
    "_JobRecordBuilder",
    [
        (f.name, f.type) if f.default is MISSING else (f.name, f.type, dc_field(default=f.default))
        for f in fields(JobRecord)
    ],
    slots=True,
)


def make_record(*args: Any, **kwargs: Any) -> JobRecord:
    """``JobRecord(*args, **kwargs)``, faster (for the index's loops)."""
    rec = _Builder(*args, **kwargs)
    rec.__class__ = JobRecord
    return rec


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


def parse_status_filter(text: str | Iterable[str] | None) -> frozenset[str] | None:
    """The statuses of ``--status S,...`` (comma-separated text or a list); None for no filter.

    Raises :class:`~plams_core.errors.OptionError` naming unknown values and the allowed ones.
    """
    if text is None:
        return None
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = frozenset(s.strip().lower() for s in items if s.strip())
    bad = sorted(wanted - set(STATUS_FILTERS))
    if bad:
        raise OptionError(f"--status: unknown status {', '.join(bad)} (use {', '.join(STATUS_FILTERS)})")
    return wanted or None


def filter_records(records: Iterable[JobRecord], wanted: frozenset[str] | None) -> list[JobRecord]:
    """The records whose status is in *wanted*, or that are interrupted when ``interrupted`` is (all if None)."""
    if wanted is None:
        return list(records)
    interrupted = "interrupted" in wanted
    return [r for r in records if r.status in wanted or (interrupted and r.interrupted)]
