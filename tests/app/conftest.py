"""Fixtures of the app tests: working folders built by plams_core and by real PLAMS, and a way to
wait for what the app shows (a condition awaited between app frames, never a fixed sleep)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # tests/app/folders.py


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo working folder (plams_core), built once; copy it before changing it."""
    from plams_core.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo folder."""
    dst = tmp_path / "plams_demo"
    shutil.copytree(demo_master, dst, symlinks=True)
    return dst


@pytest.fixture(scope="session")
def plams_zoo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A working folder written by the real PLAMS 2026.104, and what it holds."""
    sys.path.insert(0, str(HERE.parent))
    from fixtures.workdirs import build_zoo

    return build_zoo("2026.104", tmp_path_factory.mktemp("zoo2026"))


async def until(
    pilot: object, condition: Callable[[], object], timeout: float = 20.0, what: str = ""
) -> None:
    """Let the app run until *condition()* is true (checked between frames); fail after *timeout*."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)  # type: ignore[attr-defined]
