"""``python -m plams_core.plamsrun``: run a script written for real PLAMS with real ``scm.plams``, restart-safe.

The same command line as :mod:`plams_core.master` (``-p -f -v -l -r SCRIPT...``) and the same
safety (:mod:`plams_core.restart`: stashes loaded from every unfinished attempt, dropped
newest first as ``.discard``, live processes of an earlier run refused, ``.dill`` files
loaded only when the static reader says ``ok``, test stop points), but init, load, the
script's namespace and finish are real PLAMS's: what PLAMS's own launcher (``plams``, now
``scm-plams``) does. :func:`plams_core.restart.plan_restart` picks this for scripts that
import ``scm.plams``. Real PLAMS takes no lock of its own, so the working folder is created
here, locked, and given to ``init(..., use_existing_folder=True)``.
"""

from __future__ import annotations

import os
import sys
import traceback
import types
from collections.abc import Sequence

from .master import EXIT_SCRIPT_FAILED, EXIT_USAGE, UsageError, _parser, _validate
from .restart import RestartFolders, load_checked, stop_point

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script(s) in *argv* with real PLAMS; returns the exit status (2: usage or refused)."""
    from .errors import PlamsError
    from .jobmanager import lock_workdir

    args = _parser().parse_args(argv)
    try:
        if args.folder is None:
            raise UsageError("give the working folder with -f")
        scripts, variables, restart_dir = _validate(args)
        texts = [script.read_text(encoding="utf-8") for script in scripts]
        text = "".join(t if t.endswith("\n") or not t else t + "\n" for t in texts)
        import scm.plams as plams
    except ImportError:
        print("plams_core: error: scm.plams is not installed here; nothing changed", file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, OSError) as exc:
        print(f"plams_core: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    workdir = os.path.join(os.path.abspath(args.path or "."), args.folder)
    loads = list(args.load)
    restart: RestartFolders | None = None
    if restart_dir is not None:
        restart = RestartFolders(restart_dir)
        try:
            stashes = restart.begin()
        except (PlamsError, OSError) as exc:
            restart.release()
            print(f"plams_core: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if restart.moved_to is not None:
            print(f"RESTART: Moving {restart_dir} to {restart.moved_to} and restarting from it")
        loads.extend(stashes)
    try:
        os.mkdir(workdir)
        lock_fd = lock_workdir(workdir)
    except (OSError, PlamsError) as exc:
        print(f"plams_core: error: cannot create working folder {workdir}: {exc}", file=sys.stderr)
        if restart is not None:
            print(f"plams_core: {restart.end(False)}", file=sys.stderr)
        return EXIT_USAGE

    for script in reversed(scripts):
        folder = str(script.resolve().parent)
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)

    plams.init(path=os.path.dirname(workdir), folder=args.folder, use_existing_folder=True)
    jm = plams.config.default_jobmanager
    with open(jm.input, "w", encoding="utf-8") as f:
        f.write(text)

    failed, status = False, 0
    main_module = types.ModuleType("__main__")
    namespace = main_module.__dict__
    namespace.update({name: getattr(plams, name) for name in dir(plams) if not name.startswith("_")})
    namespace.update(variables)
    namespace["__file__"] = str(scripts[0].resolve())
    namespace["__builtins__"] = __builtins__
    saved_main = sys.modules.get("__main__")
    try:
        for path in loads:
            print(f"LOAD: Loading jobs from {path}")
            load_checked(path, jm.load_job, lambda line: plams.log(line, 1))
            stop_point("loading")
        code = compile(text, jm.input, "exec")
        sys.modules["__main__"] = main_module
        exec(code, namespace)
    except KeyboardInterrupt:
        failed, status = True, 130
        plams.log("Execution interrupted by the user (KeyboardInterrupt)", 0)
    except SystemExit as exc:
        code_ = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        failed, status = code_ != 0, code_
    except BaseException:
        failed, status = True, EXIT_SCRIPT_FAILED
        tb = traceback.format_exc()
        plams.log(f"Execution interrupted by the following exception:\n{tb.rstrip()}", 0)
        print(tb, end="", file=sys.stderr)
    finally:
        plams.finish()
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        os.close(lock_fd)

    if restart is not None:
        stop_point("before-cleanup")
        message = restart.end(not failed)
        print(
            f"plams_core: {message}" if failed else f"RESTART: {message}",
            file=sys.stderr if failed else sys.stdout,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
