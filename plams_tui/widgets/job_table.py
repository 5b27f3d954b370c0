"""The job table: every job of a working folder, drawn a line at a time.

Decision: a :class:`~textual.scroll_view.ScrollView` on Textual's line API (``render_line``
draws only the rows on screen, as Textualize/toolong's ``log_lines.py`` does for huge logs),
over :class:`plams_tui.model.JobRows`, which holds the rows as a list of job paths. Textual's
stock ``DataTable`` builds and measures every row up front (measured with Textual 8.2.8:
10,000 rows 1.7 s to first paint, 100,000 rows 16.6 s); here a frame costs the visible rows
whatever the folder holds, and adding a batch of records costs one rebuild of a list of paths.

The cursor and the marks are job paths, not row numbers: when rows appear, vanish or re-sort,
the cursor stays on its job, at the same height on screen.
"""

from __future__ import annotations

import time

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..model import COLUMNS, Column, JobRows, copy_marker, run_time, start_of, status_text
from ..text import safe

__all__ = ["JobTable", "STATUS_STYLES"]

STATUS_STYLES: dict[str, Style] = {
    "successful": Style(color="green"),
    "copied": Style(color="cyan"),
    "crashed": Style(color="red", bold=True),
    "failed": Style(color="red"),
    "running": Style(color="yellow", bold=True),
    "started": Style(color="yellow"),
    "registered": Style(color="blue"),
    "created": Style(color="blue"),
    "finished": Style(color="bright_blue"),
    "preview": Style(color="magenta"),
    "deleted": Style(dim=True, strike=True),
    "unknown": Style(dim=True),
}
_INTERRUPTED = Style(color="magenta", italic=True)
_DILL_STYLES = {
    "ok": Style(),
    "missing": Style(dim=True),
    "corrupt": Style(color="red"),
    "unsafe": Style(color="red", bold=True),
}
_DIM = Style(dim=True)
_NAME_MIN = 16
#: the columns beside name and status, most wanted first: a narrow terminal drops the last ones
PRIORITY: tuple[str, ...] = ("runtime", "dill", "hash", "start", "class", "copy")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 3600:
        return f"{s // 60}:{s % 60:02d}"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return time.strftime("%m-%d %H:%M:%S", time.localtime(epoch))


