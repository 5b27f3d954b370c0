"""`plams-tui load`: unpickle one job's ``.dill`` (after the static reader's verdict) and show it.

PLAMS's equivalent is ``load(path)`` (``JobManager.load_job``); the output ends with that line.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def _tree(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return []
        out = []
        for key, sub in value.items():
            if isinstance(sub, dict) and sub:
                out.append(f"{pad}{key}:")
                out += _tree(sub, indent + 1)
            else:
                out.append(f"{pad}{key}: {'{}' if isinstance(sub, dict) else repr(sub)}")
        return out
    return [pad + repr(value)]


def run(args: argparse.Namespace) -> int:
    """Load the job and print it (text or JSON)."""
    from plams_core.workdir import Workdir

    data = Workdir(args.workdir, hashing=None).load(args.job, allow_unsafe=args.allow_unsafe).to_dict()
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return 0
    cls = f"{data['class']} ({data['module']}"
    if data["stand_in"]:
        cls += ", a stand-in: its module is not imported here)"
    elif data["by_value"]:
        cls += ", defined in the script: stored by value)"
    else:
        cls += ")"
    out = [
        f"{'name:':11}{data['name']}",
        f"{'path:':11}{data['path']}",
        f"{'status:':11}{data['status']}",
        f"{'class:':11}{cls}",
        f"{'hash:':11}{data['hash'] or '-'}",
    ]
    if data["children"]:
        out.append(f"{'children:':11}{', '.join(data['children'])}")
    if data["stand_ins"]:
        out.append(f"{'stand-ins:':11}{', '.join(data['stand_ins'])}")
    out.append("settings:")
    out += _tree(data["settings"], 1) or ["  (none)"]
    out.append("files:")
    out += [f"  {f}" for f in data["files"]] or ["  (none)"]
    out.append("python:")
    out.append(f"  {data['python']}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0
