"""Help: every key of the app, collected from the bindings themselves, so none is missing."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen", "help_text"]


def _keys(binding: Binding) -> str:
    names = {"slash": "/", "question_mark": "?", "space": "space", "escape": "esc", "minus": "-", "plus": "+"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


def help_text() -> Text:
    """Every binding of the app, screen by screen, with what it does."""
    from ..actions import ACTIONS
    from ..app import PlamsApp
    from ..dialogs import ConfirmDialog, RestartDialog
    from ..widgets import FileLines, JobTable
    from .file_view import FileScreen
    from .jobs import JobsScreen

    sections = [
        ("Everywhere", PlamsApp.BINDINGS),
        ("Job list", [*JobsScreen.BINDINGS, *JobTable.BINDINGS]),
        ("File viewer", [*FileScreen.BINDINGS, *FileLines.BINDINGS]),
        ("Confirmation (what an action will do)", ConfirmDialog.BINDINGS),
        (
            "Restart (the script field: enter plans again with what is typed; tab to the buttons)",
            RestartDialog.BINDINGS,
        ),
        ("Help", HelpScreen.BINDINGS),
    ]
    extra = {a.name: a.help for a in ACTIONS}
    t = Text()
    for title, bindings in sections:
        t.append(f"{title}\n", style="bold underline")
        seen: set[str] = set()
        for b in bindings:
            if not isinstance(b, Binding):
                b = Binding(*b)
            keys = _keys(b)
            if keys in seen:
                continue
            seen.add(keys)
            t.append(f"  {keys:18}", style="bold cyan")
            t.append(b.description or b.action)
            if b.action in extra:
                t.append(f": {extra[b.action]}", style="dim")
            t.append("\n")
        t.append("\n")
    t.append(
        "Marked rows (space) take an action together; without marks it takes the job under the cursor.\n"
    )
    t.append("Every action that changes the disk shows what it touches and asks first.\n", style="dim")
    return t


class HelpScreen(ModalScreen[None]):
    """The keys, screen by screen. Esc, q or ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_text())

    def action_close(self) -> None:
        self.dismiss(None)
