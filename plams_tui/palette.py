"""Command palette entries (ctrl+p): the actions that fit the current screen."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .actions import ACTIONS

__all__ = ["JobCommands"]


class JobCommands(Provider):
    """The job actions, pause, filter and help on the job list; search and follow in the viewer."""

    def _commands(self) -> list[tuple[str, str, str]]:
        from .screens import FileScreen, JobsScreen

        screen = self.screen
        if isinstance(screen, JobsScreen):
            out = [(f"{a.label} ({a.key})", a.name, a.help) for a in ACTIONS]
            out += [
                (
                    "Pause / resume live updates (p)",
                    "pause",
                    "stop applying file changes; p again applies them",
                ),
                ("Filter (/)", "filter", "show only jobs whose name, status or class match"),
                ("Sort by next column (s)", "sort_next", "cycle the sort column"),
            ]
        elif isinstance(screen, FileScreen):
            out = [
                ("Search (/)", "search", "find text in the file"),
                ("Follow (f)", "follow", "tail -f: keep the end in view"),
                ("Open in $EDITOR (e)", "edit", "suspend the app and open the file"),
            ]
        else:
            out = []
        out.append(("Help (?)", "app.help", "every key"))
        return out

    async def discover(self) -> Hits:
        for title, action, help in self._commands():
            yield DiscoveryHit(title, partial(self.screen.run_action, action), help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.screen.run_action, action), help=help)
