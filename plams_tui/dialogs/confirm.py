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
    """

    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No / close"),
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

    def action_answer(self, yes: bool) -> None:
        self.dismiss(bool(yes and self.verb is not None))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")
