"""Time ``Workdir.plan_clean()`` (each job's own save) on a working folder: template answers against full reads.

Both modes run in fresh processes, interleaved, after the index is built (not timed): "templates"
is plan_clean as shipped (siblings of a file read in full answered by
:mod:`plams_core.pickles.templates`), "full" reads every ``.dill`` with the full static reader
(what plan_clean did before). Nothing is written into the folder.

    python bench/bench_clean.py --folder bench/data/jobs20000-plams2026.104 --reps 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

_CHILD = r"""
import json, sys, time
from plams_core import workdir as W
from plams_core.pickles import reader
folder, mode = sys.argv[1], sys.argv[2]
if mode == "full":
    def full(path):
        info = reader.read_dill(path, timeline=False)
        return info.verdict, info.reason, (info.settings.get("save", "all") if info.verdict == "ok" else None)
    reader.read_dill_save = full
wd = W.Workdir(folder)
wd.index
t = time.perf_counter()
plan = wd.plan_clean()
print(json.dumps({"seconds": time.perf_counter() - t, "jobs": len(plan.jobs), "files": len(plan.files)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", required=True)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    times: dict[str, list[float]] = {"templates": [], "full": []}
    for _ in range(args.reps):
        for mode in times:
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, args.folder, mode], capture_output=True, text=True, check=True
            ).stdout
            times[mode].append(json.loads(out)["seconds"])
    med = {m: statistics.median(t) for m, t in times.items()}
    print(json.dumps({"runs": times, "median": med, "ratio": med["full"] / med["templates"]}, indent=1))


if __name__ == "__main__":
    main()
