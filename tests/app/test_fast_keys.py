"""Keys typed faster than the app draws (a paste, a fast typist, ssh lag) go where the user meant."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import until
from test_app import scanned
from textual import events
from textual.widgets import Input

from plams_tui.app import PlamsApp, make_app
from plams_tui.screens import FileScreen


def burst(app: PlamsApp, *keys: str) -> None:
    """Send *keys* in one go, as a terminal delivers a paste or keys typed over ssh: the app reads
    them all before it handles the first."""
    for key in keys:
        char = key if len(key) == 1 else None
        if key == "slash":
            char = "/"
        elif key == "enter":
            char = "\r"
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)  # type: ignore[union-attr]


def test_keys_right_after_slash_go_to_the_filter(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            await pilot.press("/", "c", "r", "a")
            box = screen.query_one("#filter", Input)
            assert box.value == "cra" and app.screen is screen  # no Clean or Restart dialog
            await pilot.press("escape")
            assert box.value == ""
            burst(app, "slash", "c", "r", "a")
            await until(pilot, lambda: box.value == "cra" or app.screen is not screen, what="the keys")
            assert box.value == "cra" and app.screen is screen
            await until(pilot, lambda: "fail" not in screen.model.rows, what="the filter applied")
            assert "crash" in screen.model.rows

    asyncio.run(go())


def test_keys_right_after_slash_go_to_the_file_search(demo: Path) -> None:
    big = demo / "optimize" / "numbers.out"
    big.write_text("".join(f"line {i}\n" for i in range(10_000)))

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await scanned(pilot, app)
            viewer = FileScreen(str(big))
            await app.push_screen(viewer)
            lines = viewer.query_one("#lines")
            await until(pilot, lambda: lines.index.line_count == 10_000, what="counting the lines")
            burst(app, "slash", "5", "5", "5", "5", "enter")
            await until(pilot, lambda: viewer.pattern or app.screen is not viewer, what="the search")
            assert viewer.pattern == "5555" and lines.current == 5555

    asyncio.run(go())


def test_j_and_k_move_in_the_detail_pane_file_list(demo: Path) -> None:
    from plams_tui.widgets import DetailPane, JobTable

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.query_one(JobTable).move_to("optimize")
            pane = screen.query_one(DetailPane)
            await until(pilot, lambda: pane.job == "optimize", what="the detail of optimize")
            await pilot.press("enter")
            files = pane.query_one("#detail-files")
            await until(pilot, lambda: app.focused is files, what="the file list")
            files.highlighted = 0
            await pilot.press("j", "j")
            assert files.highlighted == 2
            await pilot.press("k")
            assert files.highlighted == 1

    asyncio.run(go())
