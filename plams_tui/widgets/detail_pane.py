"""The detail pane: everything about the job under the cursor, and its files to open.

Left: what :meth:`plams_core.workdir.Workdir.detail` knows (status and why it ended, the
timeline, the settings the ``.dill`` holds, the jobs sharing its hash and the one it was
copied from) and, for each action, the PLAMS Python a user could paste into a script.
Right: the job's files with sizes and times; Enter opens one in the file viewer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from plams_core.index import JobDetail, JobRecord
from plams_core.index.report import format_time
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..ending import ending_lines, local_zone, timeline_lines
from ..model import status_text
from ..text import human_bytes, safe
from .job_table import STATUS_STYLES

__all__ = ["DetailPane", "detail_text", "python_calls", "tail_lines"]


def tail_lines(path: str, count: int = 5, limit: int = 8192) -> list[str]:
    """The last *count* non-empty lines of the text file at *path* (reads at most *limit* bytes)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            data = f.read(limit)
    except OSError:
        return []
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-count:]


def python_calls(root: str, rec: JobRecord) -> list[tuple[str, str]]:
    """For each action, the PLAMS Python (or shell) a user could paste to do it by hand."""
    folder = os.path.join(root, rec.path)
    dill = os.path.join(folder, rec.name + ".dill")
    restart = f"plams -p {os.path.dirname(root)!r} -f {os.path.basename(root)!r} -r script.py"
    if rec.dill != "ok":  # nothing to load: say what applies instead of a load() that fails or runs code
        why = {
            "missing": "no .dill (PLAMS pickles only successful and copied jobs)",
            "removed": "taken out of rerun prevention (plams-tui rm; undo with u)",
            "unsafe": "the .dill would run code when loaded; do not load() it",
        }.get(rec.dill, f".dill {rec.dill}: load() would fail")
        return [("why not load", f"# {why}"), ("rerun it with a restart", restart)]
    load = f"job = load({dill!r})"
    calls = [
        ("load", f"from scm.plams import load\n{load}"),
        ("repickle", f"{load}\njob.pickle()"),
        ("remove_job", f"{load}\nconfig.default_jobmanager.remove_job(job)"),
        ("clean", f"{load}\njob.results._clean(job.settings.save)  # what finish() applies"),
        ("restart", restart),
    ]
    return calls


def _heading(t: Text, title: str) -> None:
    t.append("\n" + title + "\n", style="bold underline")


def detail_text(
    root: str,
    detail: JobDetail,
    same_hash: Sequence[str] = (),
    err_tail: Sequence[str] = (),
    worker: str | None = None,
    ending: Any = None,
    times: Sequence[tuple[float | None, str, str]] | None = None,
) -> Text:
    """The left side of the pane for one job, as a :class:`Text` (names are escaped, never markup).

    *ending* (:func:`plams_core.index.report.job_ending`) gives "why it ended" in the words of
    ``plams-tui show`` (:func:`plams_tui.ending.ending_lines`); without it, the record's error
    and *err_tail*. *times* (:func:`plams_core.index.report.timeline_times`) gives the
    timeline in ISO 8601 local time, the zone said once in its heading.
    """
    rec = detail.record
    t = Text()
    t.append(safe(rec.path) + ("/" if rec.kind == "multi" else ""), style="bold")
    t.append("\n")
    t.append(status_text(rec), style=STATUS_STYLES.get(rec.status, "") if not rec.interrupted else "magenta")
    t.append(f"  (from {rec.status_source})", style="dim")
    t.append(f"   {safe(rec.class_name or '-')}")
    if detail.class_module:
        t.append(
            f" from {safe(detail.class_module)}" + (" (by value)" if detail.by_value else ""), style="dim"
        )
    t.append("\nhash ")
    t.append(rec.hash or "-", style="dim")
    t.append("\n.dill ")
    t.append(rec.dill + (f": {safe(rec.dill_reason)}" if rec.dill_reason else ""))
    if rec.pids:
        t.append("\nprocesses " + ", ".join(map(str, rec.pids)), style="yellow")
    if worker:
        t.append("\nDask worker ")
        t.append(safe(worker), style="cyan")
    if rec.copied_from:
        t.append("\ncopied from ")
        t.append(safe(rec.copied_from), style="cyan")
    if same_hash:
        t.append("\nsame hash: ")
        t.append(", ".join(safe(p) for p in same_hash), style="cyan")
    if detail.recorded_path and detail.recorded_path.rstrip("/") != os.path.join(root, rec.path):
        t.append("\nrecorded at ")
        t.append(safe(detail.recorded_path), style="dim")
    problems = getattr(rec, "problems", ())
    if problems:
        _heading(t, "Could not read")
        for p in problems:
            t.append(safe(p) + "\n", style="yellow")
    why = ending_lines(rec, ending) if ending is not None else None
    if why is not None:
        _heading(t, "Why it ended" + why[0][len("why it ended") : -1])
        for line in why[1]:
            style = "red" if line.startswith(("returncode", "message", "child")) else "red dim"
            t.append(line + "\n", style=style)
    elif ending is None and (rec.error or err_tail):
        _heading(t, "Why it ended")
        if rec.error:
            t.append(safe(rec.error) + "\n", style="red")
        for line in err_tail:
            t.append(safe(line) + "\n", style="red dim")
    if detail.timeline:
        steps = (
            timeline_lines(times)
            if times is not None
            else [(safe(when), status) for when, status in detail.timeline]
        )
        _heading(t, f"Timeline ({detail.timeline_source}, local time {local_zone()})")
        for when, status in steps:
            t.append(f"{when:20} ")
            t.append(safe(status) + "\n", style=STATUS_STYLES.get(status, ""))
    if detail.settings:
        _heading(t, "Settings")
        for key, value in detail.settings.items():
            t.append(f"{safe(str(key))} = {safe(repr(value))}\n")
    if rec.children:
        _heading(t, f"Children ({len(rec.children)})")
        t.append(
            ", ".join(safe(c) for c in rec.children[:50]) + ("..." if len(rec.children) > 50 else "") + "\n"
        )
    _heading(t, "In Python")
    for action, code in python_calls(root, rec):
        t.append(f"# {action}\n", style="dim")
        for line in code.splitlines():
            t.append(safe(line) + "\n", style="green")
    return t


