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


def test_folder_made_by_plams_launcher_restarts_with_real_plams(tmp_path: Path) -> None:
    """A launcher-style script (no imports: PLAMS's launcher injects its names) and its saved ``input``."""
    from fixtures.restarts import JOBS, REAL_PLAMS_HEADER

    text = REAL_PLAMS_HEADER.replace("from scm.plams import SingleJob\n", "") + JOBS.format(
        counts=tmp_path / "counts", flag=tmp_path / "flag"
    )
    script = tmp_path / "launcher_script.py"
    script.write_text(text)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "scm.plams.scripts.plams", "-f", "wd", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "STATUSES successful crashed crashed" in proc.stdout, proc.stdout + proc.stderr
    workdir = tmp_path / "wd"
    dry = plams_tui("restart", str(workdir), "--dry-run")  # the script saved in wd/input
    assert "real PLAMS (scm.plams)" in dry.stdout, dry.stdout + dry.stderr
    plan = {
        j["path"]: j for j in json.loads(plams_tui("restart", str(workdir), "--dry-run", "--json").stdout)
    }
    # The launcher pickles a class defined in the script together with the launcher's globals,
    # which the static reader may judge unsafe: then `a` is never unpickled and reruns.
    a_runs = 1 if plan["a"]["action"] == "reuse" else 2
    assert plan["a"]["action"] == "reuse" or plan["a"]["reason"].startswith("unsafe")
    (tmp_path / "flag").touch()
    proc2 = plams_tui("restart", str(workdir), "--yes")
    assert proc2.returncode == 0, proc2.stdout + proc2.stderr
    assert f"STATUSES {'copied' if a_runs == 1 else 'successful'} successful successful" in proc2.stdout
    assert counts(tmp_path) == {"a": a_runs, "flaky": 2, "b": 2}
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("wd")) == ["wd"]
