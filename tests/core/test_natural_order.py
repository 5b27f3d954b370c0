"""One natural order: `ls`, `show` and the app list the same names in the same order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plams_core import JobManager
from plams_core.basejob import MultiJob
from plams_core.commandjob import CommandJob
from plams_core.index import natural_key, scan_workdir
from plams_core.index.report import natural_key as report_key
from plams_core.jobrunner import JobRunner

from plams_tui.cli import main
from plams_tui.model import JobRows

# Run in this (unsorted) order; names PLAMS accepts as they are (no renaming: all distinct).
NAMES = ["job10", "jöb3", "job2", "Job1", "job.002", "émission", "job٣", "job1"]
# What a user sees: numbers as numbers (job2 < job10), upper case before lower case (as
# ``ls`` in the C locale), a digit of another script (٣) as the character it is, letters
# beyond ASCII after ASCII ones.
EXPECTED = ["Job1", "job.002", "job1", "job2", "job10", "job٣", "jöb3", "émission"]


@pytest.fixture
def named(jm: JobManager) -> Path:
    runner = JobRunner(parallel=False)
    for name in NAMES:
        CommandJob("true", input=f"{name}\n", name=name).run(jobrunner=runner, jobmanager=jm)
    children = [CommandJob("true", input=f"{name}\n", name=name) for name in NAMES]
    MultiJob(name="multi", children=children).run(jobrunner=runner, jobmanager=jm)
    return Path(jm.workdir)


def test_one_key() -> None:
    assert natural_key is report_key
    assert sorted(NAMES, key=natural_key) == EXPECTED


def test_ls_show_and_app_agree(named: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "--json", str(named)]) == 0
    paths = [j["path"] for j in json.loads(capsys.readouterr().out)]
    assert [p for p in paths if "/" not in p and p != "multi"] == EXPECTED
    assert [p.removeprefix("multi/") for p in paths if p.startswith("multi/")] == EXPECTED

    assert main(["show", str(named), "multi"]) == 0
    out = capsys.readouterr().out.splitlines()
    first = out.index("children:") + 1
    shown = [line.strip() for line in out[first : first + len(NAMES)]]
    assert shown == [f"multi/{n}" for n in EXPECTED]

    rows = JobRows()
    rows.update(list(scan_workdir(named)))
    rows.rebuild()
    assert list(rows.rows) == paths