class FileList(OptionList):
    """The job's files; j/k move as in the table (help lists them for every list)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class DetailPane(Horizontal):
    """The selected job in full; its files on the right (Enter opens one)."""

    class OpenFile(Message):
        """The user chose a file of the job."""

        def __init__(self, job: str, path: str) -> None:
            super().__init__()
            self.job = job
            self.path = path

    def __init__(self, root: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.root = root
        self.job: str | None = None
        self._files: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-info"):
            yield Static(Text("Select a job", style="dim"), id="detail-text")
        yield FileList(id="detail-files")

    def show_detail(
        self,
        detail: JobDetail,
        same_hash: Sequence[str] = (),
        *,
        worker: str | None = None,
        ending: Any = None,
        times: Sequence[tuple[float | None, str, str]] | None = None,
    ) -> None:
        """Show *detail* (the job under the cursor); *ending* and *times* as :func:`detail_text` takes them."""
        rec = detail.record
        self.job = rec.path
        folder = os.path.join(self.root, rec.path)
        tail: list[str] = []
        if ending is None and (rec.status in ("crashed", "failed") or rec.error):
            tail = tail_lines(os.path.join(folder, rec.name + ".err"), 5) or tail_lines(
                os.path.join(folder, rec.name + ".out"), 5
            )
        text = detail_text(self.root, detail, same_hash, tail, worker, ending, times)
        self.query_one("#detail-text", Static).update(text)
        files = self.query_one("#detail-files", OptionList)
        self._files = []
        options = []
        for f in sorted(detail.files, key=lambda f: (f.is_dir, f.name)):
            if f.is_dir:
                continue
            prompt = Text(no_wrap=True, overflow="ellipsis")
            # the name first: a narrow pane cuts the time, not the name
            prompt.append(safe(f.name))
            if f.nlink > 1:
                prompt.append(f" ({f.nlink} links)", style="cyan")
            prompt.append(f"  {human_bytes(f.size)}  {format_time(f.mtime_ns / 1e9) or '-'}", style="dim")
            options.append(Option(prompt))
            self._files.append(os.path.join(folder, f.name))
        files.clear_options()
        files.add_options(options)
        files.border_title = f"{len(options)} files (enter: view)"

    def show_message(self, text: str) -> None:
        """Show *text* instead of a job (no job selected, or reading failed)."""
        self.job = None
        self._files = []
        self.query_one("#detail-text", Static).update(Text(safe(text), style="dim"))
        self.query_one("#detail-files", OptionList).clear_options()

    def focus_files(self) -> None:
        """Move the focus to the file list (Enter on a job)."""
        files = self.query_one("#detail-files", OptionList)
        if self._files:
            files.highlighted = files.highlighted or 0
        files.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.job is not None and 0 <= event.option_index < len(self._files):
            self.post_message(self.OpenFile(self.job, self._files[event.option_index]))
