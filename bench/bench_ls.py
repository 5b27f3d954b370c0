"""Whole-process timing of `plams-tui ls --json` against the real PLAMS `load_all`, same folder, same run.

What is measured, per repetition, each as a fresh process started from here (wall clock from
spawn to exit, plus its user+sys CPU time and peak RSS from wait4):

  plams     `python -c ...`: import scm.plams, init() a throwaway JobManager in a temp folder,
            load_all(FOLDER); prints the number of jobs loaded (checked against every run).
            That is what a user waits for to see the jobs of a folder with PLAMS itself.
  ls        `plams-tui ls --json --no-cache FOLDER > /dev/null`: a first open, no cache of ours.
  ls-new    `plams-tui ls --json --cache FOLDER > /dev/null` with XDG_CACHE_HOME a new empty
            folder each time: a first open that also writes the cache (opt-in since 7007f2d).
  ls-cache  the same with a cache written by one untimed run before: a second open.
The last two only when `ls --help` offers --no-cache, i.e. there is a cache; they never touch
the user's own ~/.cache.

Both sides read the same files; before the timed repetitions each side runs once untimed
(PLAMS first), so every timed run finds the folder in the OS page cache: warm for both, which
favours neither. Repetitions are interleaved (plams, ls, ls-cache; the order alternates), so
load from other users of a shared machine hits both sides alike. We report min / median /
max, the ratio of medians load_all / ls, and write everything to bench/results/<date>-<label>.json.

    python bench/bench_ls.py --folder bench/data/jobs20000-plams2026.104 --reps 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Run by the PLAMS interpreter: argv[1] = folder to load, argv[2] = a fresh temp folder.
LOAD_ALL = """\
import json, os, sys, time
t0 = time.perf_counter()
from scm.plams import init, load_all
t1 = time.perf_counter()
os.makedirs(sys.argv[2])
init(path=sys.argv[2], folder="jm", quiet=True)
t2 = time.perf_counter()
loaded = load_all(sys.argv[1])
t3 = time.perf_counter()

def walk(job):
    yield job
    for child in getattr(job, "children", None) or []:
        yield from walk(child)

n_all = sum(1 for job in loaded.values() for _ in walk(job))
print(json.dumps({"dill_files": len(loaded), "jobs": n_all,
                  "import_s": t1 - t0, "init_s": t2 - t1, "load_all_s": t3 - t2}))
