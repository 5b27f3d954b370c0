"""`plams-tui clean`: deletes what PLAMS's keep/save cleaning deletes, exactly what its dry run listed.

Folders made by plams_core and by real PLAMS 2024.107 and 2026.104 (the zoo script). The
yardstick is PLAMS 2024.107's own ``Results._clean`` of the same job with the same value, run
in its venv on a copy of the same folder (2026.104's list forms are broken: PLAMS_NOTES.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from fixtures.action_folders import MAKERS, build_zoo_by, files_of, plams_clean  # noqa: E402
from fixtures.workdirs import copy_workdir, snapshot  # noqa: E402
from plams_core.workdir import Workdir  # noqa: E402

from plams_tui.cli import main  # noqa: E402

MAKER_PARAMS = [pytest.param(m, marks=pytest.mark.plams2024) if m == "2024.107" else m for m in MAKERS]
_built: dict[str, Path] = {}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    def get(maker: str) -> Path:
        if maker not in _built:
            wd = build_zoo_by(maker, tmp_path_factory.mktemp(f"zoo-{maker}"))
            _regrow(wd)
            _built[maker] = wd
        return _built[maker]

    return get


def _regrow(wd: Path) -> None:
    """Give the already cleaned jobs files their save would delete, plus a subfolder and backups."""
    for name in ("trimmed.err", "trimmed.run", "trimmed.extra"):
        (wd / "trimmed" / name).write_text("regrown\n")
    (wd / "saved" / "saved.out").write_text("regrown\n")
    deep = wd / "opt.002" / "sub" / "deeper"
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("x" * 100)
    (wd / "opt.002" / "sub" / "y.txt").write_text("y" * 10)
    (wd / "opt.002" / "opt.002.prev.dill").write_bytes((wd / "opt.002" / "opt.002.dill").read_bytes())


@pytest.fixture
def fresh(zoo, tmp_path: Path):  # type: ignore[no-untyped-def]
    counter = iter(range(100))

    def get(maker: str) -> Path:
        return copy_workdir(zoo(maker), tmp_path / f"copy{next(counter)}" / "wd")

    return get


def clean_json(*args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["clean", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def dills(wd: Path) -> set[str]:
    return {f for f in files_of(wd) if f.endswith(".dill")}


@pytest.mark.parametrize("maker", MAKER_PARAMS)
@pytest.mark.parametrize("keep", [None, "none", "$JN.out,$JN.in", "-,$JN.err,*.txt"])
def test_dry_run_writes_nothing_and_the_run_deletes_exactly_that(
    fresh, maker: str, keep: str | None, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    wd = fresh(maker)
    keep_args = [] if keep is None else ["--keep", keep]
    original = snapshot(wd)
    before = files_of(wd)
    plan = clean_json(str(wd), *keep_args, "--dry-run", capsys=capsys)
    assert snapshot(wd) == original
    assert plan["files"] and set(plan["files"]) <= before
    assert not any(f.endswith(".dill") for f in plan["files"])
    sizes = {f: os.lstat(wd / f) for f in plan["files"]}
    assert 0 < plan["bytes"] <= sum(st.st_size for st in sizes.values())

    done = clean_json(str(wd), *keep_args, "--yes", capsys=capsys)
    assert done["files"] == plan["files"] and done["bytes"] == plan["bytes"]
    assert files_of(wd) == before - set(plan["files"])
    assert {f for f in before if f.endswith(".dill")} == dills(wd)  # .dill files all kept
    for folder in done["folders"]:
        assert not (wd / folder).exists()
    # folders left are those that held something else, and every job folder
    assert all((wd / d).is_dir() for d in ("opt", "opt.002", "nested/inner/leaf", "crash"))


def test_own_save_is_what_finish_applies(fresh, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    plan = clean_json(str(wd), "--dry-run", capsys=capsys)
    # trimmed: save=['-', '$JN.err', '$JN.run'] (the extra file stays); saved: save='none'
    assert plan["files"] == ["saved/saved.out", "trimmed/trimmed.err", "trimmed/trimmed.run"]
    applied = {j["job"]: j["keep"] for j in plan["jobs"]}
    assert (
        applied["trimmed"] == "-,$JN.err,$JN.run" and applied["saved"] == "none" and applied["opt"] == "all"
    )
    skipped = {s["job"]: s["reason"] for s in plan["skipped"]}
    assert "save setting is unknown (no .dill)" in skipped["crash"]


def test_emptied_folders_go_job_folders_stay(fresh, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    plan = clean_json(str(wd), "opt.002", "--keep", "none", "--dry-run", capsys=capsys)
    assert plan["folders"] == ["opt.002/sub/deeper", "opt.002/sub"]
    clean_json(str(wd), "opt.002", "--keep", "none", "--yes", capsys=capsys)
    assert sorted(os.listdir(wd / "opt.002")) == ["opt.002.dill", "opt.002.prev.dill"]


def test_bytes_freed_count_hard_links_once_all_go(fresh, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    assert (
        os.stat(wd / "dup" / "dup.out").st_ino == os.stat(wd / "opt" / "opt.out").st_ino
    )  # rerun prevention linked
    alone = clean_json(str(wd), "opt", "--keep", "none", "--dry-run", capsys=capsys)
    assert alone["files"] and alone["bytes"] == 0  # dup still holds every byte
    both = clean_json(str(wd), "opt", "dup", "--keep", "none", "--dry-run", capsys=capsys)
    assert both["bytes"] == sum(os.stat(wd / f).st_size for f in alone["files"])


# (job, keep value) as a PLAMS script would set it; "OWN SAVE": the job's own save setting
PLAMS_CASES = [
    ("opt", "none"),
    ("opt", []),
    ("opt", ["$JN.out"]),
    ("opt", ["-", "$JN.err", "$JN.run"]),
    ("opt", ["*.in", "$JN.dill"]),
    ("opt", ["-"]),
    ("opt", "all"),
    ("opt.002", ["-", "sub/*/*.txt"]),
    ("opt.002", ["sub/*"]),
    ("nested", ["$CH/$CH.out"]),
    ("nested", ["-", "$CH/*.err", "inner/$CH/*.run"]),
    ("trimmed", "OWN SAVE"),
    ("saved", "OWN SAVE"),
]


@pytest.mark.plams2024
@pytest.mark.parametrize(("job", "value"), PLAMS_CASES, ids=[f"{j}-{v}" for j, v in PLAMS_CASES])
def test_same_files_as_plams_2024_cleaning(fresh, job: str, value: Any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = fresh("2024.107"), fresh("2024.107")
    before = files_of(theirs)
    plams_clean("2024.107", theirs, job, value, tmp_path / "scratch")
    deleted_by_plams = before - files_of(theirs)

    workdir = Workdir(ours)
    plan = workdir.plan_clean([job], keep=None if value == "OWN SAVE" else value)
    assert set(plan.files) == deleted_by_plams
    if value not in ("all", ["-"]):
        assert deleted_by_plams  # every case but the two no-ops deletes something
    workdir.clean(plan)
    assert files_of(ours) == files_of(theirs)


def test_bad_keep_is_one_line(fresh, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    wd = fresh("plams_core")
    original = snapshot(wd)
    assert main(["clean", str(wd), "--keep", "a,,b"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("plams-tui: error: --keep 'a,,b'") and err.count("\n") == 1
    assert main(["clean", str(wd), "--keep", "none"]) == 2  # no --yes, no terminal
    assert "not confirmed" in capsys.readouterr().err
    assert snapshot(wd) == original


def test_works_without_scm_plams(fresh) -> None:  # type: ignore[no-untyped-def]
    """clean reads each job's save from its .dill statically: no PLAMS needed (scm made unimportable here)."""
    wd = fresh("2026.104")
    before = files_of(wd)
    code = (
        "import sys; sys.modules['scm'] = None\n"
        "from plams_tui.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "clean", str(wd), "--json", "--yes"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    done = json.loads(proc.stdout)
    assert done["files"] == ["saved/saved.out", "trimmed/trimmed.err", "trimmed/trimmed.run"]
    assert files_of(wd) == before - set(done["files"])
