"""plams_core leaves the same working folder as real PLAMS for the zoo script (tests/fixtures/zoo.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from peers import peer_python, run_script

ZOO = Path(__file__).resolve().parents[1] / "fixtures" / "zoo.py"


def run_zoo(python: str, impl: str, tmp_path: Path, tag: str) -> tuple[dict, Path]:
    truth = tmp_path / f"{tag}.json"
    proc = run_script(
        python, ZOO, cwd=tmp_path, env={"PLAMS_IMPL": impl}, args=[str(tmp_path), tag, str(truth)]
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(truth.read_text())
    return data, Path(data["workdir"])


def job_view(data: dict) -> list[tuple]:
    return [(j["name"], j["path"], j["parent"], j["status"], j["hash"], j["class"]) for j in data["jobs"]]


def folder_files(workdir: Path) -> dict[str, list[str]]:
    """Files directly in every job folder (top-level files excluded), by relative folder path."""
    out: dict[str, list[str]] = {}
    for folder in sorted(p for p in workdir.rglob("*") if p.is_dir()):
        out[folder.relative_to(workdir).as_posix()] = sorted(f.name for f in folder.iterdir() if f.is_file())
    return out


def file_modes(workdir: Path, skip: frozenset[str] = frozenset()) -> dict[str, tuple[str, int]]:
    """Permission bits and hard-link count of every file in a job folder (rerun prevention links files)."""
    out: dict[str, tuple[str, int]] = {}
    for f in sorted(workdir.rglob("*")):
        rel = f.relative_to(workdir)
        if f.is_file() and len(rel.parts) > 1 and rel.parts[0] not in skip:
            st = f.stat()
            out[rel.as_posix()] = (oct(st.st_mode & 0o7777), st.st_nlink)
    return out


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    return run_zoo(sys.executable, "plams_core", tmp_path_factory.mktemp("ours"), "zoo")


@pytest.mark.plams2024
def test_same_folder_as_plams_2024(ours: tuple[dict, Path], tmp_path: Path) -> None:
    ref, ref_dir = run_zoo(peer_python("2024.107"), "scm.plams", tmp_path, "zoo")
    data, workdir = ours
    assert job_view(data) == job_view(ref)
    assert folder_files(workdir) == folder_files(ref_dir)
    assert file_modes(workdir) == file_modes(ref_dir)
    assert (workdir / "logfile").is_file() and (ref_dir / "logfile").is_file()
    assert (workdir / "job_logfile.csv").is_file()  # PLAMS 2025+ writes it too


def test_plams_2026_differs_only_by_its_cleaning_bug(ours: tuple[dict, Path], tmp_path: Path) -> None:
    ref, ref_dir = run_zoo(peer_python("2026.104"), "scm.plams", tmp_path, "zoo")
    data, workdir = ours
    assert job_view(data) == job_view(ref)
    mine, theirs = folder_files(workdir), folder_files(ref_dir)
    differing = {k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)}
    assert differing == {"kept", "trimmed"}
    same = frozenset(differing)
    assert file_modes(workdir, same) == file_modes(ref_dir, same)
    # keep=['$JN.out']: the documented behaviour keeps the output, 2026 deletes it too.
    assert mine["kept"] == ["kept.dill", "kept.out"] and theirs["kept"] == ["kept.dill"]
    # save=['-', '$JN.err', '$JN.run']: documented deletes the two, 2026 deletes nothing.
    assert mine["trimmed"] == ["trimmed.dill", "trimmed.in", "trimmed.out"]
    assert theirs["trimmed"] == ["trimmed.dill", "trimmed.err", "trimmed.in", "trimmed.out", "trimmed.run"]
    top = ["job_logfile.csv", "logfile"]
    assert sorted(f.name for f in workdir.iterdir() if f.is_file()) == top
    assert sorted(f.name for f in ref_dir.iterdir() if f.is_file()) == top
    header = (workdir / "job_logfile.csv").read_text().splitlines()[0]
    assert header == (ref_dir / "job_logfile.csv").read_text().splitlines()[0]
