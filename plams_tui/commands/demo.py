"""`plams-tui demo`: build a demo working folder with the embedded engine, then show it.

Decision: the demo folder is built once (``./plams_demo``) and reused on later runs, so the
README's first command can be run again without piling up folders; ``--fresh`` builds a new
one (``plams_demo.002`` ...). Until the interactive app exists, "show" means the `ls` table.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]

DEMO_FOLDER = "plams_demo"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `demo` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "demo",
        help="build a demo working folder and show it",
        description="Build a demo working folder (every kind of job: successful, renamed, copied, crashed, "
        "failed, MultiJobs) with the embedded job engine, then list it.",
    )
    p.add_argument("parent", nargs="?", default=".", help="folder to create the demo in (default: here)")
    p.add_argument("--fresh", action="store_true", help="build a new demo folder even if one exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build (or reuse) the demo working folder and print its listing."""
    from plams_core.demo import build_demo

    parent = Path(args.parent)
    if not parent.is_dir():
        print(f"plams-tui: error: {parent} is not a folder", file=sys.stderr)
        return 2
    existing = parent / DEMO_FOLDER
    if existing.is_dir() and not args.fresh:
        workdir = existing
        print(f"Demo working folder (reused; --fresh builds a new one): {workdir}")
    else:
        workdir = build_demo(parent, DEMO_FOLDER)
        print(f"Built demo working folder: {workdir}")
    sys.stdout.flush()
    from plams_tui.cli import main

    return main(["ls", os.fspath(workdir)])
