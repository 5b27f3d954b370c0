"""What ``ls`` and ``show`` share: the flags that say how to read a folder, and reading it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from plams_core.errors import PlamsError
from plams_core.index.report import escape_text

__all__ = ["UsageError", "add_read_flags", "display_path", "leftover_note", "report_problems", "scan"]


class UsageError(PlamsError):
    """A bad argument value, reported in one line."""


def add_read_flags(p: argparse.ArgumentParser) -> None:
    """``--hashing`` and ``--cache``/``--no-cache``."""
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


def scan(args: argparse.Namespace, workdir: str) -> Any:
    """The index of *workdir*, read as the flags in *args* say."""
    from plams_core.hashing import parse_hashing
    from plams_core.index import scan_workdir

    leftover_note(workdir)
    return scan_workdir(workdir, hashing=parse_hashing(args.hashing), cache=args.cache)


def leftover_note(workdir: str) -> None:
    """One line on stderr when an unfinished restart left ``FOLDER.res`` beside the folder (stdout stays data).

    A folder that is gone but whose ``.res`` is there raises a WorkdirError that says so.
    """
    from plams_core.errors import WorkdirError
    from plams_core.restart import leftover, stash_owner

    owner = stash_owner(workdir)
    found = leftover(owner if owner is not None else workdir)
    if found and not found.exists and owner is None:
        raise WorkdirError(f"{workdir}: no such folder; {found.message}")
    if found.stashes or (found.discards and owner is None):
        kept = f"this folder is kept by a restart of {os.path.basename(owner)}; " if owner else ""
        print(f"plams-tui: note: {kept}{found.message}", file=sys.stderr)


def report_problems(problems: Sequence[str]) -> None:
    """What could not be read, once on stderr: a count, then one line each (escaped)."""
    if problems:
        what = "1 thing" if len(problems) == 1 else f"{len(problems)} things"
        lines = [f"plams-tui: warning: could not read {what}:", *(f"  {escape_text(p)}" for p in problems)]
        print("\n".join(lines), file=sys.stderr)


def display_path(path: str, like: str | None = None) -> str:
    """*path* as the user would type it: relative to here unless *like* (what they typed) was absolute."""
    if like is not None and os.path.isabs(like):
        return os.path.abspath(path)
    rel = os.path.relpath(path)
    return rel if not rel.startswith(os.pardir + os.sep) else os.path.abspath(path)
