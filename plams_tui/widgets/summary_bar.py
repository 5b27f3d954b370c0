"""The summary bar: the working folder, jobs per status, live or paused, scan progress."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from rich.text import Text
from textual.widgets import Static

from ..text import safe
from .job_table import STATUS_STYLES

__all__ = ["SummaryBar"]

_ORDER = (
    "running",
    "successful",
    "copied",
    "crashed",
    "failed",
    "registered",
    "started",
    "finished",
    "unknown",
)


class SummaryBar(Static):
    """One line about the folder. Call :meth:`show` with what changed."""

    def __init__(self, folder: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.folder = folder
        self.counts: Counter[str] = Counter()
        self.live = "live"
        self.progress: str | None = "scanning..."
        self.shown: int | None = None
        self.marked = 0

    def show(
        self,
        *,
        counts: Counter[str] | None = None,
        live: str | None = None,
        progress: str | None | Literal[False] = False,  # False: leave as is
        shown: int | None | Literal[False] = False,
        marked: int | None = None,
    ) -> None:
        """Update the parts given (``progress=None`` clears the scan progress)."""
        if counts is not None:
            self.counts = counts
        if live is not None:
            self.live = live
        if progress is not False:
            self.progress = progress
        if shown is not False:
            self.shown = shown
        if marked is not None:
            self.marked = marked
        self.update(self.text())

    def text(self) -> Text:
        """The bar's text (names escaped, never parsed as markup)."""
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(safe(self.folder), style="bold")
        total = sum(v for k, v in self.counts.items() if k != "interrupted")
        t.append(f"  {total} jobs", style="bold")
        if self.shown is not None:
            t.append(f" ({self.shown} shown)")
        keys = [k for k in _ORDER if self.counts.get(k)] + sorted(
            k for k in self.counts if k not in _ORDER and k != "interrupted"
        )
        for k in keys:
            t.append("  ")
            t.append(f"{k} {self.counts[k]}", style=STATUS_STYLES.get(k, ""))
        if self.counts.get("interrupted"):
            t.append(f"  interrupted {self.counts['interrupted']}", style="magenta italic")
        if self.marked:
            t.append(f"  {self.marked} marked", style="bold yellow")
        t.append("  [")
        t.append(self.live, style="green" if self.live.startswith("live") else "bold yellow")
        t.append("]")
        if self.progress:
            t.append("  " + self.progress, style="italic")
        return t
