"""Write the SVG screenshots shown in the README, from the same demo folder the tests use.

Run from the repository root: ``python screenshots/make_screenshots.py``. It builds a fresh
demo working folder (``plams_core.build_demo``, as ``tests/core/test_engine_jobmanager.py``
does) in a temporary directory and records what ``plams-tui ls`` and ``plams-tui show``
print, as a terminal would show it. When the interactive app lands, its screens are saved
here too with ``App.save_screenshot()``.
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


def main_() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = build_demo(tmp, "plams_demo")
        os.chdir(tmp)
        rel = os.path.relpath(workdir, tmp)
        _svg("ls.svg", f"plams-tui ls {rel}", _capture(["ls", "--no-cache", rel]))
        _svg("show.svg", f"plams-tui show {rel} crash", _capture(["show", "--no-cache", rel, "crash"]))
    return 0


if __name__ == "__main__":
    sys.exit(main_())
