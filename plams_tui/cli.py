"""The ``plams-tui`` command: headless subcommands and the entry to the app.

One function per subcommand. ``ls`` and ``show`` only read the working folder through
:mod:`plams_core.index`; they import neither textual nor the app, so they start fast and
work without a terminal. Errors a user can act on are printed as one line,
``plams-tui: error: ...``, with exit status 2.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "build_parser"]

PROG = "plams-tui"


class UsageError(Exception):
    """A bad argument value, reported in one line."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``plams-tui`` (subcommands set ``func``)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=f"{PROG} [WORKDIR] [--poll [SECONDS]] [--demo [DIR]] [--hashing H]\n       {PROG} COMMAND ...",
        description="Browse, watch and restart PLAMS working folders. Without a COMMAND, open "
        "WORKDIR (default: here) in the interactive app; --demo [DIR] builds the demo folder in DIR "
        "(made if missing) and opens it; --poll [SECONDS] polls for changes instead of inotify.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ls = sub.add_parser(
        "ls",
        help="list the jobs of a working folder",
        description="List the jobs of a PLAMS working folder without unpickling or running anything from it.",
    )
    ls.add_argument("workdir", metavar="WORKDIR")
    ls.add_argument("--json", action="store_true", help="print a JSON array, one object per job")
    ls.add_argument(
        "--status",
        metavar="S,...",
        help="only jobs with one of these statuses (also 'unknown' and 'interrupted')",
    )
    _add_common(ls)
    ls.set_defaults(func=cmd_ls)

    show = sub.add_parser(
        "show",
        help="show one job in full",
        description="Show one job of a working folder: files, timeline, .dill state and settings.",
    )
    show.add_argument("workdir", metavar="WORKDIR")
    show.add_argument(
        "job", metavar="JOBPATH", help="the job folder, relative to WORKDIR (e.g. parent/child)"
    )
    show.add_argument("--json", action="store_true", help="print a JSON object")
    _add_common(show)
    show.set_defaults(func=cmd_show)
    import importlib

    from plams_tui.commands import SUBCOMMANDS

    for name in SUBCOMMANDS:
        importlib.import_module(f"plams_tui.commands.{name}").add_parser(sub)
    # `plams-tui [WORKDIR]` (the app) is parsed by plams_tui.launch: main() hands over to it.
    return parser


def _add_common(p: argparse.ArgumentParser) -> None:
    from plams_core.hashing import HASHING_CHOICES

    p.add_argument(
        "--hashing",
        default="input",
        metavar="MODE",
        help="how job hashes are computed from the files: "
        + ", ".join(HASHING_CHOICES)
        + " (default: input)",
    )
    # Off by default: ls and show write nothing anywhere (the issue asks so), and on plain jobs
    # a template match is as cheap as a lookup; it pays for big .dill files (bench/README.md).
    cache = p.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache",
        action="store_true",
        help="use and update the summary cache in "
        "$XDG_CACHE_HOME/plams-tui (faster reopening of folders of big .dill files)",
    )
    cache.add_argument("--no-cache", action="store_true", help="do not use the cache (the default)")


def _scan(args: argparse.Namespace) -> Any:
    from plams_core.hashing import parse_hashing
    from plams_core.index import scan_workdir

    _leftover_note(args.workdir)
    return scan_workdir(args.workdir, hashing=parse_hashing(args.hashing), cache=args.cache)


def _leftover_note(workdir: str) -> None:
    """One line on stderr when an unfinished restart left ``FOLDER.res`` beside the folder (stdout stays data)."""
    from plams_core.errors import WorkdirError
    from plams_core.restart import leftover, stash_owner

    owner = stash_owner(workdir)
    found = leftover(owner if owner is not None else workdir)
    if found and not found.exists and owner is None:
        raise WorkdirError(f"{workdir}: no such folder; {found.message}")
    if found.stashes or (found.discards and owner is None):
        kept = f"this folder is kept by a restart of {os.path.basename(owner)}; " if owner else ""
        print(f"{PROG}: note: {kept}{found.message}", file=sys.stderr)


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:  # a C locale: write UTF-8 bytes rather than fail on a job name
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.flush()


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n"


