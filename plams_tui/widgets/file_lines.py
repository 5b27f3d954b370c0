"""A file drawn a line at a time from where the user looks (seek, never loaded whole).

The line API again (see :mod:`plams_tui.widgets.job_table`): ``render_line`` asks
:class:`plams_tui.lineindex.LineIndex` for the lines on screen, one read each frame at most.
The index counts the rest of the file in a worker, so a 2 GB ``.out`` shows at once and its
scrollbar grows while the count runs. In follow mode (``tail -f``) new lines scroll in.
"""

from __future__ import annotations

import threading

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..lineindex import LineIndex
from ..text import safe

__all__ = ["FileLines"]

_FIRST_BYTES = 1 << 22  # indexed before the first paint: 4 MiB, a few ms
_MATCH = Style(color="black", bgcolor="yellow")


class FileLines(ScrollView, can_focus=True):
    """The lines of one file; ``follow`` keeps the end in view as it grows."""

    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
        Binding("pageup,b", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("left,h", "scroll_left", "Left", show=False),
        Binding("right,l", "scroll_right", "Right", show=False),
    ]
    COMPONENT_CLASSES = {"file-lines--gutter", "file-lines--current"}

    class Indexed(Message):
        """More of the file is counted (``done`` when all of it is)."""

        def __init__(self, lines: int, done: bool) -> None:
            super().__init__()
            self.lines = lines
            self.done = done

    def __init__(self, path: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.path = path
        self.index = LineIndex(path)
        self.follow = False
        self.highlight = ""
        self.current: int | None = None  # the line of the last search hit
        self._cache_start = 0
        self._cache: list[str] = []
        self._width = 0
        self._stop = threading.Event()

    def on_mount(self) -> None:
        self.index.extend(_FIRST_BYTES)
        self._sync_size()
        self._count_rest()

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, exclusive=True, group="file-index")
    def _count_rest(self) -> None:
        while not self._stop.is_set() and self.index.extend(1 << 24, stop=self._stop):
            self.post_message(self.Indexed(self.index.line_count, False))
        self.post_message(self.Indexed(self.index.line_count, True))

    def on_file_lines_indexed(self, event: FileLines.Indexed) -> None:
        self._sync_size()

    def check_growth(self) -> None:
        """Index what was appended since (called on a timer by the screen); follow scrolls to it."""
        if self.index.size_on_disk() != self.index.indexed:
            self.index.extend()
            self._cache = []
            self._sync_size()
            self.refresh()

    def _sync_size(self) -> None:
        self.virtual_size = Size(max(self._width, self.size.width), self.index.line_count)
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    @property
    def number_width(self) -> int:
        return len(str(max(1, self.index.line_count))) + 1

    def top_line(self) -> int:
        """The first line on screen (0-based)."""
        return int(self.scroll_y)

    def go_to_line(self, line: int) -> None:
        """Scroll so that *line* is near the top third of the screen."""
        self.scroll_to(y=max(0, line - self.size.height // 3), animate=False, immediate=True)

    def _lines(self, start: int, count: int) -> list[str]:
        end = self._cache_start + len(self._cache)
        if not (self._cache_start <= start and start + count <= end):
            self._cache_start = max(0, start - count)
            self._cache = self.index.lines(self._cache_start, count * 3)
            longest = max((cell_len(s) for s in self._cache), default=0) + self.number_width + 1
            if longest > self._width:
                self._width = longest
                self.virtual_size = Size(max(self._width, self.size.width), self.index.line_count)
        i = start - self._cache_start
        return self._cache[i : i + count]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        n = int(self.scroll_y) + y
        got = self._lines(n, max(1, self.size.height))[:1] if n < self.index.line_count else []
        if not got:
            return Strip.blank(width, base)
        text = safe(got[0])
        gutter_style = base + self.get_component_rich_style("file-lines--gutter")
        line_style = (
            base + self.get_component_rich_style("file-lines--current") if n == self.current else base
        )
        segs = [Segment(f"{n + 1:>{self.number_width - 1}} ", gutter_style)]
        needle = self.highlight.lower()
        if needle and needle in text.lower():
            low = text.lower()
            pos = 0
            while (i := low.find(needle, pos)) >= 0:
                segs.append(Segment(text[pos:i], line_style))
                segs.append(Segment(text[i : i + len(needle)], line_style + _MATCH))
                pos = i + len(needle)
            segs.append(Segment(text[pos:], line_style))
        else:
            segs.append(Segment(text, line_style))
        strip = Strip(segs)
        x = int(self.scroll_x)
        return strip.crop_extend(x, x + width, base)
