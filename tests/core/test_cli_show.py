"""What `plams-tui show` tells about one job (issue 8): why it ended, times, files, JOBPATH forms."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from plams_core.demo import build_demo

from plams_tui.cli import main

ISO_LOCAL = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
ISO_OFFSET = ISO_LOCAL + r"[+-]\d\d:\d\d"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def show_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, err = run(capsys, "show", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo folder (never changed by these tests)."""
    return build_demo(tmp_path_factory.mktemp("show-demo"))


@pytest.fixture
def demo_copy(demo: Path, tmp_path: Path) -> Path:
    import subprocess

    subprocess.run(["cp", "-a", str(demo), str(tmp_path / "plams_demo")], check=True)
    return tmp_path / "plams_demo"


def test_why_a_crashed_job_ended(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = show_json(capsys, str(demo), "crash")
    assert job["ending"]["returncode"] == 3  # the runscript ran `exit 3`
    assert job["ending"]["err_tail"] == ["segmentation fault"]
    assert job["ending"]["out_tail"] == ["partial output"]
    code, out, _ = run(capsys, "show", str(demo), "crash")
    why = out[out.index("why it ended (crashed):") :]
    assert re.search(r"returncode: +3\n", why)
    assert "last lines of crash.err:\n    segmentation fault\n" in why
    assert "last lines of crash.out:\n    partial output\n" in why


def test_why_a_failed_job_and_a_failed_multijob_ended(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = show_json(capsys, str(demo), "fail")
    assert job["ending"]["returncode"] == 0  # it ran; check() said no
    assert job["ending"]["message"] == "Could not determine error message. Please check the output manually."
    assert job["ending"]["out_tail"] == ["NOPE"]
    multi = show_json(capsys, str(demo), "scan")
    assert multi["ending"]["failed_children"] == [{"path": "scan/bad", "status": "crashed"}]
    code, out, _ = run(capsys, "show", str(demo), "scan")
    assert re.search(r"child: +scan/bad crashed\n", out)
    code, out, _ = run(capsys, "show", str(demo), "optimize")
    assert "why it ended" not in out  # a successful job has nothing to explain


def test_file_times_are_iso_and_files_sorted(demo_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("frame10.xyz", "frame2.xyz", "frame1.xyz"):
        (demo_copy / "optimize" / name).write_text("1\n\nH 0 0 0\n")
    job = show_json(capsys, str(demo_copy), "optimize")
    names = [f["name"] for f in job["files"]]
    assert names == [
        "frame1.xyz",
        "frame2.xyz",
        "frame10.xyz",
        "optimize.dill",
        "optimize.err",
        "optimize.in",
        "optimize.out",
        "optimize.run",
    ]
    for f in job["files"]:
        assert re.fullmatch(ISO_OFFSET, f["mtime"])
        assert datetime.fromisoformat(f["mtime"]).timestamp() == f["mtime_ns"] // 10**9
    code, out, _ = run(capsys, "show", str(demo_copy), "optimize")
    listed = out[out.index("files:\n") :].splitlines()[2:]
    assert [re.sub(r"  \(\d+ links\)$", "", line).split()[-1] for line in listed] == names
    assert all(re.match(r"  " + ISO_LOCAL + r" +\d+ ", line) for line in listed)


def test_timeline_times_from_every_source(demo_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from_dill = show_json(capsys, str(demo_copy), "optimize")
    assert from_dill["timeline_source"] == "dill"
    from_csv = show_json(capsys, str(demo_copy), "crash")
    assert from_csv["timeline_source"] == "csv"
    # without the csv and the .dill, the text log is the source: its times have no year
    (demo_copy / "job_logfile.csv").unlink()
    (demo_copy / "optimize.002" / "optimize.002.dill").unlink()
    from_log = show_json(capsys, str(demo_copy), "optimize.002")
    assert from_log["timeline_source"] == "logfile"
    year = datetime.fromtimestamp((demo_copy / "logfile").stat().st_mtime).year
    for job in (from_dill, from_csv, from_log):
        assert job["timeline"] and all(re.fullmatch(ISO_OFFSET, e["time"]) for e in job["timeline"])
        assert all(e["recorded"] for e in job["timeline"])
    assert from_log["timeline"][-1]["time"].startswith(f"{year}-")
    assert from_log["timeline"][-1]["status"] == "successful"
    code, out, _ = run(capsys, "show", str(demo_copy), "optimize.002")
    timeline = out[out.index("timeline (logfile, local time UTC") :].splitlines()[1:3]
    assert all(re.fullmatch("  " + ISO_LOCAL + r"  \w+", line) for line in timeline), timeline


@pytest.mark.parametrize(
    "form", ["plams_demo/scan/bad", "plams_demo/scan/bad/", "./plams_demo/scan/bad", "scan/bad/", "ABS"]
)
def test_jobpath_as_tab_completion_gives_it(
    form: str, demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo.parent)
    jobpath = str(demo / "scan" / "bad") + "/" if form == "ABS" else form
    assert show_json(capsys, "plams_demo", jobpath)["path"] == "scan/bad"


def test_jobpath_alone_finds_its_working_folder(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo.parent)
    assert show_json(capsys, "plams_demo/scan/bad/")["path"] == "scan/bad"
    monkeypatch.chdir(demo)
    assert show_json(capsys, "nested/inner/leaf.002")["path"] == "nested/inner/leaf.002"
    monkeypatch.chdir(demo / "nested")
    assert show_json(capsys, "inner")["path"] == "nested/inner"  # a path from here
    code, out, err = run(capsys, "show", "nope")
    assert code == 2 and out == "" and err.count("\n") == 1 and "nope" in err


def test_tails_are_read_from_the_end_of_a_huge_file(
    demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = demo_copy / "crash" / "crash.out"
    with open(out, "r+b") as f:  # 8 GiB, sparse: reading it whole would exhaust memory
        f.truncate(8 << 30)
        f.seek(0, os.SEEK_END)
        f.write(b"\nstep 999\nfinal energy -1.23\n")
    job = show_json(capsys, str(demo_copy), "crash")
    assert job["ending"]["out_tail"][-2:] == ["step 999", "final energy -1.23"]
    assert len(job["ending"]["out_tail"]) <= 10
