"""One writer per working folder: actions that write refuse a folder a run is writing, naming the holder.

A plams_core run holds an flock on the folder (named: pid, host, start time, command); a real
PLAMS run takes no lock, but its runscripts run inside the folder (named by their pids).
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from fixtures.action_folders import build_zoo_by  # noqa: E402
from fixtures.workdirs import snapshot  # noqa: E402
from plams_core.errors import WorkdirLockedError  # noqa: E402
from plams_core.jobmanager import lock_workdir  # noqa: E402

from plams_tui.cli import main  # noqa: E402

# A plams_core job manager on an existing folder, alive until its stdin closes.
_HOLDER = r"""
import sys
from plams_core import JobManager, default_config
jm = JobManager(default_config().jobmanager, sys.argv[1], sys.argv[2], use_existing_folder=True)
print("ready", flush=True)
sys.stdin.read()
"""

# A real PLAMS (2026.104) script whose job's runscript says its pid on one fifo and waits on another.
_REAL_PLAMS = r"""
import sys
from scm.plams import SingleJob, init, finish
parent, ready, release = sys.argv[1:4]

class Waiter(SingleJob):
    def get_input(self):
        return "wait\n"
    def get_runscript(self):
        return f"echo $$ > {ready}\ncat {release}\n"

init(path=parent, folder="live")
Waiter(name="waiter").run()
finish()
"""


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_zoo_by("plams_core", tmp_path_factory.mktemp("zoo-lock"))


def _started(err: str) -> float:
    m = re.search(r"started (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", err)
    assert m, err
    return time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")) - time.timezone


def test_a_plams_core_run_is_named_and_nothing_changes(zoo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t0 = time.time()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(zoo.parent), zoo.name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        original = snapshot(zoo)
        for argv in (["rm", str(zoo), "opt", "--yes"], ["clean", str(zoo), "--keep", "none", "--yes"]):
            capsys.readouterr()
            assert main(argv) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and err.startswith("plams-tui: error: working folder ")
            assert (
                f"in use by another PLAMS job manager (pid {holder.pid} on {socket.gethostname()}, started "
                in err
            )
            assert f"{os.path.basename(sys.executable)} -c import sys from plams_core" in err  # its command
            assert t0 - 2 <= _started(err) <= time.time() + 2
        assert snapshot(zoo) == original
    finally:
        holder.communicate("")  # closing stdin ends it; the kernel drops its lock
    assert main(["rm", str(zoo), "opt.002", "--yes"]) == 0  # free again
    assert main(["rm", str(zoo), "opt.002", "--undo", "--yes"]) == 0


def test_the_lock_names_its_holder_in_the_engine_too(tmp_path: Path) -> None:
    fd = lock_workdir(tmp_path)
    try:
        with pytest.raises(
            WorkdirLockedError, match=rf"in use by another PLAMS job manager \(pid {os.getpid()} on "
        ):
            lock_workdir(tmp_path)
    finally:
        os.close(fd)
    os.close(lock_workdir(tmp_path))  # released with its descriptor


def test_a_real_plams_run_is_refused_by_its_live_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("scm.plams")
    ready, release = tmp_path / "ready.fifo", tmp_path / "release.fifo"
    os.mkfifo(ready)
    os.mkfifo(release)
    script = subprocess.Popen(
        [sys.executable, "-c", _REAL_PLAMS, str(tmp_path), str(ready), str(release)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    rfd = os.open(ready, os.O_RDONLY | os.O_NONBLOCK)  # never blocks; select waits for the runscript
    try:
        data = b""
        while not data.endswith(b"\n"):
            readable, _, _ = select.select([rfd], [], [], 120)
            assert readable, "the real PLAMS job never started"
            data += os.read(rfd, 100)
        runscript_pid = int(data)
        live = tmp_path / "live"
        original = snapshot(live)
        capsys.readouterr()
        assert (
            main(["clean", str(live), "--keep", "none", "--yes"]) == 2
        )  # the running job has files to clean
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("plams-tui: error: processes still work in live ")
        assert f"pid {runscript_pid} " in err and "(its current folder is waiter)" in err
        assert (
            f"pid {script.pid} " in err and "(it has logfile open for writing)" in err
        )  # PLAMS 2026 keeps it open
        assert "pass --force" in err
        assert snapshot(live) == original
    finally:
        os.close(rfd)
        with open(release, "w") as f:  # the runscript's cat ends; the script finishes
            f.write("go\n")
        out, _ = script.communicate(timeout=120)
    assert script.returncode == 0, out
