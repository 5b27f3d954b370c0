"""A PLAMS script between two jobs is a writer: rm, clean and restart refuse its folder, naming it.

Such a script has no runscript running and (PLAMS 2024) no file open in the folder; what
gives it away is its logfile (PLAMS 2026 keeps it open; 2024 only appends to it), where it
runs (the folder's parent, where ``init()`` makes it), a folder named ``plams.PID`` after
it, or its command line. A user who stopped the script is not blocked by what it left.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from fixtures.workdirs import snapshot  # noqa: E402
from peers import peer_python  # noqa: E402
from plams_core.index.procs import writers  # noqa: E402

from plams_tui.cli import main  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="processes are read from /proc")

# A real PLAMS script: job1, then (while release.fifo beside it exists) wait for the test
# between the two jobs, then job2. Run from its folder, so PLAMS makes plams_workdir there.
_SCRIPT = r"""
import os
from scm.plams import SingleJob, init, finish

class Echo(SingleJob):
    def get_input(self):
        return self.name + "\n"
    def get_runscript(self):
        return "true\n"

init()
Echo(name="job1").run()
release = os.path.join(os.path.dirname(os.path.abspath(__file__)), "release.fifo")
if os.path.exists(release):
    print("between", flush=True)
    with open(release) as f:  # between the two jobs: no runscript runs, nothing is open in 2024
        f.read()
