"""The file viewer: any file of a job, shown from where the user looks; search; follow; ``$EDITOR``."""

from __future__ import annotations

import os
import shlex
import subprocess

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from ..text import human_bytes, safe
from ..widgets import FileLines, KeyFooter

__all__ = ["FileScreen", "editor_command"]


def editor_command(path: str, env: dict[str, str] | None = None) -> list[str]:
    """``$EDITOR`` (else ``$PAGER``, else ``less``) on *path*, as an argument list."""
    env = dict(os.environ) if env is None else env
    tool = env.get("EDITOR") or env.get("PAGER") or "less"
    return [*shlex.split(tool), path]


class FileScreen(Screen[None]):
    """One file; ``follow`` starts in ``tail -f`` mode (a running job's output)."""

    CSS_PATH = "file_view.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "search", "Search"),
        Binding("n", "next(False)", "Next hit"),
        Binding("N", "next(True)", "Prev hit", show=False),
        Binding("f", "follow", "Follow"),
        Binding("e", "edit", "Editor"),
    ]

    def __init__(self, path: str, *, follow: bool = False) -> None:
        super().__init__()
        self.path = path
        self.start_following = follow
        self.pattern = ""

    def compose(self) -> ComposeResult:
        yield Static(id="file-title")
        yield FileLines(self.path, id="lines")
        yield Input(placeholder="search (enter: find, esc: close)", id="search")
        yield KeyFooter()

    def on_mount(self) -> None:
        lines = self.query_one(FileLines)
        lines.follow = self.start_following
        self.query_one("#search", Input).display = False
        lines.focus()
        self._title()
        self.set_interval(0.5, self._tick)

    def _tick(self) -> None:
        self.query_one(FileLines).check_growth()
        self._title()

    def _title(self) -> None:
        lines = self.query_one(FileLines)
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(safe(self.path), style="bold")
        t.append(f"  {human_bytes(lines.index.size_on_disk())}  {lines.index.line_count:,} lines")
        if lines.index.indexed < lines.index.size_on_disk():
            t.append(" (counting...)", style="italic")
        if lines.follow:
            t.append("  [following]", style="bold yellow")
        if self.pattern:
            t.append("  search: ")
            t.append(safe(self.pattern), style="reverse")
        self.query_one("#file-title", Static).update(t)

    def on_file_lines_indexed(self) -> None:
        self._title()

    def action_back(self) -> None:
        box = self.query_one("#search", Input)
        if self.focused is box:
            box.display = False
            self.query_one(FileLines).focus()
            return
        self.app.pop_screen()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        self.set_focus(box)  # at once: the keys typed right after "/" belong to the search

    async def on_key(self, event: events.Key) -> None:
        # keys delivered with the "/" reached the lines before the box opened: they are the search
        box = self.query_one("#search", Input)
        if event.key == "slash" and self.focused is not box:
            # here, not in the binding: bindings run only after every key already read
            event.stop()
            event.prevent_default()
            self.action_search()
            return
        if self.focused is not box:
            return
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            await box.action_submit()

    @on(Input.Submitted, "#search")
    def _searched(self, event: Input.Submitted) -> None:
        self.pattern = event.value
        lines = self.query_one(FileLines)
        lines.highlight = self.pattern
        event.input.display = False
        lines.focus()
        lines.current = lines.top_line() - 1
        self.action_next(False)

    def action_next(self, backwards: bool) -> None:
        """Go to the next (previous) line holding the search text."""
        if not self.pattern:
            self.action_search()
            return
        lines = self.query_one(FileLines)
        lines.follow = False
        here = lines.current if lines.current is not None else lines.top_line()
        hit = lines.index.search(self.pattern, here, backwards=backwards)
        if hit is None:
            self.notify(f"not found: {safe(self.pattern)}", markup=False, severity="warning")
        else:
            lines.current = hit
            lines.go_to_line(hit)
            lines.refresh()
        self._title()

    def action_follow(self) -> None:
        """Follow the end of the file as it grows (tail -f), or stop."""
        lines = self.query_one(FileLines)
        lines.follow = not lines.follow
        if lines.follow:
            lines.check_growth()
            lines.scroll_end(animate=False, immediate=True, x_axis=False)
        self._title()

    def action_edit(self) -> None:
        """Open the file in $EDITOR (or $PAGER) with the app suspended."""
        command = editor_command(self.path)
        try:
            with self.app.suspend():
                subprocess.call(command)
        except Exception as exc:  # no terminal to hand over (e.g. headless), no such program
            self.notify(safe(f"{command[0]}: {exc}"), title="Editor", severity="error", markup=False)
        self.query_one(FileLines).check_growth()
