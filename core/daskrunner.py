"""``DaskJobRunner``: run each job's runscript on a Dask distributed cluster.

The engine stays where the script runs (the master): it prepares job folders, hashes,
checks, cleans, pickles and logs exactly as with the local runner. Only the step that
executes a runscript is sent to a Dask worker, which runs it with the job folder as cwd.
So job folders must be on a filesystem the workers share with the master, as on an HPC
cluster. Statuses, outputs, ``.dill``, logfile and csv lines are those of a local run.

* ``maxjobs`` caps how many runscripts are on the cluster at once (the base class's
  semaphore); job dependencies are honoured by the engine before a runscript is submitted.
* A worker that dies mid-job: Dask reschedules a task whose worker died. A runscript must
  not run twice (it may have half-written its folder), so each attempt leaves a marker file
  (``.plams_core-dask-attempt`` in the job folder); a second attempt finds it, stops what the
  first one started if it is on the same host, and refuses. The job ends ``crashed``, with a
  message in ``$JN.err`` that says the worker died; the script goes on with the other jobs.
* The worker that runs a job is logged as ``Job NAME runs on Dask worker ADDRESS`` (the
  index reads it, the app shows it).

Decision: Dask's own retries are not used for the same reason (a rerun job is a new job,
decided by the user through a restart). ``pure=False``: two submissions of one runscript
are two runs, never one cached result.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .jobrunner import JobRunner, run_runscript

__all__ = ["DaskJobRunner", "WorkerDiedError", "check_address", "connect", "dask_missing_message"]

ATTEMPT_MARKER = ".plams_core-dask-attempt"
#: Exit code reported for a runscript whose worker died (as a shell reports SIGKILL).
WORKER_DIED = 137


def dask_missing_message() -> str:
    """The one line printed when ``--dask`` is used without the optional extra."""
    return "--dask needs Dask distributed: pip install 'plams-tui[dask]'"


class WorkerDiedError(RuntimeError):
    """A runscript's Dask worker died while it ran; the runscript was not run again."""


def _run_on_worker(runscript: str, workdir: str, out: str | None, err: str, runflags: Any) -> tuple[int, str]:
    """Run one runscript on a worker (executed in the worker process). Returns (exit code, worker)."""
    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):  # not on a worker (a test calling it directly)
        worker = ""
    marker = os.path.join(workdir, ATTEMPT_MARKER)
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        _stop_earlier_attempt(marker)
        raise WorkerDiedError(
            f"the Dask worker running {runscript} died; the runscript was not run a second time"
        ) from None
    host = socket.gethostname()
    with os.fdopen(fd, "w") as f:
        f.write(f"{host} {os.getpid()} {worker}\n")
    code = run_runscript(
        runscript, workdir, out, err, runflags, new_session=True, on_start=_record_pgid(marker)
    )
    try:
        os.unlink(marker)
    except OSError:
        pass
    return code, worker


def _record_pgid(marker: str) -> Any:
    def record(pid: int) -> None:
        try:
            with open(marker, "a") as f:
                f.write(f"pgid {pid}\n")
        except OSError:
            pass

    return record


def _stop_earlier_attempt(marker: str) -> None:
    """Stop the runscript of an attempt whose worker died, when it ran on this host."""
    try:
        with open(marker) as f:
            lines = f.read().splitlines()
    except OSError:
        return
    if not lines or lines[0].split()[0] != socket.gethostname():
        return  # another host: its processes are not ours to signal
    for line in lines[1:]:
        if line.startswith("pgid "):
            try:
                os.killpg(int(line.split()[1]), signal.SIGKILL)
            except (OSError, ValueError):
                pass


def check_address(address: str) -> int | None:
    """Check *address* and that Dask is installed; the LocalCluster's worker count for ``local[:N]``.

    Raises ImportError (:func:`dask_missing_message`) or ValueError with a one-line message.
    """
    import importlib.util

    try:
        found = importlib.util.find_spec("distributed") is not None
    except (ImportError, ValueError):  # ValueError: sys.modules holds None for it
        found = False
    if not found:
        raise ImportError(dask_missing_message())
    if address == "local" or address.startswith("local:"):
        n = address.partition(":")[2]
        if n and not (n.isdigit() and int(n) > 0):
            raise ValueError(f"--dask {address}: the number of workers must be a positive integer")
        return int(n) if n else len(os.sched_getaffinity(0))
    if not address:
        raise ValueError("--dask: give a scheduler address (tcp://HOST:PORT) or local[:N]")
    return None


