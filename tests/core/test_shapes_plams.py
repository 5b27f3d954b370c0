"""Working folders in the shapes users leave, made by real PLAMS 2026.104, read and restarted.

Each shape is built once per module by running a script with real PLAMS (``python script.py``,
as a user does) and then damaged the way a kill or a user damages it; tests copy it before
changing it. What real PLAMS's own ``load_all`` says of the same folder is the yardstick.
``tests/SHAPES.md`` lists the shapes tried and what was found.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.restarts import counts, plams_tui  # noqa: E402

pytest.importorskip("scm.plams")

HEADER = """\
import sys
from scm.plams import MultiJob, SingleJob, config, finish, init


class ShJob(SingleJob):
    def get_input(self):
        return self.settings.input.text

    def get_runscript(self):
        return f"echo {{self.name}} >> {counts}\\n" + self.settings.input.cmd + "\\n"


def mk(name, text, cmd="true", **settings):
    job = ShJob(name=name)
    job.settings.input.text = text
    job.settings.input.cmd = cmd
    for key, value in settings.items():
        job.settings[key] = value
    return job


init(folder="wd")
"""


def run_real_plams(tmp: Path, body: str, name: str = "script.py") -> Path:
    """Write HEADER + *body* as *tmp/name*, run it with real PLAMS in *tmp*; return the script."""
    script = tmp / name
    script.write_text(HEADER.format(counts=tmp / "counts") + body)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return script


def load_all_report(workdir: Path) -> dict[str, dict[str, str | None]]:
    """What real PLAMS's ``load_all`` loads from *workdir*: {path relative to it: name, status, hash}."""
    code = (
        "import json, os, sys, tempfile\n"
        "from scm.plams import config, init, load_all\n"
        "init(path=tempfile.mkdtemp(), folder='r'); config.log.stdout = 0\n"
        "wd = os.path.abspath(sys.argv[1]); out = {}\n"
        "def walk(job):\n"
        "    out[os.path.relpath(job.path, wd)] = {'name': job.name, 'status': str(job.status), 'hash': job.hash()}\n"
        "    for child in getattr(job, 'children', None) or []:\n"
        "        walk(child)\n"
        "for job in load_all(wd).values():\n"
        "    walk(job)\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(workdir)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def listing(workdir: Path) -> dict[str, dict]:
    proc = plams_tui("ls", "--json", str(workdir))
    assert proc.returncode == 0, proc.stderr
    return {r["path"]: r for r in json.loads(proc.stdout)}


# ---------------------------------------------------------------------------------------------
# A MultiJob whose .dill was cut short (Ctrl-C while PLAMS pickled it at exit)
# ---------------------------------------------------------------------------------------------

MULTI = """\
MultiJob(name="multi", children=[mk("fast", "f\\n"), mk("slow", "s\\n")]).run()
mk("single", "x\\n").run()
finish()
"""


@pytest.fixture(scope="module")
def cut_multi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MultiJob and its children all successful, the MultiJob's ``.dill`` truncated to 2 bytes.

    That is what a second Ctrl-C leaves when it lands while PLAMS's exit handler pickles a
    MultiJob (seen with real PLAMS 2026.104: ``multi.dill`` of 2 bytes, the children's whole).
    """
    tmp = tmp_path_factory.mktemp("cut_multi")
    run_real_plams(tmp, MULTI)
    dill = tmp / "wd" / "multi" / "multi.dill"
    dill.write_bytes(dill.read_bytes()[:2])
    (tmp / "counts").unlink()
    return tmp


def test_children_of_a_multijob_with_a_cut_dill_are_listed_ok(cut_multi: Path) -> None:
    records = listing(cut_multi / "wd")
    assert records["multi"]["dill"] == "corrupt"
    assert records["multi"]["status"] == "successful"  # the csv row, written before the pickle
    assert (records["multi/fast"]["dill"], records["multi/slow"]["dill"]) == ("ok", "ok")
    # Real PLAMS's load_all opens multi.dill, fails, and does not look at the children's.
    assert "multi/fast" not in load_all_report(cut_multi / "wd")


def test_restart_reuses_the_children_of_a_multijob_with_a_cut_dill(cut_multi: Path, tmp_path: Path) -> None:
    """The plan says the ok children are reused, and the restart (real PLAMS) does reuse them."""
    tmp = tmp_path / "copy"
    shutil.copytree(cut_multi, tmp, symlinks=True)
    script = tmp / "script.py"
    script.write_text(HEADER.format(counts=tmp / "counts") + MULTI)
    plan = plams_tui("restart", str(tmp / "wd"), "--script", str(script), "--dry-run", "--json")
    assert plan.returncode == 0, plan.stderr
    actions = {j["path"]: j["action"] for j in json.loads(plan.stdout)}
    assert actions == {"multi": "rerun", "multi/fast": "reuse", "multi/slow": "reuse", "single": "reuse"}
    proc = plams_tui("restart", str(tmp / "wd"), "--script", str(script), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts(tmp) == {}, "a job the plan reused ran again"
    records = listing(tmp / "wd")
    assert {p: r["status"] for p, r in records.items()} == {
        "multi": "successful",
        "multi/fast": "copied",
        "multi/slow": "copied",
        "single": "copied",
    }


# ---------------------------------------------------------------------------------------------
# The script sets the hashing mode after init(): a restart loads before the script runs
# ---------------------------------------------------------------------------------------------

HASHING = """\
config.default_jobmanager.settings.hashing = {mode!r}
mk("x", "in1\\n").run()
mk("y", "in2\\n", "echo z").run()
mk("late", "in3\\n", "test -e {flag}").run()
finish()
"""


def hashed_folder(tmp: Path, mode: str | None) -> Path:
    """x and y successful, late crashed (until ``flag`` exists); the script sets *mode* after init()."""
    script = run_real_plams(tmp, HASHING.format(mode=mode, flag=tmp / "flag"))
    (tmp / "counts").unlink()
    (tmp / "flag").touch()
    return script


@pytest.mark.parametrize("mode", ["runscript", "input+runscript"])
def test_restart_reuses_jobs_of_a_script_that_sets_its_hashing_mode(tmp_path: Path, mode: str) -> None:
    """Loaded jobs are looked up in the mode the script sets (PLAMS's launcher reran them all)."""
    script = hashed_folder(tmp_path, mode)
    plan = json.loads(
        plams_tui("restart", str(tmp_path / "wd"), "--script", str(script), "--dry-run", "--json").stdout
    )
    assert {j["path"]: j["action"] for j in plan} == {"x": "reuse", "y": "reuse", "late": "rerun"}
    proc = plams_tui("restart", str(tmp_path / "wd"), "--script", str(script), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts(tmp_path) == {"late": 1}
    assert {p: r["status"] for p, r in listing(tmp_path / "wd").items()} == {
        "x": "copied",
        "y": "copied",
        "late": "successful",
    }


def test_restart_of_a_plams_core_script_that_sets_its_hashing_mode(tmp_path: Path) -> None:
    from fixtures.restarts import run_plams_core, write_script

    script = write_script(tmp_path)
    script.write_text('config.default_jobmanager.settings.hashing = "runscript"\n' + script.read_text())
    first = run_plams_core(tmp_path, "-f", "wd", str(script))
    assert "STATUSES successful crashed crashed" in first.stdout, first.stdout + first.stderr
    (tmp_path / "flag").touch()
    proc = plams_tui("restart", str(tmp_path / "wd"), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "STATUSES copied successful successful" in proc.stdout
    assert counts(tmp_path) == {"a": 1, "flaky": 2, "b": 2}


def test_plan_says_nothing_is_reused_when_the_script_turns_rerun_prevention_off(tmp_path: Path) -> None:
    script = hashed_folder(tmp_path, None)
    plan = json.loads(
        plams_tui("restart", str(tmp_path / "wd"), "--script", str(script), "--dry-run", "--json").stdout
    )
    assert {j["path"]: j["action"] for j in plan} == {"x": "rerun", "y": "rerun", "late": "rerun"}
    assert "turns rerun prevention off (line 23: config.default_jobmanager" in plan[-1]["reason"], plan
    proc = plams_tui("restart", str(tmp_path / "wd"), "--script", str(script), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts(tmp_path) == {"x": 1, "y": 1, "late": 1}  # what the plan said


# ---------------------------------------------------------------------------------------------
# Job classes from the user's own module, which is then renamed
# ---------------------------------------------------------------------------------------------

MYJOBS = """\
from scm.plams import SingleJob


class ModJob(SingleJob):
    def get_input(self):
        return self.settings.input.text

    def get_runscript(self):
        return f"echo {{self.name}} >> {counts}\\n"
"""

USES_MODULE = """\
sys.path.insert(0, {folder!r})
from {module} import ModJob


def mod(name, text):
    job = ModJob(name=name)
    job.settings.input.text = text
    return job


mod("own", "own\\n").run()
mk("local", "local\\n").run()
MultiJob(name="multi", children=[mod("a", "a\\n"), mk("b", "b\\n", pickle=False), mk("c", "c\\n")]).run()
finish()
"""


def test_restart_plan_knows_real_plams_cannot_import_a_renamed_module(tmp_path: Path) -> None:
    """``myjobs.py`` renamed ``jobslib.py``: what needs it reruns, and the plan says so."""
    (tmp_path / "myjobs.py").write_text(MYJOBS.format(counts=tmp_path / "counts"))
    run_real_plams(tmp_path, USES_MODULE.format(folder=str(tmp_path), module="myjobs"))
    (tmp_path / "counts").unlink()
    (tmp_path / "myjobs.py").rename(tmp_path / "jobslib.py")
    shutil.rmtree(tmp_path / "__pycache__", ignore_errors=True)
    script = tmp_path / "script2.py"
    script.write_text(
        HEADER.format(counts=tmp_path / "counts") + USES_MODULE.format(folder=str(tmp_path), module="jobslib")
    )
    before = {p: r["dill"] for p, r in listing(tmp_path / "wd").items()}
    assert before == {
        "own": "ok",
        "local": "ok",
        "multi": "ok",
        "multi/a": "ok",
        "multi/b": "missing",
        "multi/c": "ok",
    }
    plan = json.loads(
        plams_tui("restart", str(tmp_path / "wd"), "--script", str(script), "--dry-run", "--json").stdout
    )
    actions = {j["path"]: j["action"] for j in plan}
    # b has no .dill of its own (pickle=False): only multi.dill, which needs myjobs, holds it
    assert actions == {
        "own": "rerun",
        "local": "reuse",
        "multi": "rerun",
        "multi/a": "rerun",
        "multi/b": "rerun",
        "multi/c": "reuse",
    }
    assert "module myjobs cannot be imported" in {j["path"]: j["reason"] for j in plan}["own"]
    proc = plams_tui("restart", str(tmp_path / "wd"), "--script", str(script), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts(tmp_path) == {"own": 1, "a": 1, "b": 1}  # exactly the planned reruns of single jobs


# ---------------------------------------------------------------------------------------------
# Copies of a job that crashed (PLAMS registers the hash when a job starts)
# ---------------------------------------------------------------------------------------------

COPIES_OF_A_CRASH = """\
mk("first", "same\\n", "test -e {flag}").run()
mk("second", "same\\n", "test -e {flag}").run()
mk("ok", "other\\n").run()
mk("ok_copy", "other\\n").run()
finish()
"""


def test_restart_reruns_copies_of_a_crashed_job(tmp_path: Path) -> None:
    """``second`` was copied from ``first``, which crashed: loading it made ``first`` a copy of the crash again."""
    body = COPIES_OF_A_CRASH.format(flag=tmp_path / "flag")
    script = run_real_plams(tmp_path, body)
    (tmp_path / "counts").unlink()
    records = listing(tmp_path / "wd")
    statuses = {p: (r["status"], r["dill"], r["copied_from"]) for p, r in records.items()}
    assert statuses == {  # what real PLAMS left: a dill-bearing copy of a crashed job
        "first": ("crashed", "missing", None),
        "second": ("copied", "ok", "first"),
        "ok": ("successful", "ok", None),
        "ok_copy": ("copied", "ok", "ok"),
    }
    assert load_all_report(tmp_path / "wd")["second"]["status"] == "copied"
    (tmp_path / "flag").touch()  # the user fixes what made first crash
    plan = json.loads(
        plams_tui("restart", str(tmp_path / "wd"), "--script", str(script), "--dry-run", "--json").stdout
    )
    assert {j["path"]: (j["action"], j["reason"]) for j in plan if j["path"] == "second"} == {
        "second": ("rerun", "copied from first, which crashed: not reused")
    }
    assert {j["path"]: j["action"] for j in plan} == {
        "first": "rerun",
        "second": "rerun",
        "ok": "reuse",
        "ok_copy": "reuse",
    }
    proc = plams_tui("restart", str(tmp_path / "wd"), "--script", str(script), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts(tmp_path) == {"first": 1}
    after = {p: r["status"] for p, r in listing(tmp_path / "wd").items()}
    assert after == {"first": "successful", "second": "copied", "ok": "copied", "ok_copy": "copied"}


# ---------------------------------------------------------------------------------------------
# A job PLAMS could not pickle ("Pickling of NAME failed": the .dill is left unfinished)
# ---------------------------------------------------------------------------------------------


def test_show_says_plams_could_not_pickle_the_job(tmp_path: Path) -> None:
    run_real_plams(
        tmp_path,
        'job = mk("gen", "g\\n")\njob.gen = (x for x in [1])  # dill cannot store it\njob.run()\nmk("fine", "f\\n").run()\nfinish()\n',
    )
    records = listing(tmp_path / "wd")
    assert (records["gen"]["status"], records["gen"]["dill"]) == ("successful", "corrupt")
    shown = plams_tui("show", str(tmp_path / "wd"), "gen")
    assert (
        "dill note:     PLAMS logged 'Pickling of gen failed': it left the .dill unfinished" in shown.stdout
    )
    data = json.loads(plams_tui("show", str(tmp_path / "wd"), "gen", "--json").stdout)
    assert data["ending"]["pickling_failed"] is True
    fine = json.loads(plams_tui("show", str(tmp_path / "wd"), "fine", "--json").stdout)
    assert fine["ending"]["pickling_failed"] is False
    assert "dill note" not in plams_tui("show", str(tmp_path / "wd"), "fine").stdout
