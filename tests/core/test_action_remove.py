"""`plams-tui rm` (PLAMS's remove_job, on disk): the next restart reruns the job; --undo gives the folder back.

Folders made by plams_core and by real PLAMS 2024.107 and 2026.104 (the zoo script); loaded by
the PLAMS that can read them (plams_core's pickles name plams_core classes, 2026's pickles are
beyond 2024), always in a subprocess.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from fixtures.action_folders import MAKERS, build_zoo_by, load_all  # noqa: E402
from fixtures.workdirs import copy_workdir, snapshot  # noqa: E402
from plams_core.errors import FileError  # noqa: E402
from plams_core.workdir import Workdir  # noqa: E402

from plams_tui.cli import main  # noqa: E402

# (maker of the folder, PLAMS that loads it)
PAIRS = [
    ("plams_core", "plams_core"),
    ("plams_core", "2026.104"),
    pytest.param("2024.107", "2024.107", marks=pytest.mark.plams2024),
    pytest.param("2024.107", "2026.104", marks=pytest.mark.plams2024),
    ("2026.104", "2026.104"),
]

_built: dict[str, Path] = {}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    def get(maker: str) -> Path:
        if maker not in _built:
            _built[maker] = build_zoo_by(maker, tmp_path_factory.mktemp(f"zoo-{maker}"))
        return _built[maker]

    return get


@pytest.fixture
def fresh(zoo, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A copy of the zoo folder of a maker, free to change."""

    def get(maker: str) -> Path:
        return copy_workdir(zoo(maker), tmp_path / "copy" / "wd")

    return get


def rm(*args: str) -> int:
    return main(["rm", *args])


