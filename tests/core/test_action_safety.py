"""rm and clean on the folders users really have: odd names, symlinks, folders that change
between the plan and the confirmation, deletions that fail halfway.

The folder is the demo (plams_core: MultiJobs, a copied job, reused names), copied with
``cp -a`` for each test and then given the shape under test.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from fixtures.workdirs import copy_workdir, snapshot  # noqa: E402
from plams_core.demo import build_demo  # noqa: E402
from plams_core.errors import FileError  # noqa: E402
from plams_core.workdir import Workdir  # noqa: E402

from plams_tui.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def wd(demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo folder, free to change."""
    return copy_workdir(demo, tmp_path / "copy" / "wd")


def rename_job(wd: Path, old: str, new: str) -> str:
    """Give the job folder *old* the name *new* (its .dill too, as PLAMS names it); return the new job path."""
    parent = (wd / old).parent
    os.rename(wd / old, parent / new)
    os.rename(parent / new / f"{Path(old).name}.dill", parent / new / f"{new}.dill")
    return str((parent / new).relative_to(wd))


def test_a_name_that_is_not_utf8_is_listed_not_a_traceback(
    wd: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A folder name with a Latin-1 byte (copied from an old machine), on a terminal whose encoding is strict UTF-8."""
    job = rename_job(wd, "optimize.002", os.fsdecode(b"opt\xe9"))
    assert main(["clean", str(wd), job, "--keep", "none", "--dry-run"]) == 0
    out = capsysbinary.readouterr().out
    assert b"opt\xe9/optimize.002.out" in out  # the bytes of the name, as ls prints them
    assert main(["rm", str(wd), job, "--dry-run"]) == 0
    assert b"opt\xe9/opt\xe9.dill -> opt\xe9.removed.dill" in capsysbinary.readouterr().out
    assert main(["rm", str(wd), job, "--dry-run", "--json"]) == 0
    assert b'"opt\xe9"' in capsysbinary.readouterr().out


def test_control_characters_in_names_cannot_hide_what_is_deleted(
    wd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name with ESC and CR would erase its line on the terminal: the listing shows them escaped."""
    job = rename_job(wd, "optimize.002", "evil\x1b[2K\rname")
    (wd / job / "fake\rnothing to delete").write_text("x")
    assert main(["clean", str(wd), job, "--keep", "none", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    assert "evil\\x1b[2K\\x0dname/fake\\x0dnothing to delete" in out
    assert main(["rm", str(wd), job, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "evil\\x1b[2K\\x0dname" in out


def test_the_undo_command_printed_after_rm_can_be_pasted(
    wd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = rename_job(wd, "optimize.002", "my opt [1]")
    original = snapshot(wd)
    assert main(["rm", str(wd), job, "--yes"]) == 0
    undo = capsys.readouterr().out.splitlines()[-1].removeprefix("Done. Undo with: ")
    argv = shlex.split(undo)
    assert argv[:3] == ["plams-tui", "rm", str(wd)] and argv[3:] == [job, "--undo"]
    assert main([*argv[1:], "--yes"]) == 0
    assert snapshot(wd) == original


def test_clean_refuses_a_file_changed_since_the_plan(wd: Path) -> None:
    """The plan was shown, then the user appended to an output: confirming deletes nothing."""
    workdir = Workdir(wd)
    plan = workdir.plan_clean(["optimize"], keep="none")
    assert "optimize/optimize.out" in plan.files
    with open(wd / "optimize" / "optimize.out", "a") as f:
        f.write("a note the user added after the plan was shown\n")
    original = snapshot(wd)
    with pytest.raises(FileError, match="optimize/optimize.out changed since"):
        workdir.clean(plan)
    assert snapshot(wd) == original


def test_clean_never_deletes_through_a_folder_swapped_for_a_symlink(wd: Path, tmp_path: Path) -> None:
    """Between plan and confirmation, a job folder became a symlink to a folder outside: nothing outside goes."""
    workdir = Workdir(wd)
    plan = workdir.plan_clean(["nested"], keep="none")
    assert "nested/inner/leaf/leaf.out" in plan.files
    outside = tmp_path / "outside"
    outside.mkdir()
    os.rename(wd / "nested" / "inner", outside / "inner")
    os.symlink(outside / "inner", wd / "nested" / "inner")
    before_outside, before = snapshot(outside), snapshot(wd)
    with pytest.raises(FileError, match="nested/inner"):
        workdir.clean(plan)
    assert snapshot(outside) == before_outside
    assert snapshot(wd) == before


@pytest.fixture
def undeletable():  # type: ignore[no-untyped-def]
    """Make one file impossible to delete: immutable as root (chattr +i), a read-only folder otherwise."""
    undo: list[list[str]] = []

    def make(path: Path) -> None:
        if os.geteuid() == 0:
            proc = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
            if proc.returncode != 0:
                pytest.skip("chattr +i is not allowed here")
            undo.append(["chattr", "-i", str(path)])
        else:
            path.parent.chmod(0o555)
            undo.append(["chmod", "755", str(path.parent)])

    yield make
    for cmd in undo:
        subprocess.run(cmd, check=True)


def test_a_deletion_that_fails_halfway_says_in_one_line_what_went(
    wd: Path, undeletable, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    plan = Workdir(wd).plan_clean(None, keep="none")
    stuck = "optimize/optimize.out"
    assert stuck in plan.files and plan.files.index(stuck) > 0
    undeletable(wd / stuck)
    assert main(["clean", str(wd), "--keep", "none", "--yes"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("plams-tui: error: ") and err.count("\n") == 1 and stuck in err
    left = {f for f in plan.files if os.path.lexists(wd / f)}
    gone = [f for f in plan.files if f not in left]
    # Either refused before anything went (a read-only folder seen up front), or stopped at the
    # file that could not go: those before it are gone, it and those after are there, and the
    # message says how many went.
    assert left == set(plan.files) or gone == list(plan.files[: plan.files.index(stuck)])
    assert f"{len(gone)} of {len(plan.files)}" in err


def test_rm_never_renames_through_a_folder_swapped_for_a_symlink(wd: Path, tmp_path: Path) -> None:
    """Between plan and confirmation, the job folder became a symlink to another run's job: that one is left alone."""
    workdir = Workdir(wd)
    plan = workdir.plan_remove(["optimize.002"])
    assert plan.renames == (("optimize.002/optimize.002.dill", "optimize.002/optimize.002.removed.dill"),)
    outside = tmp_path / "other_run"
    outside.mkdir()
    os.rename(wd / "optimize.002", outside / "optimize.002")
    os.symlink(outside / "optimize.002", wd / "optimize.002")
    before_outside, before = snapshot(outside), snapshot(wd)
    with pytest.raises(FileError, match="optimize.002"):
        workdir.remove(plan)
    assert snapshot(outside) == before_outside
    assert snapshot(wd) == before


SAVES = ["all", "none", ["$JN.out"], ["-", "$JN.err"], ["$JN.in", "$JN.out"], None]


@pytest.fixture(scope="module")
def many_saves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 jobs of one script whose save settings differ (each form twice per cycle, same pickle shapes)."""
    from plams_core import CommandJob, JobManager, JobRunner, default_config

    defaults = default_config()
    defaults.log.stdout = -1
    parent = tmp_path_factory.mktemp("saves")
    jm = JobManager(defaults.jobmanager, parent, "wd", log_settings=defaults.log)
    try:
        for i in range(24):
            job = CommandJob("echo out; echo err >&2", input=f"point {i}\n", name=f"sp_{i}")
            job.default_settings = [defaults.job]
            save = SAVES[i % len(SAVES)]
            if save is not None:
                job.settings.save = save
            job.run(jobrunner=JobRunner(), jobmanager=jm).wait()
    finally:
        jm.close()
    return parent / "wd"


def test_own_save_of_many_jobs_is_each_jobs_own(many_saves: Path, tmp_path: Path) -> None:
    """plan_clean answers the other jobs of a script from one read in full: each still gets its own save."""
    from plams_core.cleaning import files_to_clean, job_files
    from plams_core.pickles import reader

    wd = copy_workdir(many_saves, tmp_path / "wd")
    reader._templates = None  # this process has read none of them yet
    plan = Workdir(wd).plan_clean()
    assert reader._templates.hits > 0  # the shortcut was taken
    expected: list[str] = []
    for i in range(24):
        name = f"sp_{i}"
        save = reader.read_dill(wd / name / f"{name}.dill").settings.get("save", "all")
        assert save == (SAVES[i % len(SAVES)] or "all")
        files = files_to_clean(save, path=str(wd / name), name=name, files=job_files(str(wd / name)))
        expected += [f"{name}/{f}" for f in files]
    assert sorted(plan.files) == sorted(expected)
    assert "sp_1/sp_1.out" in plan.files and "sp_3/sp_3.err" in plan.files
    assert "sp_2/sp_2.out" not in plan.files and "sp_3/sp_3.out" not in plan.files


def test_jn_means_the_job_name_even_with_glob_characters_in_it(wd: Path) -> None:
    """A job named conf[1]: --keep '$JN.out' keeps conf[1].out ([1] is not a character class here)."""
    folder = wd / "conf[1]"
    os.rename(wd / "optimize.002", folder)
    for f in os.listdir(folder):
        os.rename(folder / f, folder / f.replace("optimize.002", "conf[1]"))
    workdir = Workdir(wd)
    keep = workdir.plan_clean(["conf[1]"], keep="$JN.out")
    assert sorted(keep.files) == ["conf[1]/conf[1].err", "conf[1]/conf[1].in", "conf[1]/conf[1].run"]
    drop = workdir.plan_clean(["conf[1]"], keep="-,$JN.err")
    assert drop.files == ("conf[1]/conf[1].err",)


def test_hundreds_of_jobs_under_a_low_open_files_limit(wd: Path) -> None:
    """rm and clean of 300 jobs where a process may open 64 files (ulimit -n is 1024 on many desktops)."""
    names = []
    for i in range(300):
        name = f"conf_{i}"
        os.mkdir(wd / name)
        for f in os.listdir(wd / "optimize.002"):
            os.link(wd / "optimize.002" / f, wd / name / f.replace("optimize.002", name))
        names.append(name)
    original = snapshot(wd)
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))\n"
        "from plams_tui.cli import main\n"
        "wd, names = sys.argv[1], sys.argv[2:]\n"
        "assert main(['rm', wd, *names, '--yes']) == 0\n"
        "assert main(['rm', wd, *names, '--undo', '--yes']) == 0\n"
        "assert main(['clean', wd, *names, '--keep', '$JN.out', '--yes']) == 0\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(wd), *names], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    after = snapshot(wd)
    assert {k for k in original if k not in after} == {
        f"{n}/{n}.{ext}" for n in names for ext in ("in", "run", "err")
    }


def test_json_on_a_terminal_shows_what_it_deletes_and_keeps_stdout_json(wd: Path) -> None:
    """`clean --json` without --yes: the list and the question on the terminal (stderr), stdout only JSON."""
    import json
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plams_tui.cli", "clean", str(wd), "optimize", "--keep", "none", "--json"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while b"[y/N]" not in seen:  # the question comes on the terminal, or the test fails (not hangs)
        ready, _, _ = select.select([master], [], [], 30)
        assert ready, f"no question on the terminal; it showed {seen!r}"
        chunk = os.read(master, 1024)
        assert chunk, seen
        seen += chunk
    assert b"optimize/optimize.out" in seen and (wd / "optimize" / "optimize.out").is_file()
    os.write(master, b"y\n")
    out, _ = proc.communicate(timeout=60)
    os.close(master)
    assert proc.returncode == 0
    assert "optimize/optimize.out" in json.loads(out)["files"]
    assert not (wd / "optimize" / "optimize.out").exists()


def test_symlinks_in_a_job_folder_lose_the_link_never_the_target(wd: Path, tmp_path: Path) -> None:
    """A link to a file outside goes as a link (as PLAMS's cleaning does); a linked folder is never entered."""
    outside = tmp_path / "outside"
    (outside / "data").mkdir(parents=True)
    (outside / "basis.txt").write_text("precious")
    (outside / "data" / "big.rkf").write_text("precious too")
    os.symlink(outside / "basis.txt", wd / "optimize" / "basis.txt")
    os.symlink(outside / "data", wd / "optimize" / "data")
    before_outside = snapshot(outside)
    workdir = Workdir(wd)
    plan = workdir.plan_clean(["optimize"], keep="none")
    assert "optimize/basis.txt" in plan.files
    assert not any(f.startswith("optimize/data") for f in plan.files)
    workdir.clean(plan)
    assert not os.path.lexists(wd / "optimize" / "basis.txt")
    assert os.path.islink(wd / "optimize" / "data")
    assert snapshot(outside) == before_outside


def test_a_folder_that_cannot_be_locked_is_one_line_and_nothing_changes(
    wd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An NFS mount without lock daemon answers flock with ENOLCK: refused in one line, not a traceback."""
    import errno
    import fcntl

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    original = snapshot(wd)
    assert main(["rm", str(wd), "optimize.002", "--yes"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("plams-tui: error: ") and err.count("\n") == 1 and "No locks available" in err
    assert snapshot(wd) == original
