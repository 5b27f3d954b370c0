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
import sys
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

AMS_JOBS = Path(__file__).resolve().parents[1] / "fixtures" / "ams_jobs.py"
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


def test_job_pickle_of_a_loaded_plams_job_keeps_its_classes(
    userjobs: tuple[str, Path, dict[str, Any]], tmp_path: Path
) -> None:
    """The engine's own ``load(...)`` then ``job.pickle()``, as in a plams_core script."""
    from plams_core.jobmanager import JobManager

    version, pristine, _ = userjobs
    wd = copy_workdir(pristine, tmp_path / "wd")
    jm = JobManager.embedded(wd)
    for job in ("shell", "local", "multi"):
        loaded = jm.load_job(dill_of(wd, job))
        assert loaded is not None and loaded.pickle()
    assert plams_report(version, wd, list(DILLS)) == plams_report(version, pristine, list(DILLS))


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
    assert "nothing written" in out and "Write 2 .dill files again" in out
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


@pytest.mark.parametrize("version", PEER_VERSIONS)
def test_ams_jobs_of_every_shape_round_trip_through_real_plams(version: str, tmp_path: Path) -> None:
    """AMSJob, AMSResults, Molecule, Atom, Bond, numpy arrays, bound methods: all stand-ins here."""
    parent = tmp_path / "ams"
    parent.mkdir()
    proc = run_script(peer_python(version), AMS_JOBS, cwd=parent, args=[str(parent), "1", "variety"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pristine = parent / "wd"
    wd = copy_workdir(pristine, tmp_path / "wd")
    jobs = [r.path for r in Workdir(wd).records() if r.dill == "ok"]
    assert {"water_0", "bonded", "periodic", "two_systems", "multi", "multi/c0"} <= set(jobs)
    proc = cli_without_scm("repickle", str(wd), *jobs, "--yes")
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(cli_without_scm("load", str(wd), "bonded", "--json").stdout)
    assert (loaded["module"], loaded["class"], loaded["stand_in"]) == (
        "scm.plams.interfaces.adfsuite.ams",
        "AMSJob",
        True,
    )
    before = plams_report(version, pristine, jobs)
    after = plams_report(version, wd, jobs)
    assert after == before
    assert after["bonded"]["class"] == "AMSJob" and after["bonded"]["results_class"] == "AMSResults"
    assert after["bonded"]["hash"] == loaded["hash"]  # hashed here from bonded.in, there by AMSJob.get_input
    assert "C " in after["bonded"]["molecule"] and after["bonded"]["by_reference"]


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


FAKEMOD = """
class Point:  # pickled as a call: Point(x, y)
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __reduce__(self):
        return (Point, (self.x, self.y))

    def __eq__(self, o):
        return type(o) is Point and (self.x, self.y) == (o.x, o.y)


class Slotted:  # state is (None, slots)
    __slots__ = ("a", "b")

    def __init__(self):
        self.a, self.b = 1, "two"

    def __eq__(self, o):
        return type(o) is Slotted and (self.a, self.b) == (o.a, o.b)


class Bag(list):  # items through APPENDS
    def __eq__(self, o):
        return type(o) is Bag and list.__eq__(self, o)


class Table(dict):  # items through SETITEMS, and a __dict__
    def __init__(self, *a, **k):
        dict.__init__(self, *a, **k)
        self.title = "t"

    def __eq__(self, o):
        return type(o) is Table and dict.__eq__(self, o) and self.title == o.title


class KwNew:  # NEWOBJ_EX: keyword arguments to __new__
    def __new__(cls, *, size):
        obj = object.__new__(cls)
        obj.size = size
        return obj

    def __getnewargs_ex__(self):
        return ((), {"size": self.size})

    def __eq__(self, o):
        return type(o) is KwNew and self.size == o.size
"""

FAKEJOB = """
import sys
import dill
from fakemod import Bag, KwNew, Point, Slotted, Table
from plams_core import CommandJob

extra = [Point(1, 2), Slotted(), Bag([1, 2, 3]), Table(a=1, b=[2]), KwNew(size=7)]
if sys.argv[1] == "write":
    job = CommandJob("true", input="x", name="j")
    job.extra = extra
    with open(sys.argv[2], "wb") as f:
        dill.dump(job, f)
else:
    with open(sys.argv[2], "rb") as f:
        job = dill.load(f)
    print("same" if job.extra == extra and job.name == "j" else f"different: {job.extra!r}")
"""


def test_stand_ins_write_back_every_construction_form(tmp_path: Path) -> None:
    """Calls, slot state, list and dict items, keyword __new__: a module not importable here, written back exactly."""
    from plams_core.pickles.loader import is_stand_in, load_dill_bytes, repickle_bytes

    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "fakemod.py").write_text(FAKEMOD)
    script = tmp_path / "fakejob.py"
    script.write_text(FAKEJOB)
    env = {"PYTHONPATH": str(mods)}
    original = tmp_path / "j.dill"
    proc = run_script(sys.executable, script, cwd=tmp_path, env=env, args=["write", str(original)])
    assert proc.returncode == 0, proc.stderr
    # calling Point runs its __init__ in a real load: the reader says unsafe, so allow it here
    loaded = load_dill_bytes(original.read_bytes(), allow_unsafe=True)
    assert all(is_stand_in(x) for x in loaded.job.extra)
    assert loaded.job.extra[0].__class__.__qualname__ == "Point"
    again = tmp_path / "again.dill"
    again.write_bytes(repickle_bytes(loaded))
    proc = run_script(sys.executable, script, cwd=tmp_path, env=env, args=["check", str(again)])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "same"
