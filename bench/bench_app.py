"""Benchmark of the app (issue 10): time to the first rows and to all rows, peak memory, delay from
a file change to the updated row, and key latency during a burst of 10,000 file events.

Usage: ``python bench/bench_app.py [-n 20000 100000] [--out bench/results/X.json]``. Each size
runs in a fresh process (peak memory is that process's max RSS). The folders are synthetic
PLAMS working folders written directly (``$JN.in/.run/.out/.err`` per job and a text logfile
with every job's status lines, as PLAMS leaves jobs that were not pickled); they are built
once under bench/data/ (or --data).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from textual import events

HERE = Path(__file__).resolve().parent


def build(parent: Path, n: int) -> Path:
    """A working folder of *n* finished jobs (every 10th crashed), written directly."""
    root = parent / f"app{n}"
    if (root / "logfile").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    log = [f"[03.12|08:00:00] PLAMS working folder: {root}"]
    for i in range(n):
        name = f"job{i:06d}"
        d = root / name
        d.mkdir(exist_ok=True)
        (d / f"{name}.in").write_text(f"input {i}\n")
        (d / f"{name}.run").write_text("#!/bin/sh\necho OK\n")
        (d / f"{name}.out").write_text("OK\n")
        (d / f"{name}.err").write_text("" if i % 10 else "boom\n")
        status = "CRASHED" if i % 10 == 0 else "SUCCESSFUL"
        log += [f"[03.12|08:00:00] JOB {name} STARTED", f"[03.12|08:00:01] JOB {name} {status}"]
    (root / "logfile").write_text("\n".join(log) + "\n")
    return root


async def measure(root: Path) -> dict[str, float]:
    from plams_tui.app import make_app
    from plams_tui.widgets import JobTable

    _clean(root)  # left by an interrupted run
    t0 = time.perf_counter()
    app = make_app(root)
    out: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen_stack[0]
        while not screen.model.rows:
            await asyncio.sleep(0.005)
        out["first_rows_s"] = time.perf_counter() - t0
        while screen.scanning:
            await asyncio.sleep(0.005)
        await pilot.pause()
        out["all_rows_s"] = time.perf_counter() - t0
        out["jobs"] = len(screen.model.rows)

        # a file change on disk -> the row on screen: a new job folder (files written as PLAMS does)
        table = screen.query_one(JobTable)
        delays = []
        for k in range(5):
            name = f"zz_new{k}"
            d = root / name
            t1 = time.perf_counter()
            d.mkdir()
            for ext, text in (("in", "x\n"), ("run", "#!/bin/sh\n"), ("out", "OK\n"), ("err", "")):
                (d / f"{name}.{ext}").write_text(text)
            # the table has the row once the model has it and the table has been told (same flush)
            while (
                table.model.index_of(name) is None or len(table.model.rows) != table.virtual_size.height - 1
            ):
                await asyncio.sleep(0.002)
            delays.append(time.perf_counter() - t1)
        out["change_to_row_median_s"] = statistics.median(delays)
        out["change_to_row_max_s"] = max(delays)

        # key latency while 10,000 file events arrive: from the key event sent (as the terminal
        # driver sends it) to the table's cursor having moved
        async def key_latency() -> float:
            before = table.cursor_row
            event = events.Key("down" if before < len(table.model.rows) - 1 else "g", None)
            event.set_sender(app)
            t2 = time.perf_counter()
            app._driver.send_message(event)  # type: ignore[union-attr]
            while table.cursor_row == before:
                await asyncio.sleep(0.0005)
                if time.perf_counter() - t2 > 30:
                    raise RuntimeError(f"key not answered in 30 s (focus: {app.focused})")
            return time.perf_counter() - t2

        idle = [await key_latency() for _ in range(50)]
        out["key_latency_idle_median_ms"] = statistics.median(idle) * 1000
        stop = threading.Event()

        def burst() -> None:
            # a file of the bench's own in each job folder, not the job's .out: in a scratch copy
            # made with hard links, appending to .out would write into the original folder
            names = [p.name for p in sorted(root.iterdir()) if (p / f"{p.name}.out").is_file()][:2000]
            for rep in range(5):  # 2,000 files x 5 appends: 10,000 writes, each a modify + close event
                for name in names:
                    with open(root / name / _BURST, "a") as f:
                        f.write(f"more {rep}\n")
            stop.set()

        thread = threading.Thread(target=burst)
        lat = []
        thread.start()
        t3 = time.perf_counter()
        while not stop.is_set() or screen.watcher.pending() or screen._refreshing:
            lat.append(await key_latency())
            await asyncio.sleep(0.01)  # a fast typist: 100 keys/s at most
        out["burst_s"] = time.perf_counter() - t3
        thread.join()
        out["keys_during_burst"] = len(lat)
        out["key_latency_median_ms"] = statistics.median(lat) * 1000
        out["key_latency_p95_ms"] = sorted(lat)[int(len(lat) * 0.95)] * 1000
        out["key_latency_max_ms"] = max(lat) * 1000
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _clean(root)
    return out


_BURST = "zz_bench_burst.txt"


def _clean(root: Path) -> None:
    """Remove what a run wrote (also what an interrupted run left)."""
    import shutil

    for old in root.glob("zz_new*"):
        shutil.rmtree(old)
    for f in root.glob(f"*/{_BURST}"):
        f.unlink()


def scratch_copy(folder: Path, data: Path) -> Path:
    """A copy of *folder* the bench may write into: folders made anew, files hard-linked (cheap
    at 100,000 jobs), the csv and text log copied (appending to a link would write the original).
    The bench only adds files and folders of its own, so the linked files are never written."""
    dst = data / "scratch" / folder.name
    if (dst / ".bench-scratch-done").exists():
        return dst
    if dst.exists():
        shutil.rmtree(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(folder), str(dst)], check=True)
    for name in ("logfile", "job_logfile.csv"):
        if (dst / name).is_file():
            (dst / name).unlink()
            shutil.copy2(folder / name, dst / name)
    (dst / ".bench-scratch-done").touch()
    return dst


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, nargs="*", default=[20000, 100000])
    p.add_argument("--data", type=Path, default=HERE / "data")
    p.add_argument("--out", type=Path)
    p.add_argument(
        "--folder",
        type=Path,
        nargs="+",
        default=[],
        help="bench these working folders too (e.g. made by make_workdir.py); a scratch copy of each "
        "(bench/data/scratch/, files hard-linked) is what is opened and written into",
    )
    p.add_argument("--runs", type=int, default=1, help="runs per folder (medians are reported)")
    p.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(measure(args.one))))
        return 0
    results = {}
    for n in [*args.n, *args.folder]:
        root = scratch_copy(n.resolve(), args.data) if isinstance(n, Path) else build(args.data, n)
        runs = []
        for _ in range(args.runs):
            proc = subprocess.run(
                [sys.executable, __file__, "--one", str(root)], capture_output=True, text=True, check=False
            )
            if proc.returncode:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(n, json.dumps(runs[-1]), flush=True)
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        results[str(n)] = {"median": median, "runs": runs}
        print(n, "median", json.dumps(median, indent=1), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
