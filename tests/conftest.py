"""Shared fixtures: private job managers in tmp folders, and a global PLAMS environment that is torn down."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from plams_core import JobManager

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))  # tests/peers.py


@pytest.fixture
def jm(tmp_path: Path) -> Iterator[JobManager]:
    """A private JobManager on tmp_path/wd with PLAMS's default settings and a quiet terminal."""
    from plams_core import JobManager, default_config

    defaults = default_config()
    defaults.log.stdout = -1
    manager = JobManager(defaults.jobmanager, tmp_path, "wd", log_settings=defaults.log)
    yield manager
    manager.close()


@pytest.fixture
def plams_env(tmp_path: Path) -> Iterator[JobManager]:
    """init() into tmp_path/wd (quiet terminal); finish() and restore the global config afterwards."""
    from plams_core import config, finish, init

    saved = config.copy()
    init(path=tmp_path, folder="wd", config_settings={"log": {"stdout": -1}})
    yield config.default_jobmanager
    finish()
    for key in [k for k in dict.keys(config) if k not in saved]:
        del config[key]
    config.update(saved)


@pytest.fixture(autouse=True)
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes the index cache into the real ~/.cache (nor, ever, into a working folder)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
