"""Build a PLAMS working folder of N trivial jobs with the real PLAMS, for bench/bench_ls.py.

Nothing is timed here: this makes the input of the benchmark. The jobs are run by the real
`plams` package (any release from 2024.107 on; the interpreter given by --plams-python) with
its own JobRunner (parallel, 2 jobs at a time), so folders, .dill files, `logfile` and
`job_logfile.csv` are exactly what users have on disk. The job mix (mostly successful, renamed
duplicates, copied, crashed, failed, 1 % MultiJobs with children) is described in
bench/workdir_script.py, the PLAMS script that is run.

    python bench/make_workdir.py                       # 20,000 jobs, PLAMS of this python
    python bench/make_workdir.py -n 2000 --plams-python /root/venv24/bin/python
    python bench/make_workdir.py --kind ams -n 2000     # AMS jobs, 200-atom molecules (AMS faked)
    python bench/make_workdir.py --kind reused          # 50 names used 400 times each, class by reference

The folder is bench/data/jobs<N>-plams<version>/ unless --out/--folder say otherwise; a
manifest of what PLAMS knew about the jobs (counts by status, .dill files) is written next
to it as <folder>.manifest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "trivial": HERE / "workdir_script.py",
    "ams": HERE / "ams_workdir_script.py",
    "reused": HERE / "reused_workdir_script.py",
}


def plams_version(python: str) -> str:
    """The version of the `plams` package that *python* imports (raises if it has none)."""
    proc = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('plams'))"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{python} has no `plams` package: {proc.stderr.strip().splitlines()[-1:]}")
    return proc.stdout.strip()


def build(
    python: str,
    out: Path,
    folder: str,
    n_jobs: int,
    seed: int,
    kind: str = "trivial",
    extra: list[str] | None = None,
) -> dict[str, object]:
    """Run the PLAMS script; return its manifest. Progress lines pass through to stdout."""
    out.mkdir(parents=True, exist_ok=True)
    if (out / folder).exists():
        raise SystemExit(f"{out / folder} exists: remove it or pass another --folder")
    manifest = out / f"{folder}.manifest.json"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    start = time.perf_counter()
    # cwd = out: PLAMS may write a few files in the current folder (nothing, in practice)
    proc = subprocess.run(
        [
            python,
            str(SCRIPTS[kind]),
            str(out.resolve()),
            folder,
            str(n_jobs),
            str(seed),
            str(manifest.resolve()),
            *(extra or []),
        ],
        cwd=out,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"the PLAMS script failed with exit code {proc.returncode}")
    data: dict[str, object] = json.loads(manifest.read_text())
    data["plams_version"] = plams_version(python)
    data["python"] = python
    data["wall_seconds"] = round(time.perf_counter() - start, 1)
    manifest.write_text(json.dumps(data, indent=1) + "\n")
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--jobs", type=int, default=20_000, help="number of jobs, children included")
    parser.add_argument("--plams-python", default=sys.executable, help="interpreter that imports scm.plams")
    parser.add_argument("--out", type=Path, default=HERE / "data", help="parent folder (default bench/data)")
    parser.add_argument("--folder", help="working folder name (default jobs<N>-plams<version>)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--kind",
        choices=sorted(SCRIPTS),
        default="trivial",
        help="trivial: bench/workdir_script.py's mix; ams: PLAMS's AMSJob on molecules "
        "(bench/ams_workdir_script.py, AMS faked); reused: 50 job names each used N/50 times "
        "(job0, job0.002, ...), the class imported from bench/reused_jobs.py, so pickled by "
        "reference (bench/reused_workdir_script.py)",
    )
    parser.add_argument("--atoms", type=int, default=200, help="atoms per molecule for --kind ams")
    args = parser.parse_args(argv)
    version = plams_version(args.plams_python)
    prefix = {"trivial": "jobs", "reused": "reused"}.get(args.kind, f"ams{args.atoms}atoms-")
    folder = args.folder or f"{prefix}{args.jobs}-plams{version}"
    print(f"building {args.out / folder} with PLAMS {version}: {args.jobs} {args.kind} jobs", flush=True)
    extra = [str(args.atoms)] if args.kind == "ams" else []
    data = build(args.plams_python, args.out, folder, args.jobs, args.seed, args.kind, extra)
    print(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
