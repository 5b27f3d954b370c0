"""rm and clean on the folders users really have: odd names, symlinks, folders that change
between the plan and the confirmation, deletions that fail halfway.

The folder is the demo (plams_core: MultiJobs, a copied job, reused names), copied with
``cp -a`` for each test and then given the shape under test.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from fixtures.workdirs import copy_workdir, snapshot  # noqa: E402
from plams_core.demo import build_demo  # noqa: E402

from plams_tui.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def wd(demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo folder, free to change."""
    return copy_workdir(demo, tmp_path / "copy" / "wd")


def rename_job(wd: Path, old: str, new: str) -> str:
    """Give the job folder *old* the name *new* (its .dill too, as PLAMS names it); return the new job path."""
    parent = (wd / old).parent
    os.rename(wd / old, parent / new)
    os.rename(parent / new / f"{Path(old).name}.dill", parent / new / f"{new}.dill")
    return str((parent / new).relative_to(wd))


def test_a_name_that_is_not_utf8_is_listed_not_a_traceback(
    wd: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A folder name with a Latin-1 byte (copied from an old machine), on a terminal whose encoding is strict UTF-8."""
    job = rename_job(wd, "optimize.002", os.fsdecode(b"opt\xe9"))
    assert main(["clean", str(wd), job, "--keep", "none", "--dry-run"]) == 0
    out = capsysbinary.readouterr().out
    assert b"opt\xe9/optimize.002.out" in out  # the bytes of the name, as ls prints them
    assert main(["rm", str(wd), job, "--dry-run"]) == 0
    assert b"opt\xe9/opt\xe9.dill -> opt\xe9.removed.dill" in capsysbinary.readouterr().out
    assert main(["rm", str(wd), job, "--dry-run", "--json"]) == 0
    assert b'"opt\xe9"' in capsysbinary.readouterr().out


def test_control_characters_in_names_cannot_hide_what_is_deleted(
    wd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name with ESC and CR would erase its line on the terminal: the listing shows them escaped."""
    job = rename_job(wd, "optimize.002", "evil\x1b[2K\rname")
    (wd / job / "fake\rnothing to delete").write_text("x")
    assert main(["clean", str(wd), job, "--keep", "none", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    assert "evil\\x1b[2K\\x0dname/fake\\x0dnothing to delete" in out
    assert main(["rm", str(wd), job, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "evil\\x1b[2K\\x0dname" in out


def test_the_undo_command_printed_after_rm_can_be_pasted(
    wd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = rename_job(wd, "optimize.002", "my opt [1]")
    original = snapshot(wd)
    assert main(["rm", str(wd), job, "--yes"]) == 0
    undo = capsys.readouterr().out.splitlines()[-1].removeprefix("Done. Undo with: ")
    argv = shlex.split(undo)
    assert argv[:3] == ["plams-tui", "rm", str(wd)] and argv[3:] == [job, "--undo"]
    assert main([*argv[1:], "--yes"]) == 0
    assert snapshot(wd) == original
