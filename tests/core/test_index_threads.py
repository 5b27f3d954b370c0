"""The index under threads: the app scans from a worker thread while its watcher thread runs."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.workdirs import build_zoo, copy_workdir  # noqa: E402
from plams_core.index import JobRecord, scan_workdir  # noqa: E402

_built: dict[str, Any] = {}


@pytest.fixture(scope="module")
def zoo26(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder made by real PLAMS 2026.104 (never modified: tests copy it)."""
    return build_zoo("2026.104", tmp_path_factory.mktemp("zoo"))[0]


def _no_fork(*_: Any) -> int:
    raise AssertionError("os.fork called in a process with threads")


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Helper processes even for a small folder, and never a fork while threads run."""
    import plams_core.index.reading as reading

    monkeypatch.setattr(reading, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(reading, "SPAWN_THRESHOLD", 2)
    monkeypatch.setattr(os, "fork", _no_fork)


def _write_job(workdir: Path, name: str, text: str | None = None) -> None:
    job = workdir / name
    job.mkdir()
    (job / f"{name}.in").write_text(text or f"input of {name}\n")
    (job / f"{name}.run").write_text("#!/bin/sh\necho OK\n")
    (job / f"{name}.out").write_text("OK\n")


def test_a_threaded_process_reads_in_parallel_with_spawned_helpers(zoo26: Path, small_pool: None) -> None:
    serial = list(scan_workdir(zoo26, workers=1))
    stop = threading.Event()
    watcher = threading.Thread(target=stop.wait)  # the app's watcher: a second thread is alive
    watcher.start()
    try:
        result: list[list[JobRecord]] = []
        worker = threading.Thread(target=lambda: result.append(list(scan_workdir(zoo26, workers=2))))
        worker.start()
        worker.join()
    finally:
        stop.set()
        watcher.join()
    assert result == [serial]
    assert len(serial) == 18


def test_a_spawned_helper_reads_what_the_caller_would(zoo26: Path) -> None:
    import plams_core.index.reading as reading
    from plams_core.index.cache import ScanCache

    started: list[Any] = []
    real_spawn = reading._spawn_helpers

    def spawn(*args: Any) -> Any:
        started.extend(real_spawn(*args))
        return list(started)

    mp = pytest.MonkeyPatch()
    mp.setattr(reading, "_spawn_helpers", spawn)
    root = str(zoo26.resolve())
    ctx = reading.ReadContext(root + "/", "input", ScanCache(root, enabled=False))
    level = sorted(e.name for e in os.scandir(root) if e.is_dir())
    try:
        # the caller waits for its helper before claiming anything: the helper reads every folder
        parts = list(reading._parallel_read(ctx, level, 1, lambda: started[0][0].wait(), spawn=True))
    finally:
        mp.undo()
    assert started[0][0].returncode == 0
    assert [raw for raws, _ in parts for raw in raws] == [
        reading.read_folder(ctx.prefix, r, "input", ctx.cache, None) for r in level
    ]


def test_scans_and_refreshes_from_four_threads_while_jobs_are_written(
    zoo26: Path, tmp_path: Path, small_pool: None
) -> None:
    workdir = copy_workdir(zoo26, tmp_path / "wd")
    shared = scan_workdir(workdir, workers=1)  # before any thread: this one could fork
    opt_in = (workdir / "opt" / "opt.in").read_text()
    assert shared.get("dup").copied_from == "opt"  # type: ignore[union-attr]
    written: list[str] = []  # the paths a watcher would report
    written_lock = threading.Lock()
    writing_done = threading.Event()
    errors: list[BaseException] = []
    finals: list[list[JobRecord]] = []
    ops = [0]  # scans and refreshes done so far
    progress = threading.Condition()

    def writer() -> None:
        try:
            for i in range(30):
                with progress:  # each folder is written while the readers are at work
                    progress.wait_for(lambda i=i: ops[0] >= i or bool(errors))
                name = f"new{i:02d}"
                _write_job(workdir, name)
                changed = [workdir / name]
                # copy links, which a refresh relinks only where the change is: a second job of
                # the copy's hash, a job whose hash changes to it, the copy's original removed
                if i == 10:
                    _write_job(workdir, "twin", opt_in)
                    changed.append(workdir / "twin")
                elif i == 15:
                    (workdir / "opt.002" / "opt.002.in").unlink()
                    (workdir / "opt.002" / "opt.002.in").write_text(opt_in)
                    changed.append(workdir / "opt.002" / "opt.002.in")
                elif i == 25:
                    shutil.rmtree(workdir / "opt")
                    changed.append(workdir / "opt")
                with written_lock:
                    written.extend(str(p) for p in changed)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            writing_done.set()

    def reader(k: int) -> None:
        try:
            while not writing_done.is_set():
                with written_lock:
                    paths = list(written)
                if k % 2:
                    shared.refresh_paths(paths)
                    list(shared)  # iterating while others refresh
                else:
                    scan_workdir(workdir, workers=2)
                with progress:
                    ops[0] += 1
                    progress.notify_all()
            with written_lock:
                paths = list(written)
            shared.refresh_paths(paths)
            finals.append(list(scan_workdir(workdir, workers=2)))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
            with progress:
                progress.notify_all()

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    fresh = list(scan_workdir(workdir, workers=1))
    assert len(fresh) == 18 + 30
    assert {r.path for r in fresh} >= {f"new{i:02d}" for i in range(30)}
    assert len(finals) == 4 and ops[0] >= 30
    for final in finals:
        assert final == fresh
    assert list(shared) == fresh
    dup = shared.get("dup")
    assert dup is not None and dup.copied_from in ("twin", "opt.002")


def test_scanning_leaves_the_garbage_collector_alone(zoo26: Path) -> None:
    import gc

    seen: list[bool] = []
    real_scan = __import__("plams_core.index.scan", fromlist=["WorkdirIndex"]).WorkdirIndex._classify

    def spy(self: Any, rels: set[str]) -> None:
        seen.append(gc.isenabled())
        real_scan(self, rels)

    mp = pytest.MonkeyPatch()
    mp.setattr("plams_core.index.scan.WorkdirIndex._classify", spy)
    try:
        scan_workdir(zoo26)
    finally:
        mp.undo()
    assert seen and all(seen)
