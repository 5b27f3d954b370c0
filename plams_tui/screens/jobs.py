"""The main screen: the job table, the summary bar, the detail pane; scanning, live refresh, actions.

Threads: the first scan runs in a thread worker that checks for cancellation between
batches; refreshes run in one worker at a time that takes the paths the watcher recorded.
The index is used by one thread at a time (``app.index_lock``). Widgets are only touched
here, on the app's thread, from messages.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from plams_core.index import IndexUpdate
from plams_core.workdir import Workdir
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, OptionList
from textual.worker import get_current_worker

from ..actions import ACTIONS, Action, available, describe_plan
from ..dialogs import ConfirmDialog, RestartDialog
from ..messages import (
    DetailReady,
    FilesChanged,
    RecordsUpdated,
    RestartOutput,
    ScanBatch,
    ScanDone,
    WatcherNote,
)
from ..model import JobRows
from ..text import human_bytes, safe
from ..watcher import Watcher
from ..widgets import DetailPane, JobTable, KeyFooter, RestartLog, SummaryBar
from ..writes import writing

if TYPE_CHECKING:
    from textual import getters

    from ..app import PlamsApp

__all__ = ["JobsScreen"]

_SOURCES_EVERY = 5.0  # seconds between re-reads of live processes and the csv/log


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class JobsScreen(Screen[None]):
    """Every job of one working folder, live."""

    CSS_PATH = "jobs.tcss"
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("escape", "back", "Back/clear", show=False),
        Binding("p", "pause", "Pause"),
        *(Binding(a.key, a.name, a.label) for a in ACTIONS),
        Binding("x", "cancel_restart", "Cancel restart"),
        Binding("tab", "focus_next", "Next pane", show=False),
    ]

    if TYPE_CHECKING:  # as Textual declares MessagePump.app: shown only to the type checker
        app = getters.app(PlamsApp)

    def __init__(
        self, workdir: Workdir, *, poll: float | None = None, watch: bool = True, script: str | None = None
    ) -> None:
        super().__init__()
        self.workdir = workdir
        #: the script a restart runs (``--script``, else the last one used; None: the folder's own)
        self.script = script
        self.model = JobRows()
        self.poll = poll
        self.live = watch  # not self.watch: that would hide Textual's DOMNode.watch()
        self.watcher: Watcher | None = None
        self.paused = False
        self.scanning = True
        self._dirty = False
        self._next_flush = 0.0
        self._refresh_state = threading.Lock()
        self._refreshing = False
        self._sources_due = False
        self._detail_for: str | None = None
        self._scan_since = time.time()
        self._first_shown = threading.Event()  # the first batch of a scan is on screen
        self.restarting = False
        self._run: Any = None  # the RestartRun while a restart runs
        self._rerun: set[str] = set()  # the jobs the running restart's plan reruns
        self._restart_t0 = 0.0
        self._out: list[str] = []  # restart output lines not shown yet (filled by its reader thread)
        self._out_lock = threading.Lock()
        self._root_ino = _inode(workdir.root)

    @property
    def index_lock(self) -> threading.Lock:
        return self.app.index_lock

    def compose(self) -> ComposeResult:
        yield SummaryBar(self.workdir.root, id="summary")
        yield JobTable(self.model, id="jobs")
        yield Input(placeholder="filter: name, status, class (enter: keep, esc: clear)", id="filter")
        yield DetailPane(self.workdir.root, id="detail")
        yield RestartLog(id="restart-log")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one(JobTable).focus()
        if self.live:
            self.watcher = Watcher(self.workdir.root, self.post_message, poll=self.poll)
            self._start_watcher(self.watcher)
        self._update_summary()
        self.set_interval(0.1, self._flush)
        self.set_interval(_SOURCES_EVERY, self._sources_tick)
        self.set_interval(1.0, self._tick_running)
        self.set_interval(0.25, self._follow_root)
        self._scan()

    @work(thread=True, group="watcher")
    def _start_watcher(self, watcher: Watcher) -> None:
        # adding one inotify watch per folder takes a while in a big folder: not on the app's thread
        try:
            watcher.start()
        except OSError as exc:
            self.post_message(WatcherNote(f"live updates off: {_one_line(exc)}"))
            return
        self.post_message(WatcherNote(""))  # started: the summary says how

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    # -- first scan

    @work(thread=True, exclusive=True, group="scan")
    def _scan(self) -> None:
        worker = get_current_worker()
        read = 0
        self._scan_since = time.time()  # the watcher's sweep counts changes from here
        self._first_shown.clear()
        try:
            with self.index_lock:
                for batch in self.workdir.scan():
                    if worker.is_cancelled:
                        return
                    done, total = batch.progress
                    first = read == 0
                    read += len(batch.records)
                    self.post_message(ScanBatch(batch.records, batch.removed, read, done, total))
                    if first:
                        # Let the app thread show the first rows before reading on: the reading
                        # would take half of the GIL while the table sorts and paints 100,000
                        # names (2.5 s to first rows instead of ~1 s); nothing is lost, as the
                        # reading waits the time the app takes. Bounded, should the app be busy.
                        self._first_shown.wait(5.0)
        except Exception as exc:  # shown as a notification, never a traceback
            self.post_message(ScanDone(_one_line(exc)))
            return
        with self.index_lock:
            paths = frozenset(self.workdir.index.records)
        self.post_message(ScanDone(paths=paths))

    def on_scan_batch(self, message: ScanBatch) -> None:
        first = not self.model.records
        self.model.update(message.records, message.removed)
        progress = f"reading... {message.read} jobs, {message.done} of {message.total} folders"
        self.query_one(SummaryBar).show(progress=progress)
        if first:
            self._flush(force=True)
            self.call_after_refresh(self._first_shown.set)  # painted: the scan reads on
        else:
            self._dirty = True

    def on_scan_done(self, message: ScanDone) -> None:
        self.scanning = False
        gone = [p for p in self.model.records if message.paths is not None and p not in message.paths]
        if gone:
            self.model.update([], gone)
        if message.error:
            self.notify(message.error, title="Reading the folder failed", severity="error")
        # forced: the last batches may sit behind the flush budget, and the scan's end is when
        # a user (or a test) expects every row in place
        self._flush(force=True)
        self.query_one(SummaryBar).show(progress=None)
        if self.watcher is not None:
            self.watcher.set_jobs(list(self.model.records), gone, since=self._scan_since)
            self._follow()
        self._kick_refresh()  # what changed while the scan ran

    # -- applying changes, at most 10 times a second

    def _flush(self, force: bool = False) -> None:
        if not (self._dirty or force):
            return
        now = time.monotonic()
        if not force and now < self._next_flush:
            return
        self._dirty = False
        table = self.query_one(JobTable)
        table.rows_changed()
        self._update_summary()
        # Re-sorting 100,000 rows takes a few hundred ms: spend at most a fifth of the time on it,
        # so the scan and refresh threads are not starved of the GIL by the table.
        cost = time.monotonic() - now
        self._next_flush = now + 5 * cost

    def _tick_running(self) -> None:
        # the run time of running jobs grows: repaint the visible rows (a few dozen), nothing else
        if self.model.counts().get("running"):  # (counts are cached between changes)
            self.query_one(JobTable).refresh()

    def _update_summary(self) -> None:
        shown = len(self.model.rows) if self.model.filter.strip() else None
        live = (
            "paused (p)"
            if self.paused
            else ("live, polling" if self.watcher and self.watcher.polling else "live")
        )
        if not self.live or (self.watcher is None and not self.paused):
            live = "not watching" if not self.paused else live
        if self._rerun:  # counts of the last restart, also after it ended (the final re-read)
            self.query_one(RestartLog).set_done(self._restart_done())
        if self.restarting:
            live = f"restarting: {self._restart_done()} of {len(self._rerun)} done"
        self.query_one(SummaryBar).show(
            counts=self.model.counts(), shown=shown, live=live, marked=len(self.model.marked)
        )

    # -- live

    def on_files_changed(self, message: FilesChanged) -> None:
        self._kick_refresh()

    def _sources_tick(self) -> None:
        # Re-reading the process table and the csv/log costs the whole folder in the index:
        # only worth it while some job is live (a running job whose process ends without
        # writing anything, as after kill -9). Everything else comes as file events.
        if self.model.live():
            self._sources_due = True
            self._kick_refresh()

    def _kick_refresh(self) -> None:
        if self.paused or self.scanning:
            return
        with self._refresh_state:
            if self._refreshing:
                return
            if not self._sources_due and (self.watcher is None or not self.watcher.pending()):
                return
            self._refreshing = True
        self._refresh_worker()

    @work(thread=True, group="refresh")
    def _refresh_worker(self) -> None:
        while True:
            with self._refresh_state:
                paths = self.watcher.take() if self.watcher is not None and not self.paused else []
                sources, self._sources_due = self._sources_due and not self.paused, False
                if not paths and not sources:
                    self._refreshing = False
                    return
            since = time.time()
            try:
                with self.index_lock:
                    update = self.workdir.refresh(paths) if paths else self.workdir.refresh()
                    if paths and sources:
                        more = self.workdir.refresh()
                        update = type(update)(update.changed + more.changed, update.removed + more.removed)
            except Exception as exc:
                self.post_message(WatcherNote(f"refresh failed: {_one_line(exc)}"))
                continue
            if update:
                self.post_message(RecordsUpdated(update, since))

    def on_records_updated(self, message: RecordsUpdated) -> None:
        update = message.update
        new = [r.path for r in update.changed if r.path not in self.model.records]
        self.model.update(update.changed, update.removed)
        self._dirty = True
        if self.watcher is not None:
            if new or update.removed:
                self.watcher.set_jobs(new, update.removed, since=message.since)
            self._follow()
        cursor = self.query_one(JobTable).cursor_path
        if cursor is not None and (cursor in update.removed or any(r.path == cursor for r in update.changed)):
            self._request_detail(cursor)

    def on_watcher_note(self, message: WatcherNote) -> None:
        if message.text:
            self.notify(safe(message.text), title="Live updates", severity="warning", markup=False)
        self._update_summary()

    def action_pause(self) -> None:
        """Pause or resume live updates (events are kept and applied on resume)."""
        self.paused = not self.paused
        self._update_summary()
        if not self.paused:
            self._sources_due = True
            self._kick_refresh()

    # -- detail

    @on(JobTable.CursorMoved)
    def _cursor_moved(self, message: JobTable.CursorMoved) -> None:
        if message.path is None:
            self.query_one(DetailPane).show_message("No job selected")
            return
        self._request_detail(message.path)

    def _follow(self) -> None:
        """Tell the watcher which job folders to watch: live jobs' and the one in the detail pane."""
        if self.watcher is None or self.scanning:
            return
        folders = self.model.watch_folders()
        if self._detail_for is not None and self._detail_for in self.model.records:
            folders.add(self._detail_for)
        self.watcher.follow(folders)

    def _request_detail(self, path: str) -> None:
        self._detail_for = path
        self._follow()
        self._read_detail(path)

    @work(thread=True, exclusive=True, group="detail")
    def _read_detail(self, path: str) -> None:
        from plams_core.index.report import dask_worker, job_ending, timeline_times

        try:
            with self.index_lock:
                detail = self.workdir.detail(path)
                worker = dask_worker(self.workdir.index, path)
                ending = job_ending(self.workdir.index, path)  # what `show` says (bounded reads)
                times = timeline_times(self.workdir.index, detail)
        except Exception as exc:
            self.post_message(DetailReady(path, None, _one_line(exc)))
            return
        self.post_message(DetailReady(path, detail, worker=worker, ending=ending, times=times))

    def on_detail_ready(self, message: DetailReady) -> None:
        if message.path != self._detail_for:
            return
        pane = self.query_one(DetailPane)
        if message.detail is None:
            pane.show_message(message.error or "no detail")
            return
        rec = message.detail.record
        same: list[str] = []
        if rec.hash and self.model.hash_count[rec.hash] > 1:
            same = sorted(p for p, r in self.model.records.items() if r.hash == rec.hash and p != rec.path)
        pane.show_detail(
            message.detail, same, worker=message.worker, ending=message.ending, times=message.times
        )

    @on(JobTable.Activated)
    def _activated(self, message: JobTable.Activated) -> None:
        self.query_one(DetailPane).focus_files()

    @on(DetailPane.OpenFile)
    def _open_file(self, message: DetailPane.OpenFile) -> None:
        from .file_view import FileScreen

        rec = self.model.records.get(message.job)
        self.app.push_screen(FileScreen(message.path, follow=rec is not None and rec.status == "running"))

    # -- filter, back

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        # Focus now, not after this frame (Widget.focus defers it): keys already read behind the
        # "/" (a paste, a fast typist, ssh lag) must go to the box, not run as commands.
        self.set_focus(box)

    def on_key(self, event: events.Key) -> None:
        # Keys the terminal delivered with the "/" were already on their way to the table when
        # the box opened: they belong to the box, not to the table's bindings.
        box = self.query_one("#filter", Input)
        if event.key == "slash" and self.focused is not box and not isinstance(self.focused, Input):
            # open the box here, not in the binding: bindings run after every key already read
            event.stop()
            event.prevent_default()
            self.action_filter()
        elif self.focused is box and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.model.set_filter(event.value)
        self._flush(force=True)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.display = False
        self.query_one(JobTable).focus()

    def action_back(self) -> None:
        """Esc: leave the filter box or the file list; else clear the filter; else the marks."""
        box = self.query_one("#filter", Input)
        focused = self.focused
        table = self.query_one(JobTable)
        if focused is box or (focused is table and box.value):
            box.value = ""
            box.display = False
            self.model.set_filter("")
            self._flush(force=True)
            table.focus()
        elif isinstance(focused, OptionList):
            table.focus()
        elif self.model.marked:
            self.model.marked.clear()
            table.refresh()
            self.query_one(SummaryBar).show(marked=0)
        elif not self.restarting:
            self.query_one(RestartLog).display = False

    @on(JobTable.MarksChanged)
    def _marks_changed(self) -> None:
        self.query_one(SummaryBar).show(marked=len(self.model.marked))

    # -- actions

    def selection(self) -> list[str]:
        """The jobs an action takes: the marked ones, else the one under the cursor."""
        return self.model.selection(self.query_one(JobTable).cursor_path)

    def _action(self, name: str) -> Action:
        return next(a for a in ACTIONS if a.name == name)

    def _start(self, action: Action) -> list[str] | None:
        if not available(self.workdir, action):
            self.notify(
                f"{action.label}: not available yet in this version of plams_core", severity="warning"
            )
            return None
        jobs = self.selection() if action.takes_jobs else []
        if action.takes_jobs and not jobs:
            self.notify(f"{action.label}: no job selected", severity="warning")
            return None
        return jobs

    def _in_thread(self, fn: Callable[[], Any], done: Callable[[Any], None], what: str) -> None:
        """Run *fn* in a worker (holding the index), then *done* with its result on this thread."""

        def run() -> None:
            try:
                with self.index_lock:
                    result = fn()
            except Exception as exc:
                message = _one_line(exc)
                self.app.call_from_thread(
                    self.notify, safe(message), title=f"{what} failed", severity="error", markup=False
                )
                return
            self.app.call_from_thread(done, result)

        self.run_worker(run, thread=True, group="action", name=what)

    def _plan_and_confirm(self, name: str) -> None:
        action = self._action(name)
        jobs = self._start(action)
        if jobs is None:
            return
        plan_fn = getattr(self.workdir, action.plan or "")
        apply_fn = getattr(self.workdir, action.apply)

        def ask(plan: Any) -> None:
            title = Text(f"{action.label}: {action.help}")
            if not _plan_touches(plan):  # nothing to confirm: say why instead of offering to do nothing
                self.notify(_nothing_to_do(plan), title=action.label, markup=False)
                return
            body = describe_plan(action.name, plan, self.workdir.root).rich()

            def answered(yes: bool | None) -> None:
                if yes:

                    def apply() -> tuple[Any, dict[str, Any]]:
                        with writing():  # quitting waits for it (plams_tui.launch)
                            return apply_fn(plan), dict(self.workdir.index.records)

                    self._in_thread(
                        apply,
                        lambda done: self._acted(action, *done),
                        action.label,
                    )

            self.app.push_screen(ConfirmDialog(title, body, action.verb), answered)

        self._in_thread(lambda: plan_fn(jobs) if action.takes_jobs else plan_fn(), ask, action.label)

    def _acted(self, action: Action, result: Any, records: dict[str, Any]) -> None:
        """After an action: the Workdir refreshed its index itself; show what changed now."""
        if action.name == "rollback":  # another folder now sits at the path: read it afresh
            self.notify("Rolled back: the folder is as it was before the restart", title=action.label)
            self._rewatch()
            return
        model = self.model
        changed = [r for p, r in records.items() if model.records.get(p) is not r]
        removed = [p for p in model.records if p not in records]
        if changed or removed:
            self.post_message(RecordsUpdated(IndexUpdate(tuple(changed), tuple(removed))))
        self.notify(f"{action.label}: {_what_was_done(result)}", title=action.label, markup=False)

    def action_repickle(self) -> None:
        self._plan_and_confirm("repickle")

    def action_remove(self) -> None:
        self._plan_and_confirm("remove")

    def action_undo_remove(self) -> None:
        self._plan_and_confirm("undo_remove")

    def action_clean(self) -> None:
        self._plan_and_confirm("clean")

    def action_rollback(self) -> None:
        """Plan and confirm ``restart --rollback`` (refused while a restart runs)."""
        if self.restarting:
            self.notify("Rollback: a restart is running; cancel it first (x)", severity="warning")
            return
        self._plan_and_confirm("rollback")

    def action_restart(self) -> None:
        """Plan a restart (``plams -r``) with a script to choose, show it, run it once confirmed, live."""
        action = self._action("restart")
        if self._start(action) is None or self.restarting:
            return

        def answered(plan: Any) -> None:
            if plan is not None:
                self.script = plan.script  # the next restart offers the same script
                self._begin_restart(plan)

        self.app.push_screen(RestartDialog(self.workdir.plan_restart, self.script), answered)

    def _begin_restart(self, plan: Any) -> None:
        self.restarting = True
        self._rerun = {j.path for j in plan.rerun}
        self._restart_t0 = time.time()
        self.query_one(RestartLog).begin(len(self._rerun))
        self.refresh_bindings()
        self._update_summary()
        self._run_restart(plan)

    def _restart_done(self) -> int:
        """Jobs of the plan's rerun list whose row says they ended since the restart began."""
        t0 = self._restart_t0 - 1.0  # the index's times have second resolution in the text log
        done = 0
        for path in self._rerun:
            rec = self.model.records.get(path)
            if rec is not None and rec.end is not None and rec.end >= t0:
                done += 1
        return done

    def _restart_line(self, line: str) -> None:
        # the restart's reader thread: buffer, and tell the screen once per burst
        with self._out_lock:
            first = not self._out
            self._out.append(line)
        if first:
            self.post_message(RestartOutput())

    def on_restart_output(self, message: RestartOutput) -> None:
        with self._out_lock:
            lines, self._out = self._out, []
        self.query_one(RestartLog).add(lines)

    @work(thread=True, group="restart")
    def _run_restart(self, plan: Any) -> None:
        try:
            with writing():  # quitting waits for the restart, as it always did (plams_tui.launch)
                self._run = self.workdir.start_restart(plan, on_output=self._restart_line)
                code: int | None = self._run.wait()
        except Exception as exc:
            self.app.call_from_thread(
                self.notify, safe(_one_line(exc)), title="Restart failed", severity="error", markup=False
            )
            code = None
        self.app.call_from_thread(self._restarted, code)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_restart":
            return True if self.restarting else None  # shown greyed out while no restart runs
        return True

    def action_cancel_restart(self) -> None:
        """Ask, then stop the running restart as Ctrl-C would (SIGINT to its process group)."""
        if not self.restarting:
            return
        body = Text(
            "SIGINT goes to the restart's script and the jobs it runs. Jobs that finished stay "
            "finished; the folder keeps what the restart did so far, and the next restart resumes "
            "from it without rerunning anything that finished."
        )

        def answered(yes: bool | None) -> None:
            if yes and self.restarting and self._run is not None:
                self._run.cancel()
                self.query_one(RestartLog).set_state("cancelling")

        self.app.push_screen(ConfirmDialog(Text("Stop the running restart?"), body, "Stop it"), answered)

    def _restarted(self, code: int | None) -> None:
        self.restarting = False
        self._run = None
        self.refresh_bindings()
        state = (
            "did not start"
            if code is None
            else ("cancelled" if code == 130 else f"ended, return code {code}")
        )
        self.query_one(RestartLog).set_state(state + " (esc hides)")
        if code is not None:
            self.notify(f"Restart {state}", severity="information" if code == 0 else "warning")
        self._rewatch()  # statuses as the folder says now

    # -- following the folder's path

    def _follow_root(self) -> None:
        # An in-place restart moves the folder aside and makes a new one at the same path; the
        # inotify watches went with the old inode: follow the path (a stat, four times a second).
        if self.paused or self.scanning:
            return
        ino = _inode(self.workdir.root)
        if ino is not None and ino != self._root_ino:
            self._rewatch()

    def _rewatch(self) -> None:
        """Watch the folder at its path afresh and read it again (new rows, gone rows dropped)."""
        self._root_ino = _inode(self.workdir.root)
        self.scanning = True
        old, self.watcher = self.watcher, None
        if self.live:
            self.watcher = Watcher(self.workdir.root, self.post_message, poll=self.poll)
        self._swap_watcher(old, self.watcher)

    @work(thread=True, group="watcher")
    def _swap_watcher(self, old: Watcher | None, new: Watcher | None) -> None:
        if old is not None:
            old.stop()
        if new is not None:
            try:
                new.start()
            except OSError as exc:
                self.post_message(WatcherNote(f"live updates off: {_one_line(exc)}"))
        self.app.call_from_thread(self._scan)

    def action_load(self) -> None:
        action = self._action("load")
        jobs = self._start(action)
        if not jobs:
            return
        path = jobs[0]
        rec = self.model.records[path]

        def load(allow_unsafe: bool) -> None:
            self._in_thread(
                lambda: self.workdir.load(path, allow_unsafe=allow_unsafe),
                self._show_loaded,
                "Load",
            )

        if rec.dill == "unsafe":
            body = Text()
            body.append("The static reader found something in ")
            body.append(safe(os.path.join(rec.path, rec.name + ".dill")), style="bold")
            body.append(" that a job pickle does not need at load time:\n\n")
            body.append(safe(rec.dill_reason or "unsafe"), style="red")
            body.append(
                "\n\nLoading it runs code from this file with your permissions. "
                "Only do this if you trust whoever wrote it.",
                style="bold",
            )
            self.app.push_screen(
                ConfirmDialog(
                    Text("Load an UNSAFE .dill and run the code in it?"), body, "Load anyway, run its code"
                ),
                lambda yes: load(True) if yes else None,
            )
        else:
            load(False)

    def _show_loaded(self, loaded: Any) -> None:
        from ..plans import describe_loaded  # the lines `plams-tui load` prints

        lines = describe_loaded(loaded.to_dict())
        body = Text("Loaded into the app's own job manager; nothing was written.\n\n", style="dim")
        for line in lines:
            head, sep, rest = line.partition(":")
            if sep and not line.startswith(" ") and head.isidentifier():
                body.append(head + ":", style="bold")
                body.append(rest + "\n")
            else:
                body.append(line + "\n", style="green" if line.startswith("  job =") else "")
        self.app.push_screen(ConfirmDialog(Text("Loaded job"), body, None))


