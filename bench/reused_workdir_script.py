"""The PLAMS script behind `bench/make_workdir.py --kind reused`: few names, used many times.

The other folder shape users make: a loop that runs the same few job names over and over
(a scan, a conformer search), so PLAMS renames them `job0`, `job0.002` ... `job0.400`, and
the job class is imported from the user's own module (bench/reused_jobs.py), so dill pickles
it by reference instead of by value. N jobs over 50 base names (N / 50 uses each, in turn:
job0, job1, ..., job49, job0.002, ...), each with a unique input, all successful.
Usage: python reused_workdir_script.py PARENT FOLDER N SEED MANIFEST_JSON
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter

from reused_jobs import ShJob
from scm.plams import JobRunner, config, finish, init

BASE_NAMES = 50


def geometry(i: int) -> str:
    """A small, unique input text (a few lines, like a tiny AMS input)."""
    return (
        "Task GeometryOptimization\n"
        "System\n  Atoms\n"
        f"    O 0.0 0.0 {i * 1e-4:.4f}\n    H 0.0 0.76 0.59\n    H 0.0 -0.76 0.59\n"
        "  End\nEnd\n"
    )


def main() -> None:
    parent, folder, n_jobs, seed, manifest = sys.argv[1:6]
    n = int(n_jobs)
    init(path=parent, folder=folder)
    config.log.stdout = 0
    runner = JobRunner(parallel=True, maxjobs=2)
    start = time.perf_counter()
    jobs = []
    for i in range(n):
        job = ShJob(name=f"job{i % BASE_NAMES}")
        job.settings.input.text = geometry(i)
        job.settings.input.cmd = "echo OK"
        job.run(jobrunner=runner)
        jobs.append(job)
        if (i + 1) % 1000 == 0:
            print(f"submitted {i + 1} / {n} jobs  {time.perf_counter() - start:7.1f} s", flush=True)
    finish()
    jm = config.default_jobmanager if "default_jobmanager" in config else config.jm
    statuses: Counter[str] = Counter(str(j.status).split(".")[-1].lower() for j in jobs)
    dills = sum(os.path.isfile(os.path.join(j.path, j.name + ".dill")) for j in jobs)
    with open(manifest, "w") as f:
        json.dump(
            {
                "workdir": jm.workdir,
                "jobs": len(jobs),
                "top_level_jobs": len(jobs),
                "dill_files": dills,
                "statuses": dict(sorted(statuses.items())),
                "seed": int(seed),
                "generation_seconds": round(time.perf_counter() - start, 1),
                # load_all needs the job class's module: bench_ls.py puts this on PYTHONPATH
                "pythonpath": os.path.dirname(os.path.abspath(__file__)),
            },
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
