"""The ``plams-tui`` command: headless subcommands and the entry to the app.

One module per subcommand in :mod:`plams_tui.commands` (``ls`` and ``show`` first, then
:data:`plams_tui.commands.SUBCOMMANDS`). ``ls`` and ``show`` only read the working folder
through :mod:`plams_core.index`; they import neither textual nor the app, so they start
fast and work without a terminal.

Errors never end in a traceback: a :class:`~plams_core.errors.PlamsError` (a bad path or
job, an argument, stdout that cannot be written) or an :class:`OSError` (a folder that
cannot be written) is printed as one line, ``plams-tui: error: ...``, with exit status 2;
a closed pipe (``plams-tui ls | head -1``) ends the command quietly with status 0.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from plams_tui import __version__

__all__ = ["main", "build_parser"]

PROG = "plams-tui"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``plams-tui`` (subcommands set ``func``)."""
    from plams_tui.commands import SUBCOMMANDS

    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=f"{PROG} [WORKDIR] [--poll [SECONDS]] [--demo [DIR]] [--hashing H] [--script FILE]\n       {PROG} COMMAND ...",
        description="Browse, watch and restart PLAMS working folders. Without a COMMAND, open "
        "WORKDIR (default: here) in the interactive app; --demo [DIR] builds the demo folder in DIR "
        "(made if missing) and opens it; --poll [SECONDS] polls for changes instead of inotify.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in ("ls", "show", *SUBCOMMANDS):
        importlib.import_module(f"plams_tui.commands.{name}").add_parser(sub)
    # `plams-tui [WORKDIR]` (the app) is parsed by plams_tui.launch: main() hands over to it.
    return parser


def _error(message: str) -> int:
    from plams_core.index.report import escape_text

    # one line, whatever the message holds, and nothing in it may control the terminal
    line = escape_text(" ".join(message.split()))
    try:
        print(f"{PROG}: error: {line}", file=sys.stderr)
    except OSError:
        pass
    return 2


def _exit_now(code: int) -> None:
    """End the process with *code* once stdout and stderr are flushed, without the interpreter's teardown.

    Only for ``ls`` run as the command (not from Python: ``main([...])`` returns): freeing
    the index of 20,000 jobs object by object costs ~0.04 s of the ~0.9 s of ``ls --json``,
    at the very end, and ``ls`` leaves nothing to finalise (no atexit hook, no file open
    for writing; the optional cache is saved by the scan). A flush that fails raises here,
    into ``main``'s error handling, as the exit's own flush would have.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    return {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``plams-tui`` with *argv* (default: the command line); return the exit status."""
    from plams_tui.commands.common import glue_dash_values

    from_command_line = argv is None
    parser = build_parser()
    argv = glue_dash_values(list(sys.argv[1:] if argv is None else argv))
    from plams_tui.launch import wants_app

    app = wants_app(argv, _subcommands(parser))
    args = None if app else parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)  # set by add_parser
    if func is None and not app:
        parser.print_help()
        return 2
    from plams_core.errors import PlamsError, os_error_line

    from .output import OutputError, silence_stdout

    try:
        if app:  # `plams-tui [WORKDIR] [--poll [S]]`, `plams-tui --demo [DIR]`
            from plams_tui.launch import run_app

            return run_app(argv)
        assert args is not None and func is not None  # not the app: parsed, and func checked above
        code = int(func(args))
        if from_command_line and args.command == "ls":
            _exit_now(code)
        return code
    except BrokenPipeError:  # `plams-tui ls | head`: the reader has all it wanted
        silence_stdout()
        return 0
    except OutputError as exc:
        silence_stdout()
        return _error(str(exc))
    except PlamsError as exc:
        return _error(str(exc))
    except OSError as exc:  # a folder that cannot be read or written: say which, no traceback
        return _error(os_error_line(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
