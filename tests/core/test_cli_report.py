"""The shared logic under `ls`/`show` (plams_core.index.report): times, order, counts, tails."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest


@pytest.fixture
def amsterdam(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Europe/Amsterdam (UTC+1 in winter, +2 in summer)."""
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


NEW_YEAR = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def test_format_time(amsterdam: None) -> None:
    from plams_core.index.report import format_time

    assert format_time(NEW_YEAR) == "2026-01-01T01:00:00"
    assert format_time(NEW_YEAR, offset=True) == "2026-01-01T01:00:00+01:00"
    assert format_time(NEW_YEAR + 182 * 86400 + 0.9, offset=True) == "2026-07-02T02:00:00+02:00"
    assert format_time(None) is None


def test_every_recorded_time_format(amsterdam: None) -> None:
    from plams_core.index.report import parse_recorded_time as parse

    assert parse("2026-01-01T00:00:00.5+00:00") == NEW_YEAR + 0.5  # .dill status log
    assert parse("2026-01-01 01:00:00") == NEW_YEAR  # job_logfile.csv: local time
    ref = NEW_YEAR + 3 * 86400  # the log was last written on 4 January 2026
    assert parse("[01.01|01:00:00]", ref) == NEW_YEAR  # text log since 2021: no year
    assert parse("31.12|23:00:00", ref) == NEW_YEAR - 7200  # ... from the year before
    assert parse("01:00:00", NEW_YEAR + 7200) == NEW_YEAR  # older logs: no date, same day
    assert parse("23:00:00", NEW_YEAR + 7200) == NEW_YEAR - 7200  # ... the day before
    assert parse("01.01|01:00:00") is None  # no reference, no year: unknown, not guessed
    assert parse("29.02|10:00:00", ref) is None  # no such day in 2026
    assert parse("yesterday", ref) is None and parse("", ref) is None


def test_format_duration() -> None:
    from plams_core.index.report import format_duration

    assert [format_duration(s) for s in (0.4, 7, 754, 3723, 2 * 86400 + 3723)] == [
        "0:00",
        "0:07",
        "12:34",
        "1:02:03",
        "2-01:02:03",
    ]
    assert format_duration(None) is None


def _rec(
    path: str, status: str = "successful", interrupted: bool = False, start: float | None = None
) -> SimpleNamespace:
    return SimpleNamespace(path=path, status=status, interrupted=interrupted, start=start)


def test_natural_order() -> None:
    from plams_core.index.report import natural_key

    paths = ["job10", "job2", "job1/child10", "job1", "job1/child9", "opt.010", "opt.002", "opt", "Job3"]
    assert sorted(paths, key=natural_key) == [
        "Job3",
        "job1",
        "job1/child9",
        "job1/child10",
        "job2",
        "job10",
        "opt",
        "opt.002",
        "opt.010",
    ]


def test_batch_keys_are_the_same_keys() -> None:
    from plams_core.index.report import natural_key, natural_keys

    paths = ["scan", "scan/bad", "scan.002", "two\nlines", "job02", "a/b10/c", "x" + "9" * 30, ""]
    assert natural_keys(paths) == [natural_key(p) for p in paths]
    assert natural_keys([]) == []


def test_sort_by_start_and_status() -> None:
    from plams_core.index.report import sort_records

    recs = [
        _rec("a", start=30.0),
        _rec("b", "crashed", start=10.0),
        _rec("c", "running", interrupted=True),
        _rec("d", start=20.0),
    ]
    assert [r.path for r in sort_records(recs, "start")] == ["b", "d", "a", "c"]  # unknown start last
    assert [r.path for r in sort_records(recs, "status")] == ["b", "c", "a", "d"]
    with pytest.raises(ValueError):
        sort_records(recs, "size")


def test_summary() -> None:
    from plams_core.index.report import count_statuses, summary_line

    recs = (
        [_rec("a")] * 9
        + [_rec("b", "crashed")] * 2
        + [_rec("c", "running", interrupted=True), _rec("d", "copied")]
    )
    counts = count_statuses(recs)
    assert summary_line(counts) == "13 jobs: 9 successful, 2 crashed, 1 interrupted, 1 copied"
    assert summary_line(counts, total=20) == "13 of 20 jobs: 9 successful, 2 crashed, 1 interrupted, 1 copied"
    assert summary_line(count_statuses([_rec("a")])) == "1 job: 1 successful"
    assert summary_line({}) == "0 jobs"


def test_tail_lines(tmp_path: Path) -> None:
    from plams_core.index.report import tail_lines

    f = tmp_path / "x.out"
    f.write_bytes(b"".join(b"line %d\n" % i for i in range(1000)) + b"\n\n")
    assert tail_lines(str(f)) == tuple(f"line {i}" for i in range(990, 1000))
    assert tail_lines(str(f), lines=3, max_bytes=20) == ("line 998", "line 999")  # whole lines only
    assert tail_lines(str(f), lines=3, max_bytes=19) == ("line 999",)  # "ine 998" is cut: dropped
    f.write_bytes(b"x" * 5000 + b"\n\xff\xfe ok\n")
    assert tail_lines(str(f)) == ("x" * 299 + "\u2026", "\ufffd\ufffd ok")
    assert tail_lines(str(tmp_path / "missing.out")) == ()


def test_tail_lines_does_not_wait_on_a_fifo(tmp_path: Path) -> None:
    from plams_core.index.report import tail_lines

    fifo = tmp_path / "job.err"
    os.mkfifo(fifo)
    result: list[tuple[str, ...]] = []
    reader = threading.Thread(target=lambda: result.append(tail_lines(str(fifo))), daemon=True)
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():  # unblock the thread before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("tail_lines blocked on a FIFO")
    assert result == [()]
