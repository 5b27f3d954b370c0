"""The folder index against working folders made by the real PLAMS (2024.107 and 2026.104)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.workdirs import (  # noqa: E402
    build_jobs_in_directory,
    build_zoo,
    copy_workdir,
    make_old_layout,
    snapshot,
)
from plams_core.errors import WorkdirError  # noqa: E402
from plams_core.index import WorkdirIndex, scan_workdir  # noqa: E402

from plams_tui.cli import main  # noqa: E402

_built: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # the summary cache must never land in the real home (nor, ever, in the working folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def zoo(version: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The zoo built once per session with the real PLAMS *version* (never modified by tests)."""
    if version not in _built:
        _built[version] = build_zoo(version, tmp_path_factory.mktemp(f"zoo{version}"))
    return _built[version]


@pytest.fixture(scope="session")
def zoo24(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return zoo("2024.107", tmp_path_factory)


@pytest.fixture(scope="session")
def zoo26(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return zoo("2026.104", tmp_path_factory)


def ls_json(workdir: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code = main(["ls", str(workdir), "--json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def expected(job: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """What the index must say of a ground-truth job, given what is left on disk."""
    folder = workdir / job["path"]
    has_dill = (folder / f"{job['name']}.dill").exists()
    has_in = (folder / f"{job['name']}.in").exists()
    return {
        "name": job["name"],
        "path": job["path"],
        "parent": job["parent"],
        "status": job["status"],
        "hash": job["hash"] if has_in else None,  # cleaned away: no file, no hash
        "class": job["class"] if has_dill else None,
        "dill": "ok" if has_dill else "missing",
    }


def check_against_truth(
    workdir: Path, truth: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    before = snapshot(workdir)
    listing = {job["path"]: job for job in ls_json(workdir, capsys=capsys)}
    assert snapshot(workdir) == before  # byte for byte, mtimes and listing unchanged
    for job in truth["jobs"]:
        want = expected(job, workdir)
        got = listing[job["path"]]
        assert {k: got[k] for k in want} == want, job["path"]
        assert got["interrupted"] is False
    assert set(listing) == {job["path"] for job in truth["jobs"]}
    return listing


@pytest.mark.parametrize("version", ["2024.107", "2026.104"])
def test_ls_matches_what_the_job_manager_knew(
    version: str, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    workdir, truth = zoo(version, tmp_path_factory)
    listing = check_against_truth(workdir, truth, capsys)
    assert listing["dup"]["copied_from"] == "opt"
    assert listing["opt"]["copied_from"] is None
    assert listing["partly"]["kind"] == "multi" and listing["nested/inner"]["kind"] == "multi"
    # without csv (2024) the statuses of dill-less jobs come from the text log
    source = "logfile" if version == "2024.107" else "csv"
    assert listing["nopickle"]["status_source"] == source
    assert listing["crash"]["status_source"] == source
    assert listing["opt"]["status_source"] == "dill"


def test_moved_and_renamed_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # recorded absolute paths (csv job_path, .dill path) point where the folder no longer is
    workdir, truth = build_zoo("2026.104", tmp_path / "first")
    moved = tmp_path / "elsewhere" / "renamed_wd"
    moved.parent.mkdir()
    os.rename(workdir, moved)
    shutil.rmtree(tmp_path / "first")
    listing = check_against_truth(moved, truth, capsys)
    assert listing["crash"]["status_source"] == "csv"
    assert listing["partly/bad"]["status"] == "crashed"


def test_hostile_and_broken_dills(
    zoo26: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workdir = copy_workdir(zoo26[0], tmp_path / "wd")
    canary = tmp_path / "CANARY"

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {canary}",))

    (workdir / "evil").mkdir()
    (workdir / "evil" / "evil.in").write_text("evil\n")
    (workdir / "evil" / "evil.dill").write_bytes(pickle.dumps(Evil()))  # dumping runs nothing
    opt2 = workdir / "opt.002" / "opt.002.dill"
    opt2.write_bytes(opt2.read_bytes()[: opt2.stat().st_size // 2])
    (workdir / "trimmed" / "trimmed.dill").write_bytes(b"\x00garbage, not a pickle at all\xff" * 10)

    listing = {job["path"]: job for job in ls_json(workdir, capsys=capsys)}
    assert not canary.exists()
    assert listing["evil"]["dill"] == "unsafe" and listing["evil"]["dill_reason"]
    assert listing["evil"]["class"] is None and listing["evil"]["status"] == "unknown"
    assert listing["opt.002"]["dill"] == "corrupt"
    assert listing["opt.002"]["status"] == "successful"  # the csv still knows
    assert listing["opt.002"]["status_source"] == "csv"
    assert listing["trimmed"]["dill"] == "corrupt"
    assert listing["opt"]["dill"] == "ok"
    assert main(["ls", str(workdir)]) == 0
    assert "unsafe" in capsys.readouterr().out
    assert not canary.exists()


def test_pre_2018_layout(
    zoo24: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workdir = make_old_layout(zoo24[0], tmp_path)
    (workdir / "opt.002" / "opt.002.dill").unlink()
    index = scan_workdir(workdir, cache=False)
    assert index.layout.logfile == "plams.12345.log" and index.layout.input == "plams.12345.inp"
    assert index.layout.era == "plams.PID"
    rec = index.get("opt.002")
    assert rec is not None and (rec.status, rec.status_source) == ("successful", "logfile")
    nopickle = index.get("nopickle")
    assert nopickle is not None and (nopickle.status, nopickle.status_source) == ("successful", "logfile")
    crash = index.get("crash")
    assert crash is not None and crash.status == "crashed"
    bad = index.get("partly/bad")
    assert bad is not None and bad.status == "crashed" and bad.parent == "partly"
    assert {r.path for r in index} == {j["path"] for j in zoo24[1]["jobs"]}


def test_jobs_in_directory_layout(tmp_path: Path) -> None:
    workdir = build_jobs_in_directory(tmp_path)
    index = scan_workdir(workdir, cache=False)
    by_path = {r.path: r for r in index}
    assert set(by_path) == {"a/b/x", "a/b/x.002", "a/b/m", "a/b/m/c", "x"}  # a and a/b are no jobs
    assert by_path["a/b/m"].kind == "multi" and by_path["a/b/m/c"].parent == "a/b/m"
    assert by_path["a/b/x"].parent is None
    assert all(r.status == "successful" for r in index)
    assert by_path["a/b/m/c"].log_name == "m/c"


def test_nopickle_2024_status_from_logfile(zoo24: tuple[Path, dict[str, Any]]) -> None:
    rec = scan_workdir(zoo24[0], cache=False).get("nopickle")
    assert rec is not None
    assert (rec.status, rec.status_source, rec.dill, rec.class_name) == (
        "successful",
        "logfile",
        "missing",
        None,
    )


def test_interrupted_job_keeps_last_logged_status(zoo24: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    workdir = copy_workdir(zoo24[0], tmp_path / "wd")
    job = workdir / "late"
    job.mkdir()
    (job / "late.in").write_text("late\n")
    (job / "late.run").write_text("sleep 100\n")
    (job / "late.out").write_text("half\n")
    with open(workdir / "logfile", "a") as f:
        f.write("[25.11|10:00:00] JOB late STARTED\n[25.11|10:00:00] JOB late RUNNING\n")
    rec = scan_workdir(workdir, cache=False).get("late")
    assert rec is not None
    assert (rec.status, rec.status_source, rec.interrupted) == ("running", "logfile", True)


def _tiny_workdir(tmp_path: Path, job: str = "live") -> Path:
    workdir = tmp_path / "plams_workdir"
    (workdir / job).mkdir(parents=True)
    (workdir / "logfile").write_text("")
    (workdir / job / f"{job}.in").write_text("input\n")
    (workdir / job / f"{job}.run").write_text("#!/bin/sh\nsleep 30\n")
    return workdir


def test_never_executed_job_is_registered(tmp_path: Path) -> None:
    rec = scan_workdir(_tiny_workdir(tmp_path), cache=False).get("live")
    assert rec is not None
    assert (rec.status, rec.status_source, rec.interrupted) == ("registered", "files", True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="live processes are read from /proc")
def test_live_process_means_running(tmp_path: Path) -> None:
    workdir = _tiny_workdir(tmp_path)
    proc = subprocess.Popen(["sleep", "30"], cwd=workdir / "live")
    try:
        rec = scan_workdir(workdir, cache=False).get("live")
        assert rec is not None
        assert (rec.status, rec.status_source, rec.interrupted) == ("running", "process", False)
        assert proc.pid in rec.pids
    finally:
        proc.kill()
        proc.wait()


def test_hashing_modes(zoo26: tuple[Path, dict[str, Any]]) -> None:
    workdir = zoo26[0]

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    run = scan_workdir(workdir, hashing="runscript", cache=False).get("opt")
    both = scan_workdir(workdir, hashing="input+runscript", cache=False).get("opt")
    assert run is not None and both is not None
    assert run.hash == sha(workdir / "opt" / "opt.run")
    in_hex = sha(workdir / "opt" / "opt.in")
    assert both.hash == hashlib.sha256((in_hex + run.hash).encode()).hexdigest()
    assert all(r.hash is None for r in scan_workdir(workdir, hashing="none", cache=False))
    with pytest.raises(WorkdirError):
        scan_workdir(workdir, hashing="md5")


@pytest.mark.parametrize("kind", ["missing", "file", "empty"])
def test_not_a_working_folder(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "x"
    if kind == "file":
        path.write_text("hello")
    elif kind == "empty":
        path.mkdir()
    with pytest.raises(WorkdirError) as err:
        scan_workdir(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_cache_lives_outside_and_gives_the_same_records(
    zoo26: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    workdir = zoo26[0]
    before = snapshot(workdir)
    default = list(scan_workdir(workdir))
    assert not (tmp_path / "cache").exists()  # off by default: nothing written anywhere
    first = list(scan_workdir(workdir, cache=True))
    second = list(scan_workdir(workdir, cache=True))
    assert default == first == second
    assert list((tmp_path / "cache" / "plams-tui" / "index").iterdir())
    assert snapshot(workdir) == before


def test_parallel_and_serial_scans_agree(
    zoo26: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import plams_core.index.reading as reading

    monkeypatch.setattr(reading, "PARALLEL_THRESHOLD", 2)  # force the pool on a small folder
    serial = list(scan_workdir(zoo26[0], cache=False, workers=1))
    parallel = list(scan_workdir(zoo26[0], cache=False, workers=2))
    assert serial == parallel


# ------------------------------------------------------------------------------ refresh


@pytest.fixture
def live_index(zoo26: tuple[Path, dict[str, Any]], tmp_path: Path) -> tuple[Path, WorkdirIndex]:
    workdir = copy_workdir(zoo26[0], tmp_path / "wd")
    return workdir, scan_workdir(workdir, cache=False)


def test_refresh_after_a_new_file(
    live_index: tuple[Path, WorkdirIndex], monkeypatch: pytest.MonkeyPatch
) -> None:
    import plams_core.index.reading as reading

    workdir, index = live_index
    before = {r.path: r for r in index}
    (workdir / "opt" / "extra.txt").write_text("more output\n")
    read: list[str] = []
    real_read = reading.read_folder
    monkeypatch.setattr(
        reading, "read_folder", lambda prefix, rel, *a: read.append(rel) or real_read(prefix, rel, *a)
    )
    update = index.refresh_paths([str(workdir / "opt" / "extra.txt")])
    assert read == ["opt"]  # proportional to the change: one folder read again, not the working folder
    assert [r.path for r in update.changed] == ["opt"] and not update.removed
    new = index.get("opt")
    assert new is not None and "extra.txt" in new.files
    for path, rec in before.items():
        if path != "opt":
            assert index.get(path) is rec  # untouched records are the same objects


def test_refresh_finds_a_new_job_folder(live_index: tuple[Path, WorkdirIndex]) -> None:
    workdir, index = live_index
    (workdir / "fresh").mkdir()
    (workdir / "fresh" / "fresh.in").write_text("fresh\n")
    (workdir / "fresh" / "fresh.run").write_text("echo\n")
    update = index.refresh_paths(["fresh"])
    assert [r.path for r in update.changed] == ["fresh"]
    rec = index.get("fresh")
    assert rec is not None and rec.status == "registered"
    assert rec.hash == hashlib.sha256(b"fresh\n").hexdigest()


def test_refresh_after_deleting_a_dill(live_index: tuple[Path, WorkdirIndex]) -> None:
    workdir, index = live_index
    nested = index.get("nested")
    (workdir / "nested" / "first" / "first.dill").unlink()
    update = index.refresh_paths([str(workdir / "nested" / "first" / "first.dill")])
    assert "nested/first" in {r.path for r in update.changed}
    rec = index.get("nested/first")
    assert rec is not None and (rec.dill, rec.status, rec.status_source) == ("missing", "successful", "csv")
    assert index.get("nested") is nested  # its MultiJob did not change


def test_refresh_after_deleting_a_job_folder_and_csv_append(live_index: tuple[Path, WorkdirIndex]) -> None:
    workdir, index = live_index
    shutil.rmtree(workdir / "partly")
    update = index.refresh_paths([str(workdir / "partly")])
    assert set(update.removed) == {"partly", "partly/good", "partly/bad"} and not update.changed
    assert index.get("partly") is None and len(index) == 15
    # a new csv row for crash (a rerun in a reused folder): last row wins
    with open(workdir / "job_logfile.csv", "a") as f:
        f.write(f'2026-01-01 00:00:00,crash,crash,failed,{workdir}/crash,False,False,"two\nlines",,,\n')
    update = index.refresh_paths([str(workdir / "job_logfile.csv")])
    assert [r.path for r in update.changed] == ["crash"]
    crash = index.get("crash")
    assert crash is not None and crash.status == "failed" and crash.error == "two\nlines"


def _rewrite(path: Path, text: str) -> None:
    """Replace a file (a new inode: a hard-linked twin elsewhere keeps its bytes)."""
    path.unlink()
    path.write_text(text)


def test_refresh_relinks_only_the_copies_a_change_touches(
    live_index: tuple[Path, WorkdirIndex], monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir, index = live_index

    def fresh() -> list[Any]:
        return list(scan_workdir(workdir, cache=False))

    # the whole folder is never compared or relinked: a pass over every record would show here
    import plams_core.index.scan as scan

    compared: list[int] = []
    real_eq = scan.JobRecord.__eq__
    monkeypatch.setattr(scan.JobRecord, "__eq__", lambda a, b: compared.append(1) or real_eq(a, b))
    opt_in = (workdir / "opt" / "opt.in").read_text()
    # a new job with opt's input: a second job of that hash, not linked to the copy
    twin = workdir / "twin"
    twin.mkdir()
    (twin / "twin.in").write_text(opt_in)
    (twin / "twin.run").write_text("#!/bin/sh\necho OK\n")
    update = index.refresh_paths([str(twin)])
    assert [r.path for r in update.changed] == ["twin"]
    assert len(compared) < 5
    assert index.get("dup").copied_from == "opt"  # type: ignore[union-attr]  # opt shares dup's inodes
    assert list(index) == fresh()
    # a job whose hash changes to the copy's: one more candidate
    _rewrite(workdir / "opt.002" / "opt.002.in", opt_in)
    update = index.refresh_paths([str(workdir / "opt.002" / "opt.002.in")])
    assert "opt.002" in {r.path for r in update.changed}
    assert list(index) == fresh()
    # the original of the copy is removed: the copy links to a job that is left, as a fresh scan does
    shutil.rmtree(workdir / "opt")
    update = index.refresh_paths([str(workdir / "opt")])
    assert update.removed == ("opt",)
    dup = index.get("dup")
    assert dup is not None and dup.copied_from in ("twin", "opt.002")
    assert "dup" in {r.path for r in update.changed}
    assert list(index) == fresh()
    # a hash that changes away: the copy's last same-hash job goes, the copy keeps what the log says
    for job in ("twin", "opt.002"):
        _rewrite(workdir / job / f"{job}.in", "something else\n")
    update = index.refresh_paths([str(workdir / "twin" / "twin.in"), str(workdir / "opt.002" / "opt.002.in")])
    assert {"twin", "opt.002", "dup"} <= {r.path for r in update.changed}
    assert list(index) == fresh()


def test_refresh_of_the_csv_reads_a_job_folder_no_event_named(live_index: tuple[Path, WorkdirIndex]) -> None:
    workdir, index = live_index
    # a jobs_in_directory folder made long ago: the app watches it no more, only the csv says
    job = workdir / "later" / "newjob"
    job.mkdir(parents=True)
    (job / "newjob.in").write_text("new\n")
    (job / "newjob.run").write_text("#!/bin/sh\n")
    (job / "newjob.out").write_text("OK\n")
    with open(workdir / "job_logfile.csv", "a") as f:
        f.write(f"2026-01-01 00:00:00,newjob,newjob,successful,{job},True,True,,,,\n")
    update = index.refresh_paths([str(workdir / "job_logfile.csv")])
    assert [r.path for r in update.changed] == ["later/newjob"]
    rec = index.get("later/newjob")
    assert rec is not None and (rec.status, rec.status_source) == ("successful", "csv")
    assert list(index) == list(scan_workdir(workdir, cache=False))


def test_a_broken_cache_is_ignored(
    zoo26: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    want = list(scan_workdir(zoo26[0], cache=True))
    for entry in (tmp_path / "cache" / "plams-tui" / "index").iterdir():
        entry.write_bytes(b"\xff not marshal data")
    assert list(scan_workdir(zoo26[0], cache=True)) == want


def test_csv_rows_around_a_quoted_message_in_a_moved_folder(tmp_path: Path) -> None:
    # rows are split at commas without the csv module unless a line holds a quote (perf):
    # a message over two lines with quotes and commas, rows before and after it, recorded
    # where the folder was before it moved
    workdir = tmp_path / "moved"
    for name in ("a", "b", "c"):
        (workdir / name).mkdir(parents=True)
        (workdir / name / f"{name}.in").write_text(name)
    head = "logged_at,job_base_name,job_name,job_status,job_path,job_ok,job_check,job_get_errormsg,job_timeline,job_parent_name,job_parent_path\n"
    old = "/elsewhere/plams_workdir"
    (workdir / "job_logfile.csv").write_text(
        head
        + f"2026-01-01 00:00:00,a,a,successful,{old}/a,True,True,,,,\n"
        + f'2026-01-01 00:00:01,b,b,crashed,{old}/b,False,False,"said ""no"", then\nstopped",,,\n'
        + f"2026-01-01 00:00:02,c,c,failed,{old}/c,False,False,,,,\n"
    )
    index = scan_workdir(workdir)
    got = {r.path: (r.status, r.status_source, r.error) for r in index}
    assert got == {
        "a": ("successful", "csv", None),
        "b": ("crashed", "csv", 'said "no", then\nstopped'),
        "c": ("failed", "csv", None),
    }


@pytest.mark.parametrize(
    "text",
    ['a,b\n"x\ny",z\nc,\n\n', 'a,"b\n', "a\0b\nc\n", "a\rb\nc\r\n", 'x"y,z\nq\n', "a,b\nlast"],
)
def test_csv_rows_are_the_csv_modules(text: str) -> None:
    import csv
    import io

    from plams_core.index.sources import _csv_rows

    def rows(it: Any) -> list[Any]:
        out: list[Any] = []
        try:
            out.extend(it)
        except csv.Error as exc:
            out.append(str(exc))
        return out

    assert rows(_csv_rows(text)) == rows(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("version", ["2024.107", "2026.104"])
def test_batched_records_are_resolve_s(
    version: str, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the first scan builds the usual job's record inline (perf); one by one, _resolve must
    # give the same record for every job (copied_from is set afterwards, by _link_copies)
    workdir, _ = zoo(version, tmp_path_factory)
    index = scan_workdir(workdir)
    calls = []
    one = index._resolve
    monkeypatch.setattr(index, "_resolve", lambda rel: calls.append(rel) or one(rel))
    jobs = [rel for rel, kind in index._kinds.items() if kind]
    batched: dict[str, Any] = {}
    index._resolve_many(jobs, batched)
    assert batched == {rel: dataclasses.replace(index._records[rel], copied_from=None) for rel in jobs}
    assert batched == {rel: one(rel) for rel in jobs}
    if version == "2026.104":
        assert len(calls) < len(jobs)  # some were built inline (csv timelines there)
