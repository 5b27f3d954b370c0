"""jobs_in_directory, config_context and implicit init behave as in real PLAMS 2026.104: same folders."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

from peers import peer_python, run_script

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "jobs_in_directory.py"
PLAMS_IMPORT = "from scm.plams import MultiJob, SingleJob, finish, init, jobs_in_directory"


def tree(workdir: Path) -> dict[str, list[str]]:
    """Files of every folder below the working folder (its own top-level files excluded)."""
    out: dict[str, list[str]] = {}
    for folder in sorted(p for p in workdir.rglob("*") if p.is_dir()):
        out[folder.relative_to(workdir).as_posix()] = sorted(f.name for f in folder.iterdir() if f.is_file())
    return out


def csv_rows(workdir: Path) -> list[tuple[str, str, str]]:
    with open(workdir / "job_logfile.csv", newline="", encoding="utf-8") as f:
        return sorted(
            (r["job_name"], os.path.relpath(r["job_path"], workdir), r["job_status"])
            for r in csv.DictReader(f)
        )


def test_jobs_in_directory_leaves_the_folders_plams_2026_leaves(tmp_path: Path) -> None:
    text = FIXTURE.read_text()
    assert PLAMS_IMPORT in text
    ours = tmp_path / "ours.py"
    ours.write_text(text.replace(PLAMS_IMPORT, PLAMS_IMPORT.replace("scm.plams", "plams_core")))
    for name, python, script in (
        ("theirs", peer_python("2026.104"), FIXTURE),
        ("mine", sys.executable, ours),
    ):
        proc = run_script(python, script, cwd=tmp_path, args=[str(tmp_path), name])
        assert proc.returncode == 0, proc.stderr
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    assert tree(mine) == tree(theirs)
    assert "a/b/x.002" in tree(mine) and "a/b/m/c" in tree(mine)
    assert csv_rows(mine) == csv_rows(theirs)


IMPLICIT = """\
from {module} import SingleJob, config, config_context


class ShJob(SingleJob):
    def get_input(self):
        return self.settings.input.text

    def get_runscript(self):
        return "echo OK\\n"


def mk(name, text):
    job = ShJob(name=name)
    job.settings.input.text = text
    return job


mk("first", "1\\n").run()
mk("again", "1\\n").run()  # copied by rerun prevention
with config_context() as cfg:
    cfg.job.pickle = False
    mk("nopickle", "2\\n").run()
"""


def test_no_init_no_finish_leaves_the_folder_plams_2026_leaves(tmp_path: Path) -> None:
    """PLAMS 2025+ scripts need neither init() nor finish(): the default manager is made on first
    use and finish() runs at exit. Folder names differ by decision (plams.<PID>, plams_workdir)."""
    folders = {}
    for name, python, module in (
        ("theirs", peer_python("2026.104"), "scm.plams"),
        ("mine", sys.executable, "plams_core"),
    ):
        cwd = tmp_path / name
        cwd.mkdir()
        script = tmp_path / f"{name}.py"
        script.write_text(IMPLICIT.format(module=module))
        proc = run_script(python, script, cwd=cwd)
        assert proc.returncode == 0, proc.stderr
        [folders[name]] = list(cwd.iterdir())
    assert folders["theirs"].name == "plams_workdir" and folders["mine"].name.startswith("plams.")
    assert tree(folders["mine"]) == tree(folders["theirs"])
    assert sorted(tree(folders["mine"])["nopickle"]) == [
        "nopickle.err",
        "nopickle.in",
        "nopickle.out",
        "nopickle.run",
    ]
    assert csv_rows(folders["mine"]) == csv_rows(folders["theirs"])
