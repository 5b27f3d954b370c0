"""Restart from the app, live: the plan in a modal, the run's output in the log panel, rows that
change as jobs run, counts, and cancel (SIGINT) after which the next restart resumes."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from conftest import until
from test_app import scanned

from plams_tui.app import make_app
from plams_tui.dialogs import ConfirmDialog, RestartDialog
from plams_tui.widgets import RestartLog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.restarts import counts, plams_tui, run_plams_core, write_script  # noqa: E402


def crashed(tmp: Path) -> Path:
    """tmp/wd after a first run: ``a`` successful, ``flaky`` and ``b`` crashed (until ``flag`` exists)."""
    script = write_script(tmp)
    proc = run_plams_core(tmp, "-f", "wd", str(script))
    assert "STATUSES successful crashed crashed" in proc.stdout, proc.stdout + proc.stderr
    return tmp / "wd"


def stashes(tmp: Path) -> list[str]:
    return [n for n in os.listdir(tmp) if re.search(r"\.res\d*$", n)]


async def confirm_restart(pilot, app) -> str:  # type: ignore[no-untyped-def]
    await pilot.press("r")
    await until(
        pilot,
        lambda: isinstance(app.screen, RestartDialog) and app.screen.plan is not None,
        what="the restart plan",
    )
    text = app.screen.text
    await pilot.press("ctrl+r")
    return text


def test_restart_reruns_the_crashed_jobs_live_and_keeps_the_finished_one(tmp_path: Path) -> None:
    wd = crashed(tmp_path)
    (tmp_path / "flag").touch()

    async def go() -> None:
        app = make_app(wd)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.model.records["flaky"].status == "crashed"
            text = await confirm_restart(pilot, app)
            assert "reuse" in text and "rerun" in text and "flaky" in text
            log = screen.query_one(RestartLog)
            await until(pilot, lambda: log.display, what="the restart to start")  # (it may end quickly)
            await until(pilot, lambda: not screen.restarting and not screen.scanning, 120, "the run's end")
            await until(
                pilot, lambda: screen.model.records["flaky"].status == "successful", what="flaky's row"
            )
            assert screen.model.records["b"].status == "successful"
            assert any("STATUSES copied successful successful" in line for line in log.lines)
            assert log.done == log.total == 2 and "return code 0" in log.state

    asyncio.run(go())
    assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 2}  # a's command did not run again
    assert stashes(tmp_path) == []


def test_cancel_stops_the_run_and_the_next_restart_resumes(tmp_path: Path) -> None:
    wd = crashed(tmp_path)
    (tmp_path / "flag").touch()
    hold = tmp_path / "hold"
    os.mkfifo(hold)
    os.environ["HOLD"] = str(hold)  # b's command waits on the fifo (nobody writes: it waits until cancelled)

    async def go() -> None:
        app = make_app(wd)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            await confirm_restart(pilot, app)
            await until(pilot, lambda: counts(tmp_path)["b"] == 2, 120, "b to run")
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the cancel question")
            await pilot.press("y")
            await until(pilot, lambda: not screen.restarting and not screen.scanning, 120, "the run's end")
            log = screen.query_one(RestartLog)
            assert "cancelled" in log.state
            assert screen.model.records["flaky"].status == "successful"
            assert screen.model.records["b"].status != "successful"

    try:
        asyncio.run(go())
    finally:
        del os.environ["HOLD"]
    assert stashes(tmp_path)  # the unfinished restart left its stash: nothing lost
    proc = plams_tui("restart", str(wd), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        "STATUSES copied copied successful" in proc.stdout
        or "STATUSES copied successful successful" in proc.stdout
    )
    assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 3}  # only b reran
    assert stashes(tmp_path) == []
