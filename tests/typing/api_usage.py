"""The public API used as a user's script would use it; type-checked by tests/test_typing.py.

mypy checks this file with the package (``[tool.mypy]`` in pyproject.toml), so the hints of
the public API are exercised, not only declared: ``assert_type`` pins what a call gives, and
each ``# type: ignore[code]`` marks a misuse mypy must keep refusing (with
``warn_unused_ignores``, a refusal that goes away is itself an error). The test also runs
:func:`main` on a working folder it makes, so what is checked here also works.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import assert_type

import plams_core
from plams_core import JobManager, JobStatus, MultiJob, Results, Settings, SingleJob, default_config
from plams_core.errors import FileError, PlamsError, WorkdirLockedError
from plams_core.index import IndexUpdate, JobDetail, JobRecord, ScanBatch, WorkdirIndex, scan_workdir
from plams_core.index.records import FileEntry, Status
from plams_core.restart import RestartPlan, RestartRun
from plams_core.workdir import CleanPlan, LoadedJob, RemovePlan, RepicklePlan, Workdir


class EchoJob(SingleJob):
    """A job class as a PLAMS script defines one: the two methods SingleJob asks for."""

    def get_input(self) -> str:
        return f"{self.settings.input.word}\n"

    def get_runscript(self) -> str:
        return f"cat {self.name}.in\n"


class EchoResults(Results):
    def word(self) -> str:
        return self.read_file("$JN.out").strip()


EchoJob._result_type = EchoResults


def run_jobs(parent: Path) -> Path:
    """Run two jobs, one in a MultiJob, in a new working folder under *parent*; return that folder."""
    defaults = default_config()
    defaults.log.stdout = -1
    manager = JobManager(defaults.jobmanager, parent, "wd", log_settings=defaults.log)
    try:
        job = EchoJob(name="hello")
        job.settings.input.word = "hello"
        results = job.run(jobmanager=manager)
        assert_type(results, Results)
        assert job.ok()
        assert_type(job.status, JobStatus)
        multi = MultiJob(name="outer", children=[EchoJob(name="inner", settings=job.settings.copy())])
        multi.run(jobmanager=manager)
        assert multi.ok()
        return Path(manager.workdir)
    finally:
        manager.close()


def settings_use() -> Settings:
    s = Settings()
    s.input.ams.task = "SinglePoint"  # nested keys are made on access, as in PLAMS
    s.set_nested(("runscript", "shebang"), "#!/bin/sh")
    assert s.get_nested(("input", "ams", "task")) == "SinglePoint"
    return s.copy()


def browse(folder: Path) -> list[str]:
    """List, stream, detail and plan on a working folder (nothing written)."""
    index = plams_core.scan_workdir(folder)  # the name users and scripts call
    assert_type(index, WorkdirIndex)
    assert isinstance(index, WorkdirIndex)
    record = index.get("hello")
    if record is None:  # Optional: a path the index does not know
        raise FileError("hello is not a job of the folder")
    assert_type(record.status, Status)
    assert_type(record.start, float | None)

    wd = Workdir(folder)
    seen: dict[str, JobRecord] = {}
    for batch in wd.scan():
        assert_type(batch, ScanBatch)
        for rec in batch:  # insert or replace by path, drop what is removed
            seen[rec.path] = rec
        for path in batch.removed:
            seen.pop(path, None)
        done, total = batch.progress
        assert 0 <= done <= total
    names = sorted(seen)
    assert names == sorted(r.path for r in wd.records())

    detail = wd.detail("hello")
    assert_type(detail, JobDetail)
    files: tuple[FileEntry, ...] = detail.files
    assert any(f.name == "hello.in" for f in files)
    update = wd.refresh()
    assert_type(update, IndexUpdate)
    assert not update  # nothing changed since the scan

    plan = wd.plan_clean(keep="none")
    assert_type(plan, CleanPlan)
    assert plan.bytes >= 0
    assert_type(wd.plan_remove(["hello"]), RemovePlan)
    assert_type(wd.plan_repickle(["hello"]), RepicklePlan)
    loaded = wd.load("hello")
    assert_type(loaded, LoadedJob)
    assert loaded.to_dict()["name"] == "hello"
    return names


def refused(record: JobRecord, wd: Workdir, index: WorkdirIndex) -> None:
    """Misuses mypy must keep refusing (never called: each line would fail at run time too)."""
    record.status = "crashed"  # type: ignore[misc]  # records are frozen
    unknown_status: Status = "done"  # type: ignore[assignment]  # not a status PLAMS writes
    wd.plan_clean(jobs=3)  # type: ignore[arg-type]  # jobs are paths
    status: str = index.get("hello").status  # type: ignore[union-attr]  # get() may say None
    del unknown_status, status


def restart_when_possible(wd: Workdir, output: list[str]) -> int | None:
    """Plan a restart and run it if nothing blocks it (type-checked only: a restart needs a saved script)."""
    plan = wd.plan_restart()
    assert_type(plan, RestartPlan)
    if plan.blocked is not None:
        return None
    try:
        run = wd.start_restart(plan, on_output=output.append)
    except WorkdirLockedError as exc:
        output.append(str(exc))
        return None
    assert_type(run, RestartRun)
    return run.wait()


def walk(folder: str | os.PathLike[str]) -> Iterator[str]:
    """The one-call API a script uses: every job path, parents first."""
    try:
        index = scan_workdir(folder)
    except PlamsError:
        return
    for rec in index.records.values():
        yield rec.path


def main(parent: Path) -> list[str]:
    settings_use()
    folder = run_jobs(parent)
    names = browse(folder)
    assert sorted(walk(folder)) == names
    return names
