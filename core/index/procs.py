"""Live processes working inside a PLAMS working folder, and those that may be writing it.

A job whose runscript runs has a process (``sh ./x.run`` and what it starts) with its
current directory in the job folder; a killed PLAMS script leaves those running. On Linux
the current directory of every process we may read is ``readlink /proc/PID/cwd``: a few
microseconds per process, so the whole table is read on every refresh. Elsewhere nothing
is reported (statuses then come from the other sources).

:func:`writers` is the check before an action writes (``rm``, ``clean``, ``repickle``,
``restart``): besides those it finds a PLAMS script between two jobs, which has neither its
current directory nor (PLAMS 2024) an open file in the folder.

This process and its ancestors are ignored: a shell that was ``cd``-ed into a job folder
to start plams-tui is not a running job.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["FINISHED_MARK", "RECENT", "Writer", "processes_inside", "writers"]


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


# ---------------------------------------------------------------------------------------------
# Who may be writing a working folder (the check before every action that writes)
# ---------------------------------------------------------------------------------------------

#: A Python process tied to a folder only by where it runs (sign 5 of :func:`writers`) counts
#: while the folder's logfile was written this many seconds ago or less.
RECENT = 300.0
#: What PLAMS (2024.107, 2026.104) and plams_core write last in the logfile when ``finish()`` runs.
FINISHED_MARK = b"PLAMS run finished"
_CLOCK_SLACK = 2.0  # /proc start times are ticks after a boot time given in whole seconds
_PLAMS_PID_NAME = re.compile(r"plams\.(\d+)(?:\.\d+)?")
_FOLDER_OPTS = ("-f", "--folder")
_PATH_OPTS = ("-p", "--path")


@dataclass(frozen=True, slots=True)
class Writer:
    """A live process that may write into a working folder: its pid, the folder, and why we think so."""

    pid: int
    folder: str  # the folder asked about (as given to :func:`writers`, real path)
    why: str  # one phrase: "its current folder is job1", "the folder is named after it", ...


@dataclass(slots=True)
class _Proc:
    pid: int
    ppid: int = 0
    start: float | None = None  # epoch seconds
    cwd: str | None = None
    argv: list[str] | None = None  # read on demand

    def args(self) -> list[str]:
        if self.argv is None:
            try:
                with open(f"/proc/{self.pid}/cmdline", "rb") as f:
                    self.argv = [os.fsdecode(a) for a in f.read().split(b"\0") if a]
            except OSError:
                self.argv = []
        return self.argv

    def is_python(self) -> bool:
        argv = self.args()
        return bool(argv) and os.path.basename(argv[0]).startswith("python")

    def is_plams_tui(self) -> bool:
        """plams-tui itself (the app, ls, another action): it reads, and takes the lock to write."""
        argv = self.args()[:4]
        return any(os.path.basename(a) == "plams-tui" or a.startswith("plams_tui") for a in argv)


def _boot_time() -> float:
    try:
        with open("/proc/stat", "rb") as f:
            return float(next(int(ln.split()[1]) for ln in f if ln.startswith(b"btime ")))
    except (OSError, ValueError, StopIteration):
        return 0.0


def _read_proc(pid: int, btime: float, tick: float) -> _Proc | None:
    """ppid and start time of *pid* from ``/proc/PID/stat``; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        fields = stat[stat.rfind(b")") + 2 :].split()
        return _Proc(pid, ppid=int(fields[1]), start=btime + int(fields[19]) * tick if btime else None)
    except (OSError, ValueError, IndexError):
        return None


@dataclass(slots=True)
class _RunState:
    """What a working folder's own files say of its run: last write, and whether ``finish()`` ran."""

    written: float  # newest mtime of the folder, its logfile and job_logfile.csv
    finished: bool  # the logfile's last line is PLAMS's "PLAMS run finished. Goodbye"


def _run_state(root: str) -> _RunState:
    written = 0.0
    for path in (root, os.path.join(root, "logfile"), os.path.join(root, "job_logfile.csv")):
        try:
            written = max(written, os.stat(path).st_mtime)
        except OSError:
            pass
    finished = False
    try:
        with open(os.path.join(root, "logfile"), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            lines = f.read().rstrip().splitlines()
        finished = bool(lines) and FINISHED_MARK in lines[-1]
    except OSError:
        pass
    return _RunState(written, finished)


def _inside(target: str, roots: Sequence[str]) -> tuple[str, str] | None:
    """(root, path relative to it, '' for the root) if *target* is a root or inside one."""
    if target.endswith(" (deleted)"):
        target = target[: -len(" (deleted)")]
    for root in roots:
        if target == root:
            return root, ""
        if target.startswith(root) and target[len(root)] == "/":
            return root, target[len(root) + 1 :]
    return None


def _open_for_writing(pid: int, fd: str) -> bool:
    """Whether descriptor *fd* of *pid* was opened to write: a reader (``tail -f``, a scan) is not a writer.

    A folder held open is a reader too; a plams_core run's lock on the folder is found by the
    lock itself.
    """
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}", "rb") as f:
            for line in f:
                if line.startswith(b"flags:"):
                    return int(line.split()[1], 8) & (os.O_WRONLY | os.O_RDWR) != 0
    except (OSError, ValueError, IndexError):
        pass
    return True  # cannot tell: count it


