"""Names that are not clean text (issue 8, item 3): what `ls` and `show` print stays safe.

A job folder can be named with bytes that are not UTF-8, with terminal escape sequences or
with a newline (a user's `mv`, a script's name). `ls --json` must stay valid UTF-8 JSON that
gives the bytes back (os.fsencode of the name), and text output must never pass a control
character to the terminal nor split a row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from plams_core import JobManager
from plams_core.commandjob import CommandJob
from plams_core.jobrunner import JobRunner

from plams_tui.cli import main

NOT_UTF8 = b"bad\xff\xfename"
ESCAPE = "esc\x1b[31mred"
NEWLINE = "two\nlines"


def _rename_job(workdir: Path, old: str, new: bytes) -> None:
    """Rename job folder *old* and its $JN.* files to *new*, as `mv` would."""
    folder = os.fsencode(workdir / old)
    for name in os.listdir(folder):
        if name.startswith(old.encode()):
            os.rename(os.path.join(folder, name), os.path.join(folder, new + name[len(old) :]))
    os.rename(folder, os.path.join(os.fsencode(workdir), new))


@pytest.fixture
def odd_names(jm: JobManager) -> Path:
    """A working folder made by plams_core whose job folders were then renamed to odd names."""
    runner = JobRunner(parallel=False)
    for name, command in (("plain", "echo OK"), ("a", "echo OK"), ("b", "exit 2"), ("c", "echo OK")):
        job = CommandJob(command, input=f"{name}\n", name=name)
        job.run(jobrunner=runner, jobmanager=jm)
    workdir = Path(jm.workdir)
    jm.close()
    _rename_job(workdir, "a", NOT_UTF8)
    _rename_job(workdir, "b", ESCAPE.encode())
    _rename_job(workdir, "c", NEWLINE.encode())
    # the crashed job's error output holds a colour code too, as compilers' output does
    with open(os.path.join(os.fsencode(workdir), ESCAPE.encode(), ESCAPE.encode() + b".err"), "wb") as f:
        f.write(b"\x1b[1;31mERROR\x1b[0m: out of memory\n")
    return workdir


def _cli(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """`plams-tui ARGS` in a fresh process: the bytes a terminal or a pipe would get."""
    cmd = [os.fsencode(sys.executable), b"-m", b"plams_tui.cli", *(os.fsencode(a) for a in args)]
    return subprocess.run(cmd, capture_output=True, env={**os.environ, "LANG": "C.UTF-8"})


def test_ls_json_is_utf8_and_round_trips_the_bytes(odd_names: Path) -> None:
    proc = _cli("ls", "--json", str(odd_names))
    assert proc.returncode == 0, proc.stderr
    jobs = json.loads(proc.stdout.decode("utf-8"))  # strict: raises on any byte that is not UTF-8
    names = {os.fsencode(j["name"]) for j in jobs}
    assert names == {b"plain", NOT_UTF8, ESCAPE.encode(), NEWLINE.encode()}
    paths = {os.fsencode(j["path"]) for j in jobs}
    assert all(os.path.isdir(os.path.join(os.fsencode(odd_names), p)) for p in paths)
    assert b"\x1b" not in proc.stdout  # JSON escapes it (\u001b), as every control character


def test_ls_table_escapes_control_characters(odd_names: Path) -> None:
    proc = _cli("ls", str(odd_names))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "\x1b" not in out and "\r" not in out
    lines = out.splitlines()
    assert len(lines) == 1 + 4 + 1  # header, one row per job (none split), summary
    rows = {line.split()[0]: line.split()[1] for line in lines[1:-1]}
    assert rows == {
        "plain": "successful",
        "bad\\xff\\xfename": "successful",
        "esc\\x1b[31mred": "unknown",  # crashed, not pickled: after the rename nothing names it
        "two\\nlines": "successful",
    }


def test_show_escapes_names_and_output_tails(odd_names: Path) -> None:
    proc = _cli("show", str(odd_names), ESCAPE)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "\x1b" not in out
    assert "esc\\x1b[31mred.err" in out  # the file list, escaped
    assert "\\x1b[1;31mERROR\\x1b[0m: out of memory" in out  # the .err tail, escaped
    proc = _cli("show", str(odd_names), NOT_UTF8, "--json")
    assert proc.returncode == 0, proc.stderr
    job = json.loads(proc.stdout.decode("utf-8"))
    assert os.fsencode(job["name"]) == NOT_UTF8
    assert {os.fsencode(f["name"]) for f in job["files"]} >= {NOT_UTF8 + b".in", NOT_UTF8 + b".run"}


def test_an_error_naming_a_bad_job_does_not_reach_the_terminal_raw(
    odd_names: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(odd_names), "nope\x1b]0;owned\x07"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "\x07" not in err
    assert "nope\\x1b]0;owned\\x07" in err


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain name", "plain name"),
        ("tab\there", "tab\\there"),
        ("cr\rlf\n", "cr\\rlf\\n"),
        ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),
        (os.fsdecode(b"byte\xff"), "byte\\xff"),
        ("rtl\u202eevil", "rtl\\u202eevil"),
        ("ls\u2028sep", "ls\\u2028sep"),
        ("caf\u00e9 \u6c34", "caf\u00e9 \u6c34"),  # printable non-ASCII stays as it is
    ],
)
def test_escape_text(raw: str, shown: str) -> None:
    from plams_core.index.report import escape_text

    assert escape_text(raw) == shown


def test_json_safe_round_trips_every_odd_character() -> None:
    from plams_core.index.report import json_safe

    odd = os.fsdecode(b"\xff") + "\x9b\x7f\u2028\u202e\x1b\n" + "caf\u00e9"
    text = json_safe(json.dumps({"name": odd}, ensure_ascii=False))
    text.encode("utf-8")  # strict: valid UTF-8
    assert json.loads(text)["name"] == odd
    assert "caf\u00e9" in text  # readable text is not escaped
