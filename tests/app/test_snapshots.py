"""Snapshots (pytest-textual-snapshot) of the table, the detail pane, the file viewer, a confirmation
modal and help, on a folder whose names, contents and times are fixed (tests/app/folders.py) at a
fixed path, in UTC. Update with ``pytest tests/app/test_snapshots.py --snapshot-update``."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import until
from folders import build_fixed

from plams_tui.app import PlamsApp, make_app

SNAP_PARENT = Path("/tmp/plams-tui-snapshots")
SIZE = (140, 40)


@pytest.fixture
def fixed_folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The fixed folder at a fixed path (one test at a time holds it), times shown in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    SNAP_PARENT.mkdir(exist_ok=True)
    with open(str(SNAP_PARENT) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(SNAP_PARENT / "plams_workdir", ignore_errors=True)
        yield build_fixed(SNAP_PARENT)
        shutil.rmtree(SNAP_PARENT / "plams_workdir", ignore_errors=True)
    monkeypatch.delenv("TZ")
    time.tzset()


def app_on(folder: Path) -> PlamsApp:
    return make_app(folder, watch=False)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen_stack[0]
    await until(pilot, lambda: not screen.scanning and screen.model.rows)
    pane = screen.query_one("#detail")
    await until(pilot, lambda: pane.job is not None)
    await pilot.pause()


def test_table_and_detail_pane(snap_compare, fixed_folder: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        pane = pilot.app.screen_stack[0].query_one("#detail")
        assert pane.job == "crash"  # the first row: why it crashed, its timeline, its files

    assert snap_compare(app_on(fixed_folder), terminal_size=SIZE, run_before=run_before)


def test_filter_and_marks(snap_compare, fixed_folder: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("space", "space", "s")
        await pilot.press("slash", *"opt")
        await pilot.pause()

    assert snap_compare(app_on(fixed_folder), terminal_size=SIZE, run_before=run_before)


def test_file_viewer(snap_compare, fixed_folder: Path) -> None:  # type: ignore[no-untyped-def]
    out = fixed_folder / "optimize" / "optimize.out"
    out.write_text("".join(f"step {i}: energy -1.{i:04d}\n" for i in range(500)))
    os.utime(out, (1_780_000_000, 1_780_000_000))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        from plams_tui.screens import FileScreen

        await settle(pilot)
        await pilot.app.push_screen(FileScreen(str(out)))
        await pilot.press("slash", *"step 42:", "enter")
        await pilot.pause()

    assert snap_compare(app_on(fixed_folder), terminal_size=SIZE, run_before=run_before)


def test_confirmation_modal(snap_compare, fixed_folder: Path) -> None:  # type: ignore[no-untyped-def]
    from plams_core.workdir import CleanPlan
    from rich.text import Text

    from plams_tui.actions import describe_plan
    from plams_tui.dialogs import ConfirmDialog

    plan = CleanPlan(
        files=("crash/crash.out", "crash/crash.err", "fail/fail.out"),
        bytes=1234,
        jobs=(("crash", "['$JN.in']"), ("fail", "['$JN.in']")),
    )

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.app.push_screen(
            ConfirmDialog(
                Text("Clean: delete the files PLAMS's cleaning would delete"),
                describe_plan("clean", plan, str(fixed_folder)).rich(),
                "Delete files",
            )
        )
        await pilot.pause()

    assert snap_compare(app_on(fixed_folder), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare, fixed_folder: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app_on(fixed_folder), terminal_size=(140, 60), run_before=run_before)
