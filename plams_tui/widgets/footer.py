"""The footer: the keys that matter most first, so a narrow terminal (80 columns) still shows them.

Textual's :class:`~textual.widgets.Footer` lists the focused widget's keys, then the screen's,
then the app's, so ``? Help`` and ``q Quit`` (app keys) were the first to fall off the right
edge. This one puts the keys named in :data:`FIRST` first, in that order, keeps the rest in
Textual's order, and is compact (one space between keys). Every key is also in help (``?``).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["KeyFooter", "FIRST"]

#: actions shown first, in this order (then the others in Textual's order)
FIRST: tuple[str, ...] = ("help", "app.help", "quit", "app.quit", "close", "back")


class KeyFooter(Footer):
    """A compact :class:`Footer` with help and quit first."""

    def __init__(self, *, compact: bool = True, **kwargs: Any) -> None:
        super().__init__(compact=compact, **kwargs)

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())

        def rank(w: object) -> int:
            if isinstance(w, FooterKey) and w.action in FIRST:
                return FIRST.index(w.action)
            return len(FIRST)

        yield from sorted(widgets, key=rank)  # stable: the others keep their order
