"""``JobRunner``: runs job life cycles, serially or in ``plamsthread`` threads, and their runscripts.

As ``scm.plams.core.jobrunner.JobRunner``: with ``parallel=True`` each job's life cycle runs
in a thread named ``plamsthread`` (finish() joins them) and ``maxjobs`` caps how many
runscripts run at once. The step that executes a runscript is :func:`run_runscript`; pass an
``executor`` (any ``concurrent.futures.Executor``) and every runscript is submitted to it
instead, so another engine can run them elsewhere.
"""

from __future__ import annotations

import errno
import functools
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import nullcontext
from os.path import join as opj
from typing import TYPE_CHECKING, Any

from .threading_utils import ContextAwareThread, LimitedSemaphore

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


def _interrupted_message(job: Job, exc: BaseException) -> str:
    """The one-line error message of a job stopped by Ctrl-C (KeyboardInterrupt) or SystemExit."""
    if isinstance(exc, KeyboardInterrupt):
        return f"Job {job.name} was interrupted by the user (KeyboardInterrupt, Ctrl-C)"
    return f"Job {job.name} was interrupted by SystemExit({exc.code!r})"  # type: ignore[attr-defined]  # not KeyboardInterrupt: SystemExit


def _limited(call: Callable[..., int]) -> Callable[..., int]:
    """Wrap a ``call`` method so that at most ``maxjobs`` run at once (the limit read at each call)."""
    if getattr(call, "_plams_limited", False):
        return call

    @functools.wraps(call)
    def wrapper(self: JobRunner, *args: Any, **kwargs: Any) -> int:
        limit = self._job_limit
        if limit is None:
            return call(self, *args, **kwargs)
        with limit:
            return call(self, *args, **kwargs)

    wrapper._plams_limited = True  # type: ignore[attr-defined]  # a mark on the function object
    return wrapper


class JobRunner:
    """Runs jobs: serially (default) or each in its own ``plamsthread`` (``parallel=True``).

    ``maxjobs`` (> 0) limits how many runscripts run at the same time and ``maxthreads`` (> 0,
    default 256) how many job threads exist; 0 means no limit, a negative value is a
    ValueError. Both (and ``parallel``) can be changed at any time; lowering a limit waits
    until enough running jobs have ended. The ``maxjobs`` limit also holds for a subclass
    that overrides :meth:`call` (each subclass's ``call`` is wrapped, as PLAMS's metaclass
    does). *executor*, when given, receives every runscript as
    ``executor.submit(run_runscript, runscript, workdir, out, err, runflags)``.
    """

    def __init__(
        self,
        parallel: bool = False,
        maxjobs: int = 0,
        maxthreads: int = 256,
        executor: Executor | None = None,
    ) -> None:
        self.parallel = parallel
        self._job_limit: LimitedSemaphore | None = None
        self._jobthread_limit: LimitedSemaphore | None = None
        self.maxjobs = maxjobs
        self.maxthreads = maxthreads
        self.executor = executor

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "call" in cls.__dict__:
            cls.call = _limited(cls.__dict__["call"])  # type: ignore[method-assign]  # each subclass's own call, wrapped once

    @staticmethod
    def _resized(limit: LimitedSemaphore | None, value: int, what: str) -> LimitedSemaphore | None:
        if value < 0:
            raise ValueError(f"Value of '{what}' must be greater or equal to zero, but was {value}")
        if limit is None:
            return LimitedSemaphore(value) if value else None
        limit.max_value = value  # waits for enough holders to release when lowered
        return limit if value else None

    @property
    def maxjobs(self) -> int:
        """How many runscripts may run at once (0: no limit)."""
        return self._job_limit.max_value if self._job_limit else 0

    @maxjobs.setter
    def maxjobs(self, value: int) -> None:
        self._job_limit = self._resized(self._job_limit, value, "maxjobs")

    @property
    def maxthreads(self) -> int:
        """How many job threads may exist at once with ``parallel`` (0: no limit)."""
        return self._jobthread_limit.max_value if self._jobthread_limit else 0

    @maxthreads.setter
    def maxthreads(self, value: int) -> None:
        self._jobthread_limit = self._resized(self._jobthread_limit, value, "maxthreads")

    @property
    def semaphore(self) -> None:
        """Always None: the ``maxjobs`` limit is applied around every class's :meth:`call` by
        JobRunner itself. Kept for subclasses written for older plams_core that took it there."""
        return None

    def __getstate__(self) -> dict[str, Any]:
        # A MultiJob's childrunner is pickled with it: keep the configuration, not the locks.
        return {"parallel": self.parallel, "maxjobs": self.maxjobs, "maxthreads": self.maxthreads}

    def __setstate__(self, state: dict[str, Any]) -> None:
        JobRunner.__init__(self, state["parallel"], state["maxjobs"], state.get("maxthreads", 256))

    @_limited
    def call(self, runscript: str, workdir: str, out: str | None, err: str, runflags: Any) -> int:
        """Run *runscript* in *workdir* (file names relative to it) and return its exit code."""
        if self.executor is not None:
            return int(self.executor.submit(run_runscript, runscript, workdir, out, err, runflags).result())
        return run_runscript(runscript, workdir, out, err, runflags)

    def _run_job(self, job: Job, jobmanager: JobManager) -> None:
        """Run the life cycle of *job*, in a new ``plamsthread`` when parallel (it sees the caller's
        :func:`~plams_core.functions.config_context` and ``jobs_in_directory``)."""
        if not self.parallel:
            self._life_cycle(job, jobmanager)
            return
        from .functions import get_config

        limit = self._jobthread_limit
        if limit is not None:
            limit.acquire()

        def life_cycle() -> None:
            try:
                self._life_cycle(job, jobmanager)
            finally:
                if limit is not None:
                    limit.release()  # the semaphore taken above, even if maxthreads changed meanwhile

        thread = ContextAwareThread(name="plamsthread", target=life_cycle)
        thread.daemon = bool(get_config().get("daemon_threads", True))
        try:
            thread.start()
        except BaseException:
            if limit is not None:
                limit.release()
            raise

    def _life_cycle(self, job: Job, jobmanager: JobManager) -> None:
        from .status import JobStatus

        try:
            if job._prepare(jobmanager):
                job._execute(self)
                job._finalize()
        except (KeyboardInterrupt, SystemExit) as exc:
            # As PLAMS 2025+: an interrupted job is failed, waiters are released, the interrupt goes on.
            # Its error message is one line saying so: the traceback of where the signal happened
            # to land (subprocess internals) tells the user nothing.
            job._log(f"Job {job.name} was interrupted, marking job as {JobStatus.FAILED}", 5)
            job._error_msg = _interrupted_message(job, exc)
            job.status = JobStatus.FAILED
            job.results.finished.set()
            job.results.done.set()
            job._notify_parent()
            raise
        finally:
            self._summarize(job, jobmanager)

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