def _status_text(rec: Any) -> str:
    return f"{rec.status} (interrupted)" if rec.interrupted else rec.status


def cmd_ls(args: argparse.Namespace) -> int:
    """``plams-tui ls``: every job of the working folder, as a table or JSON."""
    # The cyclic collector would only walk the index again and again while the output is
    # built (~8 % of `ls --json` on 20,000 jobs); back on afterwards for in-process callers.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _ls(args)
    finally:
        if was_enabled:
            gc.enable()


def _report_problems(problems: Sequence[str]) -> None:
    """What could not be read, once on stderr: a count, then one line each."""
    if problems:
        what = "1 thing" if len(problems) == 1 else f"{len(problems)} things"
        lines = [f"{PROG}: warning: could not read {what}:", *(f"  {p}" for p in problems)]
        print("\n".join(lines), file=sys.stderr)


def _ls(args: argparse.Namespace) -> int:
    from plams_core.index import filter_records, parse_status_filter, records_json

    wanted = parse_status_filter(args.status)
    index = _scan(args)
    _report_problems(index.problems)
    records = filter_records(index, wanted)
    if args.json:
        _write(records_json(records))
        return 0
    rows = [("PATH", "STATUS", "HASH", "CLASS", "DILL")]
    for r in records:
        dill = r.dill if r.dill_reason is None or r.dill == "ok" else f"{r.dill}: {r.dill_reason}"
        rows.append(
            (
                r.path + ("/" if r.kind == "multi" else ""),
                _status_text(r),
                (r.hash or "-")[:12],
                r.class_name or "-",
                dill,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4] for row in rows
    ]
    _write("\n".join(line.rstrip() for line in lines) + "\n")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """``plams-tui show``: one job in full."""
    index = _scan(args)
    if index.get(args.job) is None:
        raise UsageError(f"{args.job}: no such job in {index.root}")
    data = index.detail(args.job).to_dict()
    if args.json:
        _write(_json(data))
        return 0
    out = []
    for key in (
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
        "error",
        "log_name",
        "pids",
    ):
        if data.get(key) not in (None, [], "", False):
            out.append(f"{key + ':':15}{data[key]}")
    out.append(f"{'settings:':15}" + ", ".join(f"{k}={v!r}" for k, v in data["settings"].items()))
    if data["children"]:
        out.append("children:")
        out += [f"  {c}" for c in data["children"]]
    if data["timeline"]:
        out.append(f"timeline ({data['timeline_source']}):")
        out += [f"  {e['time']:32} {e['status']}" for e in data["timeline"]]
    out.append("files:")
    for f in data["files"]:
        size = "dir" if f["is_dir"] else str(f["size"])
        links = f"  ({f['nlink']} links)" if f["nlink"] > 1 and not f["is_dir"] else ""
        out.append(f"  {size:>10}  {f['name']}{links}")
    _write("\n".join(out) + "\n")
    return 0


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    return {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``plams-tui`` with *argv* (default: the command line); return the exit status."""
    from plams_tui.commands.common import glue_dash_values

    parser = build_parser()
    argv = glue_dash_values(list(sys.argv[1:] if argv is None else argv))
    from plams_tui.launch import wants_app

    app = wants_app(argv, _subcommands(parser))
    args = None if app else parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None and not app:
        parser.print_help()
        return 2
    from plams_core.errors import PlamsError

    try:
        if app:  # `plams-tui [WORKDIR] [--poll [S]]`, `plams-tui --demo [DIR]`
            from plams_tui.launch import run_app

            return run_app(argv)
        return int(func(args))
    except (PlamsError, UsageError) as exc:
        message = " ".join(str(exc).split())  # one line, whatever the message holds
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `plams-tui ls | head`
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
