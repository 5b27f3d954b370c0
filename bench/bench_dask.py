"""Per-job overhead of the Dask runner against the local parallel runner (200 short jobs).

Both runners get 2 runscript slots: ``JobRunner(parallel=True, maxjobs=2)`` and
``DaskJobRunner`` on a ``LocalCluster`` of 2 single-threaded worker processes (started
once, before timing: a cluster's start-up is paid once per script, not per job). Each rep
runs 200 ``CommandJob`` s whose runscript does nothing (``true``), so the time is the
engine's and the runner's. Repetitions are interleaved; medians are reported.

    python bench/bench_dask.py [--jobs 200] [--reps 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path


def run_batch(runner: object, root: Path, folder: str, n: int) -> float:
    from plams_core import CommandJob, JobManager, default_config

    defaults = default_config()
    defaults.log.stdout = -1
    jm = JobManager(defaults.jobmanager, root, folder, log_settings=defaults.log)
    jobs = [CommandJob("true", input=f"{folder} {i}", name=f"j{i}") for i in range(n)]
    start = time.perf_counter()
    for job in jobs:
        job.run(jobrunner=runner, jobmanager=jm)
    for job in jobs:
        job.results.wait()
    elapsed = time.perf_counter() - start
    jm.close()
    bad = [j.name for j in jobs if str(j.status) != "successful"]
    if bad:
        sys.exit(f"jobs did not succeed: {bad[:5]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args()

    import distributed
    from plams_core import DaskJobRunner, JobRunner

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", host="127.0.0.1"
    )
    client = distributed.Client(cluster)
    times: dict[str, list[float]] = {"local": [], "dask": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rep in range(args.reps):
            times["local"].append(
                run_batch(JobRunner(parallel=True, maxjobs=2), root, f"local{rep}", args.jobs)
            )
            times["dask"].append(run_batch(DaskJobRunner(client), root, f"dask{rep}", args.jobs))
            print(f"rep {rep}: local {times['local'][-1]:.2f} s, dask {times['dask'][-1]:.2f} s", flush=True)
    client.close()
    cluster.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    per_job_ms = {k: 1000 * v / args.jobs for k, v in med.items()}
    result = {
        "jobs": args.jobs,
        "reps": args.reps,
        "median_s": med,
        "per_job_ms": per_job_ms,
        "dask_overhead_per_job_ms": per_job_ms["dask"] - per_job_ms["local"],
        "ratio_dask_over_local": med["dask"] / med["local"],
        "all_s": times,
    }
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
