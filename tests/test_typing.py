"""The public API's type hints, checked by mypy as CI runs it, and a user's script that uses them.

mypy runs here rather than as a step of its own in ``.ci/run``: ``core/`` is the package
``plams_core`` only through setuptools' ``package-dir``, and the editable install reaches it
through an import hook that mypy cannot follow (pypa/setuptools#3518). The check therefore
links ``build/mypy/plams_core`` to ``core/`` (``build/`` is ignored by git) and runs mypy with
the configuration in pyproject.toml (``[tool.mypy]``), which names that path and ``plams_tui``
(a plain package, checked where it is). Run this file
alone to type-check: ``.venv/bin/python -m pytest tests/test_typing.py``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
LINK = REPO / "build" / "mypy" / "plams_core"


def _link_package() -> None:
    """Make build/mypy/plams_core point at core/ (again if it points elsewhere, e.g. another checkout)."""
    target = os.path.relpath(REPO / "core", LINK.parent)
    if LINK.is_symlink() and os.readlink(LINK) == target:
        return
    LINK.parent.mkdir(parents=True, exist_ok=True)
    if LINK.is_symlink() or LINK.exists():
        LINK.unlink()
    LINK.symlink_to(target, target_is_directory=True)


def test_mypy_accepts_the_public_api_and_a_script_using_it() -> None:
    _link_package()
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": ""},  # only the configured mypy_path
    )
    # paths through the link read as the files a developer edits
    report = (proc.stdout + proc.stderr).replace("build/mypy/plams_core/", "core/")
    assert proc.returncode == 0, f"mypy found problems:\n{report}"
    assert "Success: no issues found" in report


def _api_usage(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_usage", REPO / "tests" / "typing" / "api_usage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # importable by name, as a user's module is: its job classes pickle by reference
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_the_type_checked_script_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What mypy checks in tests/typing/api_usage.py also works: jobs run, then scan, detail, plans and a load."""
    names = _api_usage(monkeypatch).main(tmp_path)
    assert names == ["hello", "outer", "outer/inner"]
