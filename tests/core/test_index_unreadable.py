"""What cannot be read is said, per job and once on stderr; never called successful or corrupt.

Permissions do not stop root, and the tests run as root in CI: the listing runs as the
unprivileged user ``nobody`` through ``setpriv`` (util-linux) then, on a copy of the folder
in a world-readable temporary folder; as any other user it runs directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.workdirs import build_zoo  # noqa: E402

ROOT = os.geteuid() == 0
SETPRIV = shutil.which("setpriv")

pytestmark = pytest.mark.skipif(ROOT and SETPRIV is None, reason="root, and no setpriv to drop privileges")


@pytest.fixture
def shared_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of a real PLAMS 2026.104 folder where an unprivileged user may read it."""
    zoo = build_zoo("2026.104", tmp_path_factory.mktemp("zoo"))[0]
    top = Path(tempfile.mkdtemp(prefix="plams-tui-perm-"))
    try:
        top.chmod(0o755)
        workdir = top / "wd"
        shutil.copytree(zoo, workdir, symlinks=True)
        for path in [workdir, *workdir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield workdir
    finally:
        for path in top.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o700)
        shutil.rmtree(top)


def ls_as_user(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "plams_tui.cli", "ls", str(workdir), *args]
    if ROOT:
        assert SETPRIV is not None
        cmd = [SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd="/", timeout=120)


def test_unreadable_csv_folder_dill_and_input(shared_copy: Path) -> None:
    wd = shared_copy
    (wd / "job_logfile.csv").chmod(0)
    (wd / "crash").chmod(0)
    (wd / "opt.002" / "opt.002.dill").chmod(0)
    (wd / "nopickle" / "nopickle.in").chmod(0)

    proc = ls_as_user(wd, "--json")
    assert proc.returncode == 0, proc.stderr
    jobs: dict[str, dict[str, Any]] = {j["path"]: j for j in json.loads(proc.stdout)}

    crash = jobs["crash"]  # a job folder with mode 000: not 'successful' with no files
    assert (crash["status"], crash["files"]) == ("unknown", [])
    assert crash["problems"] == ["cannot read the folder (Permission denied)"]
    opt2 = jobs["opt.002"]
    assert opt2["dill"] == "unreadable" and opt2["problems"] == [
        "cannot read opt.002.dill (Permission denied)"
    ]
    # neither csv nor .dill: the text log says, and the reused name does not confuse it
    assert (opt2["status"], opt2["status_source"]) == ("successful", "logfile")
    nopickle = jobs["nopickle"]
    assert nopickle["hash"] is None and nopickle["problems"] == [
        "cannot read nopickle.in (Permission denied)"
    ]
    assert all(not j["problems"] for p, j in jobs.items() if p not in ("crash", "opt.002", "nopickle"))

    lines = proc.stderr.splitlines()
    assert lines[0] == "plams-tui: warning: could not read 4 things:"
    assert lines[1:] == [
        "  cannot read job_logfile.csv (Permission denied)",
        "  crash: cannot read the folder (Permission denied)",
        "  nopickle: cannot read nopickle.in (Permission denied)",
        "  opt.002: cannot read opt.002.dill (Permission denied)",
    ]


def test_nothing_said_when_everything_is_readable(shared_copy: Path) -> None:
    proc = ls_as_user(shared_copy)
    assert proc.returncode == 0 and proc.stderr == ""
