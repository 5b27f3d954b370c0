"""Working folders for the app tests whose names, contents and times are fixed (snapshots), and
helpers that add job folders to a folder the way a running PLAMS would."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

FIXED_TIME = 1_780_000_000  # 2026-05-28, every file's mtime in the snapshot folder

_JOBS = [
    # (name, status in the log, input, output, error)
    ("optimize", "SUCCESSFUL", "geometry 1\n", "OK\nenergy -1.5\n", ""),
    ("optimize.002", "SUCCESSFUL", "geometry 2\n", "OK\nenergy -1.7\n", ""),
    ("crash", "CRASHED", "crash me\n", "partial output\n", "segmentation fault\n"),
    ("fail", "FAILED", "fail me\n", "NOPE\n", ""),
    ("pending", None, "not yet\n", None, None),
]


def write_job(parent: Path, name: str, inp: str, out: str | None, err: str | None) -> Path:
    """A SingleJob folder as PLAMS leaves it (without a .dill): $JN.in, .run, and .out/.err once run."""
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / f"{name}.in").write_text(inp)
    (folder / f"{name}.run").write_text(f"#!/bin/sh\n\necho OK < {name}.in\n")
    if out is not None:
        (folder / f"{name}.out").write_text(out)
    if err is not None:
        (folder / f"{name}.err").write_text(err)
    return folder


def build_fixed(parent: Path, folder: str = "plams_workdir") -> Path:
    """A small working folder with fixed names, contents and times (statuses from its logfile)."""
    root = parent / folder
    root.mkdir(parents=True)
    log = [f"[28.05|10:00:00] PLAMS working folder: {folder}"]
    minute = 0
    for name, status, inp, out, err in _JOBS:
        write_job(root, name, inp, out, err)
        if status is None:
            continue
        for st in ("STARTED", "RUNNING", status):
            log.append(f"[28.05|10:{minute:02d}:00] JOB {name} {st}")
            minute += 1
    (root / "logfile").write_text("\n".join(log) + "\n")
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            os.utime(os.path.join(dirpath, n), (FIXED_TIME, FIXED_TIME))
    os.utime(root, (FIXED_TIME, FIXED_TIME))
    return root


def copy_job(src: Path, dst_parent: Path, name: str) -> Path:
    """Copy the job folder *src* to *dst_parent*/*name*, renaming its $JN files (a job with another name)."""
    old = src.name
    tmp = dst_parent.parent / f".{name}.tmp"
    shutil.copytree(src, tmp)
    for f in list(tmp.iterdir()):
        if f.name.startswith(old + "."):
            f.rename(tmp / (name + f.name[len(old) :]))
    dst = dst_parent / name
    tmp.rename(dst)  # appears at once, as a folder copied in would after its cp finished
    return dst
