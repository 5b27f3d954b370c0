"""A modal that shows exactly what an action will do and asks before anything changes the disk."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

__all__ = ["ConfirmDialog"]


class ConfirmDialog(ModalScreen[bool]):
    """*title* and *body* (Text: names in it are data), a confirm button named *verb*, and Cancel.

    ``y`` or the button confirms; ``n``/Esc cancels. Cancel has the focus, so Enter alone
    does not change the disk. With ``verb=None`` it is a notice with only a Close button.
    The body scrolls (up/down, page up/down, home/end) whatever has the focus.
    """

    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No / close"),
        Binding("up,k", "scroll(-1)", "Scroll up", show=False),
        Binding("down,j", "scroll(1)", "Scroll down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "ends(0)", "Top", show=False),
        Binding("end,G", "ends(1)", "Bottom", show=False),
    ]

    def __init__(self, title: Text, body: Text, verb: str | None = "Confirm", *, danger: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.verb = verb
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="dialog-title")
            with VerticalScroll(id="dialog-body"):
                yield Static(self.body)
            with Horizontal(id="dialog-buttons"):
                if self.verb is not None:
                    yield Button(
                        Text(f"{self.verb} (y)"), id="confirm", variant="error" if self.danger else "primary"
                    )
                yield Button(Text("Cancel (n)" if self.verb is not None else "Close (esc)"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # the body scrolls and the buttons stay on screen at any height (80x24 too): border,
        # title and buttons take 8 rows
        self._body().styles.max_height = max(3, self.size.height - 8)

    def _body(self) -> VerticalScroll:
        return self.query_one("#dialog-body", VerticalScroll)

    def action_scroll(self, delta: int) -> None:
        self._body().scroll_relative(y=delta, animate=False)

    def action_page(self, direction: int) -> None:
        body = self._body()
        body.scroll_relative(y=direction * max(1, body.size.height - 1), animate=False)

    def action_ends(self, end: int) -> None:
        body = self._body()
        body.scroll_end(animate=False) if end else body.scroll_home(animate=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(bool(yes and self.verb is not None))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")
