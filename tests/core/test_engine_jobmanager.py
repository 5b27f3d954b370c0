"""JobManager: working folders, the one-writer lock, init/finish and the global environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from plams_core import (
    CommandJob,
    JobManager,
    JobRunner,
    PlamsError,
    WorkdirLockedError,
    build_demo,
    config,
    default_config,
    finish,
    load,
)


def new_jm(path: Path, folder: str | None = None) -> JobManager:
    d = default_config()
    d.log.stdout = -1
    return JobManager(d.jobmanager, path, folder, log_settings=d.log)


def test_folder_names(tmp_path: Path) -> None:
    a = new_jm(tmp_path, "run")
    assert not (tmp_path / "run").exists()  # made on first use, as in PLAMS 2025+
    assert a.workdir == str(tmp_path / "run")
    b, c = new_jm(tmp_path, "run"), new_jm(tmp_path)
    late = new_jm(tmp_path, "late")
    rival = new_jm(tmp_path, "late")  # both chose "late" before either made it
    try:
        assert (a.folder, b.folder, c.folder) == ("run", "run.002", f"plams.{os.getpid()}")
        assert late.workdir == str(tmp_path / "late") and rival.workdir == str(tmp_path / "late.002")
        assert b.workdir == str(tmp_path / "run.002") and b.path == str(tmp_path)
        assert b.logfile == str(tmp_path / "run.002" / "logfile") and b.input == str(
            tmp_path / "run.002" / "input"
        )
        assert a.settings is not b.settings and (a.jobs, a.names, a.hashes) == ([], {}, {})
    finally:
        for jm in (a, b, c, late, rival):
            jm.close()
    with pytest.raises(PlamsError, match="Invalid path"):
        new_jm(tmp_path / "missing")


def test_settings_object_is_used_directly(tmp_path: Path) -> None:
    settings = default_config().jobmanager
    jm = JobManager(settings, tmp_path, "s")
    try:
        assert jm.settings is settings
    finally:
        jm.close()


def test_one_writer_per_folder(tmp_path: Path) -> None:
    jm = new_jm(tmp_path, "locked")
    try:
        assert not any(p.name.endswith(".lock") for p in Path(jm.workdir).iterdir())
        with pytest.raises(WorkdirLockedError, match="in use by another PLAMS job manager"):
            JobManager(default_config().jobmanager, tmp_path, "locked", use_existing_folder=True)
        code = (
            "import sys\nfrom plams_core import init, WorkdirLockedError\n"
            "try:\n    init(path=sys.argv[1], folder='locked', use_existing_folder=True, quiet=True)\n"
            "except WorkdirLockedError as e:\n    print(e); sys.exit(3)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
        assert proc.returncode == 3 and len(proc.stdout.strip().splitlines()) == 1
    finally:
        jm.close()
    again = JobManager(default_config().jobmanager, tmp_path, "locked", use_existing_folder=True)
    assert again.workdir == jm.workdir
    again.close()


def test_lock_is_released_when_the_process_dies(tmp_path: Path) -> None:
    code = "import os, sys\nfrom plams_core import init\ninit(path=sys.argv[1], folder='dead', quiet=True)\nos._exit(0)\n"
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    jm = JobManager(default_config().jobmanager, tmp_path, "dead", use_existing_folder=True)
    jm.close()


def test_init_finish_and_defaults(plams_env: JobManager, tmp_path: Path) -> None:
    assert config.jm is config.default_jobmanager is plams_env
    assert plams_env.workdir == str(tmp_path / "wd")
    assert config.job.pickle is True and config.job.pickle_protocol == -1
    assert (config.job.keep, config.job.save, config.job.link_files) == ("all", "all", True)
    assert config.job.runscript.shebang == "#!/bin/sh" and config.job.runscript.stdout_redirect is False
    assert config.jobmanager.hashing == "input" and config.jobmanager.counter_len == 3
    assert config.jobmanager.remove_empty_directories is True
    assert (config.log.file, config.log.stdout, config.log.csv) == (5, -1, 7)
    assert config.preview is False and config.init is True
    job = CommandJob("true", input="x", name="g")
    job.run()
    assert job.path == str(tmp_path / "wd" / "g")
    second = new_jm(tmp_path, "other")
    other = CommandJob("true", input="y", name="o")
    other.settings.save = "none"
    other.run(jobmanager=second)
    loaded = load(Path(job.path, "g.dill"))
    assert loaded.name == "g" and loaded.jobmanager is plams_env
    finish([second])
    assert not plams_env.locked and not second.locked
    assert sorted(os.listdir(other.path)) == ["o.dill"]
    assert "PLAMS working folder: " + str(tmp_path / "wd") in Path(plams_env.logfile).read_text()


def test_parallel_jobs_are_joined_by_finish(plams_env: JobManager) -> None:
    runner = JobRunner(parallel=True)
    jobs = [
        CommandJob("i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done", input=str(i), name="j")
        for i in range(3)
    ]
    for job in jobs:
        job.run(jobrunner=runner)
    finish()
    assert [str(j.status) for j in jobs] == ["successful"] * 3


def test_run_without_init_makes_the_default_manager_and_finishes_at_exit(tmp_path: Path) -> None:
    """PLAMS 2025+: no init() needed; the working folder appears on first use, finish() runs at exit."""
    code = (
        "import os\nfrom plams_core import *\nassert not os.listdir('.')\n"
        "job = CommandJob('echo hi', input='x', name='x')\njob.settings.save = ['$JN.out']\njob.run()\n"
        "print(job.status, os.path.basename(config.default_jobmanager.workdir))\n"
    )
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    status, folder = proc.stdout.split()[-2:]
    assert status == "successful" and folder.startswith("plams.")
    assert sorted(os.listdir(tmp_path / folder / "x")) == ["x.dill", "x.out"]  # cleaned with save at exit


def test_demo(tmp_path: Path) -> None:
    before = config.copy()
    first = build_demo(tmp_path)
    second = build_demo(tmp_path)
    assert first == tmp_path / "plams_demo" and second == tmp_path / "plams_demo.002"
    assert config == before
    top = sorted(p.name for p in first.iterdir())
    assert top == [
        "crash",
        "fail",
        "job_logfile.csv",
        "logfile",
        "nested",
        "nopickle",
        "optimize",
        "optimize.002",
        "repeat",
        "scan",
    ]
    assert (first / "repeat" / "repeat.dill").exists()
    assert (
        os.stat(first / "repeat" / "repeat.out").st_ino == os.stat(first / "optimize" / "optimize.out").st_ino
    )
    assert not (first / "crash" / "crash.dill").exists() and not (first / "fail" / "fail.dill").exists()
    assert not (first / "nopickle" / "nopickle.dill").exists()
    assert not (first / "scan" / "scan.dill").exists() and (first / "scan" / "good" / "good.dill").exists()
    assert (first / "nested" / "inner" / "leaf.002" / "leaf.002.dill").exists()
    log = (first / "logfile").read_text()
    for line in (
        "JOB repeat COPIED",
        "JOB crash CRASHED",
        "JOB fail FAILED",
        "JOB scan FAILED",
        "JOB nested SUCCESSFUL",
    ):
        assert line in log
    new = new_jm(tmp_path, "after")  # the demo released its folder lock
    new.close()
    JobManager(default_config().jobmanager, tmp_path, "plams_demo", use_existing_folder=True).close()


def test_exit_does_not_wait_for_a_private_managers_job_threads(tmp_path: Path) -> None:
    """finish() at exit is for the global environment: an app with its own manager exits at once."""
    code = (
        "import os, sys, time\nfrom plams_core import CommandJob, JobManager, JobRunner, default_config\n"
        "d = default_config(); d.log.stdout = -1\n"
        "jm = JobManager(d.jobmanager, sys.argv[1], 'private', log_settings=d.log)\n"
        "CommandJob('touch ../../started; sleep 60; touch ../../ended', input='x', name='slow')"
        ".run(jobrunner=JobRunner(parallel=True), jobmanager=jm)\n"
        "while not os.path.exists(os.path.join(sys.argv[1], 'started')):\n    time.sleep(0.01)\n"
    )
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True, timeout=45
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "started").exists() and not (tmp_path / "ended").exists()
