"""What `plams-tui ls` tells a computational chemist (issue 8): order, summary, where to look."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from plams_core import JobManager
from plams_core.commandjob import CommandJob
from plams_core.demo import build_demo
from plams_core.jobrunner import JobRunner

from plams_tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo folder (never changed by these tests)."""
    return build_demo(tmp_path_factory.mktemp("listing-demo"))


@pytest.fixture
def numbered(jm: JobManager) -> Path:
    """Jobs job10, job2, job1 (run in that order) and a crashed job0, made by plams_core."""
    runner = JobRunner(parallel=False)
    for name in ("job10", "job2", "job1"):
        CommandJob("echo OK", input=f"{name}\n", name=name).run(jobrunner=runner, jobmanager=jm)
    CommandJob("exit 4", input="zero\n", name="job0").run(jobrunner=runner, jobmanager=jm)
    return Path(jm.workdir)


def test_natural_order_and_sort(numbered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ls", str(numbered))
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["job0", "job1", "job2", "job10"]
    code, out, _ = run(capsys, "ls", "--json", str(numbered))
    assert [j["name"] for j in json.loads(out)] == ["job0", "job1", "job2", "job10"]
    code, out, _ = run(capsys, "ls", "--sort", "status", str(numbered))
    assert [line.split()[:2] for line in out.splitlines()[1:3]] == [
        ["job0", "crashed"],
        ["job1", "successful"],
    ]
    with pytest.raises(SystemExit) as exited:
        main(["ls", "--sort", "size", str(numbered)])
    assert exited.value.code == 2


def test_natural_order_keeps_children_under_their_multijob(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ls", "--json", str(demo))
    paths = [j["path"] for j in json.loads(out)]
    assert (
        paths.index("scan") + 1 == paths.index("scan/bad")
        and paths.index("scan/good") == paths.index("scan/bad") + 1
    )
    assert paths.index("optimize") < paths.index("optimize.002")
    assert paths.index("nested/inner/leaf") < paths.index("nested/inner/leaf.002")


def test_summary_line(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ls", str(demo))
    assert code == 0
    assert out.splitlines()[-1] == "14 jobs: 9 successful, 2 crashed, 2 failed, 1 copied"
    code, out, _ = run(capsys, "ls", "--status", "crashed", str(demo))
    assert out.splitlines()[-1] == "2 of 14 jobs: 2 crashed"
    code, out, _ = run(capsys, "ls", "--json", str(demo))
    assert len(json.loads(out)) == 14  # JSON is the jobs only


def test_workdir_defaults_to_the_current_one(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo)
    code, here, err = run(capsys, "ls")
    assert code == 0 and err == ""
    assert here == run(capsys, "ls", str(demo))[1]


def test_workdir_defaults_to_the_newest_in_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = build_demo(tmp_path, "plams_workdir")
    new = build_demo(tmp_path, "plams_workdir")  # plams_workdir.002
    (tmp_path / "notes").mkdir()
    # the older name was written last: newest means latest written, not highest number
    for folder, when in ((new, 1_700_000_000), (old, 1_700_000_500)):
        for f in (folder, folder / "logfile", folder / "job_logfile.csv"):
            os.utime(f, (when, when))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "ls", "--json")
    assert code == 0
    assert err == "plams-tui: listing plams_workdir (the newest of 2 working folders here)\n"
    assert len(json.loads(out)) == 14
    code, _, err = run(capsys, "ls", str(tmp_path))  # a folder given that holds working folders
    assert code == 0 and f"listing {old} " in err


def test_no_working_folder_here_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "ls")
    assert code == 2 and out == ""
    assert err.startswith("plams-tui: error: ") and err.count("\n") == 1
    assert "not a PLAMS working folder" in err and "give WORKDIR" in err


def test_ls_on_a_job_folder_points_to_show(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo.parent)
    for given, job in (
        ("plams_demo/optimize", "optimize"),
        ("plams_demo/scan/", "scan"),
        ("plams_demo/scan/bad", "scan/bad"),
    ):
        code, out, err = run(capsys, "ls", given)
        assert code == 2 and out == "" and err.count("\n") == 1
        assert err.endswith(f"run: plams-tui show plams_demo {job}\n"), err
        # and the command it names works
        code, out, _ = run(capsys, "show", "plams_demo", job)
        assert code == 0 and out.startswith(f"name:          {job.rpartition('/')[2]}\n")
    monkeypatch.chdir(demo / "scan" / "bad")
    code, _, err = run(capsys, "ls")
    assert code == 2 and err.endswith(f"run: plams-tui show {demo} scan/bad\n")  # not ../..


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from plams_tui import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"plams-tui {__version__}\n"


ISO_LOCAL = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
ISO_OFFSET = ISO_LOCAL + r"[+-]\d\d:\d\d"


def test_start_end_and_run_time(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ls", str(demo))
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:-1]}
    for path in ("crash", "optimize", "scan/", "nested/inner/leaf.002"):
        _, _, start, end, runtime, *_ = rows[path]
        assert re.fullmatch(ISO_LOCAL, start) and re.fullmatch(ISO_LOCAL, end), rows[path]
        # the demo's jobs take milliseconds; a loaded machine may push one over a second boundary
        assert start <= end and re.fullmatch(r"0:0\d", runtime), rows[path]
    jobs = {j["path"]: j for j in json.loads(run(capsys, "ls", "--json", str(demo))[1])}
    for path, row in rows.items():
        job = jobs[path.rstrip("/")]
        assert (
            re.fullmatch(ISO_OFFSET, job["start"]) and job["start"][:19] == row[2]
        )  # one instant, one format
        assert re.fullmatch(ISO_OFFSET, job["end"]) and job["end"][:19] == row[3]


def test_sort_by_start(numbered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # as if the jobs had run on different days: job2 first, then job10, job0, job1
    csv_file = numbered / "job_logfile.csv"
    day = {"job2": "01", "job10": "02", "job0": "03", "job1": "04"}
    lines = csv_file.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines[1:], 1):
        name = line.split(",")[2]
        lines[i] = re.sub(r"\d{4}-\d\d-\d\d ", f"2026-01-{day[name]} ", line)
    csv_file.write_text("".join(lines))
    code, out, _ = run(capsys, "ls", "--sort", "start", str(numbered))
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["job2", "job10", "job0", "job1"]
    assert [line.split()[2][:10] for line in out.splitlines()[1:-1]] == [
        "2026-01-01",
        "2026-01-02",
        "2026-01-03",
        "2026-01-04",
    ]
