"""What every subcommand that changes the disk shares: ``--yes``, ``--dry-run``, asking first."""

from __future__ import annotations

import argparse
import sys

from plams_core.errors import PlamsError

__all__ = [
    "ConfirmationRefused",
    "DASH_VALUE_OPTIONS",
    "add_change_flags",
    "confirm",
    "glue_dash_values",
    "write",
]

#: Options whose value may start with "-" (``clean --keep '-,$JN.err'``, PLAMS's delete-only form).
DASH_VALUE_OPTIONS: frozenset[str] = frozenset({"--keep"})


class ConfirmationRefused(PlamsError):
    """The user said no, or there was no terminal to ask on and no ``--yes``."""


def add_change_flags(p: argparse.ArgumentParser) -> None:
    """``--dry-run`` (show, write nothing), ``--yes`` (do not ask) and ``--force``.

    ``--force``: go ahead although live processes may be writing the folder (a PLAMS script
    between two jobs, a runscript left running: :func:`plams_core.restart.check_writers`
    names them and why). For a user who knows none of them writes there (the script was
    stopped, a shell only sits in the folder). Another plams_core run holding the folder's
    lock still refuses: that one is certain.
    """
    p.add_argument("--dry-run", action="store_true", help="show what would happen and write nothing")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--force",
        action="store_true",
        help="go ahead although live processes may be writing the folder (they are named when refused); "
        "another plams_core run's lock still refuses",
    )


def write(text: str, *, err: bool = False) -> None:
    """Print *text* to stdout (stderr if *err*) as is; a name that is not UTF-8 (surrogate-escaped) goes out as its own bytes.

    A terminal whose encoding is strict UTF-8 (the usual ``LANG=en_US.UTF-8``) cannot encode
    such a name; ``ls`` writes its bytes, and so must the listing of what an action touches.
    """
    stream = sys.stderr if err else sys.stdout
    try:
        stream.write(text)
    except UnicodeEncodeError:
        stream.flush()
        stream.buffer.write(text.encode(stream.encoding or "utf-8", "surrogateescape"))
    stream.flush()


def confirm(question: str, *, yes: bool, listing: str | None = None) -> None:
    """Return if the change may go ahead; raise :class:`ConfirmationRefused` otherwise.

    Without ``--yes`` the question is asked on the terminal; with no terminal (a pipe, CI)
    the change is refused rather than made silently. The question (and *listing*, what will
    be touched, when stdout did not show it: ``--json``) goes to stderr, so stdout stays the
    command's output.
    """
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConfirmationRefused(
            f"{question.rstrip('?')}: not confirmed (no terminal to ask on; pass --yes)"
        )
    if listing:
        write(listing, err=True)
    write(f"{question} [y/N] ", err=True)
    try:
        answer = input()
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise ConfirmationRefused("nothing changed (not confirmed)")


def glue_dash_values(argv: list[str]) -> list[str]:
    """``--keep -,x`` as ``--keep=-,x``: argparse would take a value starting with ``-`` for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out += argv[i:]
            break
        if arg in DASH_VALUE_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out