Echo(name="job2").run()
finish()
"""


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert err.startswith("plams-tui: error: processes still work in "), err
    return err


@pytest.mark.parametrize("version", ["2026.104", "2024.107"])
def test_a_real_plams_script_between_two_jobs_is_refused_then_not(
    version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    python = peer_python(version)
    script = tmp_path / "script.py"
    script.write_text(_SCRIPT)
    release = tmp_path / "release.fifo"
    os.mkfifo(release)
    proc = subprocess.Popen(
        [python, "script.py"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    wd = tmp_path / "plams_workdir"
    try:
        assert proc.stdout is not None
        assert "between\n" in iter(proc.stdout.readline, "")  # PLAMS's own lines come first
        assert not [w for w in writers([str(wd)]) if w.pid != proc.pid]  # no runscript runs now
        original = snapshot(wd)
        why = (
            "(it has logfile open for writing)"  # PLAMS 2026 logs through a FileHandler
            if version == "2026.104"
            else "(a Python process in the folder's parent (where a PLAMS script makes it)"
        )
        for argv in (
            ["rm", str(wd), "job1", "--yes"],
            ["clean", str(wd), "--keep", "none", "--yes"],
            ["restart", str(wd), "--script", str(script), "--yes"],
        ):
            err = _refused(capsys, argv)
            assert f"pid {proc.pid} " in err and f"{os.path.basename(python)} script.py {why}" in err
            assert f"kill {proc.pid})" in err and "pass --force" in err
        assert snapshot(wd) == original
    finally:
        if proc.poll() is None:
            with open(release, "w"):  # lets the script's open() return; closing ends its read
                pass
        release.unlink()  # the restart below runs the script straight through
        out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    assert main(["rm", str(wd), "job1", "--yes"]) == 0  # it ended: nothing blocks any more
    assert main(["rm", str(wd), "job1", "--undo", "--yes"]) == 0
    capsys.readouterr()
    assert main(["restart", str(wd), "--script", str(script), "--yes"]) == 0, capsys.readouterr()


def _plams_core_folder(parent: Path, name: str) -> Path:
    """A plams_core working folder *parent*/*name* with one job; its logfile says no 'run finished'."""
    from plams_core import JobManager, default_config
    from plams_core.commandjob import CommandJob
    from plams_core.jobrunner import JobRunner

    defaults = default_config()
    defaults.log.stdout = -1
    jm = JobManager(defaults.jobmanager, parent, name, log_settings=defaults.log)
    CommandJob("true", input="x\n", name="job1").run(jobrunner=JobRunner(parallel=False), jobmanager=jm)
    jm.close()
    assert jm.workdir.endswith(name)
    return Path(jm.workdir)


@pytest.fixture
def waiting_python(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A Python process that waits on its stdin, running outside the folders of the test."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        cwd=elsewhere,
        stdin=subprocess.PIPE,
        text=True,
    )
    yield proc
    proc.communicate("")


def test_a_folder_named_after_a_live_python_process_is_refused_unless_forced(
    waiting_python: subprocess.Popen[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "runs").mkdir()
    wd = _plams_core_folder(tmp_path / "runs", f"plams.{waiting_python.pid}")
    err = _refused(capsys, ["rm", str(wd), "job1", "--yes"])
    assert f"pid {waiting_python.pid} " in err
    assert f"(the folder is named after it (plams.{waiting_python.pid}, PLAMS's default))" in err
    assert main(["rm", str(wd), "job1", "--yes", "--force"]) == 0  # the user says it does not write there
    assert (wd / "job1" / "job1.removed.dill").is_file()


def test_a_folder_named_after_a_pid_that_is_dead_not_python_or_reused_is_not_refused(
    waiting_python: subprocess.Popen[str], tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    not_python = subprocess.Popen(["cat"], stdin=subprocess.PIPE, text=True)  # waits on its stdin
    try:
        folders = [
            _plams_core_folder(runs, f"plams.{dead.stdout.strip()}"),
            _plams_core_folder(runs, f"plams.{not_python.pid}"),
            _plams_core_folder(runs, f"plams.{waiting_python.pid}"),
        ]
        # The Python process started after the folder was last written: its pid was reused.
        an_hour_ago = os.stat(folders[2]).st_mtime - 3600
        for path in (folders[2], folders[2] / "logfile", folders[2] / "job_logfile.csv"):
            if path.exists():
                os.utime(path, (an_hour_ago, an_hour_ago))
        assert writers([str(f) for f in folders]) == []
        for wd in folders:
            assert main(["rm", str(wd), "job1", "--yes"]) == 0
    finally:
        not_python.communicate("")


# A launcher-like Python process: starts a child (cat, on the same stdin), says so, waits.
_LAUNCHER = "import subprocess, sys; p = subprocess.Popen(['cat']); print('ready', flush=True); p.wait(); sys.stdin.read()"


def test_signs_a_script_leaves_in_proc(waiting_python: subprocess.Popen[str], tmp_path: Path) -> None:
    wd = _plams_core_folder(tmp_path, "wd")
    # A reader (tail -f of the logfile) does not write; its command line is no sign either (not Python).
    tail = subprocess.Popen(["tail", "-f", str(wd / "logfile")], stdout=subprocess.DEVNULL)
    # Nor does a process holding a folder open (a scan, a file manager).
    holder = subprocess.Popen(
        ["sh", "-c", 'exec 3< "$1"; echo ready; read x', "sh", str(wd / "job1")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    # The launcher's -p/-f, a path in the environment, and a child of such a script.
    launcher = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, "-p", str(tmp_path), "-f", "wd"],
        cwd=tmp_path / "elsewhere",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    env_named = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        cwd=tmp_path / "elsewhere",
        stdin=subprocess.PIPE,
        env={**os.environ, "SCM_LOGFILE": str(wd / "logfile")},
        text=True,
    )
    try:
        assert launcher.stdout is not None and launcher.stdout.readline() == "ready\n"  # its child runs
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        found = {w.pid: w.why for w in writers([str(wd)])}
        assert tail.pid not in found and holder.pid not in found and waiting_python.pid not in found
        assert found[launcher.pid] == f"its command line names the folder (-p {tmp_path} -f wd)"
        assert found[env_named.pid] == f"its environment names the folder (SCM_LOGFILE={wd / 'logfile'})"
        (child,) = set(found) - {launcher.pid, env_named.pid}
        assert found[child] == f"started by pid {launcher.pid}"
        (wd / "logfile").write_text(
            (wd / "logfile").read_text() + "[03.12|11:00:00] PLAMS run finished. Goodbye\n"
        )
        assert writers([str(wd)]) == []  # finish() ran: what names the folder no longer counts
    finally:
        tail.terminate()
        tail.wait()
        holder.communicate("\n")
        launcher.communicate("")  # ends its cat (stdin shared) and itself
        env_named.communicate("")
