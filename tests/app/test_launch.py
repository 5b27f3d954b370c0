"""`plams-tui [WORKDIR] [--poll [S]]` and `--demo` open the app; subcommands stay subcommands."""

from __future__ import annotations

from pathlib import Path

import pytest

from plams_tui.cli import main
from plams_tui.launch import build_app_parser, wants_app

SUBS = {"ls", "show", "demo", "rm", "clean"}


def test_which_arguments_open_the_app() -> None:
    assert wants_app([], SUBS)
    assert wants_app(["plams.12345"], SUBS)
    assert wants_app(["--demo"], SUBS) and wants_app(["--poll", "3", "wd"], SUBS)
    assert not wants_app(["ls", "wd"], SUBS) and not wants_app(["--help"], SUBS)
    args = build_app_parser().parse_args(["wd", "--poll"])
    assert args.workdir == "wd" and args.poll and args.poll > 0


def test_a_missing_folder_is_one_line_and_no_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("plams-tui: error:") and "nope" in err


def test_help_names_the_app_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "WORKDIR" in out and "--demo" in out and "--poll" in out


def test_demo_makes_a_missing_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import plams_tui.app

    opened: list[str] = []

    class NoTerminal:  # the app itself is tested by Pilot; here only which folder it gets
        return_code = 0

        def run(self, **kw: object) -> None:
            pass

    def fake(workdir: str, **kw: object) -> NoTerminal:
        opened.append(workdir)
        return NoTerminal()

    monkeypatch.setattr(plams_tui.app, "make_app", fake)
    assert main(["--demo", str(tmp_path / "newdir")]) == 0
    assert opened == [str(tmp_path / "newdir" / "plams_demo")]
    assert (tmp_path / "newdir" / "plams_demo" / "logfile").exists()


def _opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import plams_tui.app

    opened: list[str] = []

    class NoTerminal:
        return_code = 0

        def run(self, **kw: object) -> None:
            pass

    def fake(workdir: str, **kw: object) -> NoTerminal:
        opened.append(workdir)
        return NoTerminal()

    monkeypatch.setattr(plams_tui.app, "make_app", fake)
    return opened


def test_a_folder_that_is_no_working_folder_is_refused_as_ls_refuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened = _opened(monkeypatch)
    (tmp_path / "notwd" / "sub").mkdir(parents=True)
    assert main([str(tmp_path / "notwd")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a PLAMS working folder" in err
    monkeypatch.chdir(tmp_path / "notwd")
    assert main([]) == 2  # bare plams-tui in such a folder: refused, not a scan of everything below
    assert opened == []


def test_a_folder_of_working_folders_opens_the_newest_and_a_job_folder_its_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    from plams_core.demo import build_demo

    opened = _opened(monkeypatch)
    old = build_demo(tmp_path, "plams_workdir")
    new = build_demo(tmp_path, "plams_workdir.002")
    os.utime(old / "logfile", (1, 1))
    os.utime(old, (1, 1))
    monkeypatch.chdir(tmp_path)
    assert main([]) == 0
    assert main([str(new / "optimize")]) == 0
    assert [os.path.realpath(p) for p in opened] == [os.path.realpath(new), os.path.realpath(new)]
    assert "newest of 2 working folders" in capsys.readouterr().err


def _app_with_a_busy_worker(release: object, monkeypatch: pytest.MonkeyPatch, writing: bool) -> list[str]:
    """A stand-in app whose run leaves a thread worker busy (a scan still reading), as quitting early does."""
    import threading

    import plams_tui.app

    opened: list[str] = []

    class BusyApp:
        return_code = 0

        def run(self, loop: object = None, **kw: object) -> None:
            from plams_tui.writes import writing as mark

            started = threading.Event()

            def scan() -> None:
                if writing:
                    with mark():
                        started.set()
                        release.wait(10)  # type: ignore[attr-defined]
                else:
                    started.set()
                    release.wait(10)  # type: ignore[attr-defined]

            loop.run_in_executor(None, scan)  # type: ignore[attr-defined]
            started.wait(10)
            if writing:
                threading.Timer(1.5, release.set).start()  # longer than the readers' grace  # type: ignore[attr-defined]

    monkeypatch.setattr(plams_tui.app, "make_app", lambda workdir, **kw: opened.append(workdir) or BusyApp())
    return opened


def test_quitting_does_not_wait_for_a_scan_still_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from plams_core.demo import build_demo

    wd = build_demo(tmp_path)
    release = threading.Event()
    exits: list[int] = []

    def fake_exit(code: int) -> None:
        exits.append(code)
        release.set()  # let the stand-in scan end, as the process's end would
        raise SystemExit(code)

    monkeypatch.setattr("os._exit", fake_exit)
    _app_with_a_busy_worker(release, monkeypatch, writing=False)
    with pytest.raises(SystemExit):
        main([str(wd)])
    assert exits == [0]  # left at once instead of waiting for the reader


def test_quitting_waits_for_a_write_in_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from plams_core.demo import build_demo

    wd = build_demo(tmp_path)
    release = threading.Event()
    exits: list[int] = []
    monkeypatch.setattr("os._exit", lambda code: exits.append(code))
    _app_with_a_busy_worker(release, monkeypatch, writing=True)
    assert main([str(wd)]) == 0
    assert exits == [] and release.is_set()  # the write finished before the app returned
