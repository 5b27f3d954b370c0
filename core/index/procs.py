"""Live processes working inside a PLAMS working folder.

A job whose runscript runs has a process (``sh ./x.run`` and what it starts) with its
current directory in the job folder; a killed PLAMS script leaves those running. On Linux
the current directory of every process we may read is ``readlink /proc/PID/cwd``: a few
microseconds per process, so the whole table is read on every refresh. Elsewhere nothing
is reported (statuses then come from the other sources).

This process and its ancestors are ignored: a shell that was ``cd``-ed into a job folder
to start plams-tui is not a running job.
"""

from __future__ import annotations

import os
import sys

__all__ = ["processes_inside"]


def _own_lineage() -> set[int]:
    pids = {os.getpid()}
    pid = os.getppid()
    for _ in range(64):
        if pid <= 1 or pid in pids:
            break
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
            pid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def processes_inside(root: str) -> dict[str, list[int]]:
    """Map each folder (relative to *root*, POSIX) that is the cwd of a live process to its pids.

    *root* must be a real (symlink-free) absolute path, as ``/proc/PID/cwd`` is. Folders
    of processes outside *root* are left out; the working folder itself is ``''``.
    """
    if not sys.platform.startswith("linux"):
        return {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return {}
    prefix = root.rstrip("/") + "/"
    skip = _own_lineage()
    found: dict[str, list[int]] = {}
    for entry in entries:
        if not entry.isdigit():
            continue
        pid = int(entry)
        if pid in skip:
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:  # gone, or another user's process
            continue
        if cwd.startswith(prefix):
            rel = cwd[len(prefix) :]
        elif cwd == root:
            rel = ""
        else:
            continue
        if rel.endswith(" (deleted)") and not os.path.isdir(cwd):
            continue  # the folder was removed under the process
        found.setdefault(rel, []).append(pid)
    return found
