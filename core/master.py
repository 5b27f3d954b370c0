"""The master script: ``python -m plams_core [-p PATH] [-f FOLDER] [-v var=value]... [-l PATH]... [-r] SCRIPT...``.

The PLAMS launcher (``plams``, now ``scm-plams``) for plams_core, as the manual's "Master
script" and "Restarting crashed scripts" sections describe it:

* the scripts are concatenated, saved as ``FOLDER/input`` and run in a fresh ``__main__``
  namespace that already holds the PLAMS script names (:mod:`plams_core.scripting`: what
  ``from scm.plams import *`` gives, not plams_core's read API) and the ``-v`` variables;
* each script's folder is on ``sys.path`` first, so job classes kept beside a script load;
* ``init()`` runs before the ``-l`` loads (loading first would fill a manager that init
  replaces, and everything would rerun);
* ``-r`` moves FOLDER to ``FOLDER.res`` (``.res2``, ...), starts fresh in FOLDER, loads the
  .res and deletes it at the end only if the script finished without an exception. Unlike
  PLAMS's launcher it survives being killed (:mod:`plams_core.restart`): the stashes of an
  unfinished restart are all loaded by the next ``-r`` (also when FOLDER itself is missing),
  they are dropped newest first under a ``.discard`` name, processes of an earlier run still
  working in the folder refuse the restart with their pids, and every folder stays locked;
* ``-l`` and ``-r`` load only ``.dill`` files the static reader calls ``ok`` (the others rerun);
* for tests only, ``PLAMS_CORE_STOP_AT`` / ``PLAMS_CORE_STOP_FIFO`` stop a restart at a named
  point (:func:`plams_core.restart.stop_point`) so a test can ``kill -9`` it exactly there;
* an exception in the script is logged with its traceback (logfile and stderr), finish()
  still cleans, and the exit status is 1. Usage errors print one line and exit 2 before
  anything is written.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import PlamsError
from .logfile import print_to_stdout
from .restart import RestartFolders, guard_rerun_prevention, leftover, load_checked, stop_point

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_SCRIPT_FAILED = 1


class UsageError(Exception):
    """A bad command line: printed as one line, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m plams_core", description="Run PLAMS scripts with plams_core.")
    p.add_argument("-p", "--path", default=None, metavar="PATH", help="where the working folder is created")
    p.add_argument("-f", "--folder", default=None, metavar="FOLDER", help="name of the working folder")
    p.add_argument(
        "-v",
        "--var",
        action="append",
        default=[],
        dest="vars",
        metavar="var=value",
        help="define a string variable for the script (repeatable)",
    )
    p.add_argument(
        "-l",
        "--load",
        action="append",
        default=[],
        metavar="PATH",
        help="load all jobs of this working folder before the script runs (repeatable)",
    )
    p.add_argument(
        "-r",
        "--restart",
        action="store_true",
        help="restart in place: move FOLDER to FOLDER.res, load its jobs, rerun in a fresh FOLDER",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run the runscripts on a Dask cluster: a scheduler address (tcp://host:8786) or local[:N] "
        "for a LocalCluster of N workers (needs pip install 'plams-tui[dask]')",
    )
    p.add_argument("scripts", nargs="+", metavar="SCRIPT", help="PLAMS script file(s), run as one")
    return p


def _parse_vars(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise UsageError(f"bad -v {pair!r}: use -v name=value with a Python identifier as name")
        out[name] = value
    return out


def _validate(args: argparse.Namespace) -> tuple[list[Path], dict[str, str], Path | None]:
    """Check the command line before touching the disk; returns scripts, variables and the -r folder."""
    scripts = [Path(s) for s in args.scripts]
    for script in scripts:
        if not script.is_file():
            raise UsageError(f"script {script} not found")
    variables = _parse_vars(args.vars)
    for path in args.load:
        if not Path(path).is_dir():
            raise UsageError(f"-l {path}: no such working folder")
    if args.path is not None and not Path(args.path).is_dir():
        raise UsageError(f"-p {args.path}: no such directory")
    restart_dir = None
    if args.restart:
        folder = args.folder or f"plams.{os.getpid()}"
        restart_dir = Path(args.path or ".") / folder
        if not restart_dir.is_dir() and not leftover(restart_dir).stashes:
            raise UsageError(
                f"-r: working folder {restart_dir} does not exist (give the folder to restart with -f)"
            )
    if args.dask is not None:
        from .daskrunner import check_address

        try:
            check_address(args.dask)
        except (ImportError, ValueError) as exc:
            raise UsageError(str(exc)) from None
    return scripts, variables, restart_dir


def _use_dask(address: str, config: Any) -> tuple[Any, Any]:
    """Make a DaskJobRunner on *address* the default runner; returns (client, cluster) to close."""
    from .daskrunner import DaskJobRunner, connect

    client, cluster = connect(address)
    config.default_jobrunner = DaskJobRunner(client)
    where = f"a LocalCluster of {len(client.scheduler_info()['workers'])} workers" if cluster else address
    print_to_stdout(f"DASK: runscripts run on {where}")
    return client, cluster


def read_scripts(scripts: Sequence[Path]) -> str:
    """The scripts as one text, concatenated like the PLAMS launcher, never gluing a last line to the next."""
    texts = [script.read_text(encoding="utf-8") for script in scripts]
    return "".join(t if t.endswith("\n") or not t else t + "\n" for t in texts)


def put_script_folders_first(scripts: Sequence[Path]) -> None:
    """The scripts' folders first on ``sys.path``, so their own modules import (as the launcher does)."""
    for script in reversed(scripts):
        folder = str(script.resolve().parent)
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)


def begin_restart(restart_dir: Path, *, say_resume: bool = True) -> tuple[RestartFolders, list[str]] | None:
    """Move FOLDER aside for ``-r`` (or find the stashes of an unfinished restart); None after a one-line error."""
    restart = RestartFolders(restart_dir)
    try:
        stashes = restart.begin()  # refuses live processes and other writers; moves FOLDER
    except (PlamsError, OSError) as exc:
        restart.release()
        print(f"plams_core: error: {exc}", file=sys.stderr)
        return None
    if restart.moved_to is not None:
        print_to_stdout(f"RESTART: Moving {restart_dir} to {restart.moved_to} and restarting from it")
    if say_resume and (len(stashes) > 1 or restart.moved_to is None):
        print_to_stdout(f"RESTART: resuming an unfinished restart: loading {', '.join(stashes)}")
    return restart, stashes


def run_script(
    text: str,
    filename: str,
    namespace: dict[str, Any],
    loads: Sequence[str],
    load: Callable[[str], object],
    log_interrupt: Callable[[], None],
    log_exception: Callable[[str], None],
    finish: Callable[[], None],
) -> tuple[bool, int]:
    """Load *loads*, then run *text* as ``__main__``; return (failed, exit status).

    Classes the script defines live in a real ``__main__`` module, so dill stores them by
    value; *finish* runs before ``__main__`` is put back, since job threads may still pickle
    them. *log_exception* gets the traceback of a script that raised (also printed once on
    stderr).
    """
    main_module = types.ModuleType("__main__")
    main_module.__dict__.update(namespace)
    saved_main = sys.modules.get("__main__")
    failed, status = False, 0
    try:
        for path in loads:
            print_to_stdout(f"LOAD: Loading jobs from {path}")  # a closed stdout must not fail the run
            load(path)
            stop_point("loading")
        code = compile(text, filename, "exec")
        sys.modules["__main__"] = main_module
        exec(code, main_module.__dict__)
    except KeyboardInterrupt:
        failed, status = True, 130
        log_interrupt()
    except SystemExit as exc:
        code_ = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        failed, status = code_ != 0, code_
    except BaseException:
        failed, status = True, EXIT_SCRIPT_FAILED
        tb = traceback.format_exc()
        log_exception(tb)
        print(tb, end="", file=sys.stderr)  # the terminal gets it once, on stderr
    finally:
        finish()
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
    return failed, status


def end_restart(restart: RestartFolders | None, failed: bool) -> None:
    """Drop the restart's stashes if the script finished, keep them (and say so) if not."""
    if restart is None:
        return
    stop_point("before-cleanup")
    message = restart.end(not failed)
    if failed:
        print(f"plams_core: {message}", file=sys.stderr)
    else:
        print_to_stdout(f"RESTART: {message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the master script with *argv* (default ``sys.argv[1:]``); returns the exit status."""
    from .errors import os_error_line
    from .functions import config, finish, init, log
    from .scripting import script_namespace

    args = _parser().parse_args(argv)
    try:
        scripts, variables, restart_dir = _validate(args)
        text = read_scripts(scripts)
    except (UsageError, OSError) as exc:
        print(f"plams_core: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    loads = list(args.load)
    restart: RestartFolders | None = None
    if restart_dir is not None:
        begun = begin_restart(restart_dir)
        if begun is None:
            return EXIT_USAGE
        restart, stashes = begun
        loads.extend(stashes)
    put_script_folders_first(scripts)

    try:
        init(path=args.path, folder=args.folder)
    except (PlamsError, OSError) as exc:  # OSError: a folder it cannot write (one line, no traceback)
        msg = os_error_line(exc, "cannot create the working folder") if isinstance(exc, OSError) else exc
        print(f"plams_core: error: {msg}", file=sys.stderr)
        if restart is not None:
            print(f"plams_core: {restart.end(False)}", file=sys.stderr)
        return EXIT_USAGE
    jm = config.default_jobmanager
    dask = None
    if args.dask:
        try:
            dask = _use_dask(args.dask, config)
        except (ImportError, ValueError, OSError) as exc:
            print(f"plams_core: error: {exc}", file=sys.stderr)
            finish()
            if restart is not None:
                print(f"plams_core: {restart.end(False)}", file=sys.stderr)
            return EXIT_USAGE
    with open(jm.input, "w", encoding="utf-8") as f:
        f.write(text)

    namespace = {**script_namespace(), **variables}
    namespace["__file__"] = str(scripts[0].resolve())
    namespace["__builtins__"] = __builtins__

    def finish_run() -> None:
        finish()  # joins job threads first: they may still pickle classes of the script's __main__
        if dask is not None:
            for closable in dask:
                if closable is not None:
                    closable.close()

    loaded: list[tuple[str, Any]] = []
    guard_rerun_prevention(jm, loaded, loads, lambda line: log(line, 1))
    failed, status = run_script(
        text,
        jm.input,
        namespace,
        loads,
        # plams_core's load_job asks the static reader first (unsafe/corrupt: logged, not loaded)
        lambda path: loaded.extend(
            load_checked(path, jm.load_job, lambda line: log(line, 1), check=False).items()
        ),
        lambda: log("Execution interrupted by the user (KeyboardInterrupt)", 0),
        # logfile and sinks get it through the log; run_script prints it once on stderr
        lambda tb: jm.log(f"Execution interrupted by the following exception:\n{tb.rstrip()}", 0, echo=False),
        finish_run,
    )
    end_restart(restart, failed)
    return status
