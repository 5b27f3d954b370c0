"""`plams-tui clean`: delete the files PLAMS's ``keep``/``save`` cleaning would delete.

Only parses, calls :meth:`plams_core.workdir.Workdir.plan_clean` / ``clean`` and formats.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from plams_tui.commands.common import add_change_flags, confirm, write

if TYPE_CHECKING:  # plams_core is imported only when a command runs
    from plams_core.workdir import CleanPlan

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `clean` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "clean",
        help="delete the files PLAMS's keep/save cleaning would delete",
        description="Delete the files of jobs that PLAMS's cleaning would delete (the keep/save settings), "
        "then the folders inside jobs that this leaves empty. .dill files are never deleted. Without --keep, "
        "each job's own save setting (what finish() applies), read from its .dill without unpickling.",
    )
    p.add_argument("workdir", metavar="WORKDIR")
    p.add_argument(
        "jobs", metavar="JOB", nargs="*", help="jobs to clean (with the jobs below them); default: all"
    )
    p.add_argument(
        "--keep",
        metavar="SPEC",
        help="all | none | PATTERN,... (keep only these) | -,PATTERN,... (delete only these); "
        "$JN is the job name, $CH each child's, globs as in PLAMS (e.g. '$JN.out,*.rkf' or '-,$JN.err')",
    )
    p.add_argument("--json", action="store_true", help='print {"files": [...], "bytes": N, ...} as JSON')
    add_change_flags(p)
    p.set_defaults(func=run)


def _describe(plan: CleanPlan, workdir: str = "WORKDIR") -> str:
    from plams_tui.plans import describe_clean  # the same words as the app's confirmation

    return describe_clean(plan, workdir).plain()


def run(args: argparse.Namespace) -> int:
    """Plan, show, ask, then delete exactly the planned files."""
    from plams_core.workdir import Workdir

    from plams_tui.plans import size_text

    wd = Workdir(args.workdir)
    plan = wd.plan_clean(args.jobs or None, keep=args.keep)
    if args.dry_run or not plan.files:
        write(
            json.dumps(plan.to_dict(), ensure_ascii=False, indent=1) + "\n" if args.json else _describe(plan)
        )
        return 0
    if not args.json:
        write(_describe(plan))
    n = len(plan.files)
    confirm(
        f"Delete {n} file{'s' if n != 1 else ''} ({size_text(plan.bytes)}) in {wd.root}?",
        yes=args.yes,
        listing=_describe(plan) if args.json else None,
    )
    done = wd.clean(plan, force=args.force)
    if args.json:
        write(json.dumps(done.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        write(f"Deleted {len(done.files)} files ({size_text(done.bytes)}), {len(done.folders)} folders.\n")
    return 0
