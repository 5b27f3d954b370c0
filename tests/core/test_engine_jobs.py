"""The job life cycle: statuses, files, renaming, hashing, runners and logs."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from plams_core import (
    CommandJob,
    JobManager,
    JobRunner,
    JobStatus,
    MultiJob,
    PlamsError,
    Settings,
    SingleJob,
    add_log_sink,
    remove_log_sink,
    run_runscript,
)
from plams_core.logfile import CSV_HEADER


def join_job_threads() -> None:
    for thread in threading.enumerate():
        if thread.name == "plamsthread":
            thread.join()


def run(job, jm, runner=None):
    job.run(jobrunner=runner or JobRunner(), jobmanager=jm)
    return job


def test_successful_job_files_and_status_log(jm: JobManager) -> None:
    job = run(
        CommandJob("cat $0 > /dev/null; echo hello; echo oops >&2", input="some input\n", name="opt"), jm
    )
    assert job.status == "successful" and str(job.status) == "successful"
    assert job.status is JobStatus.SUCCESSFUL and job.ok()
    folder = Path(jm.workdir, "opt")
    assert job.path == str(folder)
    assert (folder / "opt.in").read_text() == "some input\n"
    run_file = folder / "opt.run"
    assert run_file.read_text().startswith("#!/bin/sh\n\n")
    assert os.access(run_file, os.X_OK)
    assert (folder / "opt.out").read_text() == "hello\n"
    assert (folder / "opt.err").read_text() == "oops\n"
    assert (folder / "opt.dill").exists()
    assert [s for _, s in job.status_log] == [
        "created",
        "started",
        "registered",
        "running",
        "finished",
        "successful",
    ]
    assert all(at.tzinfo is not None for at, _ in job._status_log)
    assert sorted(job.results.files) == ["opt.err", "opt.in", "opt.out", "opt.run"]


def test_crashed_and_failed(jm: JobManager) -> None:
    crashed = run(CommandJob("echo partial; exit 3", input="c", name="crash"), jm)
    assert crashed.status == "crashed" and not crashed.ok()

    class Checked(CommandJob):
        def check(self) -> bool:
            return "OK" in Path(self.path, self.name + ".out").read_text()

    failed = run(Checked("echo NOPE", input="f", name="fail"), jm)
    assert failed.status == "failed"
    assert not Path(crashed.path, "crash.dill").exists()
    assert not Path(failed.path, "fail.dill").exists()
    assert failed.get_errormsg().startswith("Could not determine")


def test_run_twice_is_a_job_error(jm: JobManager) -> None:
    job = run(CommandJob("true", input="x", name="once"), jm)
    with pytest.raises(Exception, match="previously started"):
        job.run(jobmanager=jm)


def test_full_runscript_pre_post_and_shebang(jm: JobManager) -> None:
    job = CommandJob("echo body", input="i", name="pp")
    job.settings.runscript.shebang = "#!/bin/bash"
    job.settings.runscript.pre = "echo pre"
    job.settings.runscript.post = "echo post"
    run(job, jm)
    assert Path(job.path, "pp.run").read_text() == "#!/bin/bash\n\necho pre\n\necho body\necho post\n\n"
    assert Path(job.path, "pp.out").read_text() == "pre\nbody\npost\n"


def test_stdout_redirect_leaves_output_to_the_runscript(jm: JobManager) -> None:
    job = CommandJob("echo mine > $(basename $0 .run).out", input="i", name="redir")
    job.settings.runscript.stdout_redirect = True
    run(job, jm)
    assert Path(job.path, "redir.out").read_text() == "mine\n"


def test_renaming_per_full_name(jm: JobManager) -> None:
    a = run(CommandJob("true", input="1", name="x"), jm)
    b = run(CommandJob("true", input="2", name="x"), jm)
    c = run(CommandJob("true", input="3", name="x.005"), jm)  # the suffix is stripped first
    m1 = run(
        MultiJob(
            name="m",
            children=[CommandJob("true", input="4", name="x"), CommandJob("true", input="5", name="x")],
        ),
        jm,
    )
    assert [a.name, b.name, c.name] == ["x", "x.002", "x.003"]
    assert [child.name for child in m1] == ["x", "x.002"]
    assert Path(jm.workdir, "m", "x.002", "x.002.in").exists()
    assert jm.names == {"x": 3, "m": 1, "m/x": 2}
    log = Path(jm.logfile).read_text()
    assert "Renaming job x to x.002" in log and "Renaming job m/x to m/x.002" in log
    assert "Renaming job x.005 to x.003" in log


def test_counter_len_setting(jm: JobManager) -> None:
    jm.settings.counter_len = 2
    run(CommandJob("true", input="1", name="y"), jm)
    assert run(CommandJob("true", input="2", name="y"), jm).name == "y.02"


@pytest.mark.parametrize("name", ["a/b", "../x", "/abs"])
def test_job_name_with_separator_is_refused(name: str) -> None:
    with pytest.raises(PlamsError, match="path separator"):
        CommandJob("true", name=name)


def test_existing_job_folder_is_never_reused(jm: JobManager) -> None:
    Path(jm.workdir, "taken").mkdir()
    Path(jm.workdir, "taken", "precious.txt").write_text("keep me")
    # Registration only names the job (PLAMS 2025+); making its folder finds the name taken.
    run(job2 := CommandJob("echo overwritten > precious.txt", input="x", name="taken"), jm)
    assert job2.status == "failed" and "taken already exists" in job2.get_errormsg()
    assert "FileError" in job2.get_errormsg()
    assert Path(jm.workdir, "taken", "precious.txt").read_text() == "keep me"
    assert sorted(os.listdir(Path(jm.workdir, "taken"))) == ["precious.txt"]


def test_exceptions_in_prerun_postrun_check_fail_the_job(jm: JobManager) -> None:
    class Boom(CommandJob):
        where = ""

        def prerun(self) -> None:
            if self.where == "prerun":
                raise RuntimeError("prerun exploded")

        def postrun(self) -> None:
            if self.where == "postrun":
                raise RuntimeError("postrun exploded")

        def check(self) -> bool:
            if self.where == "check":
                raise RuntimeError("check exploded")
            return True

    for where in ("prerun", "postrun", "check"):
        job = Boom("true", input=where, name=where)
        job.where = where
        run(job, jm)
        assert job.status == "failed", where
        assert f"{where} exploded" in job.get_errormsg()
        assert job.results.done.is_set()
    text = Path(jm.logfile).read_text()
    assert "Traceback" in text and "RuntimeError: check exploded" in text
    ok = run(CommandJob("true", input="after", name="after"), jm)
    assert ok.ok()


def test_multijob_with_dict_children_new_children_and_other_jobs(jm: JobManager) -> None:
    class Growing(MultiJob):
        def new_children(self):
            if len(self.children) < 3:
                return {
                    f"k{len(self.children)}": CommandJob("true", input=f"grow {len(self.children)}", name="g")
                }
            return None

    m = Growing(name="grow", children={"k0": CommandJob("true", input="g0", name="g")})
    run(m, jm)
    assert m.status == "successful"
    assert [c.name for c in m] == ["g", "g.002", "g.003"]
    assert all(c.parent is m for c in m)
    assert m.hash() is None
    assert list(m.other_jobs()) == []


def test_partly_failed_multijob(jm: JobManager) -> None:
    m = run(
        MultiJob(
            name="partly",
            children=[
                CommandJob("true", input="1", name="good"),
                CommandJob("exit 1", input="2", name="bad"),
            ],
        ),
        jm,
    )
    assert m.status == "failed"
    assert [str(c.status) for c in m] == ["successful", "crashed"]
    assert not Path(m.path, "partly.dill").exists()
    assert Path(m.path, "good", "good.dill").exists()


def test_depend_waits_for_the_other_job(jm: JobManager) -> None:
    runner = JobRunner(parallel=True)
    gate = Path(jm.path, "gate")
    first = CommandJob(f"while [ ! -e {gate} ]; do :; done; echo first", input="a", name="first")
    second = CommandJob("echo second", input="b", name="second", depend=[first])
    first.run(jobrunner=runner, jobmanager=jm)
    second.run(jobrunner=runner, jobmanager=jm)
    gate.touch()
    assert second.ok() and first.ok()
    join_job_threads()
    order = [
        line.split("JOB ")[1] for line in Path(jm.logfile).read_text().splitlines() if "SUCCESSFUL" in line
    ]
    assert order == ["first SUCCESSFUL", "second SUCCESSFUL"]


def test_parallel_runner_threads_and_maxjobs(jm: JobManager) -> None:
    runner = JobRunner(parallel=True, maxjobs=2)
    active = Path(jm.path, "active")
    active.mkdir()
    # Each runscript records how many runscripts run beside it.
    cmd = f"touch {active}/$$; ls {active} | wc -l > peak; i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; rm {active}/$$"
    jobs = [CommandJob(cmd, input=str(i), name="p") for i in range(6)]
    names: set[str] = set()
    for job in jobs:
        job.run(jobrunner=runner, jobmanager=jm)
        names |= {t.name for t in threading.enumerate()}
    assert all(job.ok() for job in jobs)
    join_job_threads()
    assert "plamsthread" in names
    peaks = [int(Path(job.path, "peak").read_text()) for job in jobs]
    assert max(peaks) <= 2
    assert len({job.name for job in jobs}) == 6


def test_executor_receives_every_runscript(jm: JobManager) -> None:
    calls: list[tuple] = []

    class Recording(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            calls.append((fn, args))
            return super().submit(fn, *args, **kwargs)

    with Recording(max_workers=1) as ex:
        job = run(CommandJob("exit 4", input="x", name="remote"), jm, JobRunner(executor=ex))
    assert job.status == "crashed"
    fn, args = calls[0]
    assert fn is run_runscript
    assert args[:4] == ("remote.run", job.path, "remote.out", "remote.err")
    assert isinstance(args[4], Settings)


def test_run_kwargs_go_to_settings_run(jm: JobManager) -> None:
    job = CommandJob("true", input="x", name="kw")
    job.run(jobrunner=JobRunner(), jobmanager=jm, nodes=2)
    assert job.settings.run.nodes == 2


def test_text_logfile_csv_and_sink(jm: JobManager) -> None:
    received: list[tuple[str, int]] = []

    def sink(line: str, level: int) -> None:
        received.append((line, level))

    add_log_sink(sink)
    try:
        run(CommandJob("true", input="1", name="a"), jm)
        run(CommandJob("true", input="1", name="b"), jm)
        run(CommandJob("echo 'multi\nline'; exit 2", input="2", name="c"), jm)
        run(MultiJob(name="m", children=[CommandJob("true", input="3", name="k")]), jm)
    finally:
        remove_log_sink(sink)
    lines = Path(jm.logfile).read_text().splitlines()
    import re

    stamp = r"^\[\d\d\.\d\d\|\d\d:\d\d:\d\d\] "
    for expected in (
        "JOB a STARTED",
        "JOB a RUNNING",
        "JOB a FINISHED",
        "JOB a SUCCESSFUL",
        "JOB b COPIED",
        "Job b previously run as a, using old results",
        "Executing c.run",
        "Execution of c.run finished with returncode 2",
        "JOB c CRASHED",
        "JOB m/k SUCCESSFUL",
    ):
        assert any(re.match(stamp + re.escape(expected) + "$", line) for line in lines), expected
    assert any(line.endswith("JOB a SUCCESSFUL") and level == 1 for line, level in received)
    with open(jm.job_logfile, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(jm.job_logfile) as f:
        assert f.readline().rstrip("\n") == ",".join(CSV_HEADER)
    assert [(r["job_name"], r["job_status"]) for r in rows] == [
        ("a", "successful"),
        ("b", "copied"),
        ("c", "crashed"),
        ("k", "successful"),
        ("m", "successful"),
    ]
    assert rows[0]["job_path"] == str(Path(jm.workdir, "a")) and rows[0]["job_ok"] == "True"
    assert rows[3]["job_parent_name"] == "m" and rows[3]["job_parent_path"] == str(Path(jm.workdir, "m"))
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d created -> .* started -> .* registered -> .* copied",
        rows[1]["job_timeline"],
    )


def test_status_accepts_plain_strings(jm: JobManager) -> None:
    job = CommandJob("true", name="s")
    job.status = "preview"
    assert job.status is JobStatus.PREVIEW and job.status_log[-1][1] == "preview"


# -- hashing compared with real PLAMS ------------------------------------------------------------

HASH_SCRIPT = r"""
import importlib, json, os, sys
impl = importlib.import_module(os.environ["PLAMS_IMPL"])

