"""The PLAMS script behind bench/make_workdir.py: N trivial jobs run by the real PLAMS.

Written the way users write PLAMS scripts: the job classes are defined here, in `__main__`,
so dill stores them by value in every .dill. Runs with PLAMS 2024.107 and 2026.104.
Usage: python workdir_script.py PARENT FOLDER N SEED MANIFEST_JSON
Run it through make_workdir.py, which checks the arguments and the result.

The mix, per top-level job drawn (seeded, so two runs give the same folder):
  1 %  MultiJob with 3 children (`conf`, `conf` -> `conf.002`, `freq`); in one MultiJob of 4
       the `freq` child crashes, so the parent gets no .dill and its good children keep theirs
  1 %  crashed (runscript exits 3: no .dill)
  0.5 % failed (check() reads the output and says no: no .dill)
  1 %  copied (same input as an earlier job: rerun prevention links its files)
  10 % a name used before (PLAMS renames it `name.002`, `.003` ...)
  the rest: a unique name, successful.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator

from scm.plams import JobRunner, MultiJob, SingleJob, config, finish, init


class ShJob(SingleJob):
    """A trivial job: the input is a text, the runscript a shell command."""

    def get_input(self) -> str:
        return self.settings.input.text

    def get_runscript(self) -> str:
        return self.settings.input.cmd + "\n"


class CheckedJob(ShJob):
    """check() is false unless the output says OK: gives a 'failed' job."""

    def check(self) -> bool:
        with open(os.path.join(self.path, self.name + ".out")) as f:
            return "OK" in f.read()


def geometry(i: int) -> str:
    """A small, unique input text (a few lines, like a tiny AMS input)."""
    return (
        "Task GeometryOptimization\n"
        "System\n  Atoms\n"
        f"    O 0.0 0.0 {i * 1e-4:.4f}\n    H 0.0 0.76 0.59\n    H 0.0 -0.76 0.59\n"
        "  End\nEnd\n"
    )


def mk(name: str, text: str, cmd: str = "echo OK", cls: type[ShJob] = ShJob) -> ShJob:
    job = cls(name=name)
    job.settings.input.text = text
    job.settings.input.cmd = cmd
    return job


def walk(job: object) -> Iterator[object]:
    yield job
    for child in getattr(job, "children", None) or []:
        yield from walk(child)


def main() -> None:
    parent, folder, n_jobs, seed, manifest = (
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
        sys.argv[5],
    )
    rng = random.Random(seed)
    init(path=parent, folder=folder)
    config.log.stdout = 0  # 4 lines per job on stdout would drown the progress lines
    runner = JobRunner(parallel=True, maxjobs=2)

    top: list[object] = []
    names: list[str] = []
    inputs: list[str] = []
    total = 0
    next_report = 1000
    start = time.perf_counter()
    i = 0
    while total < n_jobs:
        r = rng.random()
        if r < 0.01 and n_jobs - total >= 4:
            bad = rng.random() < 0.25
            children = [
                mk("conf", geometry(10_000_000 + 3 * i)),
                mk("conf", geometry(10_000_001 + 3 * i)),
                mk("freq", geometry(10_000_002 + 3 * i), "echo partial; exit 1" if bad else "echo OK"),
            ]
            job: object = MultiJob(name=f"scan_{i}", children=children)
            size = 4
        elif r < 0.02:
            job, size = mk(f"crash_{i}", geometry(i), "echo partial; exit 3"), 1
        elif r < 0.025:
            job, size = mk(f"check_{i}", geometry(i), "echo NOPE", CheckedJob), 1
        elif r < 0.035 and inputs:
            job, size = mk(f"again_{i}", rng.choice(inputs)), 1
        elif r < 0.135 and names:
            job, size = mk(rng.choice(names), geometry(i)), 1
        else:
            name = f"{rng.choice(('opt', 'sp', 'freq', 'md'))}_{i}"
            names.append(name)
            inputs.append(geometry(i))
            job, size = mk(name, geometry(i)), 1
        job.run(jobrunner=runner)  # type: ignore[attr-defined]
        top.append(job)
        total += size
        i += 1
        if total >= next_report:
            print(f"submitted {total} / {n_jobs} jobs  {time.perf_counter() - start:7.1f} s", flush=True)
            next_report += 1000
    finish()
    elapsed = time.perf_counter() - start

    jm = config.default_jobmanager if "default_jobmanager" in config else config.jm
    statuses: Counter[str] = Counter()
    dills = 0
    all_jobs = [j for t in top for j in walk(t)]
    for j in all_jobs:
        statuses[str(j.status).split(".")[-1].lower()] += 1  # type: ignore[attr-defined]
        dills += os.path.isfile(os.path.join(j.path, j.name + ".dill"))  # type: ignore[attr-defined]
    with open(manifest, "w") as f:
        json.dump(
            {
                "workdir": jm.workdir,
                "jobs": len(all_jobs),
                "top_level_jobs": len(top),
                "dill_files": dills,
                "statuses": dict(sorted(statuses.items())),
                "seed": seed,
                "generation_seconds": round(elapsed, 1),
            },
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
