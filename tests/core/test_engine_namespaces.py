"""What scripts see (the PLAMS names) and where an app's log lines go (its JobManager's sink)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import plams_core
import pytest
from plams_core import CommandJob, JobManager, JobRunner, MultiJob, default_config
from plams_core.logfile import LogRecord
from plams_core.scripting import SCRIPT_EXPORTS

NAMES_SCRIPT = """\
import json
names = sorted(n for n in globals() if not n.startswith("__"))
print("NAMES " + json.dumps(names))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def test_master_script_namespace_is_the_plams_names(tmp_path: Path) -> None:
    (tmp_path / "names.py").write_text(NAMES_SCRIPT)
    proc = subprocess.run(
        [sys.executable, "-m", "plams_core", "-f", "wd", "-v", "answer=42", "names.py"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    [line] = [x for x in proc.stdout.splitlines() if x.startswith("NAMES ")]
    names = set(json.loads(line[len("NAMES ") :]))
    assert names == set(SCRIPT_EXPORTS) | {"answer", "json"}
    for read_api in ("scan_workdir", "read_dill", "build_demo", "sha256", "WorkdirIndex", "JobRecord"):
        assert read_api not in names


def test_star_import_gives_the_same_names_as_the_master_script() -> None:
    namespace: dict[str, object] = {}
    exec("from plams_core import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(SCRIPT_EXPORTS)
    assert sorted(SCRIPT_EXPORTS) == plams_core.__all__


def test_script_names_are_plams_names_and_none_we_have_is_missing() -> None:
    import scm.plams

    plams_names = set(scm.plams.__all__)
    # Every script name but our own CommandJob is a PLAMS name ...
    assert set(SCRIPT_EXPORTS) - {"CommandJob"} <= plams_names
    # ... and every PLAMS name that plams_core has is given to scripts.
    have = {name for name in plams_names if hasattr(plams_core, name)}
    assert have <= set(SCRIPT_EXPORTS)


def test_read_api_stays_reachable_as_attributes() -> None:
    from plams_core.index import scan_workdir

    assert plams_core.scan_workdir is scan_workdir
    assert callable(plams_core.add_log_sink) and callable(plams_core.remove_log_sink)


def _loud_manager(tmp_path: Path, folder: str, sink=None) -> JobManager:
    defaults = default_config()
    defaults.log.stdout = 7  # would print every line to stdout
    return JobManager(defaults.jobmanager, tmp_path, folder, log_settings=defaults.log, log_sink=sink)


def test_a_managers_sink_gets_records_with_the_job_and_silences_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records: list[LogRecord] = []
    jm = _loud_manager(tmp_path, "quiet", records.append)
    try:
        job = CommandJob("true", input="1", name="single")
        job.run(jobrunner=JobRunner(), jobmanager=jm)
        multi = MultiJob(name="m", children=[CommandJob("true", input="2", name="k")])
        multi.run(jobrunner=JobRunner(), jobmanager=jm)
    finally:
        jm.close()
    assert capsys.readouterr().out == ""

    done = [r for r in records if r.message == "JOB single SUCCESSFUL"]
    assert len(done) == 1
    assert done[0].level == 1 and done[0].job_name == "single"
    assert done[0].job_path == os.path.join(jm.workdir, "single")
    assert done[0].workdir == jm.workdir and done[0].line.endswith("] JOB single SUCCESSFUL")
    child = [r for r in records if r.message == "JOB m/k SUCCESSFUL"]
    assert child and child[0].job_name == "m/k" and child[0].job_path == os.path.join(jm.workdir, "m", "k")
    assert all(r.workdir == jm.workdir for r in records)
    assert {r.level for r in records} >= {1, 3, 5, 7}  # every level reaches the sink
    # The logfile is still the folder's record.
    assert "JOB single SUCCESSFUL" in Path(jm.logfile).read_text()


def test_a_manager_without_sink_still_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jm = _loud_manager(tmp_path, "loud")
    try:
        CommandJob("true", input="1", name="single").run(jobrunner=JobRunner(), jobmanager=jm)
    finally:
        jm.close()
    assert "JOB single SUCCESSFUL" in capsys.readouterr().out


def test_a_broken_sink_never_stops_a_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(record: LogRecord) -> None:
        raise RuntimeError("sink is gone")

    jm = _loud_manager(tmp_path, "broken", broken)
    try:
        job = CommandJob("true", input="1", name="single")
        job.run(jobrunner=JobRunner(), jobmanager=jm)
    finally:
        jm.close()
    assert job.status == "successful"
    assert "sink is gone" in capsys.readouterr().err
