"""`plams-tui ls` and `plams-tui show` as a user runs them."""

from __future__ import annotations

import gc
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.workdirs import build_zoo, snapshot  # noqa: E402

from plams_tui.cli import main  # noqa: E402

_built: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture(scope="session")
def zoo26(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2026.104 zoo, never modified by these tests (they only read)."""
    if "wd" not in _built:
        _built["wd"] = build_zoo("2026.104", tmp_path_factory.mktemp("cli-zoo"))[0]
    return _built["wd"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", ["missing", "file", "empty"])
def test_bad_workdir_is_one_line_and_exit_2(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x"
    if kind == "file":
        path.write_text("not a folder")
    elif kind == "empty":
        path.mkdir()
    for argv in (["ls", str(path)], ["ls", str(path), "--json"], ["show", str(path), "opt"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert err.startswith("plams-tui: error: ") and err.count("\n") == 1 and str(path) in err


def test_show_of_a_nested_child(zoo26: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", str(zoo26), "nested/inner/leaf.002", "--json")
    assert code == 0
    job = json.loads(out)
    assert (job["name"], job["parent"], job["status"], job["class"]) == (
        "leaf.002",
        "nested/inner",
        "successful",
        "ShJob",
    )
    sizes = {f["name"]: f["size"] for f in job["files"]}
    assert sizes["leaf.002.in"] == (zoo26 / "nested/inner/leaf.002/leaf.002.in").stat().st_size
    assert [e["status"] for e in job["timeline"]][-1] == "successful"
    assert set(job["settings"]) == {"keep", "save", "pickle", "link_files"}
    code, out, _ = run(capsys, "show", str(zoo26), "nested/inner/leaf.002")
    assert code == 0 and "leaf.002.dill" in out and "nested/inner" in out


def test_show_of_an_unknown_job(zoo26: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", str(zoo26), "nope")
    assert code == 2 and out == "" and err.count("\n") == 1 and "nope" in err


def test_status_filter(zoo26: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ls", str(zoo26), "--json", "--status", "crashed,failed")
    assert code == 0
    assert {j["path"] for j in json.loads(out)} == {"crash", "fail", "partly", "partly/bad"}
    code, _, err = run(capsys, "ls", str(zoo26), "--status", "sucessful")
    assert code == 2 and "sucessful" in err


def test_hashing_runscript(zoo26: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ls", str(zoo26), "--json", "--hashing", "runscript")
    assert code == 0
    for job in json.loads(out):
        run_file = zoo26 / job["path"] / f"{job['name']}.run"
        if job["kind"] == "single" and run_file.exists():
            assert job["hash"] == hashlib.sha256(run_file.read_bytes()).hexdigest()
        else:
            assert job["hash"] is None
    code, _, err = run(capsys, "ls", str(zoo26), "--hashing", "md5")
    assert code == 2 and err.count("\n") == 1


def test_table_and_nothing_written(zoo26: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(zoo26)
    code, out, _ = run(capsys, "ls", str(zoo26))
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["PATH", "STATUS", "START", "END", "RUNTIME", "HASH", "CLASS", "DILL"]
    assert len(lines) == 20 and lines[-1].startswith("18 jobs: ")
    assert lines[0].index("STATUS") == next(line for line in lines if line.startswith("crash ")).index(
        "crashed"
    )
    assert snapshot(zoo26) == before
    assert gc.isenabled()  # ls pauses the collector only while it runs


def test_cache_only_when_asked(
    zoo26: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    code, plain, _ = run(capsys, "ls", "--json", str(zoo26))
    assert code == 0 and not (tmp_path / "xdg").exists()
    code, cached, _ = run(capsys, "ls", "--json", "--cache", str(zoo26))
    assert code == 0 and list((tmp_path / "xdg" / "plams-tui" / "index").iterdir())
    assert run(capsys, "ls", "--json", "--cache", str(zoo26))[1] == cached == plain
    with pytest.raises(SystemExit) as exited:
        main(["ls", "--cache", "--no-cache", str(zoo26)])
    assert exited.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_ls_and_show_do_not_import_textual(tmp_path: Path) -> None:
    workdir = tmp_path / "plams_workdir"
    (workdir / "job").mkdir(parents=True)
    (workdir / "logfile").write_text("[01.01|00:00:00] JOB job SUCCESSFUL\n")
    (workdir / "job" / "job.in").write_text("x\n")
    code = (
        "import sys; from plams_tui.cli import main\n"
        f"assert main(['ls', {str(workdir)!r}, '--json']) == 0\n"
        f"assert main(['show', {str(workdir)!r}, 'job']) == 0\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_command_prints_all_before_its_quick_exit(
    zoo26: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # run as the command, ls ends with os._exit after flushing (no teardown of the index):
    # the output is whole, the status is ls's, and a reader that stops early is no error
    code, want, _ = run(capsys, "ls", str(zoo26), "--json")
    assert code == 0
    cmd = [sys.executable, "-m", "plams_tui.cli", "ls", str(zoo26), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, want, "")
    proc = subprocess.run([*cmd[:-1], "--status", "nonsense"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.startswith("plams-tui: error: ")
    with subprocess.Popen([*cmd, "--sort", "start"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        assert p.stdout is not None and p.stderr is not None
        first = p.stdout.readline()
        p.stdout.close()
        err = p.stderr.read()
    assert first == b"[\n" and p.returncode == 0 and err == b""
