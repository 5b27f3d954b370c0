"""`plams-tui ls [WORKDIR]`: every job of a working folder, as a table or JSON.

What to list, in which order and how to sum it up is decided in
:mod:`plams_core.index.report` (the app shows the same); this module only lays it out.
"""

from __future__ import annotations

import argparse
import gc
import os
import shlex
import sys

from plams_core.index.report import (
    SORT_KEYS,
    InsideWorkdirError,
    count_statuses,
    find_workdir,
    format_duration,
    format_time,
    json_safe,
    run_time,
    sort_records,
    summary_line,
)

from ..output import columns, write
from .reading import UsageError, add_read_flags, display_path, leftover_note, report_problems, scan

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `ls` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "ls",
        help="list the jobs of a working folder",
        description="List the jobs of a PLAMS working folder without unpickling or running anything "
        "from it. WORKDIR defaults to the current folder if it is a working folder, else the newest "
        "working folder in it.",
    )
    p.add_argument("workdir", metavar="WORKDIR", nargs="?", default=None)
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per job")
    p.add_argument(
        "--status",
        metavar="S,...",
        help="only jobs with one of these statuses (also 'unknown' and 'interrupted')",
    )
    p.add_argument(
        "--sort",
        default="name",
        choices=SORT_KEYS,
        help="order: name (natural, job2 before job10; the default), start, status (problems first)",
    )
    add_read_flags(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the working folder; see the module docstring."""
    # The cyclic collector would only walk the index again and again while the output is
    # built (~8 % of `ls --json` on 20,000 jobs); back on afterwards for in-process callers.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _ls(args)
    finally:
        if was_enabled:
            gc.enable()


def _workdir(given: str | None) -> str:
    if given is not None and not os.path.exists(given):
        leftover_note(given)  # gone, but an unfinished restart's .res is there: say so
    try:
        choice = find_workdir(given)
    except InsideWorkdirError as exc:
        workdir = display_path(exc.workdir, given)
        if exc.is_job:
            hint = f"run: plams-tui show {shlex.quote(workdir)} {shlex.quote(exc.job)}"
            raise UsageError(f"{given or '.'} is a job folder, not a working folder; {hint}") from None
        raise UsageError(
            f"{given or '.'} is inside the working folder {workdir}; run: plams-tui ls {shlex.quote(workdir)}"
        ) from None
    if choice.picked_in is not None:
        others = (
            f"the newest of {choice.candidates} working folders"
            if choice.candidates > 1
            else "the working folder"
        )
        where = "here" if given is None else choice.picked_in
        print(f"plams-tui: listing {choice.path} ({others} {where})", file=sys.stderr)
    return choice.path


def _ls(args: argparse.Namespace) -> int:
    from plams_core.index import filter_records, parse_status_filter, records_json_parts

    wanted = parse_status_filter(args.status)
    index = scan(args, _workdir(args.workdir))
    report_problems(index.problems)
    records = sort_records(filter_records(index, wanted), args.sort)
    if args.json:
        for part in records_json_parts(records):  # same text as records_json, in parts (memory)
            write(json_safe(part))
        return 0
    rows = [("PATH", "STATUS", "START", "END", "RUNTIME", "HASH", "CLASS", "DILL")]
    for r in records:
        dill = r.dill if r.dill_reason is None or r.dill == "ok" else f"{r.dill}: {r.dill_reason}"
        rows.append(
            (
                r.path + ("/" if r.kind == "multi" else ""),
                f"{r.status} (interrupted)" if r.interrupted else r.status,
                format_time(r.start) or "-",
                format_time(r.end) or "-",
                format_duration(run_time(r)) or "-",
                (r.hash or "-")[:12],
                r.class_name or "-",
                dill,
            )
        )
    write(columns(rows) + summary_line(count_statuses(records), len(index)) + "\n")
    return 0
