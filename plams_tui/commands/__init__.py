"""Headless subcommands of ``plams-tui``, one module each.

Each module has ``add_parser(sub)``, which registers its subparser and sets ``func``. They
only parse arguments, call :class:`plams_core.workdir.Workdir` (the same functions the app
calls) and format; no action logic lives here. Shared habits (``--yes``, ``--dry-run``,
confirmation on a terminal) are in :mod:`plams_tui.commands.common`.
"""

from __future__ import annotations

#: Modules of plams_tui.commands registered after ls and show, in help order.
SUBCOMMANDS: tuple[str, ...] = ("demo", "load", "repickle", "rm", "clean", "restart")

__all__ = ["SUBCOMMANDS"]
