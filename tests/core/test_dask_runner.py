"""The Dask runner: runscripts run in Dask worker processes with the statuses and files of a local run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

from plams_core import CommandJob, JobManager, JobRunner, default_config  # noqa: E402
from plams_core.daskrunner import ATTEMPT_MARKER, DaskJobRunner  # noqa: E402

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", host="127.0.0.1"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _manager(root: Path, folder: str) -> JobManager:
    defaults = default_config()
    defaults.log.stdout = -1
    return JobManager(defaults.jobmanager, root, folder, log_settings=defaults.log)


def _jobs(tag: str) -> list[CommandJob]:
    return [
        CommandJob(
            f"echo $PPID > ppid; echo out {i}; echo err {i} >&2", input=f"{tag} job {i}", name=f"job{i}"
        )
        for i in range(4)
    ] + [CommandJob("exit 3", input=f"{tag} crashing", name="bad")]


def _run(jobs: list[CommandJob], runner: JobRunner, jm: JobManager) -> None:
    for job in jobs:
        job.run(jobrunner=runner, jobmanager=jm)
    for job in jobs:
        job.results.wait()


def _tree(workdir: Path) -> dict[str, bytes | None]:
    """Every file's name and, for outputs of the runscript, its bytes (pickles differ by path and time)."""
    out: dict[str, bytes | None] = {}
    for p in sorted(workdir.rglob("*")):
        rel = p.relative_to(workdir).as_posix()
        if p.is_file() and rel not in ("logfile", "job_logfile.csv"):
            out[rel] = p.read_bytes() if p.suffix in (".in", ".run", ".out") else None
    return out


def test_runscripts_run_in_worker_processes_with_the_files_of_a_local_run(
    client: Any, tmp_path: Path
) -> None:
    worker_pids = set(client.run(os.getpid).values())
    dask_jm = _manager(tmp_path, "dask")
    local_jm = _manager(tmp_path, "local")
    try:
        dask_jobs, local_jobs = _jobs("same"), _jobs("same")
        _run(dask_jobs, DaskJobRunner(client), dask_jm)
        _run(local_jobs, JobRunner(parallel=True, maxjobs=2), local_jm)
    finally:
        dask_jm.close()
        local_jm.close()
    assert [str(j.status) for j in dask_jobs] == [str(j.status) for j in local_jobs]
    assert [str(j.status) for j in dask_jobs] == ["successful"] * 4 + ["crashed"]
    ran_in = {int((tmp_path / "dask" / f"job{i}" / "ppid").read_text()) for i in range(4)}
    assert ran_in <= worker_pids and os.getpid() not in ran_in
    dask_tree, local_tree = _tree(tmp_path / "dask"), _tree(tmp_path / "local")
    # the only file that differs in content is the ppid each runscript wrote
    assert dask_tree.keys() == local_tree.keys()
    assert {k: v for k, v in dask_tree.items() if not k.endswith("ppid")} == {
        k: v for k, v in local_tree.items() if not k.endswith("ppid")
    }
    assert not list((tmp_path / "dask").rglob(ATTEMPT_MARKER))
    log = (tmp_path / "dask" / "logfile").read_text()
    assert re.search(r"Job job0 runs on Dask worker tcp://127\.0\.0\.1:\d+", log)


def test_maxjobs_caps_the_runscripts_on_the_cluster(client: Any, tmp_path: Path) -> None:
    jm = _manager(tmp_path, "wd")
    # each runscript records how many are running at once through a shared folder of pid files
    live = tmp_path / "live"
    live.mkdir()
    command = f"touch {live}/$$; n=$(ls {live} | wc -l); echo $n > most; sleep 0.3; rm {live}/$$"  # noqa: S108
    jobs = [CommandJob(command, input=f"cap {i}", name=f"cap{i}") for i in range(4)]
    try:
        _run(jobs, DaskJobRunner(client, maxjobs=1), jm)
    finally:
        jm.close()
    assert all(str(j.status) == "successful" for j in jobs)
    assert {(tmp_path / "wd" / f"cap{i}" / "most").read_text().strip() for i in range(4)} == {"1"}


