"""A job, folder or file name never reaches the screen as Rich markup or a control sequence."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import until
from folders import write_job
from test_app import scanned, table_lines

from plams_tui.app import make_app
from plams_tui.screens import FileScreen
from plams_tui.widgets import DetailPane, JobTable, SummaryBar

# A name cannot hold "/", so no closing tag: an unclosed one styles all that follows in Rich.
HOSTILE = {
    "markup": "[red]x[bold]",
    "link": "[link=mailto:a@b.c]y",
    "escape": "esc\x1b[31mred\x1b]8;;mailto:a\x07z",
}


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "[bold]wd"
    root.mkdir()
    for name in HOSTILE.values():
        write_job(root, name, f"input of {name}\n", f"output \x1b[2J of {name}\n", "")
    return root


def _no_control(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text


def test_names_show_as_typed_in_table_bar_detail_and_viewer(tmp_path: Path) -> None:
    root = _folder(tmp_path)

    async def go() -> None:
        app = make_app(root, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert len(screen.model.rows) == 3
            lines = "\n".join(table_lines(app))
            _no_control(lines)
            assert "[red]x[bold]" in lines  # markup shown, not applied
            assert "[link=mailto:a@b.c]y" in lines
            assert "esc\\x1b[31mred\\x1b]8;;mailto:a\\x07z" in lines  # controls visible as escapes
            # nor are they styled: the segments carry no link and no red from the name
            table = screen.query_one(JobTable)
            for y in range(1, 4):
                for seg in table.render_line(y):
                    assert seg.style is None or seg.style.link is None
            assert "[bold]wd" in screen.query_one(SummaryBar).text().plain
            pane = screen.query_one(DetailPane)
            for name in HOSTILE.values():
                assert table.move_to(name)
                await until(pilot, lambda name=name: pane.job == name)
                text = pane.query_one("#detail-text").render()
                plain = str(text)
                _no_control(plain)
                assert name.replace("\x1b", "\\x1b").replace("\x07", "\\x07") in plain
                files = pane.query_one("#detail-files")
                prompts = [str(files.get_option_at_index(i).prompt) for i in range(files.option_count)]
                _no_control(" ".join(prompts))
            # the file viewer: contents with an escape sequence, and the name in its title
            name = HOSTILE["escape"]
            viewer = FileScreen(str(root / name / f"{name}.out"))
            await app.push_screen(viewer)
            first = viewer.query_one("#lines").render_line(0).text
            _no_control(first)
            assert "\\x1b[2J" in first
            title = str(viewer.query_one("#file-title").render())
            _no_control(title)
            assert "[bold]wd" in title

    asyncio.run(go())


def test_notifications_of_errors_keep_names_as_data(tmp_path: Path) -> None:
    from plams_tui.screens.jobs import JobsScreen

    root = _folder(tmp_path)

    async def go() -> None:
        app = make_app(root, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert isinstance(screen, JobsScreen)
            screen._in_thread(lambda: (_ for _ in ()).throw(OSError("[red]boom[/] \x1b[2J")), print, "Test")
            await until(pilot, lambda: len(app._notifications) > 0)
            note = next(iter(app._notifications))
            assert "[red]boom[/]" in str(note.message) and "\x1b" not in str(note.message)
            assert not note.markup

    asyncio.run(go())
