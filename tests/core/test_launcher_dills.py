"""Jobs of a script run through PLAMS's own launcher (``scm-plams script.py``) read ``ok``.

The launcher runs the script in its module's globals, so a job class defined in the script
(pickled by value by dill) drags in ``__loader__`` (``SourceFileLoader``), ``__spec__``
(``ModuleSpec``) and ``config`` (``ConfigSettings`` with a ``__dict__``). Those are inert
records; calling their methods at load time stays unsafe (payloads below, proven live).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.hostile.payloads import (  # noqa: E402
    BUILD,
    CANARY,
    EMPTY_DICT,
    EMPTY_TUPLE,
    MARK,
    NEWOBJ,
    SETITEMS,
    call,
    glob,
    pickle_of,
    text,
)
from plams_core.pickles.reader import read_dill, read_dill_summary  # noqa: E402

BIN = Path(sys.executable).parent
SCRIPT = textwrap.dedent(
    """
    from scm.plams import SingleJob

    class EchoJob(SingleJob):
        def get_input(self):
            return "hello " + self.name

        def get_runscript(self):
            return "echo hi > out.txt\\n"

    for i in range(3):
        EchoJob(name=f"echo{i}").run()
    """
)
LOAD_ALL = textwrap.dedent(
    """
    import json, os, sys
    from scm.plams import load_all
    jobs = load_all(sys.argv[1])
    print(json.dumps({os.path.basename(os.path.dirname(k)): [type(v).__name__, str(v.status)]
                      for k, v in jobs.items()}))
    """
)


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """A folder made by ``scm-plams script.py`` (PLAMS 2026.104) and what real load_all loads."""
    cwd = tmp_path_factory.mktemp("launcher")
    (cwd / "script.py").write_text(SCRIPT)
    proc = subprocess.run(
        [str(BIN / "scm-plams"), "script.py"], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workdir = cwd / "plams_workdir"
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_ALL, str(workdir)], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert loaded.returncode == 0, loaded.stderr
    return workdir, json.loads(loaded.stdout.strip().splitlines()[-1])


def test_launcher_jobs_read_ok_exactly_where_plams_loads_them(
    launched: tuple[Path, dict[str, list[str]]],
) -> None:
    workdir, truth = launched
    assert truth, "real PLAMS loaded no job: the folder proves nothing"
    dills = sorted(workdir.glob("*/*.dill"))
    assert len(dills) == 3
    for path in dills:
        info = read_dill(path)
        name = path.parent.name
        if name in truth:
            assert (info.verdict, info.class_name, info.name) == ("ok", truth[name][0], name), info
            assert info.status == truth[name][1]
        else:  # PLAMS 2026.104 logs "Pickling of echoN failed" and leaves a truncated file
            assert info.verdict == "corrupt", info
    # The launcher's records really are in the ok pickles (else this test proves nothing).
    data = (workdir / "echo0" / "echo0.dill").read_bytes()
    assert b"SourceFileLoader" in data and b"ModuleSpec" in data and b"ConfigSettings" in data


def test_plams_tui_ls_and_load_of_a_launcher_job(launched: tuple[Path, dict[str, list[str]]]) -> None:
    workdir, truth = launched
    ls = subprocess.run(
        [str(BIN / "plams-tui"), "ls", "--json", str(workdir)], capture_output=True, text=True, timeout=120
    )
    assert ls.returncode == 0, ls.stderr
    rows = {row["name"]: row for row in json.loads(ls.stdout)}
    for name in truth:
        assert rows[name]["dill"] == "ok", rows[name]
        assert rows[name]["class"] == "EchoJob"
    load = subprocess.run(
        [str(BIN / "plams-tui"), "load", "--json", str(workdir), "echo0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert load.returncode == 0, load.stdout + load.stderr
    shown = json.loads(load.stdout)
    assert shown["name"] == "echo0" and "EchoJob" in json.dumps(shown)
    # restart reuses what PLAMS can load instead of rerunning it (the costly part)
    plan = subprocess.run(
        [str(BIN / "plams-tui"), "restart", "--dry-run", "--json", str(workdir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    actions = {step["name"]: step["action"] for step in json.loads(plan.stdout)}
    assert actions == {name: ("reuse" if name in truth else "rerun") for name in actions}
    assert set(actions) == set(rows)


@pytest.fixture
def templates(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh set of templates for this test (they are per process otherwise)."""
    from plams_core.pickles import reader as dillreader
    from plams_core.pickles.templates import DillTemplates

    fresh = DillTemplates(dillreader._load_for_template)
    monkeypatch.setattr(dillreader, "_templates", fresh)
    return fresh


def _full(path: Path) -> tuple[Any, ...]:
    info = read_dill(path, timeline=False)
    return (info.verdict, info.reason, info.class_name, info.status, info.children)


def test_the_template_fast_path_agrees_for_launcher_siblings(
    launched: tuple[Path, dict[str, list[str]]], tmp_path: Path, templates: Any
) -> None:
    workdir, _ = launched
    data = (workdir / "echo0" / "echo0.dill").read_bytes()
    # Siblings differ in literals only: the job's name (same length) and its status.
    siblings = [data.replace(b"echo0", f"echo{i}".encode()) for i in range(5, 9)]
    siblings.append(siblings[0].replace(b"successful", b"crashed\x8c\x00\x8c\x00"[:10]))
    paths = []
    for i, sibling in enumerate(siblings):
        paths.append(tmp_path / f"s{i}.dill")
        paths[-1].write_bytes(sibling)
    assert _full(paths[0])[0] == "ok"
    for _ in range(2):  # the second round is answered from templates made in the first
        for path in paths:
            assert read_dill_summary(path) == _full(path), path
    assert templates.hits > 0  # the fast path did answer for the launcher's siblings