def _wait_for(path: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def test_a_worker_killed_mid_job_gives_a_crashed_job_and_the_others_finish(tmp_path: Path) -> None:
    # a cluster of its own: this test kills one of its workers
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", host="127.0.0.1"
    )
    client = distributed.Client(cluster)
    jm = _manager(tmp_path, "wd")
    victim = CommandJob("echo $PPID > worker; echo $$ > pid; sleep 60", input="victim", name="victim")
    others = [CommandJob(f"echo fine {i}", input=f"other {i}", name=f"other{i}") for i in range(3)]
    try:
        runner = DaskJobRunner(client)
        victim.run(jobrunner=runner, jobmanager=jm)
        worker_pid = int(_wait_for(tmp_path / "wd" / "victim" / "worker"))
        script_pid = int(_wait_for(tmp_path / "wd" / "victim" / "pid"))
        os.kill(worker_pid, signal.SIGKILL)
        for job in others:
            job.run(jobrunner=runner, jobmanager=jm)
        for job in [victim, *others]:
            job.results.wait()
        statuses = [str(j.status) for j in [victim, *others]]
    finally:
        jm.close()
        client.close()
        cluster.close()
    assert statuses == ["crashed", "successful", "successful", "successful"]
    folder = tmp_path / "wd" / "victim"
    assert "Dask worker running victim.run died" in (folder / "victim.err").read_text()
    assert not (folder / "victim.dill").exists()  # never reported successful
    assert not (folder / ATTEMPT_MARKER).exists()
    # the dead worker's runscript was stopped, not left running in the job folder
    # a generous bound, not a speed claim: the stop is prompt on a quiet machine, but a
    # loaded one (load 10 seen) can take over 10 s to schedule the reaper
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _alive(script_pid):
        time.sleep(0.05)
    assert not _alive(script_pid)
    for i in range(3):
        assert (tmp_path / "wd" / f"other{i}" / f"other{i}.dill").exists()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


RESTART_SCRIPT = """\
good = CommandJob("echo run >> {counter}", input="good job", name="good")
good.run()
flaky = CommandJob("echo try >> {tries}; test -e {flag}", input="flaky job", name="flaky")
flaky.run()
good.results.wait(); flaky.results.wait()
# one write: a job's log line, printed by the thread that finalizes it, can come at any time
import sys
sys.stdout.write("STATUSES %s %s\\n" % (good.status, flaky.status))
"""


def _master(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plams_core", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_restart_on_the_cluster_reruns_only_the_crashed_job(tmp_path: Path) -> None:
    counter, tries, flag = tmp_path / "counter", tmp_path / "tries", tmp_path / "flag"
    script = tmp_path / "run.py"
    script.write_text(RESTART_SCRIPT.format(counter=counter, tries=tries, flag=flag))
    first = _master(tmp_path, "-f", "wd", "--dask", "local:2", str(script))
    assert "STATUSES successful crashed" in first.stdout, first.stderr
    flag.touch()
    second = _master(tmp_path, "-r", "-f", "wd", "--dask", "local:2", str(script))
    assert "STATUSES copied successful" in second.stdout, second.stderr
    assert counter.read_text().count("run") == 1  # the finished job did not run again
    assert tries.read_text().count("try") == 2
    assert not (tmp_path / "wd.res").exists()
    assert "runs on Dask worker" in (tmp_path / "wd" / "logfile").read_text()


def test_without_dask_the_flag_fails_in_one_line(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text("print('ran')\n")
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from plams_core.master import main\n"
        f"sys.exit(main(['-f', 'wd', '--dask', 'local', {str(script)!r}]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "plams_core: error: --dask needs Dask distributed: pip install 'plams-tui[dask]'"
    ]
    assert "ran" not in proc.stdout
    assert not (tmp_path / "wd").exists()


def test_bad_worker_count_is_one_line(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text("print('ran')\n")
    proc = _master(tmp_path, "-f", "wd", "--dask", "local:zero", str(script))
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == "plams_core: error: --dask local:zero: the number of workers must be a positive integer"
    )


def _readme_block(marker: str) -> str:
    text = README.read_text()
    match = re.search(rf"<!-- {marker} -->\s*```python\n(.*?)```", text, re.S)
    assert match, f"README has no python block after <!-- {marker} -->"
    return match.group(1)


def test_the_readme_slurm_example_builds_the_cluster_and_its_job_script(tmp_path: Path) -> None:
    pytest.importorskip("dask_jobqueue")
    code = _readme_block("slurm-example")
    # As far as it goes without SLURM: the cluster object and the job script it would submit.
    code = code.split("# -- with SLURM from here on")[0] + "print(cluster.job_script())\ncluster.close()\n"
    # this machine has no cluster network: the scheduler listens on loopback only
    code = code.replace(
        "SLURMCluster(",
        "SLURMCluster(scheduler_options={'host': '127.0.0.1', 'dashboard_address': ':0'}, ",
        1,
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    script = proc.stdout
    assert "#SBATCH" in script
    assert re.search(r"#SBATCH -t 02:00:00", script)
    assert re.search(r"#SBATCH --mem=\d+", script)
    assert "distributed.cli.dask_worker" in script or "dask-worker" in script or "dask worker" in script
    assert "--nthreads 1" in script
