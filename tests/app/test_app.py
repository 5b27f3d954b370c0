"""The real app driven by Pilot on working folders made by plams_core and by real PLAMS 2026.104."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import signal
from pathlib import Path

import pytest
from conftest import until
from folders import copy_job, write_job
from plams_core.index import scan_workdir

from plams_tui.app import PlamsApp, make_app
from plams_tui.screens import FileScreen, HelpScreen, JobsScreen
from plams_tui.widgets import DetailPane, JobTable, SummaryBar


def jobs_screen(app: PlamsApp) -> JobsScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, JobsScreen)
    return screen


def table_lines(app: PlamsApp) -> list[str]:
    """The table as the user sees it, line by line."""
    table = jobs_screen(app).query_one(JobTable)
    return [table.render_line(y).text for y in range(table.size.height)]


def line_of(app: PlamsApp, name: str) -> str:
    """The table line whose NAME cell is *name* (folder lines end with '/')."""
    for line in table_lines(app)[1:]:
        cells = line.split()
        if cells and cells[0] == "*":  # marked
            cells = cells[1:]
        if cells and cells[0] in ("-", "+"):
            cells = cells[1:]
        if cells and cells[0] == name:
            return line
    raise AssertionError(f"{name} not on screen:\n" + "\n".join(table_lines(app)))


async def scanned(pilot, app: PlamsApp) -> JobsScreen:  # type: ignore[no-untyped-def]
    screen = jobs_screen(app)
    await until(pilot, lambda: not screen.scanning and screen.model.rows, what="the first scan")
    await pilot.pause()
    return screen


def snapshot_of(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under *folder* with its size and mtime."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_rows_and_statuses_of_the_demo(demo: Path) -> None:
    truth = {r.path: r for r in scan_workdir(demo)}

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert sorted(screen.model.rows) == sorted(truth)
            # the tree: children right under their parent, indented
            rows = screen.model.rows
            assert rows.index("scan/bad") == rows.index("scan") + 1
            assert line_of(app, "crash").split()[1] == "crashed"
            assert line_of(app, "fail").split()[1] == "failed"
            assert line_of(app, "scan/").split()[2] == "failed"
            assert line_of(app, "repeat").split()[1] == "copied"
            assert "<- optimize" in line_of(app, "repeat")
            bar = screen.query_one(SummaryBar).text().plain
            assert str(demo) in bar and "14 jobs" in bar and "crashed 2" in bar and "[not watching]" in bar

    run(go())


def test_rows_of_a_real_plams_folder(plams_zoo: tuple[Path, dict]) -> None:
    workdir, truth = plams_zoo

    async def go() -> None:
        app = make_app(workdir, watch=False)
        async with app.run_test(size=(160, 60)) as pilot:
            screen = await scanned(pilot, app)
            assert set(screen.model.rows) == {j["path"] for j in truth["jobs"]}
            for job in truth["jobs"]:
                rec = screen.model.records[job["path"]]
                if job["status"] in ("successful", "crashed", "failed", "copied"):
                    assert rec.status == job["status"], job

    run(go())


def test_filter_as_you_type_and_escape_clears(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            await pilot.press("slash", "s", "c", "a")
            assert set(screen.model.rows) == {"scan", "scan/bad", "scan/good"}
            await pilot.press("n", "space", "c", "r", "a")  # "scan cra": both words
            assert screen.model.rows == ["scan/bad"]
            await pilot.press("escape")
            assert len(screen.model.rows) == 14
            await pilot.press("slash", *"CommandJob")  # the class, any case
            assert "crash" not in screen.model.rows and "optimize" in screen.model.rows
            await pilot.press("enter")  # keeps the filter, back to the table
            assert isinstance(app.focused, JobTable) and "optimize" in screen.model.rows
            assert "shown" in screen.query_one(SummaryBar).text().plain
            await pilot.press("escape")
            assert len(screen.model.rows) == 14

    run(go())


def test_sort_keeps_the_cursor_on_its_job(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            table = screen.query_one(JobTable)
            assert table.move_to("optimize")
            await pilot.press("s")  # by status
            assert screen.model.sort_key == "status"
            top = [p for p in screen.model.rows if screen.model.records[p].parent is None]
            statuses = [screen.model.records[p].status for p in top]
            assert statuses == sorted(statuses)
            assert table.cursor_path == "optimize"
            await pilot.press("S")
            top = [p for p in screen.model.rows if screen.model.records[p].parent is None]
            assert [screen.model.records[p].status for p in top] == sorted(statuses, reverse=True)
            assert table.cursor_path == "optimize"

    run(go())


def test_marks_fold_and_keys(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            table = screen.query_one(JobTable)
            await pilot.press("g")
            first = table.cursor_path
            await pilot.press("space", "space")
            assert len(screen.model.marked) == 2 and first in screen.model.marked
            assert screen.selection() == sorted(screen.model.marked)
            assert line_of(app, "crash").startswith("*")
            assert "2 marked" in screen.query_one(SummaryBar).text().plain
            await pilot.press("G")
            assert table.cursor_path == screen.model.rows[-1]
            assert table.move_to("scan")
            await pilot.press("left")  # fold the MultiJob
            assert "scan/bad" not in screen.model.rows and line_of(app, "scan/").split()[0] == "+"
            await pilot.press("right")
            assert "scan/bad" in screen.model.rows
            await pilot.press("escape")  # clears the marks
            assert not screen.model.marked

    run(go())


def test_detail_pane_and_file_viewer(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            table = screen.query_one(JobTable)
            assert table.move_to("crash")
            pane = screen.query_one(DetailPane)
            await until(pilot, lambda: pane.job == "crash", what="the detail of crash")
            text = str(pane.query_one("#detail-text").render())
            assert "segmentation fault" in text  # why it crashed: the last lines of .err
            assert "Timeline" in text and "job = load(" not in text  # no .dill: nothing to load
            assert "no .dill" in text and "-r script.py" in text  # a restart reruns it
            assert table.move_to("optimize")
            await until(pilot, lambda: pane.job == "optimize")
            text = str(pane.query_one("#detail-text").render())
            assert "repeat" in text  # shares its hash
            assert "job = load(" in text and "job.pickle()" in text
            await pilot.press("enter")  # drill in: the files
            files = pane.query_one("#detail-files")
            assert app.focused is files
            names = [str(files.get_option_at_index(i).prompt) for i in range(files.option_count)]
            out = next(i for i, n in enumerate(names) if n.startswith("optimize.out "))
            files.highlighted = out
            await pilot.press("enter")
            assert isinstance(app.screen, FileScreen)
            lines = app.screen.query_one("#lines")
            assert lines.render_line(0).text.split() == ["1", "OK"]
            assert lines.render_line(1).text.split() == ["2", "energy", "-1.5"]
            await pilot.press("escape")
            assert app.screen is screen

    run(go())


def test_file_viewer_big_file_search_and_follow(tmp_path: Path, demo: Path) -> None:
    big = demo / "optimize" / "big.out"
    with open(big, "w") as f:
        for i in range(300_000):
            f.write(f"line {i} of a long output\n")

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await scanned(pilot, app)
            viewer = FileScreen(str(big))
            await app.push_screen(viewer)
            lines = viewer.query_one("#lines")
            assert lines.render_line(0).text.split()[:3] == ["1", "line", "0"]
            await until(pilot, lambda: lines.index.line_count == 300_000, what="counting the lines")
            await pilot.press("G")
            await pilot.pause()
            last = [lines.render_line(y).text for y in range(lines.size.height)]
            assert any("line 299999 of" in t for t in last)
            await pilot.press("g", "slash", *"LINE 123456 ", "enter")  # search ignores case
            assert lines.current == 123456
            assert any("line 123456 of" in lines.render_line(y).text for y in range(lines.size.height))
            await pilot.press("f")  # follow: new lines scroll in
            with open(big, "a") as f:
                f.write("appended while following\n")
            await until(
                pilot,
                lambda: any("appended while" in lines.render_line(y).text for y in range(lines.size.height)),
                what="the appended line",
            )
            await pilot.press("e")  # no terminal to hand over in a test: a notification, no traceback
            await pilot.pause()

    run(go())


def test_help_lists_every_key(demo: Path) -> None:
    from plams_tui.screens.help import help_text

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            await scanned(pilot, app)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, JobsScreen)

    run(go())
    text = help_text().plain
    for key in (
        "/",
        "esc",
        "enter",
        "q",
        "space",
        "g",
        "G",
        "p",
        "ctrl+p",
        "?",
        "s",
        "L",
        "P",
        "d",
        "u",
        "c",
        "r",
        "f",
        "e",
        "n",
    ):
        assert f"  {key} " in text or f" {key}," in text or f", {key} " in text, key


def test_a_job_folder_appears_and_a_status_changes_while_the_app_runs(tmp_path: Path) -> None:
    from plams_core.demo import build_demo

    def end_sleep(job_folder: Path) -> None:
        """End the running job's ``sleep``: its runscript goes on to ``echo OK`` and the job succeeds."""
        for proc in Path("/proc").iterdir():
            try:
                if (proc / "cmdline").read_bytes().split(b"\0")[0] == b"sleep" and os.readlink(
                    proc / "cwd"
                ) == os.path.realpath(job_folder):
                    os.kill(int(proc.name), signal.SIGTERM)
            except (OSError, ValueError):
                continue

    # the job runs until the test ends it (a fixed run time raced the first scan on a loaded machine)
    workdir = build_demo(tmp_path, running=600)

    async def go() -> None:
        app = make_app(workdir)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.model.records["running"].status == "running"
            assert line_of(app, "running").split()[1] == "running"
            table = screen.query_one(JobTable)
            assert table.move_to("repeat")
            copy_job(workdir / "optimize", workdir, "arrived")  # a job folder copied in
            await until(pilot, lambda: "arrived" in screen.model.rows, what="the new job folder")
            assert line_of(app, "arrived").split()[1] == "successful"
            assert table.cursor_path == "repeat"  # the cursor did not jump
            # the running job finishes: its row changes in place
            end_sleep(workdir / "running")
            await until(
                pilot,
                lambda: screen.model.records["running"].status == "successful",
                what="the job to finish",
            )
            await pilot.pause(0.15)
            assert line_of(app, "running").split()[1] == "successful"

    try:
        run(go())
    finally:
        end_sleep(workdir / "running")


