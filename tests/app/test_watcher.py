"""What the app watches (plams_tui/watcher.py): the working folder, live jobs, the job in the
detail pane, new folders; the rest by a slow sweep. Each path a change can take to a row."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import until
from folders import build_fixed, write_job

import plams_tui.watcher as watcher_module
from plams_tui.app import PlamsApp, make_app
from plams_tui.screens import JobsScreen
from plams_tui.widgets import JobTable


async def scanned(pilot, app: PlamsApp) -> JobsScreen:  # type: ignore[no-untyped-def]
    screen = app.screen_stack[0]
    assert isinstance(screen, JobsScreen)
    await until(pilot, lambda: not screen.scanning and screen.model.rows, what="the first scan")
    await until(pilot, lambda: screen.watcher is not None and "" in screen.watcher.watched(), what="watching")
    await pilot.pause()
    return screen


async def settled(pilot, screen: JobsScreen) -> None:  # type: ignore[no-untyped-def]
    """Until what the watcher reported has been refreshed."""
    await until(
        pilot,
        lambda: screen.watcher is not None and not screen.watcher.pending() and not screen._refreshing,
        what="refreshes to finish",
    )


@pytest.fixture
def no_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The slow sweep never runs: what the test sees came from inotify."""
    monkeypatch.setattr(watcher_module, "SWEEP_MIN_SECONDS", 1e12)


def test_a_status_announced_only_by_the_logfile(tmp_path: Path, no_sweep: None) -> None:
    root = build_fixed(tmp_path)
    # a job another machine runs: its folder here is never written again, only the log says
    write_job(root, "remote", "far away\n", "started\n", "")
    with open(root / "logfile", "a") as f:
        f.write("[28.05|11:00:00] JOB remote STARTED\n[28.05|11:00:01] JOB remote RUNNING\n")

    async def go() -> None:
        app = make_app(root)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            rec = screen.model.records["remote"]
            assert (rec.status, rec.interrupted) == ("running", True)
            assert screen.watcher is not None
            watched = screen.watcher.watched()
            # the working folder and the job in the detail pane; no job runs ("pending" is
            # registered, with no process: interrupted)
            assert watched == {"", screen.query_one(JobTable).cursor_path}
            with open(root / "logfile", "a") as f:
                f.write("[28.05|11:05:00] JOB remote SUCCESSFUL\n")
            await until(
                pilot, lambda: screen.model.records["remote"].status == "successful", what="the logged status"
            )
            assert "remote" not in screen.watcher.watched()

    asyncio.run(go())


def test_a_finished_job_edited_by_hand_shows_with_the_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watcher_module, "SWEEP_MIN_SECONDS", 0.2)
    root = build_fixed(tmp_path)

    async def go() -> None:
        app = make_app(root)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.watcher is not None
            assert screen.query_one(JobTable).cursor_path != "optimize"
            assert "optimize" not in screen.watcher.watched()
            await pilot.pause(1.2)  # a first pass of the sweep has looked at every job
            before = screen.model.records["optimize"]
            (root / "optimize" / "optimize.in").write_text("geometry 1, edited\n")  # in place
            await until(pilot, lambda: screen.model.records["optimize"].hash != before.hash, what="the sweep")
            assert "optimize" not in screen.watcher.watched()

    asyncio.run(go())


def test_a_new_folder_is_watched_before_its_files_are_written(tmp_path: Path, no_sweep: None) -> None:
    root = build_fixed(tmp_path)

    async def go() -> None:
        app = make_app(root)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.watcher is not None
            (root / "late").mkdir()  # no job yet: nothing names it
            await until(pilot, lambda: "late" in screen.watcher.watched(), what="a watch on the new folder")  # type: ignore[union-attr]
            await settled(pilot, screen)
            assert "late" not in screen.model.records
            for ext, text in (("in", "late\n"), ("run", "#!/bin/sh\n"), ("out", "OK\n"), ("err", "")):
                (root / "late" / f"late.{ext}").write_text(text)
            await until(pilot, lambda: "late" in screen.model.rows, what="the new job's row")

    asyncio.run(go())


def test_the_job_in_the_detail_pane_is_watched(tmp_path: Path, no_sweep: None) -> None:
    root = build_fixed(tmp_path)

    async def go() -> None:
        app = make_app(root)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.watcher is not None
            assert "fail" not in screen.watcher.watched()
            assert screen.query_one(JobTable).move_to("fail")
            await until(pilot, lambda: "fail" in screen.watcher.watched(), what="the detail job watched")  # type: ignore[union-attr]
            (root / "fail" / "notes.txt").write_text("looked at it\n")
            await until(pilot, lambda: "notes.txt" in screen.model.records["fail"].files, what="the new file")

    asyncio.run(go())


def test_folders_followed_before_the_watcher_is_up_are_watched_and_read(tmp_path: Path) -> None:
    (tmp_path / "job").mkdir()
    posted: list[object] = []
    w = watcher_module.Watcher(str(tmp_path), posted.append)
    w.follow(["job"])  # the app may ask before start() (in a worker) is done
    w.start()
    try:
        assert w.watched() == {"", "job"}
        assert w.take() == [str(tmp_path / "job")]  # read once more: what came before the watch
        w.follow([])  # let go, after the grace period
        assert "job" in w.watched()
    finally:
        w.stop()
