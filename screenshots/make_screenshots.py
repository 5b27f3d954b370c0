"""Write the SVG screenshots shown in the README, from the same demo folder the tests use.

Run from the repository root: ``python screenshots/make_screenshots.py``. It builds a fresh
demo working folder (``plams_core.build_demo``, as ``tests/core/test_engine_jobmanager.py``
does) in a temporary directory and records what ``plams-tui ls`` and ``plams-tui show``
print, as a terminal would show it, and the app's screens (``App.save_screenshot()``, driven
headless by Pilot as ``tests/app/`` does): the table with its detail pane, the file viewer, a
confirmation and help.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

from plams_core import build_demo
from rich.console import Console
from rich.text import Text

from plams_tui.cli import main

OUT = Path(__file__).resolve().parent


def _capture(argv: list[str]) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(argv)
    return buf.getvalue()


def _svg(name: str, command: str, output: str) -> None:
    console = Console(
        record=True, width=130, file=io.StringIO(), force_terminal=True, color_system="truecolor"
    )
    console.print(Text("$ " + command, style="bold green"))
    console.print(Text(output.rstrip("\n")), highlight=False)
    console.save_svg(str(OUT / name), title=command)
    print(f"wrote {OUT / name}")


async def _app_screens(workdir: Path) -> None:
    import asyncio

    from plams_core.workdir import CleanPlan
    from rich.text import Text as RText

    from plams_tui.actions import describe_plan
    from plams_tui.app import make_app
    from plams_tui.dialogs import ConfirmDialog
    from plams_tui.screens import FileScreen

    app = make_app(workdir, watch=False)
    async with app.run_test(size=(150, 42)) as pilot:
        screen = app.screen_stack[0]
        while screen.scanning or not screen.model.rows:
            await asyncio.sleep(0.02)
        table = screen.query_one("#jobs")
        table.move_to("scan/bad")
        pane = screen.query_one("#detail")
        while pane.job != "scan/bad":
            await asyncio.sleep(0.02)
        await pilot.pause()
        app.save_screenshot("app-table.svg", str(OUT))
        out = workdir / "optimize" / "optimize.out"
        await app.push_screen(FileScreen(str(out)))
        await pilot.press("slash", *"energy", "enter")
        await pilot.pause()
        app.save_screenshot("app-file.svg", str(OUT))
        await pilot.press("escape")
        rels = sorted(str(p.relative_to(workdir)) for p in workdir.glob("*/*.out"))
        plan = CleanPlan(files=tuple(rels), bytes=sum((workdir / r).stat().st_size for r in rels))
        await app.push_screen(
            ConfirmDialog(
                RText("Clean: delete the files PLAMS's cleaning would delete"),
                describe_plan("clean", plan, str(workdir)).rich(),
                "Delete files",
            )
        )
        await pilot.pause()
        app.save_screenshot("app-confirm.svg", str(OUT))
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        app.save_screenshot("app-help.svg", str(OUT))
    for name in ("app-table.svg", "app-file.svg", "app-confirm.svg", "app-help.svg"):
        print(f"wrote {OUT / name}")


def main_() -> int:
    import asyncio

    with tempfile.TemporaryDirectory() as tmp:
        workdir = build_demo(tmp, "plams_demo")
        os.chdir(tmp)
        rel = os.path.relpath(workdir, tmp)
        _svg("ls.svg", f"plams-tui ls {rel}", _capture(["ls", "--no-cache", rel]))
        _svg("show.svg", f"plams-tui show {rel} crash", _capture(["show", "--no-cache", rel, "crash"]))
        asyncio.run(_app_screens(Path(workdir)))
    return 0


if __name__ == "__main__":
    sys.exit(main_())
