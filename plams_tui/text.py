"""Names are data: turning job, folder and file names into text that cannot style or steer the terminal.

Every name shown by the app goes through :func:`safe` (control characters become visible
``\\xNN`` escapes, so an ESC in a folder name never reaches the terminal) and is wrapped in a
:class:`rich.text.Text` or a :class:`textual.strip.Strip` segment, never formatted into markup
(a folder named ``[red]x[/]`` shows as typed).
"""

from __future__ import annotations

import re

from rich.text import Text

__all__ = ["safe", "plain", "human_bytes"]

# C0 controls, DEL and C1 controls (ESC, CSI, OSC ... all of them), plus bidi overrides.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def safe(s: str) -> str:
    """*s* with every control character replaced by a visible escape (``\\x1b``)."""
    return _CONTROL.sub(_escape, s) if _CONTROL.search(s) else s


def plain(s: str, style: str = "") -> Text:
    """A :class:`Text` showing *s* as typed: no markup parsed, control characters escaped."""
    return Text(safe(s), style=style, no_wrap=False)


def human_bytes(n: int | None) -> str:
    """1234567 -> '1.2 MB'."""
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"
