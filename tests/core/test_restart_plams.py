"""A script written for real PLAMS (``from scm.plams import ...``) is restarted with real PLAMS 2026.104."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.restarts import counts, kill_group, plams_tui, reach, release, write_script  # noqa: E402

pytest.importorskip("scm.plams")


@pytest.fixture
def crashed(tmp_path: Path) -> tuple[Path, Path]:
    """A folder made by running the script with real PLAMS, as a user does: ``python script.py``."""
    script = write_script(tmp_path, real_plams=True)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert "STATUSES successful crashed crashed" in proc.stdout, proc.stdout + proc.stderr
    return tmp_path / "plams_workdir", script


def load_all_with_real_plams(workdir: Path) -> dict[str, str]:
    code = (
        "import sys, json; from scm.plams import load_all\n"
        "jobs = load_all(sys.argv[1])\n"
        "print(json.dumps({j.name: str(j.status) for j in jobs.values()}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(workdir)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_real_plams_script_restarts_with_real_plams(crashed: tuple[Path, Path]) -> None:
    workdir, script = crashed
    tmp = workdir.parent
    plan = plams_tui("restart", str(workdir), "--script", str(script), "--dry-run", "--json")
    assert plan.returncode == 0, plan.stderr
    actions = {j["path"]: j["action"] for j in json.loads(plan.stdout)}
    assert actions == {"a": "reuse", "flaky": "rerun", "b": "rerun"}
    text = plams_tui("restart", str(workdir), "--script", str(script), "--dry-run")
    assert "real PLAMS (scm.plams)" in text.stdout

    (tmp / "flag").touch()
    proc = plams_tui("restart", str(workdir), "--script", str(script), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "STATUSES copied successful successful" in proc.stdout
    assert counts(tmp) == {"a": 1, "flaky": 2, "b": 2}
    assert sorted(p for p in os.listdir(tmp) if p.startswith("plams_workdir")) == ["plams_workdir"]
    assert load_all_with_real_plams(workdir) == {"a": "copied", "flaky": "successful", "b": "successful"}


def test_real_plams_restart_killed_while_a_job_runs_resumes(
    crashed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from plams_core.restart import leftover, plan_restart, start_restart

    workdir, script = crashed
    tmp = workdir.parent
    (tmp / "flag").touch()
    fifo = tmp / "hold.fifo"
    os.mkfifo(fifo)
    monkeypatch.setenv("HOLD", str(fifo))
    run = start_restart(plan_restart(workdir, script))
    monkeypatch.delenv("HOLD")
    assert reach(fifo), "\n".join(run.output)
    kill_group(run.pid)
    run.wait()
    release(fifo)
    assert leftover(workdir).stashes
    proc = plams_tui("restart", str(workdir), "--script", str(script), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "STATUSES copied copied successful" in proc.stdout
    assert counts(tmp) == {"a": 1, "flaky": 2, "b": 3}
    assert sorted(p for p in os.listdir(tmp) if p.startswith("plams_workdir")) == ["plams_workdir"]