"""


@dataclass
class Run:
    """One finished process."""

    wall_s: float
    cpu_s: float
    maxrss_mb: float
    returncode: int
    stdout: str = ""
    stderr: str = ""


@dataclass
class Side:
    """The repetitions of one command; *fresh_cache*: a new empty XDG_CACHE_HOME for each run."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    fresh_cache: bool = False
    runs: list[Run] = field(default_factory=list)

    def stat(self, attr: str) -> dict[str, float]:
        values = [getattr(r, attr) for r in self.runs]
        return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def run(argv: list[str], capture: bool, env_extra: dict[str, str] | None = None) -> Run:
    """Run *argv* to completion; wall time, CPU time and peak RSS (its reaped children included)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(env_extra or {})
    # Temp files, not pipes: no reader thread, no deadlock, and the child is reaped by wait4
    # (communicate() would reap it itself and hide its rusage).
    with tempfile.TemporaryFile("w+") as err, tempfile.TemporaryFile("w+") as cap:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=cap if capture else subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        cap.seek(0)
        err.seek(0)
        stdout, stderr = cap.read(), err.read()
    rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
    return Run(wall, usage.ru_utime + usage.ru_stime, rss_mb, proc.returncode, stdout, stderr)


def count_ls_jobs(text: str) -> int:
    """Jobs in `ls --json` output: a list, or an object with a `jobs` list, or JSON lines; nested `children` count."""
    text = text.strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return sum(1 for line in text.splitlines() if line.strip())
    if isinstance(data, dict):
        data = data.get("jobs", [])

    def count(items: list[object]) -> int:
        # children listed by path (strings) are listed again on their own: count nested dicts only
        return sum(
            1 + count([c for c in i.get("children") or [] if isinstance(c, dict)])
            if isinstance(i, dict)
            else 1
            for i in items
        )

    return count(data)


def tui_has_cache(tui: str) -> bool:
    proc = subprocess.run([tui, "ls", "--help"], capture_output=True, text=True)
    return proc.returncode == 0 and "--no-cache" in proc.stdout


def machine(plams_python: str) -> dict[str, object]:
    plams = subprocess.run(
        [
            plams_python,
            "-c",
            "import importlib.metadata as m, sys; print(m.version('plams'), sys.version.split()[0])",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return {
        "host": platform.node(),
        "nproc": os.cpu_count(),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "python_plams_side": plams[1] if len(plams) > 1 else None,
        "plams_version": plams[0] if plams else None,
        "python_bench": platform.python_version(),
        "git_commit": commit.stdout.strip(),
        # the code measured may be uncommitted work: say so
        "git_dirty": bool(
            subprocess.run(
                ["git", "-C", str(HERE.parent), "status", "--porcelain", "core", "plams_tui"],
                capture_output=True,
                text=True,
            ).stdout.strip()
        ),
        "loadavg_start": os.getloadavg(),
    }


def fmt(values: dict[str, float], unit: str = "s") -> str:
    return f"{values['min']:.3f} / {values['median']:.3f} / {values['max']:.3f} {unit}"


def table(sides: list[Side], per_job: int) -> str:
    base = sides[0].stat("wall_s")["median"]
    lines = [
        "| command | wall min / median / max | median per job | CPU median | peak RSS median | load_all / this (medians) |",
        "|---|---|---|---|---|---|",
    ]
    for side in sides:
        wall = side.stat("wall_s")
        lines.append(
            f"| {side.name} | {fmt(wall)} | {wall['median'] / per_job * 1e3:.3f} ms | "
            f"{side.stat('cpu_s')['median']:.3f} s | {side.stat('maxrss_mb')['median']:.0f} MB | "
            f"{base / wall['median']:.1f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=HERE / "data" / "jobs20000-plams2026.104")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--plams-python", default=sys.executable, help="interpreter that imports scm.plams")
    parser.add_argument(
        "--tui",
        default=shutil.which("plams-tui", path=str(Path(sys.executable).parent))
        or shutil.which("plams-tui")
        or "",
        help="the plams-tui command; empty: measure PLAMS only",
    )
    parser.add_argument(
        "--plams-pythonpath",
        help="PYTHONPATH of the PLAMS side, for job classes pickled by reference from the user's "
        "module (default: the manifest's `pythonpath`, set by `make_workdir.py --kind reused`)",
    )
    parser.add_argument(
        "--first-open-only",
        action="store_true",
        help="time PLAMS and `ls --json --no-cache` only (not the two cache variants)",
    )
    parser.add_argument(
        "--compare-tui",
        metavar="LABEL=COMMAND",
        action="append",
        default=[],
        help="also time `COMMAND ls --json --no-cache` (e.g. a wrapper running an older tree), "
        "interleaved with the others; its output must list as many jobs",
    )
    parser.add_argument("--label", help="results file label (default: folder name)")
    parser.add_argument("--no-save", action="store_true", help="print only, write no results file")
    args = parser.parse_args(argv)

    folder = args.folder.resolve()
    if not folder.is_dir():
        raise SystemExit(f"{folder} is not a folder: build it with bench/make_workdir.py")
    manifest_path = folder.parent / f"{folder.name}.manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else None
    info = machine(args.plams_python)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ls-"))
    notes: list[str] = []
    try:
        pythonpath = args.plams_pythonpath or (manifest or {}).get("pythonpath")
        plams = Side(
            "plams load_all",
            [args.plams_python, "-c", LOAD_ALL, str(folder)],
            env={"PYTHONPATH": pythonpath} if pythonpath else {},
        )
        sides = [plams]
        # Untimed warm-up of each side, which also checks that it works and what it finds.
        check = run([*plams.argv, str(tmp / "warm")], capture=True, env_extra=plams.env)
        if check.returncode != 0:
            raise SystemExit(f"load_all failed:\n{check.stderr[-3000:]}")
        plams_found = json.loads(check.stdout.strip().splitlines()[-1])
        print(f"load_all finds {plams_found}", flush=True)
        ls_found = None
        if args.tui:
            # A regular `pip install` byte-compiles the package, as PLAMS's wheel install did; an
            # editable checkout under PYTHONDONTWRITEBYTECODE=1 would recompile ours at every start.
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "compileall",
                    "-q",
                    str(HERE.parent / "core"),
                    str(HERE.parent / "plams_tui"),
                ],
                check=True,
            )
            notes.append(
                "plams_core and plams_tui byte-compiled before timing (as a regular pip install does)"
            )
            has_cache = tui_has_cache(args.tui)
            ls_argv = [args.tui, "ls", "--json", *(["--no-cache"] if has_cache else []), str(folder)]
            no_cache_env = {"XDG_CACHE_HOME": str(tmp / "cache-none")}  # stays empty if --no-cache holds
            check = run(ls_argv, capture=True, env_extra=no_cache_env)
            if check.returncode != 0:
                notes.append(
                    f"`{' '.join(ls_argv[1:3])}` failed (exit {check.returncode}): "
                    f"{check.stderr.strip().splitlines()[-1:]}; measured PLAMS only"
                )
                print(notes[-1], flush=True)
            else:
                ls_found = count_ls_jobs(check.stdout)
                print(f"plams-tui ls finds {ls_found} jobs", flush=True)
                sides.append(
                    Side(
                        "plams-tui ls --json" + (" --no-cache" if has_cache else ""),
                        ls_argv,
                        env=no_cache_env,
                    )
                )
                for spec in args.compare_tui:
                    label, _, command = spec.partition("=")
                    other = [command, "ls", "--json", "--no-cache", str(folder)]
                    found = count_ls_jobs(run(other, capture=True, env_extra=no_cache_env).stdout)
                    if found != ls_found:
                        raise SystemExit(f"{command} lists {found} jobs, plams-tui {ls_found}")
                    sides.append(Side(f"plams-tui ls --json --no-cache ({label})", other, env=no_cache_env))
                if has_cache and not args.first_open_only:
                    opt_in = (
                        "--cache"
                        in subprocess.run([args.tui, "ls", "--help"], capture_output=True, text=True).stdout
                    )  # the cache is opt-in since 7007f2d
                    cached = [args.tui, "ls", "--json", *(["--cache"] if opt_in else []), str(folder)]
                    sides.append(
                        Side(
                            "plams-tui ls --json (empty cache: 1st open, writes it)", cached, fresh_cache=True
                        )
                    )
                    warm_env = {"XDG_CACHE_HOME": str(tmp / "cache-warm")}
                    run(cached, capture=False, env_extra=warm_env)  # writes the cache
                    sides.append(Side("plams-tui ls --json (cache: 2nd open)", cached, env=warm_env))
                elif not has_cache:
                    notes.append("`ls --help` has no --no-cache: no cache to measure; ls ran as is")

        for rep in range(args.reps):
            order = sides if rep % 2 == 0 else sides[::-1]
            for side in order:
                extra = [str(tmp / f"r{rep}")] if side is plams else []
                env = dict(side.env)
                if side.fresh_cache:
                    env["XDG_CACHE_HOME"] = str(tmp / f"cache-r{rep}")
                r = run([*side.argv, *extra], capture=side is plams, env_extra=env)
                if r.returncode != 0:
                    raise SystemExit(f"{side.name} failed in repetition {rep}:\n{r.stderr[-3000:]}")
                if side is plams:
                    got = json.loads(r.stdout.strip().splitlines()[-1])
                    if got["dill_files"] != plams_found["dill_files"]:
                        raise SystemExit(f"load_all loaded {got} this time, {plams_found} before")
                    r.stdout = json.dumps(got)
                side.runs.append(r)
            print(
                f"rep {rep + 1}/{args.reps}: "
                + ", ".join(f"{s.name} {s.runs[-1].wall_s:.3f} s" for s in sides),
                flush=True,
            )
        none = tmp / "cache-none"
        if args.tui and ls_found is not None and none.exists() and any(none.rglob("*")):
            notes.append(f"--no-cache wrote into XDG_CACHE_HOME: {[str(p) for p in none.rglob('*')][:3]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    info["loadavg_end"] = os.getloadavg()
    n_jobs = int(manifest["jobs"]) if manifest else int(plams_found["jobs"])
    inner = [json.loads(r.stdout) for r in plams.runs]
    plams_inner = {k: statistics.median(d[k] for d in inner) for k in ("import_s", "init_s", "load_all_s")}
    md = table(sides, n_jobs)
    base = plams.stat("wall_s")["median"]
    result = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "folder": str(folder),
        "manifest": manifest,
        "reps": args.reps,
        "machine": info,
        "load_all_found": plams_found,
        "ls_found_jobs": ls_found,
        "plams_inner_medians_s": plams_inner,
        "sides": [
            {
                "name": s.name,
                "argv": s.argv[:2] + ["<script>"] + s.argv[3:] if s is plams else s.argv,
                "env": s.env or ({"XDG_CACHE_HOME": "<new empty folder>"} if s.fresh_cache else {}),
                "wall_s": s.stat("wall_s"),
                "cpu_s": s.stat("cpu_s"),
                "maxrss_mb": s.stat("maxrss_mb"),
                "ratio_median_load_all_over_this": base / s.stat("wall_s")["median"],
                "runs": [
                    {k: v for k, v in asdict(r).items() if k not in ("stdout", "stderr")} for r in s.runs
                ],
            }
            for s in sides
        ],
        "notes": notes,
        "markdown": md,
    }
    print()
    print(
        f"{folder.name}: {n_jobs} jobs ({plams_found['dill_files']} top .dill files loaded by load_all, "
        f"{plams_found['jobs']} jobs with children); {args.reps} reps; "
        f"load {info['loadavg_start'][0]:.1f} -> {info['loadavg_end'][0]:.1f}"
    )
    print(md)
    print(
        f"\ninside the load_all process (medians): import {plams_inner['import_s']:.3f} s, "
        f"init {plams_inner['init_s']:.3f} s, load_all {plams_inner['load_all_s']:.3f} s"
    )
    for note in notes:
        print(f"note: {note}")
    if not args.no_save:
        out = HERE / "results" / f"{dt.date.today().isoformat()}-{args.label or folder.name}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"\nwritten {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