def _plan_touches(plan: Any) -> bool:
    """Whether applying *plan* would change anything on disk (jobs renamed or rewritten, files deleted)."""
    if hasattr(plan, "restore"):  # a rollback plan always renames the stash back
        return True
    if hasattr(plan, "files"):  # a clean plan: its jobs are only the keep/save applied to each
        return bool(plan.files or plan.folders)
    return bool(getattr(plan, "jobs", None) or getattr(plan, "files", None) or getattr(plan, "folders", None))


def _nothing_to_do(plan: Any) -> str:
    """Why *plan* touches nothing: the refused or skipped jobs with their reasons (escaped)."""
    reasons = [*getattr(plan, "refused", ()), *getattr(plan, "skipped", ())]
    if not reasons:
        return "Nothing to do: no job or file qualifies."
    listed = "; ".join(f"{safe(job)}: {safe(why)}" for job, why in reasons[:5])
    more = f" (and {len(reasons) - 5} more)" if len(reasons) > 5 else ""
    return f"Nothing to do. {listed}{more}"


def _what_was_done(result: Any) -> str:
    """One line on what an applied plan did (files and bytes, or jobs)."""
    files = getattr(result, "files", None)
    if files is not None:
        return f"{len(files)} files deleted, {human_bytes(getattr(result, 'bytes', 0) or 0)} freed"
    jobs = getattr(result, "jobs", None)
    if jobs is not None:
        return f"done for {len(jobs)} job{'s' if len(jobs) != 1 else ''}"
    return "done"
