"""The restart's log panel: the script's output as it comes, under a title with the counts.

Output lines are data: they are shown as plain text (a :class:`~textual.widgets.Log` never
parses markup) with control characters escaped by :func:`~plams_tui.text.safe`.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import Log

from ..text import safe

__all__ = ["RestartLog"]


class RestartLog(Log):
    """Hidden until a restart begins; it stays after the run ends so its output can be read."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=10_000, id=id)
        self.total = 0  # jobs the plan reruns
        self.done = 0  # of those, finished since the restart began
        self.state = ""

    def begin(self, total: int) -> None:
        """A restart of *total* jobs to rerun starts: clear, show."""
        self.clear()
        self.total, self.done = total, 0
        self.display = True
        self.set_state("running (x cancels)")

    def add(self, lines: Iterable[str]) -> None:
        """Append output lines (any text: escaped, never styled)."""
        self.write_lines([safe(line.expandtabs()) for line in lines])  # tabs as spaces, not \x09

    def set_done(self, done: int) -> None:
        if done != self.done:
            self.done = done
            self._retitle()

    def set_state(self, state: str) -> None:
        self.state = state
        self._retitle()

    def _retitle(self) -> None:
        # only numbers and fixed words: nothing here comes from the folder
        self.border_title = f"restart: {self.done} of {self.total} to rerun done, {self.state}"