class ShJob(impl.SingleJob):
    def get_input(self):
        return self.settings.input.text
    def get_runscript(self):
        return self.settings.input.cmd + "\n"

impl.init(folder="hash_" + impl.__name__, quiet=True)  # PLAMS 2024 fills config only in init()
out = {}
for mode in ["input", "runscript", "input+runscript", None]:
    impl.config.jobmanager.hashing = mode
    for i, (text, cmd, pre) in enumerate([("geometry 1\n", "echo OK", None), ("ä ö ü\n", "echo ü", "export X=1")]):
        job = ShJob(name="h")
        job.settings.input.text = text
        job.settings.input.cmd = cmd
        if pre:
            job.settings.runscript.pre = pre
        job.settings.soft_update(impl.config.job)  # what _prepare does before hashing
        out[f"{mode}-{i}"] = job.hash()
impl.finish()
print(json.dumps(out))
"""


def _hashes(python: str, impl: str, tmp_path: Path) -> dict[str, str | None]:
    script = tmp_path / f"hash_{impl}.py"
    script.write_text(HASH_SCRIPT)
    env = dict(os.environ, PLAMS_IMPL=impl)
    proc = subprocess.run(
        [python, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("version", [pytest.param("2024.107", marks=pytest.mark.plams2024), "2026.104"])
def test_every_hashing_mode_equals_real_plams(tmp_path: Path, version: str) -> None:
    from peers import peer_python

    ours = _hashes(sys.executable, "plams_core", tmp_path)
    theirs = _hashes(peer_python(version), "scm.plams", tmp_path)
    assert ours == theirs
    assert ours["None-0"] is None and ours["input-0"] != ours["runscript-0"]


@pytest.mark.parametrize("mode", ["input", "runscript", "input+runscript"])
def test_hash_of_a_run_job_matches_its_files(jm: JobManager, mode: str) -> None:
    from plams_core.hashing import combine_hashes, sha256

    jm.settings.hashing = mode
    job = run(CommandJob("echo x", input="text ä\n", name="h"), jm)
    inp = Path(job.path, "h.in").read_bytes()
    rs = Path(job.path, "h.run").read_bytes()
    assert job.hash() == combine_hashes(mode, sha256(inp), sha256(rs))


def test_hashing_none_disables_rerun_prevention(jm: JobManager) -> None:
    jm.settings.hashing = None
    a = run(CommandJob("true", input="same", name="a"), jm)
    b = run(CommandJob("true", input="same", name="b"), jm)
    assert (a.status, b.status) == ("successful", "successful")
    assert jm.hashes == {}


def test_unknown_hashing_mode_fails_the_job(jm: JobManager) -> None:
    jm.settings.hashing = "md5"
    job = run(CommandJob("true", input="x", name="bad"), jm)
    assert job.status == "failed" and "Unsupported hashing method: md5" in job.get_errormsg()


def test_abstract_single_job_fails_clearly(jm: JobManager) -> None:
    job = run(SingleJob(name="abstract"), jm)
    assert job.status == "failed" and "get_input" in job.get_errormsg()


def test_limits_hold_for_a_subclass_call_and_can_change(jm: JobManager) -> None:
    """maxjobs applies to a subclass's own call() (taken once, so an old-style subclass that
    also takes ``self.semaphore`` cannot deadlock), and limits can be set after construction."""
    from contextlib import nullcontext

    active, peak, lock = [0], [0], threading.Lock()

    class Counting(JobRunner):
        def call(self, runscript, workdir, out, err, runflags):  # type: ignore[no-untyped-def]
            with self.semaphore if self.semaphore else nullcontext():  # older plams_core habit
                with lock:
                    active[0] += 1
                    peak[0] = max(peak[0], active[0])
                try:
                    return JobRunner.call.__wrapped__(self, runscript, workdir, out, err, runflags)
                finally:
                    with lock:
                        active[0] -= 1

    runner = Counting(parallel=True)
    runner.maxjobs = 1
    with pytest.raises(ValueError):
        runner.maxthreads = -1
    jobs = [CommandJob("sleep 0.2", input=str(i), name="lim") for i in range(3)]
    for job in jobs:
        job.run(jobrunner=runner, jobmanager=jm)
    join_job_threads()
    assert [str(j.status) for j in jobs] == ["successful"] * 3
    assert peak[0] == 1
