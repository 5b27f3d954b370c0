"""`plams-tui load` / ``Workdir.load``: real PLAMS pickles load without scm.plams; hostile ones never run.

Working folders come from tests/fixtures/userjobs/script.py run by real PLAMS 2024.107 and
2026.104: a job class from the user's ``myjobs.py`` (a stand-in here), one defined in the
script (by value), a MultiJob of both, a crashed job (no ``.dill``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fixtures.hostile import payloads
from fixtures.userjobs import build_userjobs, cli_without_scm
from fixtures.workdirs import copy_workdir, snapshot
from peers import PEER_VERSIONS
from plams_core.errors import CorruptPickleError, FileError, UnsafePickleError, WorkdirError
from plams_core.jobmanager import JobManager, lock_workdir
from plams_core.workdir import Workdir

from plams_tui.cli import main

LOADED = ("shell", "local", "multi", "multi/c1", "multi/c2")


@pytest.fixture(scope="module", params=PEER_VERSIONS)
def userjobs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    wd, truth = build_userjobs(request.param, tmp_path_factory.mktemp(f"userjobs-{request.param}"))
    return wd, {t["path"]: t for t in truth}


def test_load_without_scm_plams_shows_what_plams_knew(userjobs: tuple[Path, dict[str, Any]]) -> None:
    wd, truth = userjobs
    for job in LOADED:
        proc = cli_without_scm("load", str(wd), job, "--json")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        want = truth[job]
        assert data["name"] == want["name"] and data["path"] == job
        assert data["status"] == want["status"] == "successful"
        assert (data["module"], data["class"]) == (want["module"], want["class"])
        assert data["hash"] == want["hash"]
        assert data["settings"] == want["settings"]
        assert data["files"] == want["files"]
        assert data["stand_in"] is (want["module"] == "myjobs")
        assert data["by_value"] is (want["module"] == "__main__")
    multi = json.loads(cli_without_scm("load", str(wd), "multi", "--json").stdout)
    assert multi["children"] == ["c1", "c2"] and multi["hash"] is None
    assert multi["stand_ins"] == ["myjobs.ShellJob", "myjobs.ShellResults"]


def test_load_text_names_the_class_and_the_python_line(
    userjobs: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    wd, truth = userjobs
    assert main(["load", str(wd), "shell"]) == 0
    out = capsys.readouterr().out
    assert "ShellJob (myjobs, a stand-in" in out
    assert f"hash:      {truth['shell']['hash']}" in out
    assert "    text: 'hello\\n'" in out and "      deep: [1, 2.5, 'x']" in out
    assert out.rstrip().splitlines()[-1] == f"  job = load({str(wd / 'shell' / 'shell.dill')!r})"


def test_load_class_is_the_class_ls_shows(
    userjobs: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    wd, _ = userjobs
    assert main(["ls", str(wd), "--json"]) == 0
    listed = {r["path"]: r["class"] for r in json.loads(capsys.readouterr().out) if r["dill"] == "ok"}
    assert sorted(listed) == sorted(LOADED)
    workdir = Workdir(wd)
    for job, cls in listed.items():
        assert workdir.load(job).to_dict()["class"] == cls


def test_load_registers_the_hash_and_writes_nothing(userjobs: tuple[Path, dict[str, Any]]) -> None:
    wd, truth = userjobs
    before = snapshot(wd)
    workdir = Workdir(wd)
    loaded = {job: workdir.load(job).job for job in LOADED}
    os.close(lock_workdir(wd))  # loading took no lock
    jm = workdir.jobmanager
    assert jm.jobs == []  # loaded, not registered
    assert jm.hashes[truth["shell"]["hash"]] is loaded["shell"]
    assert jm.hashes[truth["local"]["hash"]] is loaded["local"]
    multi = loaded["multi"]
    assert [c.parent for c in multi.children] == [multi, multi]
    assert multi.children[0].path == str(wd / "multi" / "c1")
    assert snapshot(wd) == before


def test_errors_are_one_line_and_say_why(userjobs: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    wd = copy_workdir(userjobs[0], tmp_path / "wd")
    workdir = Workdir(wd)
    with pytest.raises(FileError, match="no crash.dill"):
        workdir.load("crash")  # crashed: PLAMS pickled nothing
    with pytest.raises(WorkdirError, match="no such job"):
        workdir.load("nope")
    with pytest.raises(WorkdirError, match="not a job path"):
        workdir.load("../wd/shell")
    dill = wd / "shell" / "shell.dill"
    dill.write_bytes(dill.read_bytes()[:200])
    with pytest.raises(CorruptPickleError, match="not a loadable job pickle"):
        workdir.load("shell")
    proc = cli_without_scm("load", str(wd), "shell")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("plams-tui: error: ")
    assert "not a loadable job pickle" in proc.stderr


@pytest.mark.parametrize("payload", ["os_system", "inside_a_job", "dill_eval_repr", "subprocess_popen"])
def test_hostile_dill_is_refused_and_never_runs(
    payload: str, userjobs: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    wd = copy_workdir(userjobs[0], tmp_path / "wd")
    (wd / "shell" / "shell.dill").write_bytes(payloads.LIVE[payload])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    proc = cli_without_scm("load", str(wd), "shell", cwd=run_dir)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert "would run code" in proc.stderr and "--allow-unsafe" in proc.stderr
    # the engine's load_job refuses it too (logged, None), in this process
    jm = JobManager.embedded(wd)
    assert jm.load_job(wd / "shell" / "shell.dill") is None
    with pytest.raises(UnsafePickleError):
        jm.load_pickle(wd / "shell" / "shell.dill")
    assert not (run_dir / payloads.CANARY).exists()
    assert not (Path.cwd() / payloads.CANARY).exists()


def test_every_live_payload_is_refused_before_unpickling(
    userjobs: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    wd = copy_workdir(userjobs[0], tmp_path / "wd")
    workdir = Workdir(wd)
    for data in payloads.LIVE.values():
        (wd / "local" / "local.dill").write_bytes(data)
        with pytest.raises((UnsafePickleError, CorruptPickleError)):
            workdir.load("local")
    assert not (tmp_path / payloads.CANARY).exists()
    assert "myjobs" not in sys.modules


def test_plams_core_pickles_load_as_plams_core_classes(tmp_path: Path) -> None:
    from plams_core.demo import build_demo

    wd = build_demo(tmp_path)
    workdir = Workdir(wd)
    for rec in workdir.records():
        if rec.dill != "ok":
            continue
        data = workdir.load(rec.path).to_dict()
        assert (data["name"], data["status"], data["class"]) == (rec.name, rec.status, rec.class_name)
        assert data["module"].startswith("plams_core.") and not data["stand_in"]
        assert data["hash"] == rec.hash


def test_a_moved_folder_loads_from_where_it_is(userjobs: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    wd = copy_workdir(userjobs[0], tmp_path / "moved" / "elsewhere")
    job = Workdir(wd).load("multi/c1").job
    assert job.path == str(wd / "multi" / "c1") and "c1.out" in job.results.files
    shutil.rmtree(wd)


SETSTATE_SCRIPT = """
import sys
from plams_core import CommandJob, finish, init


