"""Restart overhead: `plams-tui restart` (plan + reuse) of a finished folder against the script's own run.

The script: N jobs, each a one-line shell command (`true`) on its own input, the smallest
job a PLAMS script can run, so the bookkeeping of a restart is as large a share as it can
be. Per engine, whole processes, wall clock from spawn to exit:

  run       the script's first run: `python -m plams_core -f wd SCRIPT` (plams_core) or
            the same script written for real PLAMS run by its launcher
            (`python -m scm.plams.scripts.plams -f wd SCRIPT`, PLAMS 2026.104);
  plan      `plams-tui restart wd --dry-run --json` (scan + plan, writes nothing);
  restart   `plams-tui restart wd --yes`: plan, then every job reused (loaded, its hash
            registered, copied back by rerun prevention); nothing runs;
  machinery `plams-tui restart COPY --script empty.py --yes` on a hard-link copy of the
            folder (`cp -al`): plan, lock and process checks, the move to `.res`, loading
            (static check + unpickling + hash registration of every job) and dropping the
            `.res`, without the script's own work: what a restart adds to running the script;
  plams -r  for the real-PLAMS script, PLAMS's own launcher `-r -f wd` on the same folder:
            what a PLAMS user pays today for the same restart (no safety).

The folder after a restart is complete again, so restarts repeat (--reps, interleaved with
PLAMS's -r); the run is measured again in every repetition, into a fresh folder. Overhead =
machinery / run, as medians over the repetitions, twice: wall clock, and CPU time (user +
system of the process and everything it waited for, from ``getrusage(RUSAGE_CHILDREN)``),
which the load of a shared machine changes far less. The detached ``rm -rf`` of the
``.discard`` folder is in neither (it runs after the restart has returned).

    nice -n 10 .venv/bin/python bench/bench_restart.py -n 2000 --reps 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CORE_SCRIPT = """\
for i in range(int(n)):
    CommandJob("true", input=f"job {i}", name=f"job{i}").run()
"""

PLAMS_SCRIPT = """\
from scm.plams import SingleJob


class CommandJob(SingleJob):
    def __init__(self, command, input, **kwargs):
        SingleJob.__init__(self, **kwargs)
        self.command = command
        self.input = input

    def get_input(self):
        return self.input

    def get_runscript(self):
        return self.command + "\\n"


for i in range(int(n)):
    CommandJob("true", input=f"job {i}", name=f"job{i}").run()
"""


def timed(argv: list[str], cwd: Path, cpu: list[float] | None = None) -> float:
    """Wall clock of running *argv*; its CPU time (user + system, with its children) goes to *cpu*."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return elapsed


def summary(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="number of jobs (default 2000)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tmp", default=None, help="where to build the folders (default: a temp dir)")
    ap.add_argument("--label", default=None)
    ap.add_argument(
        "--engines", default="plams_core,plams", help="which scripts: plams_core, plams (real PLAMS)"
    )
    args = ap.parse_args()
    py = sys.executable
    tui = [py, "-m", "plams_tui.cli"]
    base = Path(tempfile.mkdtemp(prefix="bench-restart-", dir=args.tmp))
    results: dict[str, object] = {"n": args.n, "reps": args.reps, "python": sys.version.split()[0]}
    try:
        wanted = args.engines.split(",")
        for engine, text in (("plams_core", CORE_SCRIPT), ("plams", PLAMS_SCRIPT)):
            if engine not in wanted:
                continue
            d = base / engine
            d.mkdir()
            script = d / "script.py"
            script.write_text(text)
            if engine == "plams_core":
                launcher = [py, "-m", "plams_core"]
            else:
                launcher = [py, "-m", "scm.plams.scripts.plams"]
            (d / "empty.py").write_text("pass\n")
            runs, plans, restarts, plams_r, machinery = [], [], [], [], []
            runs_cpu: list[float] = []
            plans_cpu: list[float] = []
            machinery_cpu: list[float] = []
            restarts_cpu: list[float] = []
            for rep in range(args.reps):
                # The first run makes wd; later ones run the same script into a fresh folder, so the
                # run is measured in every repetition, next to the restart, under the same load.
                runs.append(
                    timed(
                        [*launcher, "-f", "wd" if rep == 0 else "run", "-v", f"n={args.n}", str(script)],
                        d,
                        runs_cpu,
                    )
                )
                shutil.rmtree(d / "run", ignore_errors=True)
                plans.append(timed([*tui, "restart", "wd", "--dry-run", "--json"], d, plans_cpu))
                subprocess.run(["cp", "-al", "wd", "copy"], cwd=d, check=True)
                machinery.append(
                    timed([*tui, "restart", "copy", "--script", "empty.py", "--yes"], d, machinery_cpu)
                )
                shutil.rmtree(d / "copy")
                restarts.append(timed([*tui, "restart", "wd", "--yes", "-v", f"n={args.n}"], d, restarts_cpu))
                if engine == "plams":
                    plams_r.append(timed([*launcher, "-r", "-f", "wd", "-v", f"n={args.n}", str(script)], d))
                    # PLAMS's launcher leaves wd.res behind; ours would resume from it, so drop it.
                    shutil.rmtree(d / "wd.res", ignore_errors=True)
                print(
                    f"{engine}: rep {rep}: run {runs[-1]:.2f} s, plan {plans[-1]:.2f} s, machinery {machinery[-1]:.2f} s, "
                    f"restart {restarts[-1]:.2f} s"
                    + (f", plams -r {plams_r[-1]:.2f} s" if plams_r else "")
                    + f"; CPU: run {runs_cpu[-1]:.2f} s, machinery {machinery_cpu[-1]:.2f} s",
                    flush=True,
                )
            run = statistics.median(runs)
            entry: dict[str, object] = {
                "run": summary(runs),
                "plan": summary(plans),
                "machinery": summary(machinery),
                "restart": summary(restarts),
                "overhead": statistics.median(machinery) / run,
                "restart_share": statistics.median(restarts) / run,
                "plan_share": statistics.median(plans) / run,
                "cpu": {
                    "run": summary(runs_cpu),
                    "plan": summary(plans_cpu),
                    "machinery": summary(machinery_cpu),
                    "restart": summary(restarts_cpu),
                    "overhead": statistics.median(machinery_cpu) / statistics.median(runs_cpu),
                    # per repetition, each against the run measured next to it
                    "overhead_per_rep": [m / r for m, r in zip(machinery_cpu, runs_cpu, strict=True)],
                },
                "overhead_per_rep": [m / r for m, r in zip(machinery, runs, strict=True)],
            }
            if plams_r:
                entry["plams_r"] = summary(plams_r)
                entry["restart_vs_plams_r"] = statistics.median(restarts) / statistics.median(plams_r)
            results[engine] = entry
            print(json.dumps({engine: entry}, indent=1), flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    label = args.label or f"restart-{args.n}"
    out = HERE / "results" / f"{dt.date.today().isoformat()}-{label}.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