def connect(address: str) -> tuple[Any, Any]:
    """A ``distributed.Client`` for *address*, and the LocalCluster started for it (or None).

    ``local`` or ``local:N`` starts a LocalCluster of N worker processes (default: the CPUs
    this process may use), one thread each: a runscript is a process of its own, a worker
    slot is one running job. Raises ImportError with :func:`dask_missing_message` without dask.
    """
    workers = check_address(address)
    from distributed import Client, LocalCluster

    cluster = None
    if workers is not None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", host="127.0.0.1"
        )
        return Client(cluster), cluster
    return Client(address), None


def _log(jobmanager: Any, message: str, level: int) -> None:
    """Log to the job's manager (its logfile), or through the default one without it."""
    if jobmanager is not None:
        jobmanager.log(message, level)
    else:
        from .functions import log

        log(message, level)


class DaskJobRunner(JobRunner):
    """A parallel JobRunner whose runscripts run on the workers of a Dask cluster.

    *client* is a ``distributed.Client`` (or anything with its ``submit``). Job life cycles
    run in ``plamsthread`` threads of the master, as with ``JobRunner(parallel=True)``.
    """

    def __init__(self, client: Any, maxjobs: int = 0, maxthreads: int = 256) -> None:
        JobRunner.__init__(self, parallel=True, maxjobs=maxjobs, maxthreads=maxthreads)
        self.client = client
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        # A MultiJob's childrunner is pickled with it: a loaded job gets a local runner back.
        return JobRunner.__getstate__(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        JobRunner.__setstate__(self, state)
        self.__class__ = JobRunner  # type: ignore[assignment]  # unpickled, it runs locally (no client)

    def _life_cycle(self, job: Any, jobmanager: Any) -> None:
        # call() runs in this thread: it logs to the job's own manager through this.
        self._local.jobmanager = jobmanager
        JobRunner._life_cycle(self, job, jobmanager)

    def call(self, runscript: str, workdir: str, out: str | None, err: str, runflags: Any) -> int:
        from contextlib import nullcontext

        jobmanager = getattr(self._local, "jobmanager", None)
        with self.semaphore if self.semaphore else nullcontext():
            future = self.client.submit(
                _run_on_worker,
                runscript,
                workdir,
                out,
                err,
                runflags,
                pure=False,
                key=f"plams-{runscript}-{os.urandom(6).hex()}",
            )
            logged = self._log_worker(future, runscript, jobmanager)
            try:
                code, worker = future.result()
            except Exception as exc:  # KilledWorker, WorkerDiedError, a lost connection
                return self._crashed(runscript, workdir, err, exc, jobmanager)
            logged(worker)  # a quick job may end before the watcher saw it start
            return int(code)

    def _log_worker(self, future: Any, runscript: str, jobmanager: Any) -> Callable[[str], None]:
        """Log which worker took the runscript as soon as the scheduler says so; returns a fallback."""
        name = runscript[: -len(".run")] if runscript.endswith(".run") else runscript
        done = threading.Event()
        lock = threading.Lock()

        def log_once(worker: str) -> None:
            with lock:
                if done.is_set() or not worker:
                    return
                done.set()
            _log(jobmanager, f"Job {name} runs on Dask worker {worker}", 3)

        def watch() -> None:
            key = future.key
            while not future.done() and not done.is_set():
                try:
                    processing = self.client.processing()
                except Exception:
                    return
                for worker, keys in processing.items():
                    if key in keys:
                        log_once(worker)
                        return
                time.sleep(0.1)

        threading.Thread(target=watch, name="plams-dask-watch", daemon=True).start()
        return log_once

    @staticmethod
    def _crashed(runscript: str, workdir: str, err: str, exc: BaseException, jobmanager: Any) -> int:
        """Record why a runscript has no exit code: its worker died (or the cluster was lost)."""
        kind = type(exc).__name__
        message = (
            f"plams_core: the Dask worker running {runscript} died or was lost ({kind}: {exc}); not rerun"
        )
        try:
            with open(os.path.join(workdir, err), "a") as f:
                f.write(message + "\n")
        except OSError:
            pass
        marker = os.path.join(workdir, ATTEMPT_MARKER)
        _stop_earlier_attempt(marker)  # the dead worker's runscript may live on as an orphan
        try:
            os.unlink(marker)
        except OSError:
            pass
        _log(jobmanager, message, 1)
        return WORKER_DIED
