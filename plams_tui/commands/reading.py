"""What ``ls`` and ``show`` share: the flags that say how to read a folder, and reading it."""

from __future__ import annotations

import argparse
import os
from typing import Any

from plams_core.errors import PlamsError

__all__ = ["HASHING", "UsageError", "add_read_flags", "display_path", "scan"]

HASHING = ("input", "runscript", "input+runscript", "none")


class UsageError(PlamsError):
    """A bad argument value, reported in one line."""


def add_read_flags(p: argparse.ArgumentParser) -> None:
    """``--hashing`` and ``--cache``/``--no-cache``."""
    p.add_argument(
        "--hashing",
        default="input",
        metavar="MODE",
        help="how job hashes are computed from the files: " + ", ".join(HASHING) + " (default: input)",
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
    from plams_core.index import scan_workdir

    if args.hashing not in HASHING:
        raise UsageError(f"--hashing: unknown mode {args.hashing!r} (use one of {', '.join(HASHING)})")
    return scan_workdir(workdir, hashing=None if args.hashing == "none" else args.hashing, cache=args.cache)


def display_path(path: str, like: str | None = None) -> str:
    """*path* as the user would type it: relative to here unless *like* (what they typed) was absolute."""
    if like is not None and os.path.isabs(like):
        return os.path.abspath(path)
    rel = os.path.relpath(path)
    return rel if not rel.startswith(os.pardir + os.sep) else os.path.abspath(path)
