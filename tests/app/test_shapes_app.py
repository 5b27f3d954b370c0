"""The app on working folders in the shapes a kill leaves, made by real PLAMS 2026.104 (see tests/SHAPES.md)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_app import line_of, scanned, snapshot_of

from plams_tui.app import make_app

pytest.importorskip("scm.plams")

# The runscript of `killer` kills the PLAMS script (its parent) with SIGKILL while the job
# runs: no csv row, no .dill, the log's last word RUNNING. `cut` gets its .dill cut short
# afterwards, as a Ctrl-C during pickling leaves it.
SCRIPT = """\
from scm.plams import MultiJob, SingleJob, init


class ShJob(SingleJob):
    def get_input(self):
        return self.settings.input.text

    def get_runscript(self):
        return self.settings.input.cmd + "\\n"


def mk(name, text, cmd="true"):
    job = ShJob(name=name)
    job.settings.input.text = text
    job.settings.input.cmd = cmd
    return job


init(folder="wd")
mk("cut", "c\\n").run()
MultiJob(name="multi", children=[mk("ok", "o\\n"), mk("killer", "k\\n", "kill -9 $PPID")]).run()
mk("never", "n\\n").run()
"""


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("killed")
    (tmp / "script.py").write_text(SCRIPT)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "script.py"], cwd=tmp, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -9, proc.stdout + proc.stderr  # killed by its own job
    dill = tmp / "wd" / "cut" / "cut.dill"
    dill.write_bytes(dill.read_bytes()[:2])
    return tmp / "wd"


def test_app_shows_a_killed_real_plams_folder_as_ls_does(killed: Path) -> None:
    from plams_core.index import scan_workdir

    truth = {r.path: r for r in scan_workdir(killed)}
    assert {p: (r.status, r.interrupted, r.dill) for p, r in truth.items()} == {
        "cut": ("successful", False, "corrupt"),
        "multi": ("running", True, "missing"),
        "multi/ok": ("successful", False, "ok"),
        "multi/killer": ("running", True, "missing"),
    }
    before = snapshot_of(killed)

    async def go() -> None:
        app = make_app(killed, watch=True)
        async with app.run_test(size=(200, 40)) as pilot:
            screen = await scanned(pilot, app)
            assert sorted(screen.model.rows) == sorted(truth)
            assert "running (interrupted)" in line_of(app, "killer")
            assert "running (interrupted)" in line_of(app, "multi/")
            assert "corrupt" in line_of(app, "cut") and "successful" in line_of(app, "cut")
            for key in ("G", "enter", "escape", "g", "enter", "enter", "escape", "escape", "s", "S"):
                await pilot.press(key)  # move, open a job and a file, back, sort: nothing breaks
            await pilot.pause()
            assert sorted(screen.model.rows) == sorted(truth)

    asyncio.run(go())
    assert snapshot_of(killed) == before  # opening wrote nothing