@pytest.mark.parametrize(("maker", "loader"), PAIRS)
def test_removed_job_is_not_loaded_and_reruns(fresh, maker: str, loader: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wd = fresh(maker)
    before = load_all(loader, wd, tmp_path / "before", rerun=True)
    assert "opt" in before["loaded"] and before["opt"] == "copied"  # reused while its .dill is there

    assert rm(str(wd), "opt", "--yes") == 0

    after = load_all(loader, wd, tmp_path / "after", rerun=True)
    # opt is gone, and so is dup (same input, same hash: it would be reused in opt's place)
    assert after["loaded"] == [j for j in before["loaded"] if j not in ("opt", "dup")]
    assert after["opt"] == "successful"  # it ran again
    assert (wd / "opt" / "opt.removed.dill").is_file() and not (wd / "opt" / "opt.dill").exists()


@pytest.mark.parametrize(("maker", "loader"), PAIRS)
def test_removing_a_child_removes_the_multijob_that_pickles_it(
    fresh, maker: str, loader: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    wd = fresh(maker)
    before = load_all(loader, wd, tmp_path / "before")["loaded"]
    assert "nested" in before and "nested/first" not in before  # the MultiJob's pickle holds its children
    assert rm(str(wd), "nested/inner/leaf", "--yes") == 0
    after = load_all(loader, wd, tmp_path / "after")["loaded"]
    # load_all now descends into nested/ and loads the children that were not removed
    assert after == sorted([j for j in before if j != "nested"] + ["nested/first", "nested/inner/leaf.002"])


@pytest.mark.parametrize(
    "maker", [pytest.param(m, marks=pytest.mark.plams2024) if m == "2024.107" else m for m in MAKERS]
)
def test_undo_gives_the_folder_back_byte_for_byte(fresh, maker: str) -> None:  # type: ignore[no-untyped-def]
    wd = fresh(maker)
    original = snapshot(wd)
    assert rm(str(wd), "opt", "nested", "--yes") == 0
    changed = snapshot(wd)
    assert changed != original
    assert set(changed) - set(original) == {
        f"{p}/{p.rpartition('/')[2]}.removed.dill"
        for p in (
            "opt",
            "dup",
            "nested",
            "nested/first",
            "nested/inner",
            "nested/inner/leaf",
            "nested/inner/leaf.002",
        )
    }
    assert rm(str(wd), "opt", "nested", "--undo", "--yes") == 0
    assert snapshot(wd) == original  # names, bytes, modes, link counts and mtimes, folders included


def test_ls_shows_removed_jobs(fresh, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    assert rm(str(wd), "opt", "--yes") == 0
    capsys.readouterr()
    assert main(["ls", str(wd), "--json"]) == 0
    dills = {r["path"]: r["dill"] for r in json.loads(capsys.readouterr().out)}
    assert dills["opt"] == "removed" and dills["dup"] == "removed"
    assert dills["opt.002"] == "ok"
    assert main(["ls", str(wd)]) == 0
    table = capsys.readouterr().out
    assert any(line.startswith("opt ") and "removed" in line for line in table.splitlines())


def test_dry_run_and_refusals_write_nothing(fresh, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    original = snapshot(wd)
    assert rm(str(wd), "opt", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "opt/opt.dill -> opt.removed.dill" in out and "dup" in out
    assert rm(str(wd), "opt") == 2  # no --yes and no terminal (pytest's stdin)
    err = capsys.readouterr().err
    assert err.startswith("plams-tui: error: ") and err.count("\n") == 1 and "--yes" in err
    assert rm(str(wd), "no_such_job", "--yes") == 2
    assert "no_such_job: no such job" in capsys.readouterr().err
    assert snapshot(wd) == original


def test_nothing_to_do_for_a_job_without_dill(fresh, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    original = snapshot(wd)
    assert rm(str(wd), "crash", "--yes") == 0
    out = capsys.readouterr().out
    assert "Nothing to do for (1):\n  crash  no .dill: the next restart reruns it anyway" in out
    assert rm(str(wd), "opt.002", "--undo", "--yes") == 0
    assert "Nothing to do for (1):\n  opt.002  not removed" in capsys.readouterr().out
    assert snapshot(wd) == original


def test_a_stale_plan_changes_nothing(fresh) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    workdir = Workdir(wd)
    plan = workdir.plan_remove(["opt"])
    (wd / "dup" / "dup.dill").rename(wd / "dup" / "elsewhere")  # changed under the plan
    original = snapshot(wd)
    with pytest.raises(FileError, match="dup/dup.dill is gone"):
        workdir.remove(plan)
    assert snapshot(wd) == original


def test_undo_never_overwrites_a_new_dill(fresh) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    assert rm(str(wd), "opt.002", "--yes") == 0
    workdir = Workdir(wd)
    plan = workdir.plan_undo_remove(["opt.002"])
    assert plan.renames == (("opt.002/opt.002.removed.dill", "opt.002/opt.002.dill"),)
    (wd / "opt.002" / "opt.002.dill").write_bytes(b"a newer pickle")
    original = snapshot(wd)
    with pytest.raises(FileError, match="already exists"):
        workdir.undo_remove(plan)
    assert snapshot(wd) == original


@pytest.mark.parametrize(("answer", "renamed"), [("y", True), ("n", False)])
def test_without_yes_it_asks_on_a_terminal(fresh, answer: str, renamed: bool) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plams_tui.cli", "rm", str(wd), "opt.002"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while b"[y/N]" not in seen:  # the question is on the terminal before anything changes
        chunk = os.read(master, 1024)
        assert chunk, seen
        seen += chunk
    assert b"Remove 1 job in " in seen and (wd / "opt.002" / "opt.002.dill").is_file()
    os.write(master, answer.encode() + b"\n")
    assert proc.wait(timeout=60) == (0 if renamed else 2)
    os.close(master)
    assert (wd / "opt.002" / "opt.002.removed.dill").is_file() == renamed
    assert (wd / "opt.002" / "opt.002.dill").is_file() != renamed


def test_works_without_scm_plams(fresh) -> None:  # type: ignore[no-untyped-def]
    """rm never imports PLAMS: it runs where only plams-tui is installed (scm made unimportable here)."""
    wd = fresh("2026.104")
    original = snapshot(wd)
    code = (
        "import sys; sys.modules['scm'] = None\n"
        "from plams_tui.cli import main\n"
        "assert main(sys.argv[1:] + ['--yes']) == 0\n"
        "assert main(sys.argv[1:] + ['--undo', '--yes']) == 0\n"
        "assert 'scm.plams' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, "rm", str(wd), "opt"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "opt/opt.dill -> opt.removed.dill" in proc.stdout
    assert snapshot(wd) == original
