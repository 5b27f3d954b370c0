"""Make a working folder of K x N jobs from one of N jobs made by real PLAMS (bench/make_workdir.py).

Building 100,000 jobs with real PLAMS takes about 15 minutes on 2 cores; this takes seconds
and keeps the shape a listing sees. Round 0 is the source folder's jobs under their own
names; round k (1..K-1) is the same jobs under ``r<k>_<name>``:

* every top-level job folder is recreated with its files **hard-linked** (``cp -al`` style;
  no data copied), and its own files renamed after the new folder name (``$JN.in``,
  ``.run``, ``.out``, ``.err``, ``.dill``); MultiJob children keep their names inside the
  renamed parent;
* ``job_logfile.csv`` gets a row per job of every round, with ``job_name``, ``job_path`` and
  the parent columns rewritten, so statuses come from the csv and the .dill files as in the
  source;
* ``logfile`` is the source's (it names round 0 only; the index reads it only for jobs that
  neither a .dill nor a csv row describes, which this folder has none of).

What differs from a folder PLAMS would make: a renamed job's .dill still records its
original name and path (the index takes the status and class from it, not the name), and
the hard-linked files share inodes across rounds (PLAMS itself hard-links the files of
copied jobs). Reading costs the same: the same sizes, the same .dill byte patterns.

    python bench/make_bigger.py bench/data/jobs20000-plams2026.104 --rounds 5
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
from pathlib import Path


def link_job(src: Path, dst: Path, old: str, new: str) -> None:
    """Recreate the folder *src* at *dst*, hard-linking files; files named after *old* renamed after *new*."""
    dst.mkdir()
    for entry in os.scandir(src):
        name = entry.name
        if name.startswith(old + ".") and old != new:
            target = new + name[len(old) :]
        else:
            target = name
        if entry.is_dir(follow_symlinks=False):
            shutil.copytree(entry.path, dst / target, copy_function=os.link, symlinks=True)
        else:
            os.link(entry.path, dst / target, follow_symlinks=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a working folder made by bench/make_workdir.py")
    parser.add_argument("--rounds", type=int, default=5, help="copies of the source's jobs (default 5)")
    parser.add_argument("--out", type=Path, help="default: <source parent>/jobs<N>-from-<source name>")
    args = parser.parse_args(argv)
    src = args.source.resolve()
    rows = list(csv.reader(open(src / "job_logfile.csv", newline="")))
    header, body = rows[0], rows[1:]
    n = len(body) * args.rounds
    out = (args.out or src.parent / f"jobs{n}-from-{src.name}").resolve()
    if out.exists():
        raise SystemExit(f"{out} exists: remove it first")
    out.mkdir(parents=True)
    col = {name: i for i, name in enumerate(header)}
    tops = sorted(e.name for e in os.scandir(src) if e.is_dir(follow_symlinks=False))
    with open(out / "job_logfile.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for k in range(args.rounds):
            prefix = "" if k == 0 else f"r{k}_"
            for top in tops:
                link_job(src / top, out / (prefix + top), top, prefix + top)
            for row in body:
                row = list(row)
                for path_col, name_col in (("job_path", "job_name"), ("job_parent_path", "job_parent_name")):
                    path = row[col[path_col]] if path_col in col else ""
                    if not path.startswith(str(src) + "/"):
                        continue
                    rel = path[len(str(src)) + 1 :]
                    top, _, rest = rel.partition("/")
                    row[col[path_col]] = f"{out}/{prefix}{top}" + (f"/{rest}" if rest else "")
                    if not rest and row[col[name_col]] == top:
                        row[col[name_col]] = prefix + top
                writer.writerow(row)
            print(f"round {k + 1}/{args.rounds} done", file=sys.stderr)
    for name in ("logfile", "input"):
        if (src / name).exists():
            os.link(src / name, out / name)
    print(out)


if __name__ == "__main__":
    main()
