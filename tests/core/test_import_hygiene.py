"""plams_core is headless: importing it loads no user interface."""

from __future__ import annotations

import json
import subprocess
import sys


def test_import_loads_no_ui() -> None:
    code = (
        "import json, sys\nimport plams_core\nfrom plams_core import *\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'plams_tui'))))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == []


def test_public_api_is_sorted_and_importable() -> None:
    import plams_core

    names = plams_core.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(plams_core, name), name
