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
from collections.abc import Sequence

from .master import (
    EXIT_USAGE,
    UsageError,
    _parser,
    _validate,
    begin_restart,
    end_restart,
    put_script_folders_first,
    read_scripts,
    run_script,
)
from .restart import RestartFolders, guard_rerun_prevention, load_checked

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
        text = read_scripts(scripts)
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
        begun = begin_restart(restart_dir, say_resume=False)
        if begun is None:
            return EXIT_USAGE
        restart, stashes = begun
        loads.extend(stashes)
    try:
        os.mkdir(workdir)
        lock_fd = lock_workdir(workdir)
    except (OSError, PlamsError) as exc:
        print(f"plams_core: error: cannot create working folder {workdir}: {exc}", file=sys.stderr)
        if restart is not None:
            print(f"plams_core: {restart.end(False)}", file=sys.stderr)
        return EXIT_USAGE

    put_script_folders_first(scripts)

    plams.init(path=os.path.dirname(workdir), folder=args.folder, use_existing_folder=True)
    jm = plams.config.default_jobmanager
    with open(jm.input, "w", encoding="utf-8") as f:
        f.write(text)

    namespace = {name: getattr(plams, name) for name in dir(plams) if not name.startswith("_")}
    namespace.update(variables)
    namespace["__file__"] = str(scripts[0].resolve())
    namespace["__builtins__"] = __builtins__

    def finish() -> None:
        plams.finish()
        os.close(lock_fd)

    loaded: list[tuple[str, object]] = []
    guard_rerun_prevention(jm, loaded, loads, lambda line: plams.log(line, 1))
    failed, status = run_script(
        text,
        jm.input,
        namespace,
        loads,
        lambda path: loaded.extend(load_checked(path, jm.load_job, lambda line: plams.log(line, 1)).items()),
        lambda: plams.log("Execution interrupted by the user (KeyboardInterrupt)", 0),
        lambda tb: plams.log(f"Execution interrupted by the following exception:\n{tb.rstrip()}", 0),
        finish,
    )
    end_restart(restart, failed)
    return status


if __name__ == "__main__":
    sys.exit(main())
