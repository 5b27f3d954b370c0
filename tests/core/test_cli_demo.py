"""`plams-tui demo`: the README's first command builds a demo folder and lists it."""

from __future__ import annotations

from pathlib import Path

import pytest

from plams_tui.cli import main


def test_demo_builds_lists_and_reuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Built demo working folder" in out
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines()[2:] if line.strip()}
    # every kind of job the demo promises, with the status a user would expect
    assert lines["optimize"] == "successful" and lines["optimize.002"] == "successful"
    assert lines["repeat"] == "copied" and lines["crash"] == "crashed" and lines["fail"] == "failed"
    assert lines["scan/"] == "failed" and lines["scan/bad"] == "crashed"
    assert lines["nested/inner/leaf.002"] == "successful"

    assert main(["demo", str(tmp_path)]) == 0  # a second run lists the same folder again
    out = capsys.readouterr().out
    assert "reused" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plams_demo"]

    assert main(["demo", "--fresh", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plams_demo", "plams_demo.002"]


def test_demo_in_a_missing_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "plams-tui: error:" in err
