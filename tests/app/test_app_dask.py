"""A job run on Dask shows which worker ran it: in ``plams-tui show`` and in the app's detail pane."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import until

pytest.importorskip("distributed")

from plams_tui.app import make_app  # noqa: E402
from plams_tui.cli import main  # noqa: E402
from plams_tui.screens import JobsScreen  # noqa: E402
from plams_tui.widgets import DetailPane, JobTable  # noqa: E402

SCRIPT = """\
jobs = [CommandJob("echo hi", input=f"dask job {i}", name=f"d{i}") for i in range(2)]
for j in jobs: j.run()
for j in jobs: j.results.wait()
"""


@pytest.fixture(scope="module")
def dask_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dask")
    (root / "s.py").write_text(SCRIPT)
    subprocess.run(
        [sys.executable, "-m", "plams_core", "-f", "wd", "--dask", "local:2", "s.py"],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root / "wd"


def test_show_names_the_dask_worker(dask_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(dask_folder), "d0", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert re.fullmatch(r"tcp://127\.0\.0\.1:\d+", data["dask_worker"])
    assert main(["show", str(dask_folder), "d1"]) == 0
    assert re.search(r"dask worker:\s+tcp://127\.0\.0\.1:\d+", capsys.readouterr().out)


def test_the_detail_pane_names_the_dask_worker(dask_folder: Path) -> None:
    async def go() -> None:
        app = make_app(dask_folder, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = app.screen
            assert isinstance(screen, JobsScreen)
            await until(pilot, lambda: not screen.scanning and screen.model.rows, what="the first scan")
            assert screen.query_one(JobTable).move_to("d1")
            pane = screen.query_one(DetailPane)
            await until(pilot, lambda: pane.job == "d1", what="the detail of d1")
            await until(
                pilot,
                lambda: "Dask worker" in str(pane.query_one("#detail-text").render()),
                what="the worker line",
            )
            assert re.search(
                r"Dask worker tcp://127\.0\.0\.1:\d+", str(pane.query_one("#detail-text").render())
            )

    asyncio.run(go())
