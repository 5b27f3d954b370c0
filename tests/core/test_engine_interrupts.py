"""A run's side channels never decide a job's outcome: a closed stdout, and Ctrl-C (one-line message)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """\
for i in range(3):
    job = CommandJob("echo hello", input=f"input {i}", name=f"job{i}")
    job.run()
print("STATUS", job.status)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def _csv_rows(workdir: Path) -> list[dict[str, str]]:
    with open(workdir / "job_logfile.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_closed_stdout_does_not_fail_the_jobs(tmp_path: Path) -> None:
    """``python -m plams_core script.py | head -1``: every job still ends successful, exit status 0."""
    (tmp_path / "script.py").write_text(SCRIPT)
    # stdout is a pipe whose reader is gone before the first line: every write gets EPIPE.
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc = subprocess.run(
        [sys.executable, "-m", "plams_core", "-f", "wp", "script.py"],
        cwd=tmp_path,
        env=_env(),
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "BrokenPipeError" not in proc.stderr and "Traceback" not in proc.stderr
    rows = _csv_rows(tmp_path / "wp")
    assert [(r["job_name"], r["job_status"]) for r in rows] == [
        ("job0", "successful"),
        ("job1", "successful"),
        ("job2", "successful"),
    ]
    assert "JOB job2 SUCCESSFUL" in (tmp_path / "wp" / "logfile").read_text()


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Poll until *path* exists (the runscript has started); fail if the run ended first."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_ctrl_c_records_one_line_saying_the_job_was_interrupted(tmp_path: Path) -> None:
    started = tmp_path / "started"
    (tmp_path / "script.py").write_text(
        f"job = CommandJob('touch {started} && exec sleep 60', input='slow', name='slow')\njob.run()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "plams_core", "-f", "wp", "script.py"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(started, proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    [row] = _csv_rows(tmp_path / "wp")
    assert row["job_name"] == "slow" and row["job_status"] == "failed"
    message = row["job_get_errormsg"]
    assert message == "Job slow was interrupted by the user (KeyboardInterrupt, Ctrl-C)"
    log = (tmp_path / "wp" / "logfile").read_text()
    assert "JOB slow FAILED" in log or "Job slow was interrupted" in log
    assert "Traceback" not in log


def test_an_unwritable_logfile_never_stops_a_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from plams_core import CommandJob, JobManager, JobRunner, default_config

    monkeypatch.setenv("SCM_LOGFILE", str(tmp_path))  # a folder: every append fails
    defaults = default_config()
    defaults.log.stdout = -1
    jm = JobManager(defaults.jobmanager, tmp_path, "wd", log_settings=defaults.log)
    try:
        jobs = [CommandJob("true", input=str(i), name="j") for i in range(2)]
        for job in jobs:
            job.run(jobrunner=JobRunner(), jobmanager=jm)
    finally:
        jm.close()
    assert [str(j.status) for j in jobs] == ["successful", "successful"]
    err = capsys.readouterr().err
    assert err.count("cannot write logfile") == 1 and str(tmp_path) in err