def _named_paths(proc: _Proc) -> list[tuple[str, str]]:
    """(what the user typed, absolute path) of every argument that may be a path, and ``-p P -f F``."""
    argv = proc.args()[1:]
    base = proc.cwd or "/"
    out: list[tuple[str, str]] = []
    folder = path = None
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--") and "=" in arg else arg
        if value and not value.startswith("-"):
            out.append((arg, os.path.normpath(os.path.join(base, value))))
        if i + 1 < len(argv):
            if arg in _FOLDER_OPTS:
                folder = argv[i + 1]
            elif arg in _PATH_OPTS:
                path = argv[i + 1]
    if folder is not None and path is not None:
        out.append((f"-p {path} -f {folder}", os.path.normpath(os.path.join(base, path, folder))))
    return out


def _environ_paths(pid: int) -> list[tuple[str, str]]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            data = f.read()
    except OSError:
        return []
    out = []
    for item in data.split(b"\0"):
        name, sep, value = item.partition(b"=")
        if sep and value.startswith(b"/") and name not in (b"PWD", b"OLDPWD"):  # where a shell was
            out.append((os.fsdecode(item), os.path.normpath(os.fsdecode(value))))
    return out


def writers(folders: Iterable[str], *, recent: float = RECENT) -> list[Writer]:
    """Live processes that may write into one of *folders* (Linux ``/proc``; elsewhere empty).

    Signs, each named in :attr:`Writer.why`:

    1. its current folder is the folder or inside it (a runscript, a job's program);
    2. it has a file in the folder open for writing (real PLAMS 2026 keeps ``logfile`` and
       ``job_logfile.csv`` open; a reader such as ``tail -f``, or a folder held open, is not
       counted);

    and, for a Python process (a PLAMS script between two jobs has neither of the above) while
    the folder's logfile does not end with PLAMS's ``PLAMS run finished`` (``finish()``):

    3. the folder is named ``plams.PID`` (or ``plams.PID.002``: the default name plams_core and
       older PLAMS give the working folder of the script running as PID) and that process was
       already running when the folder was last written (a pid reused since is not it);
    4. its command line (``plams -f wd script.py``, ``python -m plams_core -p /x -f wd``) or
       its environment (``SCM_LOGFILE=/x/wd/logfile``; not ``PWD``/``OLDPWD``) names the folder
       or a path inside it;
    5. its current folder is the one the folder is in (where ``init()`` makes it by default),
       it was already running when the logfile was last written and that was at most
       *recent* seconds ago;

    and every descendant of a process found so (the jobs it started). This process and its
    ancestors are never counted, nor plams-tui itself (its actions take the one-writer lock).
    """
    if not sys.platform.startswith("linux"):
        return []
    roots = [os.path.realpath(os.fspath(f)).rstrip("/") or "/" for f in folders]
    if not roots:
        return []
    try:
        entries = [int(e) for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    skip = _own_lineage()
    btime, tick = _boot_time(), 1.0 / os.sysconf("SC_CLK_TCK")
    now = time.time()
    states = {root: _run_state(root) for root in roots}
    parents = {os.path.dirname(root): root for root in roots}
    found: dict[int, Writer] = {}
    procs: dict[int, _Proc] = {}

    def alive_when_written(proc: _Proc, root: str) -> bool:
        return proc.start is None or proc.start <= states[root].written + _CLOCK_SLACK

    for pid in entries:
        proc = _read_proc(pid, btime, tick)
        if proc is None:
            continue
        procs[pid] = proc
        if pid in skip:
            continue
        try:
            proc.cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:  # gone, a zombie, or another user's process
            continue
        hit = _inside(proc.cwd, roots)
        if hit is not None:
            found[pid] = Writer(pid, hit[0], f"its current folder is {hit[1] or 'the folder itself'}")
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            fds = []
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            hit = _inside(target, roots)
            if hit is not None and _open_for_writing(pid, fd):
                found[pid] = Writer(pid, hit[0], f"it has {hit[1] or 'the folder'} open for writing")
                break
        if pid in found or not proc.is_python() or proc.is_plams_tui():
            continue
        for typed, path in [*_named_paths(proc), *_environ_paths(pid)]:
            hit = _inside(path, roots)
            if hit is not None and not states[hit[0]].finished:
                where = "command line" if typed in proc.args() or typed.startswith("-p ") else "environment"
                found[pid] = Writer(pid, hit[0], f"its {where} names the folder ({typed})")
                break
        root = parents.get(proc.cwd)
        if pid in found or root is None:
            continue
        state = states[root]
        if not state.finished and now - state.written <= recent and alive_when_written(proc, root):
            ago = max(0, round(now - state.written))
            found[pid] = Writer(
                pid,
                root,
                f"a Python process in the folder's parent (where a PLAMS script makes it) that was running "
                f"when the logfile was last written, {ago} s ago, without 'PLAMS run finished'",
            )

    for root in roots:  # sign 3: the folder is named after the pid of its script
        m = _PLAMS_PID_NAME.fullmatch(os.path.basename(root))
        if m is None or states[root].finished:
            continue
        pid = int(m.group(1))
        proc = procs.get(pid)
        if proc is None or pid in found or pid in skip or not proc.is_python() or proc.is_plams_tui():
            continue
        if alive_when_written(proc, root):
            found[pid] = Writer(
                pid, root, f"the folder is named after it ({os.path.basename(root)}, PLAMS's default)"
            )

    children: dict[int, list[int]] = {}
    for proc in procs.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    todo = list(found)
    while todo:
        parent = todo.pop()
        for child in children.get(parent, ()):
            if child not in found and child not in skip:
                found[child] = Writer(child, found[parent].folder, f"started by pid {parent}")
                todo.append(child)
    return sorted(found.values(), key=lambda w: w.pid)
