"""`plams-tui demo`: build a demo working folder with the embedded engine, then show it.

Decision: the demo folder is built once (``./plams_demo``) and reused on later runs, so the
README's first command can be run again without piling up folders; ``--fresh`` builds a new
one (``plams_demo.002`` ...). Until the interactive app exists, "show" means the `ls` table.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

__all__ = ["add_parser", "run"]

DEMO_FOLDER = "plams_demo"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    from plams_core.errors import FileError, os_error_line

    from ..output import write

    parent = Path(args.parent)
    if not parent.is_dir():
        raise FileError(f"{parent}: no such folder" if not parent.exists() else f"{parent}: not a folder")
    existing = parent / DEMO_FOLDER
    if existing.is_dir() and not args.fresh:
        workdir = existing
        write(f"Demo working folder (reused; --fresh builds a new one): {workdir}\n")
    else:
        try:
            workdir = build_demo(parent, DEMO_FOLDER)
        except OSError as exc:  # a folder it cannot write: one line, which folder and why
            raise FileError(
                os_error_line(exc, f"cannot build the demo in {parent} (give a folder you can write)")
            ) from None
        write(f"Built demo working folder: {workdir}\n")
    from plams_tui.cli import build_parser

    ls_args = build_parser().parse_args(["ls", os.fspath(workdir)])
    return int(ls_args.func(ls_args))
