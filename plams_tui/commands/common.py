"""What every subcommand that changes the disk shares: ``--yes``, ``--dry-run``, asking first."""

from __future__ import annotations

import argparse
import sys

from plams_core.errors import PlamsError

__all__ = ["ConfirmationRefused", "add_change_flags", "confirm"]


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
