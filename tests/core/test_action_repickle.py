"""`plams-tui repickle` / ``Workdir.repickle``: the new ``.dill`` loads in the software that wrote the old one.

Folders from tests/fixtures/userjobs/script.py, made by real PLAMS 2024.107 and 2026.104, are
repickled by plams-tui running without scm.plams; then real PLAMS (with ``myjobs`` importable)
loads the new files and must see what it saw in the old ones: the same class (``myjobs.ShellJob``,
the script's by-value ``LocalJob``), name, status, settings, hash and results.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest
from fixtures.hostile import payloads
from fixtures.userjobs import build_userjobs, cli_without_scm, plams_report
from fixtures.workdirs import copy_workdir, snapshot
from peers import PEER_VERSIONS, peer_python, run_script
from plams_core.jobmanager import lock_workdir
from plams_core.pickles.reader import read_dill
from plams_core.workdir import Workdir

from plams_tui.cli import main

DILLS = ("shell", "local", "multi", "multi/c1", "multi/c2")


def dill_of(wd: Path, job: str) -> Path:
    return wd / job / (job.rsplit("/", 1)[-1] + ".dill")


def prev_of(wd: Path, job: str) -> Path:
    return wd / job / (job.rsplit("/", 1)[-1] + ".prev.dill")


@pytest.fixture(scope="module", params=PEER_VERSIONS)
def userjobs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path, dict[str, Any]]:
    version = request.param
    wd, truth = build_userjobs(version, tmp_path_factory.mktemp(f"userjobs-{version}"))
    return version, wd, {t["path"]: t for t in truth}


def test_repickled_files_load_in_real_plams_as_the_same_jobs(
    userjobs: tuple[str, Path, dict[str, Any]], tmp_path: Path
) -> None:
    version, pristine, truth = userjobs
    wd = copy_workdir(pristine, tmp_path / "wd")
    old = {job: dill_of(wd, job).read_bytes() for job in DILLS}
    proc = cli_without_scm("repickle", str(wd), *DILLS, "--yes")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("repickled ") == len(DILLS)
    for job in DILLS:
        assert prev_of(wd, job).read_bytes() == old[job]  # the previous bytes are kept
        info = read_dill(dill_of(wd, job))
        assert info.verdict == "ok" and info.name == truth[job]["name"]
    assert read_dill(dill_of(wd, "local")).by_value  # the script's class stays by value

    before = plams_report(version, pristine, list(DILLS))
    after = plams_report(version, wd, list(DILLS))
    assert after == before
    for job in DILLS:
        want, got = truth[job], after[job]
        assert (got["module"], got["class"]) == (want["module"], want["class"])
        assert (got["name"], got["status"], got["hash"]) == (want["name"], want["status"], want["hash"])
        assert got["settings"] == want["settings"] and got["files"] == want["files"]
    assert after["shell"]["by_reference"] and after["multi"]["by_reference"]  # the real myjobs.ShellJob
    assert not after["local"]["by_reference"]  # rebuilt from the pickle, as before
    assert after["shell"]["results_module"] == "myjobs" and after["shell"]["results_class"] == "ShellResults"
    assert [c["class"] for c in after["multi"]["children"]] == ["ShellJob", "LocalJob"]


def test_backups_are_ignored_by_plams_load_all_and_results_files(
    userjobs: tuple[str, Path, dict[str, Any]], tmp_path: Path
) -> None:
    version, pristine, _ = userjobs
    wd = copy_workdir(pristine, tmp_path / "wd")
    assert Workdir(wd).repickle(Workdir(wd).plan_repickle(DILLS)).jobs == DILLS
    script = tmp_path / "load_all.py"
    script.write_text(
        "import json, os, sys, tempfile\n"
        "from scm.plams import config, init, load_all\n"
        "init(path=tempfile.mkdtemp(), folder='x')\n"
        "config.log.stdout = 0\n"
        "wd = sys.argv[1]\n"
        "jobs = load_all(wd)\n"
        "files = sorted(f for j in jobs.values() for f in j.results.files)\n"
        "print(json.dumps({'dills': sorted(os.path.relpath(p, wd) for p in jobs), 'files': files}))\n"
    )
    proc = run_script(
        peer_python(version),
        script,
        cwd=tmp_path,
        env={"PYTHONPATH": str(Path(__file__).parents[1] / "fixtures" / "userjobs")},
        args=[str(wd)],
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["dills"] == ["local/local.dill", "multi/multi.dill", "shell/shell.dill"]
    assert not [f for f in seen["files"] if "prev" in f or f.endswith(".dill")]
    # and plams-tui's own listing shows the same jobs as before
    records = {r.path: (r.status, r.dill) for r in Workdir(wd).records()}
    assert records == {r.path: (r.status, r.dill) for r in Workdir(pristine).records()}


def test_dry_run_writes_nothing_and_names_the_backups(
    userjobs: tuple[str, Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wd = copy_workdir(userjobs[1], tmp_path / "wd")
    before = snapshot(wd)
    assert main(["repickle", str(wd), "shell", "multi/c1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would repickle 2 job(s)" in out
    assert "shell/shell.dill  (old bytes kept as shell/shell.prev.dill)" in out
    assert "multi/c1/c1.dill  (old bytes kept as multi/c1/c1.prev.dill)" in out
    assert main(["repickle", str(wd), "shell", "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan == {
        "dry_run": True,
        "jobs": ["shell"],
        "backups": [["shell/shell.dill", "shell/shell.prev.dill"]],
        "refused": [],
    }
    assert snapshot(wd) == before


def test_without_yes_and_without_a_terminal_nothing_changes(
    userjobs: tuple[str, Path, dict[str, Any]], tmp_path: Path
) -> None:
    wd = copy_workdir(userjobs[1], tmp_path / "wd")
    before = snapshot(wd)
    proc = cli_without_scm("repickle", str(wd), "shell")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "not confirmed" in proc.stderr and "--yes" in proc.stderr
    assert snapshot(wd) == before


def test_a_failed_repickle_leaves_the_old_dill_untouched(
    userjobs: tuple[str, Path, dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wd = copy_workdir(userjobs[1], tmp_path / "wd")
    before = snapshot(wd)
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # the new pickle cannot be made durable
    assert main(["repickle", str(wd), "shell", "--yes"]) == 2
    monkeypatch.setattr(os, "fsync", real_fsync)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "untouched" in err
    after = snapshot(wd)
    assert sorted(after) == sorted(before)  # no backup, no temporary file left
    # every file as it was (the job folder's own mtime moved: a temporary file came and went)
    assert {k: v for k, v in after.items() if v[-1]} == {k: v for k, v in before.items() if v[-1]}


def test_repickle_takes_the_working_folders_lock(
    userjobs: tuple[str, Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wd = copy_workdir(userjobs[1], tmp_path / "wd")
    before = snapshot(wd)
    fd = lock_workdir(wd)  # as a running plams_core script holds it
    try:
        assert main(["repickle", str(wd), "shell", "--yes"]) == 2
    finally:
        os.close(fd)
    assert "is in use" in capsys.readouterr().err
    assert snapshot(wd) == before


def test_unsafe_missing_and_unknown_jobs_are_refused(
    userjobs: tuple[str, Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wd = copy_workdir(userjobs[1], tmp_path / "wd")
    (wd / "local" / "local.dill").write_bytes(payloads.LIVE["os_system"])
    before = snapshot(wd)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    proc = cli_without_scm("repickle", str(wd), "shell", "local", "--yes", cwd=run_dir)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "local: cannot be repickled: unsafe" in proc.stderr and "nothing written" in proc.stderr
    assert main(["repickle", str(wd), "crash", "--yes"]) == 2
    assert "crash: cannot be repickled: no .dill" in capsys.readouterr().err
    assert main(["repickle", str(wd), "nope", "--yes"]) == 2
    assert "nope: no such job" in capsys.readouterr().err
    assert snapshot(wd) == before
    assert not (run_dir / payloads.CANARY).exists()


def test_plams_core_pickles_round_trip(tmp_path: Path) -> None:
    from plams_core.demo import build_demo

    wd = build_demo(tmp_path)
    workdir = Workdir(wd)
    jobs = [r.path for r in workdir.records() if r.dill == "ok"]
    before = {job: workdir.load(job).to_dict() for job in jobs}
    plan = workdir.plan_repickle(jobs)
    assert plan.refused == () and list(plan.jobs) == jobs
    workdir.repickle(plan)
    again = Workdir(wd)
    assert {job: again.load(job).to_dict() for job in jobs} == before
    assert all(prev_of(wd, job).is_file() for job in jobs)
