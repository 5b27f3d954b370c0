"""How the headless subcommands write: to stdout, safely, and in columns.

Every cell and every error message goes through
:func:`plams_core.index.report.escape_text` first, so nothing read from a working folder
can control the terminal or break a line. A stdout that fails (a full disk, ``>/dev/full``)
becomes a one-line :class:`OutputError`; a closed pipe (``| head``) ends the command
quietly (``main`` catches :class:`BrokenPipeError`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from plams_core.errors import PlamsError, os_error_line
from plams_core.index.report import escape_text

__all__ = ["OutputError", "columns", "silence_stdout", "write"]


class OutputError(PlamsError):
    """stdout could not be written (a full disk, a closed terminal)."""


def write(text: str) -> None:
    """Write *text* to stdout and flush; raise :class:`OutputError` if stdout cannot take it.

    *text* must already be safe (escaped cells, :func:`~plams_core.index.report.json_safe`
    JSON), so it encodes as UTF-8; a stdout whose locale cannot encode it (``LANG=C``) gets
    the UTF-8 bytes rather than an error about a job name.
    """
    try:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8", "backslashreplace"))
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(os_error_line(exc, "cannot write the output")) from None


def silence_stdout() -> None:
    """Point the process's stdout at /dev/null after it failed (closed pipe, full disk).

    Python flushes stdout again at exit; without this, that flush prints an "Exception
    ignored" trace. Only done for the real stdout (not when a caller or a test replaced it).
    """
    if sys.stdout is not sys.__stdout__ or sys.stdout is None:
        return
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError):
        pass


def columns(rows: Sequence[Sequence[str]], last_free: bool = True) -> str:
    """*rows* (the first is the header) as left-aligned columns two spaces apart.

    Cells are escaped (:func:`~plams_core.index.report.escape_text`); the last column is not
    padded when *last_free* (it may be long: a reason). Lines end without spaces.
    """
    safe = [[escape_text(c) for c in row] for row in rows]
    if not safe:
        return ""
    n = len(safe[0])
    fixed = n - 1 if last_free else n
    widths = [max(len(row[i]) for row in safe) for i in range(fixed)]
    lines = []
    for row in safe:
        cells = [c.ljust(w) for c, w in zip(row[:fixed], widths, strict=True)] + list(row[fixed:])
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
