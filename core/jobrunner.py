"""``JobRunner``: runs job life cycles, serially or in ``plamsthread`` threads, and their runscripts.

As ``scm.plams.core.jobrunner.JobRunner``: with ``parallel=True`` each job's life cycle runs
in a thread named ``plamsthread`` (finish() joins them) and ``maxjobs`` caps how many
runscripts run at once. The step that executes a runscript is :func:`run_runscript`; pass an
``executor`` (any ``concurrent.futures.Executor``) and every runscript is submitted to it
instead, so another engine can run them elsewhere.
"""

from __future__ import annotations

import errno
import os
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import nullcontext
from os.path import join as opj
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .basejob import Job
    from .jobmanager import JobManager

__all__ = ["JobRunner", "run_runscript"]


def run_runscript(
    runscript: str,
    workdir: str,
    out: str | None,
    err: str,
    runflags: Any = None,
    *,
    new_session: bool = False,
    on_start: Callable[[int], None] | None = None,
) -> int:
    """Execute ``workdir/runscript`` with cwd *workdir*, stdout to *out* (inherited if None), stderr to *err*.

    Returns the exit code. A module-level function so that executors can ship it elsewhere.
    *new_session* starts the runscript in a process group of its own (whose id *on_start*
    receives), so a remote runner can stop it as a whole.
    """
    import subprocess

    command = ["./" + runscript] if os.name == "posix" else ["sh", runscript]
    attempts = 0
    while True:
        try:
            with (
                open(opj(workdir, err), "w") as e,
                open(opj(workdir, out), "w") if out else nullcontext() as o,
            ):
                if on_start is None:
                    return subprocess.run(
                        command, cwd=workdir, stdout=o, stderr=e, start_new_session=new_session
                    ).returncode
                with subprocess.Popen(
                    command, cwd=workdir, stdout=o, stderr=e, start_new_session=new_session
                ) as p:
                    on_start(p.pid)
                    try:
                        return p.wait()
                    except BaseException:
                        p.kill()  # as subprocess.run does
                        raise
        except OSError as exc:
            # "Text file busy": another thread forked while this runscript was still open for
            # writing; PLAMS's saferun retries the same way.
            attempts += 1
            if exc.errno not in (errno.ETXTBSY, errno.EAGAIN) or attempts > 20:
                raise
            time.sleep(0.01 * attempts)


class JobRunner:
    """Runs jobs: serially (default) or each in its own ``plamsthread`` (``parallel=True``).

    *maxjobs* > 0 limits how many runscripts run at the same time. *executor*, when given,
    receives every runscript as ``executor.submit(run_runscript, runscript, workdir, out, err, runflags)``.
    """

    def __init__(
        self,
        parallel: bool = False,
        maxjobs: int = 0,
        executor: Executor | None = None,
        maxthreads: int = 256,
    ) -> None:
        self.parallel = parallel
        self.maxjobs = maxjobs
        self.maxthreads = maxthreads
        self.executor = executor
        self.semaphore = threading.BoundedSemaphore(maxjobs) if maxjobs else None
        self._jobthread_limit = threading.BoundedSemaphore(maxthreads) if maxthreads else None

    def __getstate__(self) -> dict[str, Any]:
        # A MultiJob's childrunner is pickled with it: keep the configuration, not the locks.
        return {"parallel": self.parallel, "maxjobs": self.maxjobs, "maxthreads": self.maxthreads}

    def __setstate__(self, state: dict[str, Any]) -> None:
        JobRunner.__init__(self, state["parallel"], state["maxjobs"], None, state.get("maxthreads", 256))

    def call(self, runscript: str, workdir: str, out: str | None, err: str, runflags: Any) -> int:
        """Run *runscript* in *workdir* (file names relative to it) and return its exit code."""
        with self.semaphore if self.semaphore else nullcontext():
            if self.executor is not None:
                return int(
                    self.executor.submit(run_runscript, runscript, workdir, out, err, runflags).result()
                )
            return run_runscript(runscript, workdir, out, err, runflags)

    def _run_job(self, job: Job, jobmanager: JobManager) -> None:
        """Run the life cycle of *job*, in a new ``plamsthread`` when parallel."""
        if not self.parallel:
            self._life_cycle(job, jobmanager)
            return
        from .functions import config

        if self._jobthread_limit:
            self._jobthread_limit.acquire()
        thread = threading.Thread(name="plamsthread", target=self._life_cycle, args=(job, jobmanager))
        thread.daemon = bool(config.get("daemon_threads", True))
        try:
            thread.start()
        except BaseException:
            if self._jobthread_limit:
                self._jobthread_limit.release()
            raise

    def _life_cycle(self, job: Job, jobmanager: JobManager) -> None:
        from .status import JobStatus

        try:
            if job._prepare(jobmanager):
                job._execute(self)
                job._finalize()
        except (KeyboardInterrupt, SystemExit):
            # As PLAMS 2025+: an interrupted job is failed, waiters are released, the interrupt goes on.
            job._log(f"Job {job.name} was interrupted, marking job as {JobStatus.FAILED}", 5)
            job._error_msg = traceback.format_exc()
            job.status = JobStatus.FAILED
            job.results.finished.set()
            job.results.done.set()
            job._notify_parent()
            raise
        finally:
            self._summarize(job, jobmanager)
            if self.parallel and self._jobthread_limit:
                self._jobthread_limit.release()

    @staticmethod
    def _summarize(job: Job, jobmanager: JobManager) -> None:
        """Log the error message of a job that did not succeed, and its job_logfile.csv row."""
        try:
            if not job.ok(False) or not job.check():
                msg = (
                    job.get_errormsg()
                    or "Could not determine error message. Please check the output manually."
                )
                lines = msg.splitlines()
                if len(lines) > 30:
                    lines = [*lines[:30], "... (see output for full error)"]
                body = "\n".join(f"\t{line}" for line in lines)
                job._log(f"Error message for job {job.name} was:\n{body}", 3, jobmanager)
        except Exception:
            pass  # a check() that cannot run on a broken job must not hide the csv row
        try:
            jobmanager._log_job_row(job)
        except Exception as exc:
            job._log(f"Writing the job_logfile.csv row of {job.name} failed: {exc}", 1, jobmanager)
