"""``plams-tui [WORKDIR] [--poll [SECONDS]] [--script FILE]`` and ``plams-tui --demo [DIR]``: open the app.

The CLI hands over here when the first argument is not a subcommand, so ``plams-tui ls``
and friends never import textual. ``WORKDIR`` defaults to the current folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Collection, Sequence
from typing import Any

from .defaults import DEFAULT_POLL_SECONDS

__all__ = ["wants_app", "build_app_parser", "run_app", "DEMO_RUNNING"]

#: seconds the demo's ``running`` job runs: long enough to look around, short enough to see it finish
DEMO_RUNNING = 90.0


def wants_app(argv: Sequence[str], subcommands: Collection[str]) -> bool:
    """True when *argv* asks for the app (no arguments, a folder, ``--demo``, ``--poll``), not a subcommand."""
    if not argv:
        return True
    first = argv[0]
    if first in subcommands:
        return False
    if first.startswith("-"):
        return first.split("=")[0] in ("--demo", "--poll", "--hashing", "--script")
    return True


def build_app_parser() -> argparse.ArgumentParser:
    """The arguments of the app."""
    p = argparse.ArgumentParser(
        prog="plams-tui",
        description="Open a PLAMS working folder in the interactive app "
        "(subcommands: plams-tui ls|show|... --help).",
    )
    p.add_argument("workdir", nargs="?", metavar="WORKDIR", help="the working folder (default: here)")
    p.add_argument(
        "--poll",
        nargs="?",
        type=float,
        const=DEFAULT_POLL_SECONDS,
        metavar="SECONDS",
        help=f"poll the folder for changes instead of inotify (default every {DEFAULT_POLL_SECONDS:g} s); "
        "for network filesystems written by other machines",
    )
    p.add_argument(
        "--demo",
        nargs="?",
        const=".",
        metavar="DIR",
        help="build the demo working folder in DIR (default: here; reused if there) and open it",
    )
    p.add_argument(
        "--hashing",
        default="input",
        choices=("input", "runscript", "input+runscript", "none"),
        help="how job hashes are computed from the files (default: input)",
    )
    p.add_argument(
        "--script",
        metavar="FILE",
        help="the script a restart (r) runs, as plams-tui restart --script (default: the one the folder keeps)",
    )
    return p


def resolve_workdir(given: str | None) -> str:
    """The working folder the app opens for *given*, chosen as ``plams-tui ls`` chooses it.

    A working folder opens as it is; a folder inside one opens that working folder; a folder
    holding working folders opens the newest (named on stderr); a folder of job folders
    without logs opens too (the index reads it). Anything else is refused in one line
    (:class:`~plams_core.errors.WorkdirError`), before a scan of, say, all of ``/tmp``.
    """
    from plams_core.errors import WorkdirError
    from plams_core.index.report import (
        InsideWorkdirError,
        _holds_job_folders,
        escape_text,
        find_workdir,
        is_working_folder,
    )

    try:
        choice = find_workdir(given)
    except InsideWorkdirError as exc:
        print(
            f"plams-tui: opening {escape_text(exc.workdir)}, the working folder {escape_text(exc.path)} is in",
            file=sys.stderr,
        )
        return exc.workdir
    if choice.picked_in is not None:
        print(
            f"plams-tui: opening {escape_text(choice.path)} (the newest of {choice.candidates} working "
            f"folders in {escape_text(choice.picked_in)})",
            file=sys.stderr,
        )
        return choice.path
    if not is_working_folder(choice.path) and not _holds_job_folders(choice.path):
        raise WorkdirError(
            f"{choice.path}: not a PLAMS working folder (no job folders, logfile, job_logfile.csv or "
            "plams_workdir*/plams.* folder in it)"
        )
    return choice.path


def run_app(argv: Sequence[str]) -> int:
    """Parse *argv*, build the app with :func:`plams_tui.app.make_app` and run it."""
    args = build_app_parser().parse_args(list(argv))
    from plams_core.errors import PlamsError

    if args.demo is not None:
        if args.workdir is not None:
            raise PlamsError("give either WORKDIR or --demo DIR, not both")
        from plams_core.demo import build_demo

        parent = args.demo
        if os.path.exists(parent) and not os.path.isdir(parent):
            raise PlamsError(f"{parent}: not a folder")
        try:
            os.makedirs(parent, exist_ok=True)  # "--demo /tmp/newdir": make it, as mkdir -p would
        except OSError as exc:
            raise PlamsError(f"{parent}: cannot make the folder: {exc.strerror}") from None
        existing = os.path.join(parent, "plams_demo")
        workdir = (
            existing
            if os.path.isdir(existing)
            else os.fspath(build_demo(parent, "plams_demo", running=DEMO_RUNNING))
        )
    else:
        workdir = resolve_workdir(args.workdir)
    if args.script is not None and not os.path.isfile(args.script):
        raise PlamsError(f"--script {args.script}: no such file")
    from .app import make_app

    app = make_app(
        workdir,
        poll=args.poll,
        hashing=None if args.hashing == "none" else args.hashing,
        script=args.script,
    )
    import asyncio

    loop = asyncio.new_event_loop()
    app.run(loop=loop)  # unlike asyncio.run, returns without waiting for the worker threads
    code = int(app.return_code or 0)
    _exit_without_waiting_for_readers(loop, code)
    return code


def _exit_without_waiting_for_readers(loop: Any, code: int) -> None:
    """Leave at once when a worker thread is still reading (``q`` during the first scan of a big folder).

    The app has quit and restored the terminal, but ``asyncio.run`` would wait for its
    worker threads, and the scan of 100,000 jobs reads on for 10-20 s. Give them half a
    second; then flush and ``os._exit``. Nothing is lost: a scan only reads (its helper
    process ends on the broken pipe), and a write in progress (an action, a restart:
    :mod:`plams_tui.writes`) is waited for.
    """
    import time

    from .writes import writes_in_progress

    if writes_in_progress():  # an action is writing: let it finish, however long
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        return
    executor = getattr(loop, "_default_executor", None)  # where Textual's thread workers run
    threads = list(getattr(executor, "_threads", ()))
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + 0.5
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    loop.close()
