"""The lines ``ls`` prints on stderr about what it could not read show folder names as data:
a control character (ESC) in a folder name is shown escaped, never sent to the terminal."""

from __future__ import annotations

from pathlib import Path

from test_index_unreadable import ls_as_user, pytestmark, shared_copy  # noqa: F401

ESCAPE = "esc\x1b[31mred\x1b]8;;mailto:a\x07z"


def test_unreadable_folder_with_an_escape_in_its_name_is_reported_escaped(shared_copy: Path) -> None:  # noqa: F811
    odd = shared_copy / ESCAPE
    (shared_copy / "crash").rename(odd)
    odd.chmod(0)
    proc = ls_as_user(shared_copy)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == "plams-tui: warning: could not read 1 thing:"
    assert lines[1] == "  esc\\x1b[31mred\\x1b]8;;mailto:a\\x07z: cannot read the folder (Permission denied)"
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
