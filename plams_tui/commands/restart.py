"""`plams-tui restart`: rerun what crashed or failed, reuse what succeeded; in place or into a new folder.

PLAMS equivalents: in place is ``plams -r -f FOLDER script`` (here ``python -m plams_core -r``,
crash safe: see :mod:`plams_core.restart`); ``--into NEW`` is ``plams -l FOLDER -f NEW
script``. ``--dry-run`` prints the plan (``--json``: an array of ``{path, action, reason,
...}``) and writes nothing; ``--rollback`` puts the folder back as it was before an
unfinished restart. Without ``--yes`` the plan is shown and the question asked on the
terminal; without a terminal the restart is refused. Ctrl-C cancels the run as PLAMS's own
Ctrl-C would (the run's process group gets SIGINT; nothing finished is lost).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from plams_tui.commands.common import add_change_flags, confirm

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `restart` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "restart",
        help="restart a working folder: rerun what crashed or failed, reuse what finished",
        description="Restart a PLAMS working folder with its script: jobs with a loadable .dill are reused "
        "(rerun prevention), the others rerun. In place by default (PLAMS's `plams -r -f FOLDER`); "
        "--into runs in a new folder (`plams -l FOLDER`). A restart that is killed loses nothing: the "
        "next one resumes, or --rollback restores the folder.",
    )
    p.add_argument("workdir", metavar="WORKDIR")
    p.add_argument("--script", metavar="FILE", help="the script to run (default: the one saved in WORKDIR)")
    p.add_argument("--into", metavar="NEWFOLDER", help="run in this new folder and leave WORKDIR as it is")
    p.add_argument(
        "-v",
        "--var",
        action="append",
        default=[],
        dest="vars",
        metavar="var=value",
        help="a string variable for the script, as the PLAMS launcher's -v (repeatable)",
    )
    p.add_argument(
        "--engine",
        choices=("auto", "plams_core", "plams"),
        default="auto",
        help="run the script with plams_core or real PLAMS (default: real PLAMS for scripts that import "
        "scm.plams or folders of scm.plams jobs)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run the runscripts on a Dask cluster (a scheduler address or local[:N]; plams_core scripts)",
    )
    p.add_argument("--json", action="store_true", help="with --dry-run: print the plan as a JSON array")
    p.add_argument(
        "--rollback",
        action="store_true",
        help="put WORKDIR back as it was before an unfinished restart (discards the half-done run)",
    )
    add_change_flags(p)
    p.set_defaults(func=run)


def _variables(pairs: list[str]) -> dict[str, str]:
    from plams_core.errors import RestartError

    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise RestartError(f"bad -v {pair!r}: use -v name=value with a Python identifier as name")
        out[name] = value
    return out


def _print_plan(plan: Any) -> None:
    from plams_tui.plans import describe_restart  # the same words as the app's confirmation

    sys.stdout.write(describe_restart(plan).plain())
    sys.stdout.flush()


def _rollback(args: argparse.Namespace) -> int:
    from plams_core.restart import plan_rollback, rollback

    plan = plan_rollback(args.workdir)
    if args.json:
        print(json.dumps(plan.to_dict(), indent=1))
    else:
        from plams_tui.plans import describe_rollback  # the same words as the app's confirmation

        sys.stdout.write(describe_rollback(plan).plain())
    if args.dry_run:
        return 0
    confirm(
        f"Roll back {os.path.basename(plan.workdir)} and delete {len(plan.discard)} half-done folder(s)?",
        yes=args.yes,
    )
    rollback(plan, force=args.force)
    print(f"Rolled back: {plan.workdir} is as it was before the restart")
    return 0


def run(args: argparse.Namespace) -> int:
    """Plan, show, ask and run the restart; returns the run's exit status (130 when cancelled)."""
    from plams_core.restart import plan_restart, start_restart

    if args.rollback:
        if args.into or args.script:
            from plams_core.errors import RestartError

            raise RestartError("--rollback takes only WORKDIR (and --dry-run/--yes/--json)")
        return _rollback(args)
    plan = plan_restart(
        args.workdir,
        args.script,
        into=args.into,
        variables=_variables(args.vars),
        engine=None if args.engine == "auto" else args.engine,
        force=args.force,
    )
    if args.dry_run:
        if args.json:
            print(json.dumps([j.to_dict() for j in plan.jobs], ensure_ascii=False, indent=1))
        else:
            _print_plan(plan)
        return 0
    if plan.blocked:
        start_restart(plan, force=args.force)  # raises the right error, with the holder or pids named
    if not args.yes:
        _print_plan(plan)
    else:
        print(f"Restart {plan.workdir}: reuse {len(plan.reuse)}, rerun {len(plan.rerun)}", flush=True)
    confirm(
        f"Restart {os.path.basename(plan.workdir)}: reuse {len(plan.reuse)}, rerun {len(plan.rerun)}?",
        yes=args.yes,
    )

    def echo(line: str) -> None:
        print(line, flush=True)

    handle = start_restart(plan, on_output=echo, dask=args.dask, force=args.force)
    try:
        return handle.wait()
    except (
        KeyboardInterrupt
    ):  # the run has its own process group: pass the Ctrl-C on and let it finish cleanly
        handle.cancel()
        handle.wait()
        return 130
