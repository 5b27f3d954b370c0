"""What a newcomer driving the app at 80x24 noticed: modals in plain words (the CLI's words), the
footer and the columns at 80 columns, a script for a restart, one time format, and why a real
PLAMS job that crashed (exit 7, SIGSEGV) ended."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import until
from test_app import scanned, snapshot_of
from test_restart_app import crashed, stashes

from plams_tui.app import make_app
from plams_tui.dialogs import ConfirmDialog, RestartDialog
from plams_tui.widgets import DetailPane, JobTable

# What a plan's internals look like when they leak into a modal.
RAW = re.compile(r"undo: (True|False)|\w+\(\w+=|PlannedJob|Leftover\(|RestartPlan|to_dict|\bwhy \(")


def modal_text(app) -> str:  # type: ignore[no-untyped-def]
    screen = app.screen
    return screen.text if isinstance(screen, RestartDialog) else screen.body.plain


async def open_modal(pilot, app, key: str) -> str:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, ConfirmDialog)
            or (isinstance(app.screen, RestartDialog) and (app.screen.plan or app.screen.error))
        ),
        what=f"the modal of {key}",
    )
    return modal_text(app)


def lines(text: str) -> list[str]:
    """The non-blank lines of *text*, stripped (a modal spaces its parts with blank lines)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def cli(*args: str, cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "plams_tui.cli", *args], capture_output=True, text=True, cwd=cwd
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# ------------------------------------------------------------------------ modals in words


def test_rm_and_undo_modals_say_what_is_renamed_how_many_and_how_to_undo_as_the_cli_does(
    demo: Path,
) -> None:
    async def go() -> tuple[str, str]:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.query_one(JobTable).move_to("nested/inner/leaf.002")
            rm = await open_modal(pilot, app, "d")
            await pilot.press("y")
            await until(pilot, lambda: (demo / "nested" / "nested.removed.dill").exists(), what="rm")
            await until(pilot, lambda: screen.model.records["nested"].dill == "removed", what="the row")
            undo = await open_modal(pilot, app, "u")
            await pilot.press("n")
            return rm, undo

    rm, undo = asyncio.run(go())
    for text in (rm, undo):
        assert not RAW.search(text), text
    assert rm.startswith("Take 3 jobs out of rerun prevention")
    assert "nested/inner/leaf.002/leaf.002.dill -> leaf.002.removed.dill" in rm
    assert "Undo: u in the app" in rm and "--undo" in rm
    assert undo.startswith("Put 3 jobs back into rerun prevention") and "Undo: d in the app" in undo
    # The CLI prints the same words for the same plan (one renderer).
    out = cli("rm", str(demo), "nested/inner/leaf.002", "--undo", "--dry-run")
    assert lines(out) == lines(undo)


def test_repickle_modal_names_the_backups_and_the_undo(demo: Path) -> None:
    async def go() -> str:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.query_one(JobTable).move_to("optimize")
            text = await open_modal(pilot, app, "P")
            await pilot.press("n")
            return text

    before = snapshot_of(demo)
    text = asyncio.run(go())
    assert snapshot_of(demo) == before
    assert not RAW.search(text), text
    assert text.startswith("Write 1 .dill file again")
    assert "optimize/optimize.dill  (old bytes kept as optimize/optimize.prev.dill)" in text
    assert "Undo: rename $JN.prev.dill back to $JN.dill" in text


