"""pytest plugin: run PLAMS's own unit tests against plams_core. It maps names and nothing else.

Loaded with ``-p plams_shim`` before the tests' conftest, it installs a meta-path finder that
answers ``import scm.plams...`` with plams_core's modules: ``scm.plams`` and ``scm.plams.core``
are ``plams_core``, ``scm.plams.core.<module>`` is ``plams_core.<module>`` (the engine keeps
PLAMS's module names), except ``enums``, which plams_core calls ``status``. A name plams_core
lacks raises ImportError (so only the tests that touch it fail); the real ``scm.plams`` that
is installed beside us is never imported. The module objects are the same, so ``patch(
"scm.plams.core.functions.config", ...)`` patches plams_core.functions.

It also writes every test's outcome to the JSON file named by ``$PLAMS_CONFORMANCE_REPORT``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import json
import os
import sys
import types
from typing import Any

# scm.plams.core.<name> whose plams_core module has another name
_RENAMED = {"enums": "status"}


def _target(fullname: str) -> str | None:
    if fullname in ("scm.plams", "scm.plams.core"):
        return "plams_core"
    prefix = "scm.plams.core."
    if fullname.startswith(prefix):
        rest = fullname[len(prefix) :]
        head, _, tail = rest.partition(".")
        return "plams_core." + ".".join(filter(None, (_RENAMED.get(head, head), tail)))
    return None


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == "scm":
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        if not fullname.startswith("scm."):
            return None
        if _target(fullname) is None:
            raise ModuleNotFoundError(f"plams_core has no counterpart of {fullname}", name=fullname)
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if spec.name == "scm":
            module = types.ModuleType("scm")
            module.__path__ = []  # a package with nothing of its own: scm.base, scm.pisa are absent
            return module
        target = _target(spec.name)
        assert target is not None
        return importlib.import_module(target)  # the very same module object

    def exec_module(self, module: types.ModuleType) -> None:
        pass


for _name in [n for n in sys.modules if n == "scm" or n.startswith("scm.")]:
    del sys.modules[_name]
sys.meta_path.insert(0, _AliasFinder())

_outcomes: dict[str, str] = {}
_collect_errors: dict[str, str] = {}


def pytest_runtest_logreport(report: Any) -> None:
    previous = _outcomes.get(report.nodeid)
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    elif report.skipped and previous != "failed":
        _outcomes[report.nodeid] = "skipped"
    elif previous is None:
        _outcomes[report.nodeid] = "passed"


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _collect_errors[report.nodeid] = str(report.longrepr)[-2000:]


def pytest_sessionfinish(session: Any) -> None:
    path = os.environ.get("PLAMS_CONFORMANCE_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"outcomes": _outcomes, "collect_errors": _collect_errors}, f, indent=1, sort_keys=True)
