"""A restart killed with kill -9 at every point loses nothing, and the next one reruns nothing finished.

The restart is stopped deterministically at a named point (``PLAMS_CORE_STOP_AT`` and a
fifo, see :mod:`plams_core.restart`) or while job ``b`` runs (its command waits on a fifo),
then its whole process group is killed with SIGKILL. Each job's command appends its name
to ``counts``: the assertions are how often each command ran.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.restarts import (  # noqa: E402
    counts,
    group_pids,
    kill_group,
    plams_tui,
    reach,
    release,
    run_plams_core,
    wait_gone,
    write_script,
)


@pytest.fixture
def crashed(tmp_path: Path) -> Path:
    script = write_script(tmp_path)
    proc = run_plams_core(tmp_path, "-f", "wd", str(script))
    assert "STATUSES successful crashed crashed" in proc.stdout, proc.stderr
    (tmp_path / "flag").touch()  # from now on flaky and b succeed
    return tmp_path / "wd"


def start(workdir: Path, monkeypatch: pytest.MonkeyPatch, **env: str):  # type: ignore[no-untyped-def]
    from plams_core.restart import plan_restart, start_restart

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    plan = plan_restart(workdir)
    run = start_restart(plan)
    for key in env:
        monkeypatch.delenv(key)
    return run


# point -> how often each command has run once the second restart is done
POINTS = {
    "before-move": {"a": 1, "flaky": 2, "b": 2},
    "after-move": {"a": 1, "flaky": 2, "b": 2},
    "loading": {"a": 1, "flaky": 2, "b": 2},
    "job-running": {"a": 1, "flaky": 2, "b": 3},  # b was killed half-way: it runs again, flaky not
    "before-cleanup": {"a": 1, "flaky": 2, "b": 2},
    "cleaning": {"a": 1, "flaky": 2, "b": 2},
}


@pytest.mark.parametrize("point", list(POINTS))
def test_kill_9_at_each_point_then_restart_finishes_without_rerunning(
    crashed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    from plams_core.restart import leftover

    fifo = tmp_path / "stop.fifo"
    os.mkfifo(fifo)
    a_out = (crashed / "a" / "a.out").read_bytes()
    if point == "job-running":
        run = start(crashed, monkeypatch, HOLD=str(fifo))
    else:
        run = start(crashed, monkeypatch, PLAMS_CORE_STOP_AT=point, PLAMS_CORE_STOP_FIFO=str(fifo))
    reached = reach(fifo)
    kill_group(run.pid)
    run.wait()
    release(fifo)
    assert reached, "\n".join(run.output)
    assert run.returncode == -signal.SIGKILL

    lo = leftover(crashed)
    if point == "before-move":
        assert not lo
    elif point == "cleaning":  # the only stash was renamed .discard: wd is complete
        assert not lo.stashes and lo.discards and "nothing in it is needed" in lo.message
    else:
        assert lo.stashes and lo.stashes[0].endswith("wd.res"), lo
        assert "unfinished restart" in lo.message
    assert lo.exists == (point not in ("after-move",))
    if point == "job-running":
        ls = plams_tui("ls", str(crashed), "--json")
        assert '"b"' in ls.stdout
        plan = plams_tui("restart", str(crashed), "--dry-run", "--json")
        assert plan.returncode == 0, plan.stderr
        import json

        actions = {j["path"]: (j["action"], j["reason"]) for j in json.loads(plan.stdout)}
        assert actions["a"][0] == "reuse" and actions["flaky"][0] == "reuse"
        assert actions["b"][0] == "rerun" and "interrupted" in actions["b"][1]

    second = plams_tui("restart", str(crashed), "--yes")
    assert second.returncode == 0, second.stdout + second.stderr
    assert counts(tmp_path) == POINTS[point]
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("wd")) == ["wd"]  # no .res, no .discard
    for job in ("a", "flaky", "b"):
        assert (crashed / job / f"{job}.dill").is_file()
    assert (crashed / "a" / "a.out").read_bytes() == a_out


def test_orphaned_runscript_blocks_the_restart_and_is_named(
    crashed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "hold.fifo"
    os.mkfifo(fifo)
    run = start(crashed, monkeypatch, HOLD=str(fifo))
    assert reach(fifo)  # b runs, waiting on the fifo
    orphans = [p for p in group_pids(run.pid) if p != run.pid]
    os.kill(run.pid, signal.SIGKILL)  # only the master: its runscript lives on
    run.wait()
    try:
        refused = plams_tui("restart", str(crashed), "--yes")
        assert refused.returncode == 2
        assert "processes still work in wd" in refused.stderr
        for pid in orphans:
            assert str(pid) in refused.stderr
        assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 2}  # nothing ran again
    finally:
        release(fifo)
        wait_gone(orphans)
    second = plams_tui("restart", str(crashed), "--yes")
    assert second.returncode == 0, second.stdout + second.stderr
    assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 3}
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("wd")) == ["wd"]


def test_cancel_stops_the_run_and_the_next_restart_resumes(
    crashed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "hold.fifo"
    os.mkfifo(fifo)
    lines: list[str] = []
    from plams_core.restart import plan_restart, start_restart

    monkeypatch.setenv("HOLD", str(fifo))
    run = start_restart(plan_restart(crashed), on_output=lines.append)
    monkeypatch.delenv("HOLD")
    assert reach(fifo)
    run.cancel()  # SIGINT to the group, as Ctrl-C would
    assert run.wait() == 130
    release(fifo)
    assert run.poll() == 130 and run.returncode == 130
    assert any("JOB b RUNNING" in line for line in lines)
    assert any("previous run stays in" in line for line in lines)
    second = plams_tui("restart", str(crashed), "--yes")
    assert second.returncode == 0, second.stdout
    assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 3}


def test_two_killed_restarts_then_resume_or_roll_back(
    crashed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fixtures.restarts import snapshot
    from plams_core.restart import leftover

    fifo = tmp_path / "hold.fifo"
    os.mkfifo(fifo)
    original = snapshot(crashed)
    for _ in range(2):
        run = start(crashed, monkeypatch, HOLD=str(fifo))
        assert reach(fifo)
        kill_group(run.pid)
        run.wait()
        release(fifo)
    lo = leftover(crashed)
    assert [Path(s).name for s in lo.stashes] == ["wd.res", "wd.res2"] and lo.exists
    assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 3}  # flaky finished in the first attempt only

    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("wd", "wd.res", "wd.res2"):
        shutil.copytree(tmp_path / name, copy / name, symlinks=True)
    back = plams_tui("restart", str(copy / "wd"), "--rollback", "--yes")
    assert back.returncode == 0, back.stderr
    assert sorted(os.listdir(copy)) == ["wd"]

    def content(snap: dict[str, tuple[str, int, str]]) -> dict[str, tuple[str, int, str]]:
        return {k: (kind, mode, digest.split(":")[0]) for k, (kind, mode, digest) in snap.items()}

    assert content(snapshot(copy / "wd")) == content(original)  # the folder before the restarts

    second = plams_tui("restart", str(crashed), "--yes")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "STATUSES copied copied successful" in second.stdout
    assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 4}
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("wd")) == ["wd"]


def test_into_killed_while_a_job_runs_then_into_again_resumes(
    crashed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fixtures.restarts import snapshot
    from plams_core.restart import plan_restart, start_restart

    fifo = tmp_path / "hold.fifo"
    os.mkfifo(fifo)
    old = snapshot(crashed)
    new = tmp_path / "new"
    monkeypatch.setenv("HOLD", str(fifo))
    run = start_restart(plan_restart(crashed, into=new))
    monkeypatch.delenv("HOLD")
    assert reach(fifo)
    kill_group(run.pid)
    run.wait()
    release(fifo)
    assert new.is_dir() and (new / "flaky" / "flaky.dill").is_file()

    plan = plams_tui("restart", str(crashed), "--into", str(new), "--dry-run")
    assert "Loads jobs from: wd, new" in plan.stdout
    second = plams_tui("restart", str(crashed), "--into", str(new), "--yes")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "STATUSES copied copied successful" in second.stdout
    assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 3}
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith(("wd", "new"))) == ["new", "wd"]
    assert snapshot(crashed) == old  # --into never changes the folder it restarts from
