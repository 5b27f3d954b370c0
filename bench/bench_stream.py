"""Streaming scan from a threaded process (as the app does) against `plams-tui ls --json` and PLAMS `load_all`.

Every side is a fresh process started from here, timed from spawn to exit (wall clock), in
interleaved repetitions (the order alternates), after one untimed warm-up each:

  plams      real PLAMS: import, init() in a temp folder, load_all(FOLDER) (bench_ls.py's probe)
  ls         `plams-tui ls --json FOLDER > /dev/null`
  stream     `python bench/bench_stream.py --probe ...`: a second thread wakes every 50 ms (a
             watcher), a worker thread runs `scan_workdir_iter` and applies every batch to a
             dict by path, as the app's table would. The probe reports, on the same clock as
             the spawn, when the first batch arrived and when the last was applied.
  stream-nothread  the same without the second thread (helpers are forked, not spawned)
  stream-serial    with the second thread, `workers=1` (no helper processes)
  ls-base    with --base DIR: `ls --json` of another checkout's core/ and plams_tui/ (e.g. the
             code before this work: `git archive <commit> core plams_tui | tar -x -C DIR`)

The garbage collector stays on in the probe (the app will not switch it off); `ls` pauses it.

    python bench/bench_stream.py --folder bench/data/jobs20000-plams2026.104 --reps 7 --plams
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_ls import LOAD_ALL, Run, machine, run  # noqa: E402

# `plams-tui` from another checkout: its core/ is loaded as plams_core by file location.
BASE_LS = """\
import sys, importlib.util as u
sys.path.insert(0, {base!r})
s = u.spec_from_file_location("plams_core", {base!r} + "/core/__init__.py", submodule_search_locations=[{base!r} + "/core"])
m = u.module_from_spec(s); sys.modules["plams_core"] = m; s.loader.exec_module(m)
from plams_tui.cli import main
sys.argv[0] = "plams-tui"
sys.exit(main(sys.argv[1:]))
"""


def probe(folder: str, t_spawn: float, threaded: bool, workers: int | None) -> None:
    """The app-like process: a watcher thread, the scan streamed in a worker thread."""
    import threading

    from plams_core.index import scan_workdir_iter

    stop = threading.Event()
    if threaded:
        watcher = threading.Thread(target=lambda: [None for _ in iter(lambda: stop.wait(0.05), True)])
        watcher.start()
    out: dict[str, float] = {}

    def work() -> None:
        rows: dict[str, object] = {}
        batches = 0
        for batch in scan_workdir_iter(folder, workers=workers):
            if not batches:
                out["first_s"] = time.time() - t_spawn
                out["first_rows"] = len(batch.records)
            batches += 1
            for rec in batch.records:
                rows[rec.path] = rec
            for path in batch.removed:
                rows.pop(path, None)
        out["whole_s"] = time.time() - t_spawn
        out["jobs"] = len(rows)
        out["batches"] = batches

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    stop.set()
    print(json.dumps(out), flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=HERE / "data" / "jobs20000-plams2026.104")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--plams", action="store_true", help="also time real PLAMS load_all")
    parser.add_argument("--plams-python", default=sys.executable)
    parser.add_argument("--label", help="results file label (default: folder name)")
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--base", type=Path, help="a checkout whose ls --json to time too (ls-base)")
    parser.add_argument("--probe", nargs=4, metavar=("FOLDER", "T_SPAWN", "THREADED", "WORKERS"))
    args = parser.parse_args(argv)
    if args.probe:
        folder, t_spawn, threaded, workers = args.probe
        probe(folder, float(t_spawn), threaded == "1", int(workers) or None)
        return

    folder = str(args.folder.resolve())
    tui = str(Path(sys.executable).parent / "plams-tui")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "core"), str(HERE.parent / "plams_tui")]
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    me = [sys.executable, str(Path(__file__).resolve()), "--probe", folder]
    sides: dict[str, list[str] | None] = {
        "ls": [tui, "ls", "--json", folder],
        "stream": [*me, "T", "1", "0"],
        "stream-nothread": [*me, "T", "0", "0"],
        "stream-serial": [*me, "T", "1", "1"],
    }
    if args.base:
        base = args.base.resolve()
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(base)])
        sides["ls-base"] = [sys.executable, "-c", BASE_LS.format(base=str(base)), "ls", "--json", folder]
    if args.plams:
        sides = {"plams": [args.plams_python, "-c", LOAD_ALL, folder], **sides}
    runs: dict[str, list[Run]] = {name: [] for name in sides}
    inner: dict[str, list[dict[str, float]]] = {name: [] for name in sides}

    def once(name: str, rep: str) -> tuple[Run, dict[str, float] | None]:
        argv = list(sides[name] or [])
        if name == "plams":
            argv.append(str(tmp / f"plams-{rep}"))
        if "T" in argv:
            argv[argv.index("T")] = repr(time.time())
        r = run(argv, capture=not name.startswith("ls"))
        if r.returncode != 0:
            raise SystemExit(f"{name} failed:\n{r.stderr[-3000:]}")
        data = json.loads(r.stdout.strip().splitlines()[-1]) if not name.startswith("ls") else None
        return r, data

    for name in sides:  # warm-up, untimed
        _, data = once(name, "warm")
        print(f"warm-up {name}: {data}", flush=True)
    names = list(sides)
    for rep in range(args.reps):
        for name in names if rep % 2 == 0 else names[::-1]:
            r, data = once(name, str(rep))
            runs[name].append(r)
            if data is not None:
                inner[name].append(data)
        print(f"rep {rep + 1}: " + ", ".join(f"{n} {runs[n][-1].wall_s:.3f}" for n in names), flush=True)

    ls_med = median([r.wall_s for r in runs["ls"]])
    lines = [
        "| side | wall min / median / max | first batch median | whole scan median (in the process) | wall / ls (medians) |",
        "|---|---|---|---|---|",
    ]
    summary: dict[str, dict[str, float]] = {}
    for name in names:
        walls = [r.wall_s for r in runs[name]]
        first = [d["first_s"] for d in inner[name] if "first_s" in d]
        whole = [d["whole_s"] for d in inner[name] if "whole_s" in d]
        summary[name] = {
            "wall_min": min(walls),
            "wall_median": median(walls),
            "wall_max": max(walls),
            "first_median": median(first) if first else float("nan"),
            "whole_median": median(whole) if whole else float("nan"),
            "cpu_median": median([r.cpu_s for r in runs[name]]),
        }
        s = summary[name]
        lines.append(
            f"| {name} | {s['wall_min']:.3f} / {s['wall_median']:.3f} / {s['wall_max']:.3f} s | "
            + (f"{s['first_median']:.3f} s" if first else "-")
            + " | "
            + (f"{s['whole_median']:.3f} s" if whole else "-")
            + f" | {s['wall_median'] / ls_med:.2f} |"
        )
    table = "\n".join(lines)
    print(table)
    if not args.no_save:
        label = args.label or Path(folder).name
        out = HERE / "results" / f"{dt.date.today().isoformat()}-stream-{label}.json"
        out.write_text(
            json.dumps(
                {
                    "folder": folder,
                    "reps": args.reps,
                    "machine": machine(args.plams_python),
                    "summary": summary,
                    "inner": inner,
                    "walls": {n: [r.wall_s for r in runs[n]] for n in names},
                    "loadavg_end": os.getloadavg(),
                    "table": table,
                },
                indent=1,
            )
        )
        print(f"saved {out}")


if __name__ == "__main__":
    main()
