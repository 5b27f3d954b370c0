"""`plams-tui load`: unpickle one job's ``.dill`` (after the static reader's verdict) and show it.

PLAMS's equivalent is ``load(path)`` (``JobManager.load_job``); the output ends with that line.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `load` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "load",
        help="load one job from its .dill and show it",
        description="Unpickle a job's .dill into an embedded job manager, as PLAMS's load() does, and show "
        "its name, status, class, hash, settings and files. The static reader judges the file first: "
        "a .dill that would run code is refused. Works without scm.plams: classes whose code is not "
        "here load as stand-ins. Writes nothing.",
    )
    p.add_argument("workdir", metavar="WORKDIR")
    p.add_argument("job", metavar="JOB", help="the job folder, relative to WORKDIR (e.g. parent/child)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.add_argument(
        "--allow-unsafe",
        action="store_true",
        help="load a .dill the reader finds unsafe (it may run code from the file: only if you trust it)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the job and print it (text or JSON)."""
    from plams_core.workdir import Workdir

    data = Workdir(args.workdir, hashing=None).load(args.job, allow_unsafe=args.allow_unsafe).to_dict()
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return 0
    from plams_tui.plans import describe_loaded  # the same lines as the app's "Loaded job"

    out = describe_loaded(data)
    sys.stdout.write("\n".join(out) + "\n")
    return 0
