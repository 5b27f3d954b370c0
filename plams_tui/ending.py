"""Why a job ended, and its timeline, in words: one renderer for ``plams-tui show`` and the detail pane.

The facts come from :func:`plams_core.index.report.job_ending` (return code from the text
log, the csv's message, a MultiJob's children that are not ok, bounded tails of ``$JN.err``
and ``$JN.out``) and :func:`plams_core.index.report.timeline_times`; times are written by the
one formatter, :func:`plams_core.index.report.format_time` (ISO 8601, local time).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Sequence
from typing import Any

from plams_core.index.report import escape_text, format_time

__all__ = ["returncode_text", "ending_lines", "timeline_lines", "local_zone"]


def _signal_name(number: int) -> str | None:
    try:
        return signal.Signals(number).name
    except ValueError:
        return None


def returncode_text(code: int | None) -> str:
    """``7``, ``-11 (killed by SIGSEGV)``, ``139 (128+11: a command in it was killed by SIGSEGV)``."""
    if code is None:
        return "not in the logfile"
    if code < 0:
        name = _signal_name(-code)
        return f"{code} (killed by {name or f'signal {-code}'})"
    if code > 128:
        name = _signal_name(code - 128)
        if name is not None:
            return f"{code} (128+{code - 128}: a command in it was killed by {name})"
    return str(code)


def ended_badly(rec: Any, ending: Any) -> bool:
    """Whether there is something to say about how *rec* ended (crashed, failed, a code, a message)."""
    bad = rec.status in ("crashed", "failed", "unknown") or rec.interrupted
    return bool(bad or ending.returncode not in (None, 0) or ending.message)


def ending_lines(rec: Any, ending: Any) -> tuple[str, list[str]] | None:
    """The heading and lines of "why it ended" for *rec* (escaped), or None when it ended well."""
    if not ended_badly(rec, ending):
        return None
    e = escape_text
    why = []
    if rec.kind == "single":
        why.append(f"{'returncode:':15}{returncode_text(ending.returncode)}")
    if ending.message:
        why.append(f"{'message:':15}{e(' '.join(ending.message.split()))}")
    for path, status in ending.failed_children:
        why.append(f"{'child:':15}{e(path)} {status}")
    for ext, tail in ((".err", ending.err_tail), (".out", ending.out_tail)):
        if tail:
            why.append(f"last lines of {e(rec.name + ext)}:")
            why += ["  " + e(line) for line in tail]
    head = f"why it ended ({rec.status}{', interrupted' if rec.interrupted else ''}):"
    return head, why


def local_zone(epoch: float | None = None) -> str:
    """The local time zone as the times are written in: ``UTC+01:00 (CET)``."""
    t = time.localtime(epoch)
    off = t.tm_gmtoff
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    return f"UTC{sign}{off // 3600:02d}:{off % 3600 // 60:02d} ({t.tm_zone})"


def timeline_lines(times: Sequence[tuple[float | None, str, str]]) -> list[tuple[str, str]]:
    """(time, status) per step: ISO 8601 local time, or the time as recorded when it cannot be known."""
    return [(format_time(t) or escape_text(raw), status) for t, raw, status in times]