def _loader(path: Path) -> bytes:
    """A SourceFileLoader as the launcher's pickles build it: NEWOBJ (), BUILD {name, path}."""
    return (
        glob("_frozen_importlib_external", "SourceFileLoader")
        + EMPTY_TUPLE
        + NEWOBJ
        + EMPTY_DICT
        + MARK
        + text("name")
        + text("evil")
        + text("path")
        + text(str(path))
        + SETITEMS
        + BUILD
    )


def _hostile(evil: Path) -> dict[str, bytes]:
    loader = _loader(evil)
    return {
        # getattr(loader, "load_module")(): imports and runs evil.py
        "load_module": pickle_of(call(call(glob("builtins", "getattr"), loader, text("load_module")))),
        # methodcaller("exec_module", ModuleType("evil"))(loader): runs evil.py in the module
        "exec_module": pickle_of(
            call(
                call(
                    glob("operator", "methodcaller"),
                    text("exec_module"),
                    call(glob("types", "ModuleType"), text("evil")),
                ),
                loader,
            )
        ),
    }


LIVE_LOAD = "import sys, dill\ndill.loads(open(sys.argv[1], 'rb').read())\n"


@pytest.mark.parametrize("name", ["load_module", "exec_module"])
def test_calling_a_source_file_loader_is_live_and_stays_unsafe(name: str, tmp_path: Path) -> None:
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({CANARY!r}, 'w').close()\n")
    pickled = tmp_path / f"{name}.dill"
    pickled.write_bytes(_hostile(evil)[name])
    live = tmp_path / "live"
    live.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", LIVE_LOAD, str(pickled)], cwd=live, capture_output=True, text=True, timeout=120
    )
    assert (live / CANARY).exists(), f"payload {name} did not fire: {proc.stderr}"

    quiet = tmp_path / "quiet"
    quiet.mkdir()
    copy = quiet / "job.dill"
    copy.write_bytes(pickled.read_bytes())
    info = read_dill(copy)
    assert info.verdict == "unsafe", info
    assert read_dill_summary(copy)[0] == "unsafe"
    assert not (quiet / CANARY).exists() and not (tmp_path / CANARY).exists()
    assert "evil" not in sys.modules


def test_a_source_file_loader_used_as_a_key_is_unsafe(tmp_path: Path) -> None:
    # FileLoader.__hash__ hashes what the pickle stored in it: refused, as no real pickle does it.
    data = pickle_of(EMPTY_DICT + MARK + _loader(tmp_path / "x.py") + text("v") + SETITEMS)
    path = tmp_path / "key.dill"
    path.write_bytes(data)
    info = read_dill(path)
    assert info.verdict == "unsafe" and "hashes" in (info.reason or ""), info


REPLACES_PATH = textwrap.dedent(
    """
    import sys, dill, scm, scm.plams
    from scm.plams import init
    init(folder=sys.argv[2])
    installed = scm.__path__._path_finder
    dill.load(open(sys.argv[1], "rb"))
    print(scm.__path__._path_finder.__func__ is not installed.__func__)
    """
)


@pytest.mark.plams2024
def test_plams_2024_launcher_jobs_stay_refused_since_loading_rewrites_the_scm_package(tmp_path: Path) -> None:
    """Decision: PLAMS 2024.107's launcher pickles also carry the namespace package ``scm``
    by value (dill: ``_import_module('scm')`` then BUILD of its ``__dict__``). A real load
    replaces the live ``scm.__path__`` with a ``_NamespacePath`` whose ``_path_finder`` is a
    function from the pickle, which the import system calls later: not inert, so not ok."""
    from peers import peer_python

    python = Path(peer_python("2024.107"))
    (tmp_path / "script.py").write_text(SCRIPT)
    proc = subprocess.run(
        [str(python.parent / "plams"), "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dills = sorted((tmp_path / "plams_workdir").glob("*/*.dill"))
    assert len(dills) == 3
    for path in dills:
        info = read_dill(path)
        assert info.verdict in ("unsafe", "corrupt") and "NamespaceLoader" in (info.reason or ""), info
    real = subprocess.run(
        [str(python), "-c", REPLACES_PATH, str(dills[0]), str(tmp_path / "scratch")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert real.stdout.strip().splitlines()[-1] == "True", real.stdout + real.stderr


def test_settings_state_and_the_jobmanager_exception_are_exact(tmp_path: Path) -> None:
    from fixtures.hostile.payloads import NONE, tup

    # BUILD of a Settings with slot state would run setattr: refused as on any installed class.
    settings = glob("scm.plams.core.settings", "ConfigSettings") + EMPTY_TUPLE + NEWOBJ
    slots = pickle_of(settings + tup(NONE, EMPTY_DICT + text("x") + text("y") + b"s") + BUILD)
    path = tmp_path / "slots.dill"
    path.write_bytes(slots)
    assert read_dill(path).verdict == "unsafe"
    # PLAMS's own JobManager (no __del__) may be built; plams_core's or a re-export may not.
    for module, verdict in [
        ("scm.plams.core.jobmanager", "corrupt"),  # built fine, then: not a job pickle
        ("plams_core.jobmanager", "unsafe"),
        ("myjobs", "unsafe"),
    ]:
        path.write_bytes(pickle_of(glob(module, "JobManager") + EMPTY_TUPLE + NEWOBJ))
        assert read_dill(path).verdict == verdict, module
