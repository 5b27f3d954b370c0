"""`plams-tui rm`: PLAMS's ``remove_job`` on disk, so the next restart reruns the jobs; ``--undo`` puts them back.

Only parses, calls :meth:`plams_core.workdir.Workdir.plan_remove` / ``remove`` (or the undo
pair) and formats. Nothing is deleted: each ``$JN.dill`` is renamed ``$JN.removed.dill``.
"""

from __future__ import annotations

import argparse
import json
import shlex
from typing import TYPE_CHECKING

from plams_tui.commands.common import add_change_flags, confirm, write

if TYPE_CHECKING:  # plams_core is imported only when a command runs
    from plams_core.workdir import RemovePlan

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `rm` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "rm",
        help="take jobs out of rerun prevention (PLAMS's remove_job, on disk); --undo puts them back",
        description="Take jobs out of rerun prevention, as config.default_jobmanager.remove_job(job) does in a "
        "PLAMS script, but on disk: the next restart (plams -r/-l, load_all, python -m plams_core -r) reruns "
        "them. Nothing is deleted: JOB/JOB.dill is renamed JOB/JOB.removed.dill. A MultiJob's pickle holds its "
        "children, so removing a child removes its MultiJob too, removing a MultiJob removes its children, and "
        "jobs with the same hash go with it (they would be reused in its place).",
    )
    p.add_argument("workdir", metavar="WORKDIR")
    p.add_argument(
        "jobs", metavar="JOB", nargs="+", help="job folder relative to WORKDIR (e.g. parent/child)"
    )
    p.add_argument("--undo", action="store_true", help="rename JOB.removed.dill back: the folder as it was")
    p.add_argument("--json", action="store_true", help="print the plan (and whether it was done) as JSON")
    add_change_flags(p)
    p.set_defaults(func=run)


def _describe(plan: RemovePlan, workdir: str) -> str:
    from plams_tui.plans import describe_remove  # the same words as the app's confirmation

    return describe_remove(plan, workdir).plain()


def run(args: argparse.Namespace) -> int:
    """Plan, show, ask, then rename."""
    from plams_core.workdir import Workdir

    wd = Workdir(args.workdir)
    plan = wd.plan_undo_remove(args.jobs) if args.undo else wd.plan_remove(args.jobs)
    done = False
    if not args.json:
        write(_describe(plan, wd.root))
    if plan.renames and not args.dry_run:
        n = len(plan.jobs)
        verb = "Put back" if args.undo else "Remove"
        confirm(
            f"{verb} {n} job{'s' if n != 1 else ''} in {wd.root}?",
            yes=args.yes,
            listing=_describe(plan, wd.root) if args.json else None,
        )
        wd.remove(plan, force=args.force)
        done = True
    if args.json:
        write(json.dumps({**plan.to_dict(), "done": done}, ensure_ascii=False, indent=1) + "\n")
    elif done and not args.undo:
        undo = shlex.join(["plams-tui", "rm", args.workdir, *args.jobs, "--undo"])  # pasteable as is
        write(f"Done. Undo with: {undo}\n")
    elif done:
        write("Done.\n")
    return 0
