"""A small, realistic working folder built with the embedded engine, for trying the TUI.

Every kind of job a folder can hold, in under a second: successful, renamed (``.002``),
copied by rerun prevention, crashed, failed, not pickled, a partly failed MultiJob and a
nested MultiJob; with ``running`` also a job still running (``sleep`` in its runscript, in a
background thread of the caller: it finishes by itself while the app watches, or shows as
interrupted if the caller exits first). It uses a private JobManager and its own copy of the defaults, so it never
changes ``config`` and can be called any number of times in one process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .basejob import Job, MultiJob
from .commandjob import CommandJob
from .functions import default_config
from .jobmanager import JobManager
from .jobrunner import JobRunner

__all__ = ["build_demo"]


class OutputCheckedJob(CommandJob):
    """A CommandJob whose check() wants ``OK`` in its output: gives a ``failed`` job otherwise."""

    def check(self) -> bool:
        """True if ``$JN.out`` contains OK."""
        assert self.path is not None
        try:
            with open(os.path.join(self.path, self._filename("out")), encoding="utf-8") as f:
                return "OK" in f.read()
        except OSError:
            return False


def build_demo(parent: str | os.PathLike[str], folder: str = "plams_demo", *, running: float = 0) -> Path:
    """Run the demo jobs in a new working folder *parent*/*folder* (``.002`` ... if taken); return its path.

    With *running* > 0 a job named ``running`` is left running for that many seconds (its
    life cycle in a daemon thread); this returns once its runscript has started.
    """
    defaults = default_config()
    quiet = defaults.log.copy()
    quiet.stdout = -1  # the folder's logfile gets everything, the terminal nothing
    jm = JobManager(defaults.jobmanager, os.fspath(parent), folder, log_settings=quiet)
    runner = JobRunner(parallel=False)
    jm.log(f"PLAMS working folder: {jm.workdir}", 1)

    def job(
        name: str,
        input: str,
        command: str = "echo OK",
        cls: type[CommandJob] = CommandJob,
        **settings: object,
    ) -> CommandJob:
        j = cls(command, input=input, name=name)
        for key, value in settings.items():
            j.settings[key] = value
        return j

    def multi(name: str, children: list[Job]) -> MultiJob:
        m = MultiJob(name=name, children=children)
        return m

    def use_defaults(j: Job) -> None:
        j.default_settings = [defaults.job]
        for child in getattr(j, "children", []) or []:
            use_defaults(child)

    try:
        jobs: list[Job] = [
            job("optimize", "geometry 1\n", "echo OK; echo 'energy -1.5'"),
            job("optimize", "geometry 2\n", "echo OK; echo 'energy -1.7'"),
            job("repeat", "geometry 1\n"),
            job("crash", "crash me\n", "echo partial output; echo 'segmentation fault' >&2; exit 3"),
            job("fail", "fail me\n", "echo NOPE", cls=OutputCheckedJob),
            job("nopickle", "no pickle\n", pickle=False),
            multi("scan", [job("good", "scan point 1\n"), job("bad", "scan point 2\n", "exit 1")]),
            multi(
                "nested",
                [
                    job("first", "nested 1\n"),
                    multi("inner", [job("leaf", "leaf 1\n"), job("leaf", "leaf 2\n")]),
                ],
            ),
        ]
        for j in jobs:
            use_defaults(j)
            j.run(jobrunner=runner, jobmanager=jm)
        jm._clean()
        if running > 0:
            waiting = job("running", "still running\n", f"sleep {running:g}; echo OK")
            use_defaults(waiting)
            waiting.run(jobrunner=JobRunner(parallel=True), jobmanager=jm)
            out = Path(jm.workdir) / "running" / "running.out"
            deadline = time.monotonic() + 10
            while not out.exists() and time.monotonic() < deadline:  # the runscript opened its output
                time.sleep(0.01)
    finally:
        jm.close()
    return Path(jm.workdir)
