"""What every subcommand that changes the disk shares: ``--yes``, ``--dry-run``, asking first."""

from __future__ import annotations

import argparse
import sys

from plams_core.errors import PlamsError

__all__ = ["ConfirmationRefused", "DASH_VALUE_OPTIONS", "add_change_flags", "confirm", "glue_dash_values"]

#: Options whose value may start with "-" (``clean --keep '-,$JN.err'``, PLAMS's delete-only form).
DASH_VALUE_OPTIONS: frozenset[str] = frozenset({"--keep"})


class ConfirmationRefused(PlamsError):
    """The user said no, or there was no terminal to ask on and no ``--yes``."""


def add_change_flags(p: argparse.ArgumentParser) -> None:
    """``--dry-run`` (show, write nothing) and ``--yes`` (do not ask)."""
    p.add_argument("--dry-run", action="store_true", help="show what would happen and write nothing")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def confirm(question: str, *, yes: bool) -> None:
    """Return if the change may go ahead; raise :class:`ConfirmationRefused` otherwise.

    Without ``--yes`` the question is asked on the terminal; with no terminal (a pipe, CI)
    the change is refused rather than made silently.
    """
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConfirmationRefused(
            f"{question.rstrip('?')}: not confirmed (no terminal to ask on; pass --yes)"
        )
    try:
        answer = input(f"{question} [y/N] ")
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
