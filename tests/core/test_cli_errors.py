"""One line instead of a traceback (issue 8, item 4), in real processes as a user runs them.

* `plams-tui demo` into a folder the user cannot write, and `python -m plams_core
  script.py` in one: the tests run as root, which ignores file modes, so the command runs
  as `nobody` (`setpriv --reuid=nobody --regid=nogroup --clear-groups`) in a root-owned
  folder with mode 755; run by another user, the folder is made read-only (555) instead.
* `plams-tui ls DIR >/dev/full`: stdout fails with ENOSPC.
* `plams-tui ls DIR | head -1`: stdout is a pipe whose reader is gone (its read end is
  closed before the command starts, so every write fails with EPIPE, whatever the size).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from plams_core.demo import build_demo

SETPRIV = shutil.which("setpriv")


@pytest.fixture
def readonly(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A folder the command cannot write, and the prefix that runs a command as its user."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder, []
        folder.chmod(0o755)
        return
    if SETPRIV is None:
        pytest.skip("running as root without setpriv: no way to be refused a write")
    # pytest's tmp folders are 0700 (nobody could not even enter them): a 755 folder in /tmp
    folder = Path(tempfile.mkdtemp(prefix="plams-tui-ro-"))
    folder.chmod(0o755)
    try:
        yield folder, [SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    finally:
        shutil.rmtree(folder)


def _one_line_error(proc: subprocess.CompletedProcess[str], prog: str) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"{prog}: error: "), proc.stderr
    return proc.stderr


def test_demo_into_a_folder_it_cannot_write(readonly: tuple[Path, list[str]]) -> None:
    folder, as_user = readonly
    proc = subprocess.run(
        [*as_user, sys.executable, "-m", "plams_tui.cli", "demo", str(folder)],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    err = _one_line_error(proc, "plams-tui")
    assert str(folder) in err and "Permission denied" in err
    assert os.listdir(folder) == []


def test_master_script_in_a_folder_it_cannot_write(readonly: tuple[Path, list[str]], tmp_path: Path) -> None:
    folder, as_user = readonly
    script = folder.parent / f"{folder.name}-script.py"  # readable by nobody, outside the folder
    script.write_text("print('never runs')\n")
    script.chmod(0o644)
    try:
        proc = subprocess.run(
            [*as_user, sys.executable, "-m", "plams_core", str(script)],
            capture_output=True,
            text=True,
            cwd=folder,
        )
    finally:
        script.unlink()
    err = _one_line_error(proc, "plams_core")
    assert "cannot create the working folder" in err and "Permission denied" in err
    assert "never runs" not in proc.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("errors-demo"))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("json", [False, True])
def test_ls_into_a_full_disk(demo: Path, json: bool) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "plams_tui.cli", "ls", str(demo), *(["--json"] if json else [])],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    err = _one_line_error(proc, "plams-tui")
    assert "cannot write the output" in err and "No space left on device" in err


@pytest.mark.parametrize("argv", [["ls"], ["ls", "--json"], ["show"], ["demo"]])
def test_a_closed_pipe_ends_quietly(demo: Path, argv: list[str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (`head -1`) is gone
    target = [str(demo.parent)] if argv == ["demo"] else [str(demo)]
    if argv == ["show"]:
        target.append("crash")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "plams_tui.cli", *argv, *target],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == 0