def test_a_long_list_is_counted_and_scrolls_with_the_buttons_on_screen_at_80x24(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await scanned(pilot, app)
            table = screen.query_one(JobTable)
            for path in list(screen.model.rows):
                if screen.model.records[path].dill == "ok":
                    assert table.move_to(path)
                    await pilot.press("space")
            text = await open_modal(pilot, app, "d")
            assert not RAW.search(text)
            n = int(re.match(r"Take (\d+) jobs", text).group(1))  # type: ignore[union-attr]
            assert n >= 9 and f"Renames, nothing deleted ({n}):" in text
            dialog = app.screen
            body = dialog.query_one("#dialog-body")
            assert body.max_scroll_y > 0  # more lines than the screen: it scrolls
            for button in dialog.query("Button"):
                assert button.region.bottom <= 24 and button.region.right <= 80  # still on screen
            await pilot.press("end")
            assert body.scroll_y == body.max_scroll_y
            await pilot.press("n")

    asyncio.run(go())


def test_restart_and_rollback_modals_say_what_happens_to_the_folder(tmp_path: Path) -> None:
    wd = crashed(tmp_path)
    (tmp_path / "wd.res").mkdir()  # what an unfinished restart leaves beside the folder
    shutil.copytree(wd, tmp_path / "wd.res", dirs_exist_ok=True)

    async def go() -> tuple[str, str]:
        app = make_app(wd, watch=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await scanned(pilot, app)
            restart = await open_modal(pilot, app, "r")
            await pilot.press("escape")
            rollback = await open_modal(pilot, app, "R")
            await pilot.press("n")
            return restart, rollback

    restart, rollback = asyncio.run(go())
    assert stashes(tmp_path) == ["wd.res"]  # nothing done
    for text in (restart, rollback):
        assert not RAW.search(text), text
    assert re.search(r"\d+ to reuse, \d+ to rerun", restart) and "Rerun (" in restart
    assert "--rollback" in restart and "x cancels" in restart
    assert "Note: unfinished restart" in restart  # the leftover in words, not a repr
    assert rollback.startswith("Rollback: wd.res becomes wd again")
    assert "cannot be undone" in rollback
    assert lines(cli("restart", str(wd), "--rollback", "--dry-run")) == lines(rollback)


# ------------------------------------------------------------------------ 80 columns


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 50)])
def test_help_and_quit_are_in_the_footer_and_no_column_is_cut(demo: Path, size: tuple[int, int]) -> None:
    from textual.widgets._footer import FooterKey

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=size) as pilot:
            screen = await scanned(pilot, app)
            await pilot.pause()
            keys = {k.action: k for k in screen.query(FooterKey)}
            for action in ("app.help", "app.quit"):
                key = keys.get(action) or keys[action.split(".")[1]]
                assert key.region.width > 0 and key.region.right <= size[0], (action, key.region)
            table = screen.query_one(JobTable)
            header = table.render_line(0).text
            shown = header.split()
            assert shown[:2] == ["NAME", "^"] and "STATUS" in shown
            layout = table._layout(table.size.width)
            assert layout[-1][1] + layout[-1][2] <= table.size.width  # the last column ends on screen
            if size[0] >= 160:
                assert {"HASH", "DILL", "START", "CLASS"} <= set(shown)
            if size[0] == 80:
                assert "START" not in shown and "RUN" in shown and "DILL" in shown

    asyncio.run(go())


def test_help_lists_every_key_grouped_including_the_dialogs() -> None:
    from plams_tui.app import PlamsApp
    from plams_tui.screens.help import help_text

    text = help_text().plain
    for group in ("Everywhere", "Job list", "File viewer", "Confirmation", "Restart", "Help"):
        assert re.search(rf"^{group}\b", text, re.M), group
    for key in ("?", "q", "/", "space", "R", "ctrl+r", "y", "n, esc", "pageup"):
        assert re.search(rf"^  {re.escape(key)} ", text, re.M), key
    assert PlamsApp.BINDINGS


# ------------------------------------------------------------------------ a script for restart


def test_restart_with_a_script_given_on_the_command_line_or_typed_in_the_modal(
    demo: Path, tmp_path: Path
) -> None:
    from textual.widgets import Button, Input

    script = tmp_path / "rerun.py"
    script.write_text("from plams_core import *\n")

    async def go() -> None:
        app = make_app(demo, watch=False, script=script)
        async with app.run_test(size=(80, 24)) as pilot:
            await scanned(pilot, app)
            await open_modal(pilot, app, "r")
            dialog = app.screen
            field = dialog.query_one("#restart-script", Input)
            assert field.value == str(script) and dialog.plan is not None  # prefilled, planned
            assert dialog.plan.script == str(script) and str(script) in dialog.text
            assert not dialog.query_one("#confirm", Button).disabled
            field.value = str(tmp_path / "missing.py")  # typed: planned again on enter
            field.focus()
            await pilot.press("enter")
            await until(pilot, lambda: dialog.error is not None, what="the error")
            assert "cannot read script" in dialog.error and "\n" not in dialog.error
            assert dialog.query_one("#confirm", Button).disabled
            field.value = str(script)
            await pilot.press("enter")
            await until(pilot, lambda: dialog.plan is not None, what="the plan again")
            await pilot.press("escape")

    asyncio.run(go())


