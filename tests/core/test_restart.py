"""plams-tui restart end to end: the plan, in place (-r), --into (-l), the lock, rollback, leftovers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.restarts import counts, plams_tui, run_plams_core, snapshot, write_script  # noqa: E402


@pytest.fixture
def crashed(tmp_path: Path) -> Path:
    """tmp/wd after a first run: ``a`` successful, ``flaky`` and ``b`` crashed."""
    script = write_script(tmp_path)
    proc = run_plams_core(tmp_path, "-f", "wd", str(script))
    assert proc.returncode == 0, proc.stderr
    assert "STATUSES successful crashed crashed" in proc.stdout
    assert counts(tmp_path) == {"a": 1, "flaky": 1, "b": 1}
    return tmp_path / "wd"


def plan_of(workdir: Path, *args: str) -> dict[str, dict[str, str]]:
    proc = plams_tui("restart", str(workdir), "--dry-run", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return {job["path"]: job for job in json.loads(proc.stdout)}


def files_of(folder: Path) -> dict[str, bytes]:
    """The files of a job folder but its .dill (a reused job is pickled again, as ``copied``)."""
    assert (folder / f"{folder.name}.dill").is_file()
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.suffix != ".dill"}


def test_dry_run_plans_reuse_and_rerun_and_writes_nothing(crashed: Path) -> None:
    before, beside = snapshot(crashed), sorted(os.listdir(crashed.parent))
    plan = plan_of(crashed)
    assert plan["a"]["action"] == "reuse" and "dill ok" in plan["a"]["reason"]
    assert plan["flaky"]["action"] == "rerun" and plan["flaky"]["reason"].startswith("crashed")
    assert plan["b"]["action"] == "rerun" and plan["b"]["reason"].startswith("crashed")
    text = plams_tui("restart", str(crashed), "--dry-run")
    assert text.returncode == 0 and "1 to reuse, 2 to rerun" in text.stdout
    assert snapshot(crashed) == before and sorted(os.listdir(crashed.parent)) == beside


def test_restart_in_place_reruns_only_the_crashed_jobs(crashed: Path) -> None:
    tmp = crashed.parent
    a_files = files_of(crashed / "a")
    (tmp / "flag").touch()
    proc = plams_tui("restart", str(crashed), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "STATUSES copied successful successful" in proc.stdout
    assert counts(tmp) == {"a": 1, "flaky": 2, "b": 2}  # a's command did not run again
    assert sorted(os.listdir(tmp)) == ["counts", "flag", "script.py", "wd"]  # no .res left
    assert files_of(crashed / "a") == a_files  # every file of the reused job, same bytes
    plan = plan_of(crashed)
    assert {p: j["action"] for p, j in plan.items()} == {"a": "reuse", "flaky": "reuse", "b": "reuse"}


def test_restart_into_a_new_folder_leaves_the_old_one(crashed: Path) -> None:
    tmp = crashed.parent
    before = snapshot(crashed)
    a_files = files_of(crashed / "a")
    (tmp / "flag").touch()
    proc = plams_tui("restart", str(crashed), "--into", str(tmp / "new"), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "STATUSES copied successful successful" in proc.stdout
    assert counts(tmp) == {"a": 1, "flaky": 2, "b": 2}
    assert snapshot(crashed) == before
    assert files_of(tmp / "new" / "a") == a_files
    assert (tmp / "new" / "input").read_text() == (crashed / "input").read_text()
    assert sorted(os.listdir(tmp)) == ["counts", "flag", "new", "script.py", "wd"]


def test_without_yes_and_without_a_terminal_nothing_happens(crashed: Path) -> None:
    before = snapshot(crashed)
    proc = plams_tui("restart", str(crashed))
    assert proc.returncode == 2
    assert "not confirmed" in proc.stderr and "pass --yes" in proc.stderr
    assert "1 to reuse, 2 to rerun" in proc.stdout  # the plan was shown
    assert snapshot(crashed) == before


def test_a_second_writer_is_refused(crashed: Path) -> None:
    # A process holding the folder's one-writer lock, as a running plams_core script does.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from plams_core.jobmanager import lock_workdir; fd = lock_workdir(sys.argv[1]); "
            "print('locked', flush=True); sys.stdin.read()",
            str(crashed),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        before = snapshot(crashed)
        proc = plams_tui("restart", str(crashed), "--yes")
        assert proc.returncode == 2
        assert proc.stderr.startswith("plams-tui: error: ") and "in use" in proc.stderr
        assert f"pid {holder.pid} on " in proc.stderr and ", started " in proc.stderr  # the holder, named
        assert len(proc.stderr.splitlines()) == 1
        assert snapshot(crashed) == before
        dry = plams_tui("restart", str(crashed), "--dry-run")
        assert "Refused now:" in dry.stdout
    finally:
        holder.communicate("")
    assert counts(crashed.parent) == {"a": 1, "flaky": 1, "b": 1}


def test_failed_restart_is_recognised_resumed_and_rolled_back(crashed: Path) -> None:
    from plams_core.restart import leftover

    tmp = crashed.parent
    original = snapshot(crashed)
    broken = tmp / "broken.py"
    broken.write_text((tmp / "script.py").read_text() + "raise RuntimeError('after the jobs')\n")
    (tmp / "flag").touch()
    proc = plams_tui("restart", str(crashed), "--script", str(broken), "--yes")
    assert proc.returncode == 1
    assert "previous run stays in" in proc.stdout
    lo = leftover(crashed)
    assert [Path(s).name for s in lo.stashes] == ["wd.res"] and lo.exists
    assert "unfinished restart" in lo.message and "--rollback" in lo.message
    # The plan loads both: flaky and b finished in the failed attempt, a in the original.
    plan = plan_of(crashed)
    assert {p: j["action"] for p, j in plan.items()} == {"a": "reuse", "flaky": "reuse", "b": "reuse"}
    assert plan["a"]["source"] == "wd" and plan["b"]["source"] == "wd"

    into = plams_tui("restart", str(crashed), "--into", str(tmp / "new"), "--yes")
    assert into.returncode == 2 and "has an unfinished restart (wd.res beside it)" in into.stderr
    assert not (tmp / "new").exists()

    dry = plams_tui("restart", str(crashed), "--rollback", "--dry-run")
    assert dry.returncode == 0 and "wd.res becomes" in dry.stdout
    assert leftover(crashed).stashes  # the dry run changed nothing
    back = plams_tui("restart", str(crashed), "--rollback", "--yes")
    assert back.returncode == 0, back.stderr
    assert snapshot(crashed) == original
    assert sorted(os.listdir(tmp)) == ["broken.py", "counts", "flag", "script.py", "wd"]
    assert not leftover(crashed)


def test_resume_after_a_failed_restart_reruns_nothing_finished(crashed: Path) -> None:
    tmp = crashed.parent
    broken = tmp / "broken.py"
    broken.write_text((tmp / "script.py").read_text() + "raise RuntimeError('after the jobs')\n")
    (tmp / "flag").touch()
    assert plams_tui("restart", str(crashed), "--script", str(broken), "--yes").returncode == 1
    assert counts(tmp) == {"a": 1, "flaky": 2, "b": 2}
    proc = plams_tui("restart", str(crashed), "--script", str(tmp / "script.py"), "--yes")
    assert proc.returncode == 0, proc.stdout
    assert "STATUSES copied copied copied" in proc.stdout
    assert counts(tmp) == {"a": 1, "flaky": 2, "b": 2}
    assert sorted(os.listdir(tmp)) == ["broken.py", "counts", "flag", "script.py", "wd"]


def test_unsafe_dill_is_never_loaded_and_its_job_reruns(crashed: Path) -> None:
    tmp = crashed.parent
    canary = tmp / "canary"
    dill_path = crashed / "a" / "a.dill"
    import pickle

    class Boom:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {canary}",))

    dill_path.write_bytes(pickle.dumps(Boom()))
    plan = plan_of(crashed)
    assert plan["a"]["action"] == "rerun" and plan["a"]["reason"].startswith("unsafe")
    (tmp / "flag").touch()
    proc = plams_tui("restart", str(crashed), "--yes")
    assert proc.returncode == 0, proc.stdout
    assert not canary.exists()
    assert counts(tmp) == {"a": 2, "flaky": 2, "b": 2}


def test_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for args, message in [
        (["nowhere"], "no such folder"),
        (["empty", "--dry-run"], "keeps no script"),
        (["empty", "--rollback"], "nothing to roll back"),
    ]:
        proc = plams_tui("restart", *args, cwd=tmp_path)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert len(proc.stderr.splitlines()) == 1


def test_real_plams_script_without_real_plams_says_so_and_changes_nothing(
    crashed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from plams_core import restart

    from plams_tui.cli import main

    plams_script = write_script(crashed.parent, real_plams=True)
    monkeypatch.setattr(restart, "real_plams_available", lambda: False)
    before = snapshot(crashed)
    assert main(["restart", str(crashed), "--script", str(plams_script), "--yes"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "written for real PLAMS" in err and "nothing changed" in err
    assert snapshot(crashed) == before
    assert counts(crashed.parent) == {"a": 1, "flaky": 1, "b": 1}


def test_ls_and_show_explain_a_leftover_res(crashed: Path) -> None:
    tmp = crashed.parent
    broken = tmp / "broken.py"
    broken.write_text("raise RuntimeError('at once')\n")
    assert plams_tui("restart", str(crashed), "--script", str(broken), "--yes").returncode == 1
    for args in (["ls", str(crashed)], ["ls", str(crashed), "--json"]):
        proc = plams_tui(*args)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.startswith("plams-tui: note: unfinished restart: wd.res beside it"), proc.stderr
    for args in (["ls", str(tmp / "wd.res")], ["show", str(tmp / "wd.res"), "a"]):
        stash = plams_tui(*args)
        assert stash.returncode == 0, stash.stderr
        assert stash.stderr.startswith("plams-tui: note: this folder is kept by a restart of wd; unfinished")
    # As after a kill right after the move: the folder itself is gone, its .res is all there is.
    shutil.rmtree(crashed)
    proc = plams_tui("ls", str(crashed))
    assert proc.returncode == 2 and "no such folder; unfinished restart: wd.res beside it" in proc.stderr
    plan = plan_of(crashed)
    assert plan["a"]["action"] == "reuse" and plan["a"]["source"] == "wd.res"


def test_leftover_knows_plams_stash_names(tmp_path: Path) -> None:
    from plams_core.restart import leftover, stash_owner

    for name in (
        "wd",
        "wd.res",
        "wd.res2",
        "wd.res10",
        "wd.res3.discard",
        "wd.results",
        "wd.res.bak",
        "wdx.res",
    ):
        (tmp_path / name).mkdir()
    (tmp_path / "wd.res4").write_text("a file, not a stash")
    lo = leftover(tmp_path / "wd")
    assert [Path(s).name for s in lo.stashes] == ["wd.res", "wd.res2", "wd.res10"]
    assert [Path(s).name for s in lo.discards] == ["wd.res3.discard"]
    assert lo.previous == str(tmp_path / "wd.res") and lo.exists
    assert not leftover(tmp_path / "wd.results") and not leftover(tmp_path / "other")
    assert stash_owner(tmp_path / "wd.res10") == str(tmp_path / "wd")
    assert stash_owner(tmp_path / "wd") is None and stash_owner(tmp_path / "wd.res3.discard") is None


def test_plan_of_every_kind_of_job(tmp_path: Path) -> None:
    from plams_core.demo import build_demo
    from plams_core.workdir import Workdir

    folder = build_demo(tmp_path, "demo")
    script = tmp_path / "s.py"
    script.write_text("pass\n")
    plan = Workdir(folder).plan_restart(script)
    actions = {j.path: (j.action, j.reason) for j in plan.jobs}
    for path in ("optimize", "repeat", "nested", "nested/inner/leaf", "scan/good"):
        assert actions[path][0] == "reuse", (
            path
        )  # ok .dill, or a copied job's, or a MultiJob with its children
    assert actions["crash"] == ("rerun", "crashed")
    assert actions["scan/bad"] == ("rerun", "crashed")
    assert actions["scan"][0] == "rerun"  # a MultiJob with a crashed child has no .dill
    assert actions["nopickle"][0] == "rerun" and "no .dill" in actions["nopickle"][1]
    assert plan.blocked is None and plan.engine == "plams_core" and plan.sources == (str(folder),)
    assert json.loads(json.dumps(plan.to_dict()))["rerun"] == len(plan.rerun)


def test_workdir_start_restart_streams_the_output(crashed: Path) -> None:
    from fixtures.restarts import settle
    from plams_core.workdir import Workdir

    (crashed.parent / "flag").touch()
    workdir = Workdir(crashed)
    plan = workdir.plan_restart()
    assert [j.path for j in plan.rerun] == ["b", "flaky"]
    lines: list[str] = []
    run = workdir.start_restart(plan, on_output=lines.append)
    assert run.wait() == 0 and run.returncode == 0 and run.poll() == 0
    settle("\n".join(lines))
    assert any("JOB a COPIED" in line for line in lines)
    assert any("JOB flaky SUCCESSFUL" in line for line in lines)
    assert counts(crashed.parent) == {"a": 1, "flaky": 2, "b": 2}
    assert not workdir.leftover()
