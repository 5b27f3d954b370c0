"""Each action through its modal on a copy of the demo folder: cancel changes nothing, confirm does
exactly what the modal said, and the table shows the result."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path

from conftest import until
from folders import write_job
from test_app import scanned, snapshot_of

from plams_tui.app import make_app
from plams_tui.dialogs import ConfirmDialog
from plams_tui.widgets import JobTable


def body_text(app) -> str:  # type: ignore[no-untyped-def]
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    return dialog.body.plain


async def open_modal(pilot, app, key: str) -> str:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what=f"the modal of {key}")
    return body_text(app)


def test_remove_cancel_confirm_and_undo(demo: Path) -> None:
    dill = demo / "optimize" / "optimize.dill"

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.query_one(JobTable).move_to("optimize")
            before = snapshot_of(demo)
            text = await open_modal(pilot, app, "d")
            assert "optimize/optimize.dill" in text and "optimize.removed.dill" in text
            await pilot.press("n")
            assert not isinstance(app.screen, ConfirmDialog) and snapshot_of(demo) == before
            await open_modal(pilot, app, "d")
            await pilot.press("y")
            await until(pilot, lambda: not dill.exists(), what="the removal")
            assert (demo / "optimize" / "optimize.removed.dill").exists()
            await until(pilot, lambda: screen.model.records["optimize"].dill != "ok", what="the row")
            await open_modal(pilot, app, "u")
            await pilot.press("y")
            await until(pilot, lambda: dill.exists(), what="the undo")
            assert snapshot_of(demo) == before

    asyncio.run(go())


def test_marked_rows_act_together_and_repickle_keeps_the_old_bytes(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            table = screen.query_one(JobTable)
            for job in ("optimize", "optimize.002"):
                assert table.move_to(job)
                await pilot.press("space")
            old = {j: (demo / j / f"{j}.dill").read_bytes() for j in ("optimize", "optimize.002")}
            text = await open_modal(pilot, app, "P")
            assert "optimize/optimize.dill" in text and "optimize.002/optimize.002.dill" in text
            await pilot.press("y")
            await until(
                pilot,
                lambda: (
                    len(
                        [
                            p
                            for p in (demo / "optimize").iterdir()
                            if p.name != "optimize.dill" and ".dill" in p.name
                        ]
                    )
                    == 1
                ),
                what="the backup",
            )
            backup = next(
                p for p in (demo / "optimize").iterdir() if p.name != "optimize.dill" and ".dill" in p.name
            )
            assert backup.read_bytes() == old["optimize"]
            assert (demo / "optimize" / "optimize.dill").exists()

    asyncio.run(go())


def test_clean_of_a_job_whose_files_are_all_kept_says_so_and_asks_nothing(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.query_one(JobTable).move_to("scan/good")  # save = all: nothing to delete
            before = snapshot_of(demo)
            await pilot.press("c")
            await until(
                pilot,
                lambda: any("Nothing to do" in str(n.message) for n in app._notifications),
                what="the notification",
            )
            assert not isinstance(app.screen, ConfirmDialog)
            assert snapshot_of(demo) == before

    asyncio.run(go())


class _Evil:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        import os

        return (os.system, ("touch CANARY",))


def test_load_shows_the_job_and_an_unsafe_dill_asks_in_so_many_words(demo: Path) -> None:
    folder = write_job(demo, "evil", "evil\n", "OK\n", "")
    (folder / "evil.dill").write_bytes(pickle.dumps(_Evil()))

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            table = screen.query_one(JobTable)
            assert table.move_to("optimize")
            await pilot.press("L")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the loaded job")
            text = body_text(app)
            assert "name:      optimize" in text and "CommandJob" in text and "load(" in text
            await pilot.press("escape")
            assert screen.model.records["evil"].dill == "unsafe"
            assert table.move_to("evil")
            await pilot.press("L")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            assert "UNSAFE" in str(app.screen.title_text) and "runs code from this file" in body_text(app)
            await pilot.press("n")
            await pilot.pause()
            assert not (folder / "CANARY").exists() and not Path("CANARY").exists()

    asyncio.run(go())


def test_restart_on_a_folder_without_its_script_says_why_in_the_modal(demo: Path) -> None:
    """The demo folder holds no script to rerun: the modal says so under the script field and
    Restart stays off until a script is given."""
    from textual.widgets import Button, Input

    from plams_tui.dialogs import RestartDialog

    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            before = snapshot_of(demo)
            await pilot.press("r")
            await until(
                pilot,
                lambda: isinstance(app.screen, RestartDialog) and app.screen.error is not None,
                what="the restart modal's error",
            )
            dialog = app.screen
            assert "keeps no script" in dialog.error and "\n" not in dialog.error
            assert dialog.query_one("#confirm", Button).disabled
            assert dialog.query_one("#restart-script", Input).value == ""
            await pilot.press("ctrl+r")  # refused: there is no plan
            assert app.screen is dialog
            await pilot.press("escape")
            assert not screen.restarting and snapshot_of(demo) == before

    asyncio.run(go())


def test_an_action_with_nothing_to_do_says_why_and_asks_nothing(demo: Path) -> None:
    async def go() -> None:
        app = make_app(demo, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.query_one(JobTable).move_to("crash")  # no .dill: nothing to repickle
            before = snapshot_of(demo)
            await pilot.press("P")
            await until(
                pilot,
                lambda: any("Nothing to do" in str(n.message) for n in app._notifications),
                what="the notification",
            )
            assert not isinstance(app.screen, ConfirmDialog)
            note = next(str(n.message) for n in app._notifications if "Nothing to do" in str(n.message))
            assert "crash" in note
            assert snapshot_of(demo) == before

    asyncio.run(go())


def test_clean_confirmed_deletes_exactly_what_the_modal_listed(tmp_path: Path) -> None:
    from plams_core import CommandJob, JobManager, default_config

    # A run that never reached finish() (killed): the jobs' own `save` is still to be applied.
    defaults = default_config()
    defaults.log.stdout = -1
    jm = JobManager(defaults.jobmanager, tmp_path, "wd", log_settings=defaults.log)
    job = CommandJob("echo result; echo warning >&2", input="keep the output", name="opt")
    job.settings.save = ["$JN.out"]
    job.run(jobmanager=jm)
    jm.close()
    wd = tmp_path / "wd"
    folder = wd / "opt"
    assert sorted(p.name for p in folder.iterdir()) == ["opt.dill", "opt.err", "opt.in", "opt.out", "opt.run"]

    async def go() -> None:
        app = make_app(wd, watch=False)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await scanned(pilot, app)
            assert screen.query_one(JobTable).move_to("opt")
            text = await open_modal(pilot, app, "c")
            for name in ("opt/opt.err", "opt/opt.in", "opt/opt.run"):
                assert name in text
            assert "opt/opt.out" not in text and "opt.dill" not in text
            assert "Delete 3 files" in text and "freed" in text and "cannot be undone" in text
            await pilot.press("y")
            await until(pilot, lambda: not (folder / "opt.in").exists(), what="the clean")

    asyncio.run(go())
    assert sorted(p.name for p in folder.iterdir()) == ["opt.dill", "opt.out"]  # kept: save and the .dill
