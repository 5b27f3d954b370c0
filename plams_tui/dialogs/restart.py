"""The restart modal: which script, the plan it gives (in the words of `plams-tui restart`), and go.

The script field is prefilled with the script the app was given (``--script``) or, when the
field is empty, the one the folder keeps (``input``); Enter plans again with what is typed
(``plams-tui restart --script FILE``: the same :meth:`plams_core.workdir.Workdir.plan_restart`).
A script that cannot be used shows its one-line error under the field and Restart stays off.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from ..plans import describe_restart
from ..text import safe

__all__ = ["RestartDialog"]


class RestartDialog(ModalScreen[Any]):
    """Plan a restart with the script in the field; dismisses with the plan to run, or None.

    *planner(script)* is :meth:`Workdir.plan_restart` (``None``: the folder's saved script);
    it runs in a thread worker, so a big folder does not freeze the screen.
    """

    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+r", "go", "Restart", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]

    def __init__(self, planner: Callable[[str | None], Any], script: str | None = None) -> None:
        super().__init__()
        self.planner = planner
        self.script = script
        self.plan: Any = None
        self.error: str | None = None
        #: what the modal says, as plain text (the plan, or the error under the field)
        self.text = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(
                Text("Restart: rerun what crashed or failed, reuse what finished"), id="dialog-title"
            )
            yield Input(
                value=self.script or "",
                placeholder="script (empty: the one the folder keeps); enter: plan again",
                id="restart-script",
            )
            yield Static("", id="restart-error")
            with VerticalScroll(id="dialog-body"):
                yield Static(Text("planning...", style="dim"), id="restart-plan")
            with Horizontal(id="dialog-buttons"):
                yield Button(Text("Restart (ctrl+r)"), id="confirm", variant="error", disabled=True)
                yield Button(Text("Cancel (esc)"), id="cancel")

    def on_mount(self) -> None:
        self._fit()
        self._plan(self.script or None)

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # border, title, field, error line and buttons take 12 rows; the plan scrolls in the rest
        self.query_one("#dialog-body", VerticalScroll).styles.max_height = max(3, self.size.height - 12)

    @work(thread=True, exclusive=True, group="restart-plan")
    def _plan(self, script: str | None) -> None:
        worker = get_current_worker()
        try:
            plan = self.planner(script)
        except Exception as exc:  # PlamsError (no script, unreadable, no folder): one line
            if not worker.is_cancelled:
                self.app.call_from_thread(self._planned, None, " ".join(str(exc).split()))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._planned, plan, None)

    def _planned(self, plan: Any, error: str | None) -> None:
        self.plan, self.error = plan, error
        field = self.query_one("#restart-script", Input)
        shown = self.query_one("#restart-error", Static)
        body = self.query_one("#restart-plan", Static)
        go = self.query_one("#confirm", Button)
        self.text = describe_restart(plan).plain() if plan is not None else (error or "")
        if plan is None:
            shown.update(Text(safe(error or "cannot plan"), style="bold red"))
            body.update(Text("Type the path of the script to run and press enter.", style="dim"))
            go.disabled = True
            field.focus()
            return
        if not field.value.strip():
            field.value = plan.script  # prefilled with the script the folder keeps
        self.script = plan.script
        shown.update(Text(f"script: {safe(plan.script)}", style="dim"))
        body.update(describe_restart(plan).rich())
        go.disabled = bool(plan.blocked)
        if not go.disabled:
            self.query_one("#cancel", Button).focus()

    @on(Input.Submitted, "#restart-script")
    def _replan(self, event: Input.Submitted) -> None:
        event.stop()
        value = os.path.expanduser(event.value.strip())
        self.query_one("#confirm", Button).disabled = True
        self.query_one("#restart-plan", Static).update(Text("planning...", style="dim"))
        self._plan(value or None)

    def action_page(self, direction: int) -> None:
        body = self.query_one("#dialog-body", VerticalScroll)
        body.scroll_relative(y=direction * max(1, body.size.height - 1), animate=False)

    def action_go(self) -> None:
        field = self.query_one("#restart-script", Input).value.strip()
        stale = (
            self.plan is not None and field and os.path.abspath(os.path.expanduser(field)) != self.plan.script
        )
        if self.plan is None or self.plan.blocked or stale:
            return  # a changed field is planned first (enter)
        self.dismiss(self.plan)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.action_go()
        else:
            self.dismiss(None)
