"""Pickling, load_job/load_all, remove_job and delete_job."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import dill
import pytest
from plams_core import (
    CommandJob,
    FileError,
    JobManager,
    JobRunner,
    JobStatus,
    MultiJob,
    default_config,
    delete_job,
    load_all,
    write_pickle_atomically,
)
from plams_core.pickles.writer import backup_path


def run(job, jm):
    job.run(jobrunner=JobRunner(), jobmanager=jm)
    return job


def other_jm(tmp_path: Path, folder: str = "wd2") -> JobManager:
    defaults = default_config()
    defaults.log.stdout = -1
    return JobManager(defaults.jobmanager, tmp_path, folder, log_settings=defaults.log)


class Heavy:
    def __reduce__(self):  # pragma: no cover - must never be called
        raise AssertionError("Heavy was pickled")


def test_pickle_drops_environment_and_dont_pickle(jm: JobManager) -> None:
    job = CommandJob("true", input="x", name="p")
    job.big = Heavy()
    job._dont_pickle = ["big"]
    run(job, jm)
    state = job.__getstate__()
    for key in ("jobmanager", "parent", "default_settings", "_lock", "big"):
        assert key not in state
    raw = Path(job.path, "p.dill").read_bytes()
    assert b"JobManager" not in raw
    loaded = dill.loads(raw)
    assert loaded.status == "successful" and loaded.name == "p"
    assert loaded.results.done.is_set()


def test_children_are_pickled_without_parent(jm: JobManager) -> None:
    m = run(MultiJob(name="m", children=[CommandJob("true", input="1", name="c")]), jm)
    child = dill.loads(Path(m.path, "c", "c.dill").read_bytes())
    assert child.parent is None
    whole = dill.loads(Path(m.path, "m.dill").read_bytes())
    assert [c.name for c in whole] == ["c"]


def test_pickle_false_and_repickle(jm: JobManager) -> None:
    job = CommandJob("true", input="x", name="np")
    job.settings.pickle = False
    run(job, jm)
    assert not Path(job.path, "np.dill").exists()
    job.note = "later"
    assert job.pickle()
    assert dill.loads(Path(job.path, "np.dill").read_bytes()).note == "later"
    assert not backup_path(Path(job.path, "np.dill")).exists()


def test_atomic_pickle_keeps_previous_and_leaves_no_temp(jm: JobManager) -> None:
    job = run(CommandJob("true", input="x", name="a"), jm)
    dill_file = Path(job.path, "a.dill")
    first = dill_file.read_bytes()
    job.note = "v2"
    assert job.pickle()
    assert backup_path(dill_file) == Path(job.path, "a.prev.dill")
    assert Path(job.path, "a.prev.dill").read_bytes() == first
    assert dill.loads(dill_file.read_bytes()).note == "v2"
    assert sorted(p.name for p in Path(job.path).iterdir() if "dill" in p.name) == ["a.dill", "a.prev.dill"]
    job.results.refresh()
    assert not any("dill" in f for f in job.results.files)

    good = dill_file.read_bytes()
    job.lock = threading.Lock()
    job.lock.acquire()  # dill refuses a held lock: the dump fails half way
    job.unpicklable = (lambda: None, Heavy())
    assert not job.pickle()
    assert dill_file.read_bytes() == good
    assert not [p for p in Path(job.path).iterdir() if p.name.endswith(".tmp")]
    assert "Pickling of a failed" in Path(jm.logfile).read_text()


def test_write_pickle_atomically_raises_and_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "x.dill"
    write_pickle_atomically({"v": 1}, target)
    with pytest.raises(AssertionError):
        write_pickle_atomically({"v": Heavy()}, target)
    assert dill.loads(target.read_bytes()) == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.dill"]


def test_load_job_restores_state_and_prevents_reruns(jm: JobManager, tmp_path: Path) -> None:
    m = MultiJob(name="m", children=[CommandJob("true", input="child", name="c")])
    m.cache = "big"
    m._dont_pickle = ["cache"]
    run(m, jm)
    jm2 = other_jm(tmp_path)
    try:
        loaded = jm2.load_job(Path(m.path, "m.dill"))
        assert loaded is not None and loaded.status == JobStatus.SUCCESSFUL
        assert loaded.path == m.path and loaded.jobmanager is jm2 and loaded.parent is None
        assert loaded.cache is None
        child = loaded.children[0]
        assert child.parent is loaded and child.path == os.path.join(m.path, "c")
        assert child.jobmanager is jm2 and "c.out" in child.results.files
        assert isinstance(loaded._lock, type(threading.Condition()))
        assert loaded not in jm2.jobs and jm2.names == {}
        again = run(CommandJob("true", input="child", name="again"), jm2)
        assert again.status == "copied"
        assert os.stat(Path(again.path, "again.out")).st_ino == os.stat(Path(child.path, "c.out")).st_ino
    finally:
        jm2.close()


def test_load_job_bad_files(jm: JobManager, tmp_path: Path) -> None:
    good = run(CommandJob("true", input="x", name="good"), jm)
    broken = Path(jm.workdir, "broken")
    broken.mkdir()
    (broken / "broken.dill").write_bytes(b"\x80\x04garbage")
    (Path(jm.workdir, "notajob")).mkdir()
    dill.dump({"not": "a job"}, open(Path(jm.workdir, "notajob", "notajob.dill"), "wb"))
    jm2 = other_jm(tmp_path)
    records: list = []
    jm2.log_sink = records.append
    try:
        assert jm2.load_job(broken / "broken.dill") is None
        assert jm2.load_job(Path(jm.workdir, "notajob", "notajob.dill")) is None
        with pytest.raises(FileError):
            jm2.load_job(broken / "missing.dill")
        loaded = load_all(jm.workdir, jm2)
        assert list(loaded) == [str(Path(good.path, "good.dill"))]
        failures = [r for r in records if r.message.startswith("Unpickling of")]
        assert len(failures) == 4  # two direct loads, two during load_all
        assert all("\n" not in r.message for r in failures)  # one line each
        assert any("broken.dill" in r.message for r in failures)
        assert not Path(jm2.logfile).parent.exists()  # loading makes no working folder (PLAMS 2025+)
    finally:
        jm2.close()


def test_load_all_loads_what_plams_would(jm: JobManager, tmp_path: Path) -> None:
    run(CommandJob("true", input="top", name="top"), jm)
    run(CommandJob("exit 1", input="crash", name="crash"), jm)
    run(
        MultiJob(
            name="partly",
            children=[
                CommandJob("true", input="g", name="good"),
                CommandJob("exit 1", input="b", name="bad"),
            ],
        ),
        jm,
    )
    inner = MultiJob(
        name="inner",
        children=[CommandJob("true", input="l1", name="leaf"), CommandJob("exit 1", input="l2", name="leaf")],
    )
    run(MultiJob(name="nested", children=[CommandJob("true", input="n1", name="first"), inner]), jm)
    run(MultiJob(name="whole", children=[CommandJob("true", input="w", name="w")]), jm)
    jm2 = other_jm(tmp_path)
    try:
        loaded = load_all(jm.workdir, jm2)
        rel = sorted(os.path.relpath(p, jm.workdir) for p in loaded)
        assert rel == [
            "nested/first/first.dill",
            "nested/inner/leaf/leaf.dill",
            "partly/good/good.dill",
            "top/top.dill",
            "whole/whole.dill",
        ]
        assert all(os.path.isabs(p) for p in loaded)
        assert len(jm2.hashes) == 5  # whole's child w is registered through its parent
    finally:
        jm2.close()


def test_remove_job_forgets_names_and_hashes(jm: JobManager) -> None:
    a = run(CommandJob("true", input="1", name="x"), jm)
    b = run(CommandJob("true", input="2", name="x"), jm)
    c = run(CommandJob("true", input="3", name="x"), jm)
    assert jm.names["x"] == 3
    jm.remove_job(c)
    assert jm.names["x"] == 2 and c not in jm.jobs and c.jobmanager is None
    assert c.hash() not in jm.hashes
    jm.remove_job(a)
    assert jm.names["x"] == 2  # b (x.002) still holds the highest counter
    jm.remove_job(b)
    assert "x" not in jm.names and jm.hashes == {}
    m = run(MultiJob(name="m", children=[CommandJob("true", input="k", name="k")]), jm)
    jm.remove_job(m)
    assert "m" not in jm.names and "m/k" not in jm.names and jm.hashes == {}
    again = run(CommandJob("true", input="k", name="k"), jm)
    assert again.status == "successful"  # hash of m/k was forgotten
    assert Path(m.path).exists()  # remove_job leaves files alone


def test_delete_job(jm: JobManager) -> None:
    m = run(
        MultiJob(
            name="m",
            children=[CommandJob("true", input="1", name="a"), CommandJob("true", input="2", name="b")],
        ),
        jm,
    )
    child = m.children[0]
    folder = Path(child.path)
    delete_job(child)
    assert child.status == "deleted" and child.path is None and not folder.exists()
    assert [c.name for c in m] == ["b"]
    assert "m/a" not in jm.names


def test_old_pickles_with_plain_status_string_load(tmp_path: Path, jm: JobManager) -> None:
    job = run(CommandJob("true", input="old", name="old"), jm)
    state = job.__getstate__()
    state["status"] = "successful"
    del state["_status"], state["_status_log"]
    clone = CommandJob.__new__(CommandJob)
    clone.__setstate__(state)
    assert clone.status is JobStatus.SUCCESSFUL and clone.status_log == []