def test_the_app_refuses_a_script_that_is_not_there_in_one_line(tmp_path: Path, demo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "plams_tui.cli", str(demo), "--script", str(tmp_path / "nope.py")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("plams-tui: error: --script") and proc.stderr.count("\n") == 1


# ------------------------------------------------------------------------ one time format


def test_the_detail_pane_writes_every_time_in_iso_8601_and_the_zone_once(demo: Path) -> None:
    (demo / "job_logfile.csv").unlink()  # the text log's [dd.mm|HH:MM:SS] times are the source

    async def go() -> str:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.query_one(JobTable).move_to("crash")
            pane = screen.query_one(DetailPane)
            await until(pilot, lambda: pane.job == "crash", what="the detail")
            await pilot.pause()
            files = pane.query_one("#detail-files")
            names = [str(files.get_option_at_index(i).prompt) for i in range(files.option_count)]
            return str(pane.query_one("#detail-text").render()) + "\n" + "\n".join(names)

    text = asyncio.run(go())
    assert "|" not in text.split("Timeline")[1].split("In Python")[0]  # no [dd.mm|HH:MM:SS]
    steps = re.findall(r"^(\S+)\s+(started|running|crashed)$", text, re.M)
    assert steps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", when) for when, _ in steps)
    assert text.count("local time UTC") == 1
    assert all(re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", n) for n in text.split("\n")[-4:])


# ------------------------------------------------------------------------ why a real PLAMS job ended

CRASH_SCRIPT = textwrap.dedent(
    """
    import sys
    from scm.plams import SingleJob, init, finish, config

    class ShJob(SingleJob):
        def get_input(self):
            return self.settings.input.cmd + "\\n"

        def get_runscript(self):
            return self.settings.input.cmd + "\\n"

    init(path=sys.argv[1], folder="wd")
    config.log.stdout = 0
    for name, cmd in (("exit7", "echo working; echo bad input >&2; exit 7"), ("segv", "echo before; kill -SEGV $$")):
        job = ShJob(name=name)
        job.settings.input.cmd = cmd
        job.run()
    finish()
    """
)


@pytest.fixture(scope="module")
def plams_crashes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder written by real PLAMS 2026.104: a job whose runscript exits 7, one killed by SIGSEGV."""
    parent = tmp_path_factory.mktemp("crashes")
    (parent / "crash.py").write_text(CRASH_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(parent / "crash.py"), str(parent)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return parent / "wd"


def test_a_real_plams_crash_says_why_it_ended_as_show_does(plams_crashes: Path) -> None:
    async def go() -> dict[str, str]:
        app = make_app(plams_crashes, watch=False)
        texts = {}
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            pane = screen.query_one(DetailPane)
            for job in ("exit7", "segv"):
                assert screen.query_one(JobTable).move_to(job)
                await until(pilot, lambda job=job: pane.job == job, what=f"the detail of {job}")
                await pilot.pause()
                texts[job] = str(pane.query_one("#detail-text").render())
        return texts

    texts = asyncio.run(go())
    assert re.search(r"returncode: +7$", texts["exit7"], re.M)
    assert "bad input" in texts["exit7"] and "working" in texts["exit7"]  # the tails of .err and .out
    assert re.search(r"returncode: +-11 \(killed by SIGSEGV\)$", texts["segv"], re.M)
    assert "before" in texts["segv"]
    for job, text in texts.items():
        show = cli("show", str(plams_crashes), job)
        why = show[show.index("why it ended") :].split("\ntimeline")[0].splitlines()[1:]
        for line in why:  # every line show writes is in the pane, in the same words
            assert line.strip() in text, (job, line)


def test_s_cycles_through_the_columns_on_screen_only_at_80_columns(demo: Path) -> None:
    async def go() -> list[str]:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await scanned(pilot, app)
            table = screen.query_one(JobTable)
            shown = [c.key for c, _, _ in table._layout(table.size.width)]
            seen = []
            for _ in shown:
                await pilot.press("s")
                seen.append(screen.model.sort_key)
                assert "^" in table.render_line(0).text, (seen, shown)  # the sorted column shows its arrow
            return seen

    seen = asyncio.run(go())
    assert "start" not in seen and "class" not in seen and seen[-1] == "name"
