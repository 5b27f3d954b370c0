"""`plams-tui repickle`: load jobs and write their ``.dill`` again, atomically, keeping the old bytes.

PLAMS's equivalent is ``job.pickle()`` on a loaded job; here the file is written back so that
the software that wrote it (real PLAMS with the user's modules) loads the same job.
"""

from __future__ import annotations

import argparse
import json
import sys

from plams_tui.commands.common import add_change_flags, confirm

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `repickle` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "repickle",
        help="write jobs' .dill files again (old bytes kept as $JN.prev.dill)",
        description="Load each job's .dill (only if the static reader finds it safe) and write it again "
        "atomically, under the classes' original names, so PLAMS loads the same job. The previous "
        "file is kept as $JN.prev.dill, which PLAMS's load_all and Results.files ignore.",
    )
    p.add_argument("workdir", metavar="WORKDIR")
    p.add_argument("jobs", metavar="JOB", nargs="+", help="job folders, relative to WORKDIR")
    p.add_argument("--json", action="store_true", help="print the plan (or what was written) as JSON")
    add_change_flags(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Plan, show, ask, repickle."""
    from plams_core.errors import PlamsError
    from plams_core.workdir import Workdir

    workdir = Workdir(args.workdir, hashing=None)
    plan = workdir.plan_repickle(args.jobs)
    if plan.refused:
        job, why = plan.refused[0]
        more = f" (and {len(plan.refused) - 1} more)" if len(plan.refused) > 1 else ""
        raise PlamsError(f"{job}: cannot be repickled: {why}{more}; nothing written")
    if args.dry_run:
        if args.json:
            sys.stdout.write(
                json.dumps({"dry_run": True, **plan.to_dict()}, ensure_ascii=False, indent=1) + "\n"
            )
        else:
            from plams_tui.plans import describe_repickle  # the same words as the app's confirmation

            sys.stdout.write(f"Dry run in {workdir.root}, nothing written:\n")
            sys.stdout.write(describe_repickle(plan, workdir.root).plain())
        return 0
    confirm(f"Repickle {len(plan.jobs)} .dill file(s) in {workdir.root}?", yes=args.yes)
    done = workdir.repickle(plan, force=args.force)
    if args.json:
        sys.stdout.write(
            json.dumps({"dry_run": False, **done.to_dict()}, ensure_ascii=False, indent=1) + "\n"
        )
    else:
        sys.stdout.write("".join(f"repickled {d}  (old bytes kept as {b})\n" for d, b in done.backups))
    return 0
