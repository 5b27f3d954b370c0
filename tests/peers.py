"""The real `plams` package as a compatibility peer, in the releases the tests compare against.

PLAMS 2026.104 comes with the `test` extra (it is the current release). 2024.107 cannot be
installed beside it (same import name), so the first test that needs it builds a venv for it
in a cache folder and reuses it afterwards. Scripts always run in a subprocess: PLAMS keeps
global state (config, the default JobManager) that must not leak between tests.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import venv
from pathlib import Path

PEER_VERSIONS = ("2024.107", "2026.104")
CACHE = Path(os.environ.get("PLAMS_TUI_PEER_CACHE", Path.home() / ".cache" / "plams-tui" / "peers"))


def _installed_plams_version(python: str) -> str | None:
    proc = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('plams'))"],
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def peer_python(version: str) -> str:
    """Path of a Python interpreter that imports `scm.plams` at *version* (built on first use)."""
    if version not in PEER_VERSIONS:
        raise ValueError(f"unknown PLAMS peer {version}")
    if _installed_plams_version(sys.executable) == version:
        return sys.executable
    target = CACHE / f"plams-{version}"
    python = target / "bin" / "python"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".lock-{version}", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes must not build the same venv
        if python.exists() and _installed_plams_version(str(python)) == version:
            return str(python)
        venv.create(target, with_pip=True, clear=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                f"plams=={version}",
                "dill",
            ],
            check=True,
        )
    return str(python)


def run_script(
    python: str,
    script: Path | str,
    cwd: Path,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a Python script file with *python* in *cwd*; output captured as text."""
    full_env = dict(os.environ)
    full_env.pop("PYTHONPATH", None)
    full_env.update(env or {})
    return subprocess.run(
        [python, str(script), *(args or [])],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def plams_unit_tests(version: str = "2026.104") -> Path:
    """The ``unit_tests/`` folder of PLAMS *version*'s sdist, downloaded from PyPI once and cached.

    Cached beside the peer venvs (``CACHE/plams-<version>-sdist/unit_tests``), built under a
    lock so that two test processes never download into the same folder.
    """
    import shutil
    import tarfile
    import tempfile

    target = CACHE / f"plams-{version}-sdist"
    unit_tests = target / "unit_tests"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".lock-sdist-{version}", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return unit_tests
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--disable-pip-version-check",
                    "--no-deps",
                    "--no-binary",
                    ":all:",
                    f"plams=={version}",
                    "-d",
                    tmp,
                ],
                check=True,
            )
            [archive] = Path(tmp).glob(f"plams-{version}.tar.gz")
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            prefix = f"plams-{version}/unit_tests/"
            with tarfile.open(archive) as tar:
                members = [
                    m for m in tar.getmembers() if m.name.startswith(prefix) and (m.isfile() or m.isdir())
                ]
                for member in members:
                    member.name = member.name[len(f"plams-{version}/") :]
                if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse links and paths out of target
                    tar.extractall(target, members=members, filter="data")
                else:
                    tar.extractall(target, members=members)
            (target / ".complete").touch()
    return unit_tests