def test_pause_holds_changes_until_resumed(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            await pilot.press("p")
            assert "paused" in screen.query_one(SummaryBar).text().plain
            copy_job(demo / "optimize", demo, "while_paused")
            assert screen.watcher is not None
            await until(pilot, lambda: screen.watcher.pending() > 0, what="the watcher to see the copy")
            await pilot.pause(0.3)  # ten flushes: still not shown
            assert "while_paused" not in screen.model.rows
            await pilot.press("p")
            await until(pilot, lambda: "while_paused" in screen.model.rows, what="the held change")
            assert "[live]" in screen.query_one(SummaryBar).text().plain

    run(go())


def test_polling_forced_and_as_fallback(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def forced() -> None:
        app = make_app(demo, poll=0.2)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.watcher is not None and screen.watcher.polling
            assert "polling" in screen.query_one(SummaryBar).text().plain
            write_job(demo, "polled", "polled\n", "OK\n", "")
            await until(pilot, lambda: "polled" in screen.model.rows, what="the polled job")

    run(forced())

    from plams_tui.watcher import _Inotify

    def no_watches(self: object, path: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_Inotify, "add", no_watches)
    notes: list[str] = []

    async def fallback() -> None:
        app = make_app(demo)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            orig = app.notify
            monkeypatch.setattr(app, "notify", lambda msg, **kw: (notes.append(str(msg)), orig(msg, **kw)))
            assert screen.watcher is not None and screen.watcher.polling
            await until(pilot, lambda: "polling" in str(app._notifications._notifications.values()) or notes)
            write_job(demo, "fallback", "fb\n", "OK\n", "")
            await until(pilot, lambda: "fallback" in screen.model.rows, what="the job seen by polling")

    run(fallback())
    shutil.rmtree(demo / "fallback")


def test_q_quits(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            await scanned(pilot, app)
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running

    run(go())


def test_a_row_inserted_above_does_not_move_the_cursor_on_screen(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo)
        async with app.run_test(size=(160, 24)) as pilot:  # the table scrolls
            screen = await scanned(pilot, app)
            table = screen.query_one(JobTable)
            await pilot.press("G")
            path, on_screen = table.cursor_path, table.cursor_row - int(table.scroll_y)
            assert int(table.scroll_y) > 0
            copy_job(demo / "optimize", demo, "aaa_first")  # sorts above everything
            await until(pilot, lambda: "aaa_first" in screen.model.rows, what="the new row")
            await pilot.pause()
            assert table.cursor_path == path
            assert table.cursor_row - int(table.scroll_y) == on_screen

    run(go())
