"""The master script: python -m plams_core [-p] [-f] [-v]... [-l]... [-r] SCRIPT..."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.restarts import settle  # noqa: E402

SCRIPT = """\
from myjobs import EchoJob

class Local(CommandJob):
    pass

good = Local(f"echo run >> {counter}", input="good job", name="good")
good.run()
flaky = CommandJob(f"test -e {flag}", input="flaky job", name="flaky")
flaky.run()
helper = EchoJob(name="helper")
helper.run()
print("STATUSES", good.status, flaky.status, helper.status)
"""

MYJOBS = """\
from plams_core import SingleJob

class EchoJob(SingleJob):
    def get_input(self):
        return "echo job"
    def get_runscript(self):
        return "echo hello"
"""


def master(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "plams_core", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "run.py").write_text(SCRIPT)
    (scripts / "myjobs.py").write_text(MYJOBS)
    runs = tmp_path / "runs"
    runs.mkdir()
    return {
        "script": scripts / "run.py",
        "runs": runs,
        "counter": tmp_path / "counter",
        "flag": tmp_path / "flag",
    }


def vars_(p: dict[str, Path]) -> list[str]:
    return ["-v", f"counter={p['counter']}", "-v", f"flag={p['flag']}"]


def test_restart_in_place_reruns_only_the_crashed_job(project: dict[str, Path]) -> None:
    runs = project["runs"]
    first = master(runs, "-f", "wd", *vars_(project), str(project["script"]))
    assert first.returncode == 0, first.stderr
    assert "STATUSES successful crashed successful" in first.stdout
    wd = runs / "wd"
    assert (wd / "input").read_text() == project["script"].read_text()
    assert "JOB flaky CRASHED" in (wd / "logfile").read_text()
    assert project["counter"].read_text() == "run\n"

    project["flag"].touch()
    second = master(runs, "-r", "-f", "wd", *vars_(project), str(project["script"]))
    assert second.returncode == 0, second.stderr
    assert "STATUSES copied successful copied" in second.stdout
    assert project["counter"].read_text() == "run\n"  # the successful job did not run again
    assert sorted(os.listdir(runs)) in (["wd"], ["wd", "wd.res.discard"])  # renamed at once
    settle(second.stdout)  # then deleted by a detached rm
    assert sorted(os.listdir(runs)) == ["wd"]
    log = (wd / "logfile").read_text()
    assert "JOB good COPIED" in log and "JOB flaky SUCCESSFUL" in log
    assert (wd / "good" / "good.dill").exists() and (wd / "flaky" / "flaky.dill").exists()


def test_load_into_a_new_folder(project: dict[str, Path]) -> None:
    runs = project["runs"]
    assert master(runs, "-f", "old", *vars_(project), str(project["script"])).returncode == 0
    project["flag"].touch()
    proc = master(runs, "-l", str(runs / "old"), "-f", "new", *vars_(project), str(project["script"]))
    assert proc.returncode == 0, proc.stderr
    assert "STATUSES copied successful copied" in proc.stdout
    assert project["counter"].read_text() == "run\n"
    assert sorted(os.listdir(runs)) == ["new", "old"]
    assert (runs / "old" / "flaky" / "flaky.out").exists()  # -l never changes the old folder


def test_script_exception_is_logged_cleaned_and_nonzero(project: dict[str, Path], tmp_path: Path) -> None:
    script = tmp_path / "boom.py"
    script.write_text(
        "job = CommandJob('echo x', input='i', name='cleaned')\njob.settings.save = 'none'\njob.run()\n"
        "raise ValueError('broken script ' + who)\n"
    )
    runs = project["runs"]
    proc = master(runs, "-f", "wd", "-v", "who=me", str(script))
    assert proc.returncode == 1
    assert "ValueError: broken script me" in proc.stderr and "Traceback" in proc.stderr
    log = (runs / "wd" / "logfile").read_text()
    assert "Execution interrupted by the following exception" in log and "ValueError: broken script me" in log
    assert sorted(os.listdir(runs / "wd" / "cleaned")) == ["cleaned.dill"]  # finish() still cleaned

    failed_restart = master(runs, "-r", "-f", "wd", "-v", "who=again", str(script))
    assert failed_restart.returncode == 1
    assert sorted(os.listdir(runs)) == ["wd", "wd.res"]
    assert "previous run stays in" in failed_restart.stderr
    third = master(runs, "-r", "-f", "wd", "-v", "who=x", str(script))
    assert sorted(os.listdir(runs)) == ["wd", "wd.res", "wd.res2"] and third.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py"], "script missing.py not found"),
        (["-v", "novalue", "SCRIPT"], "bad -v 'novalue'"),
        (["-v", "1x=3", "SCRIPT"], "bad -v '1x=3'"),
        (["-l", "nowhere", "SCRIPT"], "-l nowhere: no such working folder"),
        (["-r", "-f", "absent", "SCRIPT"], "working folder absent does not exist"),
    ],
)
def test_usage_errors_write_nothing(project: dict[str, Path], args: list[str], message: str) -> None:
    runs = project["runs"]
    args = [str(project["script"]) if a == "SCRIPT" else a for a in args]
    proc = master(runs, *args)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr
    assert os.listdir(runs) == []


def test_several_scripts_and_variables(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = int(n) + 1\n")
    (tmp_path / "b.py").write_text("print('RESULT', x, type(n).__name__, config.jm.folder)\n")
    proc = master(
        tmp_path,
        "-p",
        str(tmp_path),
        "-f",
        "both",
        "-v",
        "n=41",
        str(tmp_path / "a.py"),
        str(tmp_path / "b.py"),
    )
    assert proc.returncode == 0, proc.stderr
    assert "RESULT 42 str both" in proc.stdout
    assert (
        tmp_path / "both" / "input"
    ).read_text() == "x = int(n) + 1\nprint('RESULT', x, type(n).__name__, config.jm.folder)\n"
