"""Results: reading files, cleaning (keep/save) and rerun prevention."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from plams_core import CommandJob, FileError, JobManager, JobRunner, MultiJob, ResultsError

OUTPUT = "echo header; echo 'BEGIN'; echo a1; echo END; echo BEGIN; echo b1; echo END; echo 'energy -1.5'"


def run(job, jm):
    job.run(jobrunner=JobRunner(), jobmanager=jm)
    return job


def files_of(folder: str | Path) -> list[str]:
    folder = Path(folder)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_reading_files(jm: JobManager) -> None:
    job = run(
        CommandJob(
            OUTPUT + "; mkdir sub; echo deep > sub/x.txt; echo pick > $(basename $0 .run).dill",
            input="in\n",
            name="r",
        ),
        jm,
    )
    res = job.results
    assert sorted(res.files) == ["r.err", "r.in", "r.out", "r.run", os.path.join("sub", "x.txt")]
    assert res["$JN.out"] == os.path.join(job.path, "r.out")
    assert "$JN.in" in res and "r.dill" not in res and "nope" not in res
    with pytest.raises(FileError):
        res["nope"]
    assert res.read_file("$JN.in") == "in\n"
    assert res.grep_output("energy") == ["energy -1.5"]
    assert res.grep_file("r.out", "a1", "-n") == ["3:a1"]
    assert res.grep_output("absent") == []
    assert res.regex_file("r.out", r"energy (\S+)") == ["-1.5"]
    assert res.get_output_chunk("BEGIN", "END") == ["a1", "b1"]
    assert res.get_output_chunk("BEGIN", "END", match=2, inc_begin=True, inc_end=True) == [
        "BEGIN",
        "b1",
        "END",
    ]
    assert res.get_file_chunk("r.out", end="BEGIN", process=str.upper) == ["HEADER"]
    with pytest.raises(ResultsError):
        res.read_file("missing.txt")
    res.rename("$JN.err", "errors.txt")
    assert "errors.txt" in res.files and Path(job.path, "errors.txt").exists()


def test_results_of_a_crashed_job_are_returned_with_a_warning(jm: JobManager) -> None:
    job = run(CommandJob("echo partial; exit 1", input="x", name="c"), jm)
    assert job.results.read_file("c.out") == "partial\n"
    assert "WARNING: Trying to obtain results of crashed or failed job c" in Path(jm.logfile).read_text()


def test_results_wait_for_a_parallel_job(jm: JobManager) -> None:
    gate = Path(jm.path, "gate")
    job = CommandJob(f"while [ ! -e {gate} ]; do :; done; echo late", input="x", name="w")
    res = job.run(jobrunner=JobRunner(parallel=True), jobmanager=jm)
    assert not res.done.is_set()
    gate.touch()
    assert res.read_file("w.out") == "late\n"  # blocks until the job is done
    assert job.status == "successful"


# -- cleaning ------------------------------------------------------------------------------------

MAKE_FILES = "echo o; echo e >&2; touch extra.txt notes.log; mkdir sub; touch sub/deep.dat"
ALL_FILES = ["extra.txt", "k.dill", "k.err", "k.in", "k.out", "k.run", "notes.log", "sub/deep.dat"]


@pytest.mark.parametrize(
    ("value", "remaining"),
    [
        ("all", ALL_FILES),
        ("none", ["k.dill"]),
        (None, ["k.dill"]),
        ([], ["k.dill"]),
        (["$JN.out"], ["k.dill", "k.out"]),
        (["$JN.out", "*.txt", "sub/*"], ["extra.txt", "k.dill", "k.out", "sub/deep.dat"]),
        (["-", "$JN.err", "$JN.run"], ["extra.txt", "k.dill", "k.in", "k.out", "notes.log", "sub/deep.dat"]),
        (["-", "*.log", "sub/*.dat"], ["extra.txt", "k.dill", "k.err", "k.in", "k.out", "k.run"]),
    ],
)
@pytest.mark.parametrize("when", ["keep", "save"])
def test_cleaning_forms(jm: JobManager, value: object, remaining: list[str], when: str) -> None:
    job = CommandJob(MAKE_FILES, input="clean me", name="k")
    job.settings[when] = value
    run(job, jm)
    jm._clean()
    assert files_of(job.path) == remaining


def test_cleaning_with_child_names(jm: JobManager) -> None:
    m = MultiJob(
        name="m",
        children=[
            CommandJob("touch a.txt", input="1", name="c1"),
            CommandJob("touch b.txt", input="2", name="c2"),
        ],
    )
    m.settings.keep = ["$CH/$CH.out", "c1/a.txt"]
    run(m, jm)
    assert files_of(m.path) == ["c1/a.txt", "c1/c1.dill", "c1/c1.out", "c2/c2.dill", "c2/c2.out", "m.dill"]


def test_invalid_clean_value_is_logged_and_harmless(jm: JobManager) -> None:
    job = CommandJob("true", input="x", name="inv")
    job.settings.keep = "some"
    run(job, jm)
    assert "inv.out" in job.results.files
    assert "WARNING: some is not a valid keep/save argument" in Path(jm.logfile).read_text()


def test_remove_empty_directories(jm: JobManager) -> None:
    job = CommandJob("mkdir -p empty/inner", input="x", name="e")
    job.settings.save = "none"
    run(job, jm)
    jm._clean()
    assert not Path(job.path, "empty").exists()
    assert Path(job.path).exists()  # still holds e.dill


# -- rerun prevention ------------------------------------------------------------------------------


def test_rerun_prevention_links_and_renames(jm: JobManager) -> None:
    first = run(CommandJob(OUTPUT + "; echo x > data.txt", input="same", name="first"), jm)
    again = run(CommandJob(OUTPUT + "; echo x > data.txt", input="same", name="again"), jm)
    assert again.status == "copied" and again.ok()
    assert files_of(again.path) == [
        "again.dill",
        "again.err",
        "again.in",
        "again.out",
        "again.run",
        "data.txt",
    ]
    for old, new in [("first.out", "again.out"), ("data.txt", "data.txt")]:
        assert os.stat(Path(first.path, old)).st_ino == os.stat(Path(again.path, new)).st_ino
    assert again.results.grep_output("energy") == ["energy -1.5"]
    assert [s for _, s in again.status_log] == ["created", "started", "registered", "copied"]
    assert "Job again previously run as first, using old results" in Path(jm.logfile).read_text()


def test_rerun_prevention_copies_when_link_files_is_false(jm: JobManager) -> None:
    first = CommandJob("echo x", input="same", name="first")
    first.settings.link_files = False
    run(first, jm)
    again = run(CommandJob("echo x", input="same", name="again"), jm)
    assert again.status == "copied"
    a, b = os.stat(Path(first.path, "first.out")), os.stat(Path(again.path, "again.out"))
    assert a.st_ino != b.st_ino
    assert Path(again.path, "again.out").read_text() == "x\n"


def test_prerun_runs_even_for_a_copied_job(jm: JobManager) -> None:
    seen: list[str] = []

    class Counting(CommandJob):
        def prerun(self) -> None:
            seen.append(self.name)

    run(Counting("true", input="same", name="a"), jm)
    run(Counting("true", input="same", name="b"), jm)
    assert seen == ["a", "b"]


def test_failing_link_fails_the_job(jm: JobManager, monkeypatch: pytest.MonkeyPatch) -> None:
    run(CommandJob("echo x", input="same", name="first"), jm)

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr("plams_core.results.os.link", no_links)
    again = run(CommandJob("echo x", input="same", name="again"), jm)
    assert again.status == "failed"
    assert "cross-device" in again.get_errormsg()


def test_check_and_postrun_read_results_before_the_job_is_done(jm: JobManager) -> None:
    seen: dict[str, object] = {}

    class Reading(CommandJob):
        def check(self) -> bool:
            seen["check"] = self.results.grep_output("energy")
            return True

        def postrun(self) -> None:
            seen["postrun"] = (str(self.status), self.results.read_file("$JN.out").count("\n"))

    job = run(Reading(OUTPUT, input="x", name="reading"), jm)
    assert job.status == "successful"
    assert seen == {"check": ["energy -1.5"], "postrun": ("finished", 8)}


def test_add_to_class_and_add_to_instance(jm: JobManager) -> None:
    from plams_core import Results, add_to_class, add_to_instance

    class MyResults(Results):
        def energy(self) -> float:
            return float(self.grep_output("energy")[0].split()[1])

    class MyJob(CommandJob):
        _result_type = MyResults

    @add_to_class(MyResults)
    def lines(self) -> int:
        return len(self.read_file("$JN.out").splitlines())

    job = MyJob(OUTPUT, input="x", name="mine")
    gate = Path(jm.path, "gate")
    job.settings.runscript.pre = f"while [ ! -e {gate} ]; do :; done"
    res = job.run(jobrunner=JobRunner(parallel=True), jobmanager=jm)

    @add_to_instance(res)
    def doubled(self) -> float:
        return 2 * self.energy()

    gate.touch()
    assert res.energy() == -1.5  # a subclass method waits for the job like PLAMS's guardian
    assert res.lines() == 8 and res.doubled() == -3.0
    assert not hasattr(Results(None), "doubled")
