"""The Textual app: ``plams-tui [WORKDIR]``. Small on purpose: the screens own their behaviour.

:func:`make_app` is the one factory the CLI and the tests use.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from plams_core.workdir import Workdir
from textual.app import App
from textual.binding import Binding

from .palette import JobCommands
from .screens import HelpScreen, JobsScreen

__all__ = ["PlamsApp", "make_app"]

_HERE = Path(__file__).parent
# Widgets have no CSS_PATH of their own: the app loads their sibling .tcss files.
_WIDGET_CSS = [
    _HERE / "widgets" / name
    for name in (
        "job_table.tcss",
        "summary_bar.tcss",
        "detail_pane.tcss",
        "file_lines.tcss",
        "restart_log.tcss",
    )
]


class PlamsApp(App[None]):
    """A live browser of one PLAMS working folder."""

    TITLE = "plams-tui"
    CSS_PATH = [_HERE / "app.tcss", *_WIDGET_CSS]
    COMMANDS = App.COMMANDS | {JobCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
    ]

    def __init__(
        self, workdir: Workdir, *, poll: float | None = None, watch: bool = True, script: str | None = None
    ) -> None:
        super().__init__()
        self.workdir = workdir
        self.script = script
        self.poll = poll
        self.live = watch  # not self.watch: that would hide Textual's DOMNode.watch()
        #: one thread at a time uses the index (scan, refresh, detail, actions)
        self.index_lock = threading.Lock()

    def get_default_screen(self) -> JobsScreen:
        return JobsScreen(self.workdir, poll=self.poll, watch=self.live, script=self.script)

    def action_help(self) -> None:
        """Show every key."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def make_app(
    workdir: str | os.PathLike[str] | Workdir,
    *,
    poll: float | None = None,
    watch: bool = True,
    hashing: str | None = "input",
    script: str | os.PathLike[str] | None = None,
) -> PlamsApp:
    """The app on *workdir* (a path or a Workdir). ``poll`` forces polling every that many seconds;
    ``watch=False`` turns live updates off (the tests of a static folder); *script* is what a
    restart runs (``plams-tui restart --script``; default: the script the folder keeps)."""
    wd = workdir if isinstance(workdir, Workdir) else Workdir(workdir, hashing=hashing)
    path = os.path.abspath(os.fspath(script)) if script is not None else None
    return PlamsApp(wd, poll=poll, watch=watch, script=path)
