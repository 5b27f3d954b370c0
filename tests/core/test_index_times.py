"""Start and end times per job, from the csv timeline or the text log, in one format."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.workdirs import build_zoo, copy_workdir  # noqa: E402
from plams_core.index import records_json, scan_workdir  # noqa: E402


@pytest.fixture(scope="module")
def zoo26(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_zoo("2026.104", tmp_path_factory.mktemp("zoo"))[0]


def test_times_from_the_csv_and_from_the_log_agree(zoo26: Path, tmp_path: Path) -> None:
    made = os.stat(zoo26 / "logfile").st_mtime
    from_csv = {r.path: r for r in scan_workdir(zoo26)}
    copy = copy_workdir(zoo26, tmp_path / "wd")
    (copy / "job_logfile.csv").unlink()
    for dill in copy.rglob("*.dill"):
        dill.unlink()
    from_log = {r.path: r for r in scan_workdir(copy)}
    checked = 0
    for path, rec in from_csv.items():
        assert rec.start is not None and rec.end is not None, path  # every zoo job ran and ended
        assert made - 600 < rec.start <= rec.end <= made + 1, path
        other = from_log[path]
        if other.status_source == "logfile":
            assert other.start is not None and other.end is not None, path
            assert abs(other.start - rec.start) <= 1 and abs(other.end - rec.end) <= 1, path
            checked += 1
    assert checked >= 10


def test_json_times_are_iso_with_offset(zoo26: Path) -> None:
    records = list(scan_workdir(zoo26))
    for rec, obj in zip(records, json.loads(records_json(records)), strict=True):
        start = datetime.fromisoformat(obj["start"])
        assert start.utcoffset() is not None and start.timestamp() == int(rec.start or 0)
        assert obj == rec.to_dict()


def test_an_interrupted_job_has_a_start_and_no_end(tmp_path: Path) -> None:
    workdir = tmp_path / "plams_workdir"
    (workdir / "late").mkdir(parents=True)
    (workdir / "late" / "late.in").write_text("x\n")
    (workdir / "late" / "late.out").write_text("half\n")
    (workdir / "logfile").write_text("[02.01|10:00:05] JOB late STARTED\n[02.01|10:00:06] JOB late RUNNING\n")
    # the log was last written on 3 January 2025; the line's date has no year
    when = time.mktime((2025, 1, 3, 12, 0, 0, 0, 0, -1))
    os.utime(workdir / "logfile", (when, when))
    rec = scan_workdir(workdir).get("late")
    assert rec is not None and rec.interrupted and rec.end is None
    assert rec.start == time.mktime((2025, 1, 2, 10, 0, 5, 0, 0, -1))


def test_a_date_after_the_log_was_written_is_from_the_year_before(tmp_path: Path) -> None:
    workdir = tmp_path / "plams_workdir"
    (workdir / "old").mkdir(parents=True)
    (workdir / "old" / "old.in").write_text("x\n")
    (workdir / "old" / "old.out").write_text("done\n")
    (workdir / "logfile").write_text(
        "[31.12|23:59:58] JOB old STARTED\n[31.12|23:59:59] JOB old RUNNING\n[01.01|00:00:01] JOB old SUCCESSFUL\n"
    )
    when = time.mktime((2025, 1, 1, 0, 5, 0, 0, 0, -1))
    os.utime(workdir / "logfile", (when, when))
    rec = scan_workdir(workdir).get("old")
    assert rec is not None and rec.status == "successful"
    assert rec.start == time.mktime((2024, 12, 31, 23, 59, 58, 0, 0, -1))
    assert rec.end == time.mktime((2025, 1, 1, 0, 0, 1, 0, 0, -1))


def test_no_date_no_time(tmp_path: Path) -> None:
    workdir = tmp_path / "plams_workdir"
    (workdir / "x").mkdir(parents=True)
    (workdir / "x" / "x.in").write_text("x\n")
    (workdir / "x" / "x.out").write_text("done\n")
    (workdir / "logfile").write_text("[10:00:00] JOB x STARTED\n[10:00:01] JOB x SUCCESSFUL\n")
    rec = scan_workdir(workdir).get("x")
    assert rec is not None and rec.status == "successful" and (rec.start, rec.end) == (None, None)
    shutil.rmtree(workdir)
