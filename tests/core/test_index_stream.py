"""Streaming a scan: names at once, statuses as folders are read, the same records at the end."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.workdirs import build_jobs_in_directory, build_zoo, copy_workdir  # noqa: E402
from plams_core.index import JobRecord, ScanBatch, scan_workdir, scan_workdir_iter  # noqa: E402
from plams_core.workdir import Workdir  # noqa: E402


@pytest.fixture(scope="module")
def zoos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {v: build_zoo(v, tmp_path_factory.mktemp(f"zoo{v}"))[0] for v in ("2024.107", "2026.104")}


def apply(batches: list[ScanBatch]) -> list[JobRecord]:
    """What a caller holds after applying the batches as the contract says, in tree order."""
    held: dict[str, JobRecord] = {}
    for batch in batches:
        for rec in batch.records:
            held[rec.path] = rec
        for path in batch.removed:
            del held[path]
    return [held[p] for p in sorted(held, key=lambda p: p.split("/"))]


def check_stream(workdir: Path, **kwargs: Any) -> list[ScanBatch]:
    batches = list(scan_workdir_iter(workdir, **kwargs))
    want = list(scan_workdir(workdir, workers=1))
    assert apply(batches) == want
    assert list(batches[-1].index) == want
    first = batches[0]
    top = sorted(e.name for e in os.scandir(workdir) if e.is_dir())
    assert sorted(r.path for r in first.records) == top
    assert all(r.status_source == "pending" and r.status == "unknown" for r in first.records)
    assert first.progress == (0, len(top))
    done, total = batches[-1].progress
    assert done == total >= len(top)
    assert all(not b.removed for b in batches[:-1])
    assert all(b.index is first.index for b in batches)
    return batches


@pytest.mark.parametrize("version", ["2024.107", "2026.104"])
def test_applying_the_batches_gives_the_scan(version: str, zoos: dict[str, Path]) -> None:
    batches = check_stream(zoos[version])
    # SingleJobs come with their statuses before the end; MultiJobs only at the end
    middle = {r.path: r for b in batches[1:-1] for r in b.records}
    assert middle["opt"].status == "successful" and middle["crash"].status == "crashed"
    assert "partly" not in middle and "partly/bad" in {r.path for r in batches[-1].records}


def test_a_folder_that_is_no_job_is_removed_at_the_end(tmp_path: Path) -> None:
    workdir = build_jobs_in_directory(tmp_path)
    batches = check_stream(workdir)
    assert "a" in {r.path for r in batches[0].records}
    assert batches[-1].removed == ("a",)  # a jobs_in_directory folder, not a job


def test_a_moved_folder_streams_the_same(zoos: dict[str, Path], tmp_path: Path) -> None:
    moved = copy_workdir(zoos["2026.104"], tmp_path / "elsewhere" / "renamed")
    shutil.rmtree(moved / "opt" / "opt.dill", ignore_errors=True)
    (moved / "opt" / "opt.dill").unlink(missing_ok=True)  # its status must come from the moved csv
    batches = check_stream(moved)
    assert {r.path: r for r in apply(batches)}["opt"].status_source == "csv"


@pytest.mark.parametrize("threaded", [False, True])
def test_streaming_with_helper_processes(
    threaded: bool, zoos: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import plams_core.index.reading as reading

    monkeypatch.setattr(reading, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(reading, "SPAWN_THRESHOLD", 2)
    monkeypatch.setattr(reading, "_CHUNK", 3)
    stop = threading.Event()
    watcher = threading.Thread(target=stop.wait)
    if threaded:
        watcher.start()
    try:
        check_stream(zoos["2026.104"], workers=2)
    finally:
        stop.set()
        if threaded:
            watcher.join()


def test_names_come_before_any_job_folder_is_read(
    zoos: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import plams_core.index.reading as reading

    read: list[str] = []
    real = reading.read_folder
    monkeypatch.setattr(
        reading, "read_folder", lambda prefix, rel, *a: read.append(rel) or real(prefix, rel, *a)
    )
    stream = scan_workdir_iter(zoos["2026.104"], workers=1)
    first = next(stream)
    assert read == [] and len(first.records) == 12
    names = [r.name for r in first.records]
    assert names == sorted(names) and names.index("opt") < names.index("opt.002")
    stream.close()


def test_workdir_scan_streams_and_keeps_the_index(zoos: dict[str, Path]) -> None:
    wd = Workdir(zoos["2026.104"])
    batches = list(wd.scan())
    assert len(batches) >= 3
    assert apply(batches) == wd.records() == list(scan_workdir(zoos["2026.104"]))
    assert wd.index is batches[-1].index


def test_natural_order() -> None:
    from plams_core.index import natural_key

    assert sorted(["job10", "job2", "job1", "job2.002", "a"], key=natural_key) == [
        "a",
        "job1",
        "job2",
        "job2.002",
        "job10",
    ]


def test_a_moved_folder_shows_csv_statuses_while_streaming(zoos: dict[str, Path], tmp_path: Path) -> None:
    # a folder copied from a cluster: the csv names the old place; its rows must be matched
    # before the first records, not only after every folder was read
    moved = copy_workdir(zoos["2026.104"], tmp_path / "elsewhere" / "renamed")
    (moved / "opt" / "opt.dill").unlink(missing_ok=True)  # its status can only come from the csv
    batches = check_stream(moved)
    middle = {r.path: r for b in batches[1:-1] for r in b.records}
    assert middle["opt"].status_source == "csv" and middle["opt"].status == "successful"
    assert "opt" not in {r.path for r in batches[-1].records}  # not redone at the end


def test_the_old_place_of_a_moved_folder_is_voted_by_top_level_names() -> None:
    from plams_core.index.sources import JobCsv

    def log(paths: list[str]) -> JobCsv:
        csv = JobCsv("/new/place")
        csv.unmatched = [(p, None) for p in paths]  # type: ignore[misc]
        return csv

    # a child named like a top-level folder is outvoted by the top-level jobs
    csv = log(["/old/wd/a", "/old/wd/b", "/old/wd/multi", "/old/wd/multi/a", "/old/wd/multi/c"])
    assert csv.adopt_root({"a", "b", "multi"}) == {"a", "b", "multi", "multi/a", "multi/c"}
    assert not csv.unmatched
    # a tie adopts nothing: rematch() decides later, with every folder known
    csv = log(["/old/wd/a", "/old/wd/multi/b"])
    assert csv.adopt_root({"a", "b"}) == set() and len(csv.unmatched) == 2