class JobTable(ScrollView, can_focus=True):
    """The jobs of the working folder; MultiJob children under their parent, foldable."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("g,home", "first", "Top", show=False),
        Binding("G,end", "last", "Bottom", show=False),
        Binding("space", "mark", "Mark"),
        Binding("left,minus", "fold(True)", "Fold", show=False),
        Binding("right,plus", "fold(False)", "Unfold", show=False),
        Binding("s", "sort", "Sort"),
        Binding("S", "reverse", "Reverse sort", show=False),
        Binding("enter", "activate", "Open", show=False),
    ]
    COMPONENT_CLASSES = {
        "job-table--header",
        "job-table--cursor",
        "job-table--marked",
        "job-table--cursor-blurred",
    }

    class CursorMoved(Message):
        """The cursor is on another job (or on none)."""

        def __init__(self, table: JobTable, path: str | None) -> None:
            super().__init__()
            self.table = table
            self.path = path

    class MarksChanged(Message):
        """A job was marked or unmarked."""

    class Activated(Message):
        """Enter on a job: drill in."""

        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    def __init__(self, model: JobRows, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.cursor_path: str | None = None
        self._cursor = 0
        self._reported: str | None = None
        self._layouts: dict[int, list[tuple[Column, int, int]]] = {}

    # -- data

    @property
    def cursor_row(self) -> int:
        """The row of the cursor."""
        return self._cursor

    def rows_changed(self) -> None:
        """Redraw after the model changed, keeping the cursor on its job and at its height on screen."""
        model = self.model
        screen_row = self._cursor - int(self.scroll_y)
        model.rebuild()
        count = len(model.rows)
        idx = model.index_of(self.cursor_path)
        if idx is None:
            idx = min(self._cursor, count - 1) if count else 0
        self._cursor = max(0, idx)
        self.cursor_path = model.rows[self._cursor] if count else None
        self.virtual_size = Size(self.size.width, count + 1)
        if 0 <= screen_row < max(1, self.size.height - 1):
            self.scroll_to(y=max(0, self._cursor - screen_row), animate=False, force=True)
        self._show_cursor()
        self.refresh()
        self._report()

    def move_to(self, path: str) -> bool:
        """Put the cursor on *path*; False if that job is not shown."""
        idx = self.model.index_of(path)
        if idx is None:
            return False
        self._set_cursor(idx)
        return True

    def _set_cursor(self, idx: int) -> None:
        rows = self.model.rows
        if not rows:
            return
        idx = max(0, min(idx, len(rows) - 1))
        self._cursor = idx
        self.cursor_path = rows[idx]
        self._show_cursor()
        self.refresh()
        self._report()

    def _show_cursor(self) -> None:
        view = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + view:
            self.scroll_to(y=self._cursor - view + 1, animate=False, force=True)

    def _report(self) -> None:
        if self.cursor_path != self._reported:
            self._reported = self.cursor_path
            self.post_message(self.CursorMoved(self, self.cursor_path))

    # -- actions

    def action_cursor(self, delta: int) -> None:
        self._set_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self._cursor + direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        self._set_cursor(0)

    def action_last(self) -> None:
        self._set_cursor(len(self.model.rows) - 1)

    def action_mark(self) -> None:
        if self.cursor_path is not None:
            self.model.toggle_mark(self.cursor_path)
            self._set_cursor(self._cursor + 1)
            self.refresh()
            self.post_message(self.MarksChanged())

    def action_fold(self, collapsed: bool) -> None:
        path = self.cursor_path
        if path is None:
            return
        rec = self.model.records.get(path)
        if rec is not None and rec.kind != "multi" and collapsed and rec.parent in self.model.records:
            path = rec.parent  # left on a child folds its parent, as in a file tree
            self.cursor_path = path
        if path is not None:
            self.model.toggle_collapsed(path, collapsed)
            self.rows_changed()

    def action_sort(self) -> None:
        # the columns on screen only: a narrow terminal does not sort by a column it hides
        keys = [c.key for c, _, _ in self._layout(self.size.width)] or [c.key for c in COLUMNS]
        here = keys.index(self.model.sort_key) if self.model.sort_key in keys else -1
        self.model.set_sort(keys[(here + 1) % len(keys)])
        self.rows_changed()

    def action_reverse(self) -> None:
        self.model.set_sort(self.model.sort_key, not self.model.reverse)
        self.rows_changed()

    def action_activate(self) -> None:
        if self.cursor_path is not None:
            self.post_message(self.Activated(self.cursor_path))

    # -- mouse

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x
            for col, start, width in self._layout(self.size.width):
                if start <= x < start + width:
                    same = self.model.sort_key == col.key
                    self.model.set_sort(col.key, not self.model.reverse if same else False)
                    self.rows_changed()
                    return
            return
        self._set_cursor(int(self.scroll_y) + offset.y - 1)
        if event.chain == 2:
            self.action_activate()

    # -- drawing

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.model.rows) + 1)
        self._show_cursor()

    def _layout(self, width: int) -> list[tuple[Column, int, int]]:
        """The columns that fit *width*, in table order, as (column, x, width).

        Name and status always; then, while they fit beside a name of at least 16 cells, the
        others in the order of :data:`PRIORITY` (run time, .dill, hash, start, class, copy), so
        at 80 columns nothing is cut at the right edge.
        """
        cached = self._layouts.get(width)
        if cached is not None:  # asked once per drawn row: computed once per width
            return cached
        by_key = {c.key: c for c in COLUMNS}
        chosen = {"name", "status"}
        used = 2 + (_NAME_MIN + 1) + (by_key["status"].width + 1)
        for key in PRIORITY:
            c = by_key.get(key)
            if c is None or key in chosen:
                continue
            if used + c.width + 1 <= width:
                chosen.add(key)
                used += c.width + 1
        fixed = sum(c.width + 1 for c in COLUMNS if c.width and c.key in chosen)
        name_width = max(_NAME_MIN, width - fixed - 3)
        out = []
        x = 2  # the mark column
        for c in COLUMNS:
            if c.key not in chosen:
                continue
            w = c.width or name_width
            out.append((c, x, w))
            x += w + 1
        self._layouts[width] = out
        return out

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            return self._header(width, base)
        i = int(self.scroll_y) + y - 1
        rows = self.model.rows
        if i >= len(rows):
            return Strip.blank(width, base)
        return self._row(rows[i], i, width, base)

    def _header(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("job-table--header")
        segs = [Segment("  ", style)]
        for c, _, w in self._layout(width):
            text = c.header
            if c.key == self.model.sort_key:  # the arrow always shows: the name gives way ("RUN TI ^")
                text = text[: max(1, w - 2)] + (" v" if self.model.reverse else " ^")
            segs.append(Segment(set_cell_size(text, w) + " ", style))
        return Strip(segs).crop_extend(0, width, style)

    def _row(self, path: str, i: int, width: int, base: Style) -> Strip:
        model = self.model
        rec = model.records[path]
        marked = path in model.marked
        if i == self._cursor:
            name = "job-table--cursor" if self.has_focus else "job-table--cursor-blurred"
            base = base + self.get_component_rich_style(name)
        elif marked:
            base = base + self.get_component_rich_style("job-table--marked")
        layout = self._layout(width)
        if model.filter.strip():
            name_text = safe(rec.path)
        else:
            depth = model.depth(path)
            fold = ("+ " if path in model.collapsed else "- ") if rec.kind == "multi" else "  "
            name_text = "  " * depth + fold + safe(rec.name) + ("/" if rec.kind == "multi" else "")
        status_style = _INTERRUPTED if rec.interrupted else STATUS_STYLES.get(rec.status, Style())
        cells = {
            "name": (name_text, Style()),
            "status": (status_text(rec), status_style),
            "class": (safe(rec.class_name or "-"), Style()),
            "hash": ((rec.hash or "-")[:8], _DIM),
            "dill": (rec.dill, _DILL_STYLES.get(rec.dill, Style())),
            "copy": (
                safe(copy_marker(rec, model.hash_count[rec.hash] if rec.hash else 0)),
                Style(color="cyan"),
            ),
            "start": (_when(start_of(rec)), _DIM),
            "runtime": (_clock(run_time(rec)), Style()),
        }
        segs = [Segment("* " if marked else "  ", base + Style(bold=True, color="yellow"))]
        for col, _, w in layout:
            text, style = cells[col.key]
            segs.append(Segment(set_cell_size(text, w), base + style))
            segs.append(Segment(" ", base))
        return Strip(segs).crop_extend(0, width, base)
