"""`plams-tui show [WORKDIR] JOBPATH`: one job in full, and why it ended as it did.

JOBPATH is the job's path in the working folder (``scan/bad``) or a path to its folder as
tab completion gives it (``plams_demo/scan/bad/``, absolute too); without WORKDIR the
working folder is the one that path is in (or the current one). What is shown is read by
:meth:`plams_core.index.WorkdirIndex.detail` and :func:`plams_core.index.report.job_ending`.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from plams_core.index.report import (
    InsideWorkdirError,
    dask_worker,
    enclosing_workdir,
    escape_text,
    find_workdir,
    format_duration,
    format_time,
    job_ending,
    json_safe,
    natural_key,
    resolve_job_path,
    run_time,
    timeline_times,
)

from ..ending import ending_lines, local_zone, timeline_lines
from ..output import columns, write
from .reading import UsageError, add_read_flags, scan

__all__ = ["add_parser", "run"]

_FIELDS = (
    "name",
    "path",
    "parent",
    "kind",
    "class",
    "class_module",
    "status",
    "status_source",
    "interrupted",
    "hash",
    "copied_from",
    "dill",
    "dill_reason",
    "recorded_path",
    "log_name",
    "pids",
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `show` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "show",
        help="show one job in full",
        description="Show one job of a working folder: why it ended, files, timeline, .dill state and settings.",
    )
    p.add_argument(
        "workdir",
        metavar="WORKDIR",
        nargs="?",
        default=None,
        help="the working folder (default: the one JOBPATH is in, or the current one)",
    )
    p.add_argument(
        "job",
        metavar="JOBPATH",
        help="the job: its path in WORKDIR (parent/child) or a path to its folder (WORKDIR/parent/child/)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON object")
    add_read_flags(p)
    p.set_defaults(func=run)


def _workdir(args: argparse.Namespace) -> str:
    if args.workdir is not None:
        return args.workdir
    if os.path.isdir(args.job):
        inside = enclosing_workdir(args.job)
        if inside is not None:
            return inside[0]
    try:
        return find_workdir(None).path
    except InsideWorkdirError as exc:  # the current folder is in a working folder: that one
        return exc.workdir


def _iso(epoch: float | None) -> str | None:
    return format_time(epoch, offset=True)


def run(args: argparse.Namespace) -> int:
    """Show one job; see the module docstring."""
    index = scan(args, _workdir(args))
    rel = resolve_job_path(index, args.job)
    if rel is None:
        raise UsageError(f"{args.job}: no such job in {index.root}")
    detail = index.detail(rel)
    rec = detail.record
    ending = job_ending(index, rel)
    worker = dask_worker(index, rel)
    times = timeline_times(index, detail)
    files = sorted(detail.files, key=lambda f: natural_key(f.name))
    start, end = rec.start, rec.end
    data = detail.to_dict()
    data.update(
        start=_iso(start),
        end=_iso(end),
        run_time=run_time(rec),
        ending=ending.to_dict(),
        dask_worker=worker,
        timeline=[{"time": _iso(t), "recorded": raw, "status": st} for t, raw, st in times],
        files=[
            {
                "name": f.name,
                "size": f.size,
                "mtime": _iso(f.mtime_ns / 1e9),
                "mtime_ns": f.mtime_ns,
                "inode": f.inode,
                "nlink": f.nlink,
                "is_dir": f.is_dir,
            }
            for f in files
        ],
    )
    if args.json:
        import json

        write(json_safe(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n"))
        return 0
    write(_text(data, rec, ending, times, files, start, end))
    return 0


def _text(data: dict[str, Any], rec: Any, ending: Any, times: Any, files: Any, start: Any, end: Any) -> str:
    e = escape_text
    out = []
    for key in _FIELDS:
        if data.get(key) not in (None, [], "", False):
            out.append(f"{key + ':':15}{e(str(data[key]))}")
    if ending.pickling_failed:  # a corrupt .dill of a job that ran: say why it is corrupt
        out.append(
            f"{'dill note:':15}PLAMS logged 'Pickling of {e(rec.name)} failed': it left the .dill unfinished"
        )
    for problem in rec.problems:  # what could not be read: said, never taken for a status
        out.append(f"{'not read:':15}{e(problem)}")
    out.append(f"{'start:':15}{format_time(start) or '-'}")
    out.append(f"{'end:':15}{format_time(end) or '-'}")
    out.append(f"{'run time:':15}{format_duration(data['run_time']) or '-'}")
    if data.get("dask_worker"):
        out.append(f"{'dask worker:':15}{e(data['dask_worker'])}")
    if any(v is not None for v in data["settings"].values()):  # only a .dill knows them
        out.append(f"{'settings:':15}" + e(", ".join(f"{k}={v!r}" for k, v in data["settings"].items())))
    why = ending_lines(rec, ending)  # the same words as the app's detail pane
    if why is not None:
        out.append(why[0])
        out += ["  " + line for line in why[1]]
    if data["children"]:
        out.append("children:")
        out += [f"  {e(c)}" for c in sorted(data["children"], key=natural_key)]
    if times:
        out.append(f"timeline ({data['timeline_source']}, local time {local_zone()}):")
        out += [f"  {when:19}  {st}" for when, st in timeline_lines(times)]
    out.append("files:")
    sizes = ["dir" if f.is_dir else str(f.size) for f in files]
    width = max([len("SIZE"), *map(len, sizes)])
    rows = [("  MODIFIED", "SIZE".rjust(width), "NAME")]
    for f, size in zip(files, sizes, strict=True):
        links = f"  ({f.nlink} links)" if f.nlink > 1 and not f.is_dir else ""
        name = (f.name + "/" if f.is_dir else f.name) + links
        rows.append(("  " + (format_time(f.mtime_ns / 1e9) or "-"), size.rjust(width), name))
    text = "\n".join(out) + "\n"
    return text + (columns(rows) if files else "  (none)\n")