class Careful(CommandJob):
    def __setstate__(self, state):  # stored by value: a real load runs it
        super().__setstate__(state)
        self.ran_own_setstate = True


init(path=sys.argv[1], folder="wd", config_settings={"log": {"stdout": -1}})
Careful("true", input="x", name="careful").run()
finish()
"""


def test_allow_unsafe_loads_what_the_reader_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "careful.py"
    script.write_text(SETSTATE_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    wd = tmp_path / "wd"
    assert main(["load", str(wd), "careful"]) == 2
    err = capsys.readouterr().err
    assert "would run code" in err and "__setstate__" in err and "--allow-unsafe" in err
    assert main(["load", str(wd), "careful", "--allow-unsafe", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["name"], data["class"], data["module"], data["status"]) == (
        "careful",
        "Careful",
        "__main__",
        "successful",
    )
    assert Workdir(wd).load("careful", allow_unsafe=True).job.ran_own_setstate is True


def test_only_plams_cores_data_classes_are_real(tmp_path: Path, jm: JobManager) -> None:
    """A pickle that names plams_core's JobManager is unsafe (its __del__ would close an fd from the
    state); loaded anyway (allow_unsafe), it still gets a stand-in and the fd stays open."""
    import copyreg
    import gc

    import dill
    from plams_core import CommandJob, JobRunner
    from plams_core.pickles.reader import read_dill_bytes

    victim = os.open(os.devnull, os.O_RDONLY)

    class Sneaky:
        def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
            return (copyreg._reconstructor, (JobManager, object, None), {"_lock_fd": victim})  # type: ignore[attr-defined]

    job = CommandJob("true", input="x", name="j")
    job.run(jobrunner=JobRunner(), jobmanager=jm)
    job.extra = Sneaky()
    data = dill.dumps(job)
    info = read_dill_bytes(data)
    assert info.verdict == "unsafe" and "JobManager" in (info.reason or "")
    Path(jm.workdir, "j", "j.dill").write_bytes(data)
    try:
        with pytest.raises(UnsafePickleError):
            Workdir(jm.workdir).load("j")
        loaded = Workdir(jm.workdir).load("j", allow_unsafe=True)  # the loader is a second guard
        assert repr(loaded.job.extra) == "<plams_core.jobmanager.JobManager (stand-in)>"
        del loaded
        gc.collect()
        os.fstat(victim)  # still open
    finally:
        os.close(victim)


BY_VALUE_SCRIPT = """\
import os
from plams_core import *

class Sneaky(SingleJob):
    def get_input(self):
        open(os.path.join({canary_dir!r}, "get_input-ran"), "a").close()
        return "sneaky input"
    def get_runscript(self):
        return "echo ok"

class Group(MultiJob):
    def other_jobs(self):
        open(os.path.join({canary_dir!r}, "other_jobs-ran"), "a").close()
        return []

init(path={root!r}, folder="wd")
Sneaky(name="sneaky").run()
Group(name="group", children=[Sneaky(name="child")]).run()
finish()
"""


def test_load_runs_no_method_a_script_defined_class_brings(tmp_path: Path) -> None:
    # A class defined in the script travels by value with its methods: the reader says ok
    # (defining is not calling), so loading must not call them either (PLAMS's load_job would,
    # through hash() and the MultiJob's iteration).
    canaries = tmp_path / "canaries"
    canaries.mkdir()
    script = tmp_path / "script.py"
    script.write_text(BY_VALUE_SCRIPT.format(canary_dir=str(canaries), root=str(tmp_path)))
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, timeout=120)
    for f in canaries.iterdir():
        f.unlink()  # the run itself called them, as it should
    workdir = Workdir(tmp_path / "wd")
    records = {r.path: r for r in workdir.records()}
    assert records["sneaky"].dill == records["group"].dill == "ok"
    single = workdir.load("sneaky").to_dict()
    group = workdir.load("group").to_dict()
    assert single["hash"] == records["sneaky"].hash  # from the files, as ls computes it
    assert group["name"] == "group" and group["children"]
    assert list(canaries.iterdir()) == []
