"""A reused job name: PLAMS logs ``JOB opt STARTED`` for the second ``opt`` before renaming it.

That line belongs to ``opt.002``; given to the first ``opt`` it made a crashed job look
``started (interrupted)`` wherever the text log is the status source (issue 8, item 1).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from peers import peer_python, run_script  # noqa: E402
from plams_core.index import scan_workdir  # noqa: E402
from plams_core.index.sources import JobLog  # noqa: E402

SCRIPT = """\
from scm.plams import *

class ShJob(SingleJob):
    def get_input(self):
        return self.settings.input.text
    def get_runscript(self):
        return self.settings.input.cmd + "\\n"

init(folder="wd")
first = ShJob(name="opt")
first.settings.input.text = "first\\n"
first.settings.input.cmd = "exit 1"
first.run()
second = ShJob(name="opt")
second.settings.input.text = "second\\n"
second.settings.input.cmd = "echo OK"
second.run()
print(first.name, first.status, second.name, second.status)
finish()
"""


@pytest.fixture(scope="module")
def plams2024_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("rename24")
    (where / "script.py").write_text(SCRIPT)
    proc = run_script(peer_python("2024.107"), where / "script.py", where)
    assert proc.returncode == 0, proc.stderr
    assert "opt crashed opt.002 successful" in proc.stdout
    return where / "wd"


def test_a_crashed_job_keeps_its_status_when_its_name_is_reused_plams2024(plams2024_workdir: Path) -> None:
    assert not (plams2024_workdir / "job_logfile.csv").exists()  # 2024: the text log is all there is
    assert not (plams2024_workdir / "opt" / "opt.dill").exists()  # PLAMS pickles no crashed job
    index = scan_workdir(plams2024_workdir)
    opt, opt2 = index.get("opt"), index.get("opt.002")
    assert opt is not None and opt2 is not None
    assert (opt.status, opt.status_source, opt.interrupted) == ("crashed", "logfile", False)
    assert opt2.status == "successful"
    timeline = [status for _, status in index.detail("opt").timeline]
    assert timeline == ["started", "running", "crashed"]


def test_a_demo_copy_without_csv_and_dill(tmp_path: Path) -> None:
    from plams_core import build_demo

    (tmp_path / "src").mkdir()
    demo = build_demo(tmp_path / "src")
    copy = tmp_path / "copy"
    shutil.copytree(demo, copy, symlinks=True)
    (copy / "job_logfile.csv").unlink()
    (copy / "optimize" / "optimize.dill").unlink()
    (copy / "optimize.002" / "optimize.002.dill").unlink()
    index = scan_workdir(copy)
    for path in ("optimize", "optimize.002"):
        rec = index.get(path)
        assert rec is not None
        assert (rec.status, rec.status_source, rec.interrupted) == ("successful", "logfile", False), path
    assert [s for _, s in index.detail("optimize").timeline][-1] == "successful"
    assert [s for _, s in index.detail("optimize.002").timeline][0] == "started"


def test_a_log_read_in_two_pieces_between_started_and_rename(plams2024_workdir: Path, tmp_path: Path) -> None:
    text = (plams2024_workdir / "logfile").read_text()
    cut = text.index("Renaming job opt to opt.002")  # a refresh came after the STARTED line
    log_path = tmp_path / "logfile"
    log_path.write_text(text[:cut])
    log = JobLog()
    log.read(str(log_path))
    assert log.last_status["opt"] == "started"  # all it can know so far
    with open(log_path, "a") as f:
        f.write(text[cut:])
    log.read(str(log_path))
    whole = JobLog()
    whole.parse(text)
    assert log.last_status == whole.last_status
    assert (log.last_status["opt"], log.last_status["opt.002"]) == ("crashed", "successful")
