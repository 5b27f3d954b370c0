"""Settings behaves like scm.plams.Settings."""

from __future__ import annotations

import copy
import pickle

import dill
import pytest
from plams_core import Settings


def test_attribute_access_creates_branches() -> None:
    s = Settings()
    s.a.b.c = 12
    assert s["a"]["b"]["c"] == 12
    assert isinstance(s.a.b, Settings)


def test_nested_dicts_become_settings_and_keys_ignore_case() -> None:
    s = Settings({"Input": {"basis": {"type": "DZ"}}, "lst": [{"x": 1}]})
    assert isinstance(s.input.basis, Settings)
    assert s.INPUT.Basis.TYPE == "DZ"
    assert isinstance(s.lst[0], Settings)
    s.input.BASIS.core = "None"
    assert list(s.Input) == ["basis"]  # one key, first spelling kept


def test_contains_does_not_create_and_takes_keys_only() -> None:
    s = Settings()
    s.job.pickle = True
    assert "job" in s
    assert "JOB" in s
    assert "job.pickle" not in s  # a key, not a path: as PLAMS (nested: contains_nested)
    assert s.get_nested(("job", "missing")) is None and "missing" not in s.job  # a read creates nothing
    assert "nothing" not in s
    assert "nothing" not in dict.keys(s)
    assert s.contains_nested(("job", "pickle"))


def test_copy_is_a_new_tree_with_shared_leaves() -> None:
    s = Settings()
    s.a = [1]
    s.x.y = 12
    c = s.copy()
    s.x.y = 13
    s.a.append(2)
    assert c.x.y == 12
    assert c.a == [1, 2]
    assert copy.copy(s).x is not s.x


def test_soft_update_update_merge() -> None:
    s = Settings({"a": "AA", "x": {"y1": "XY1"}})
    o = Settings({"a": "O", "c": "C", "x": {"y1": "O1", "y3": "O3"}})
    m = s + o
    assert (m.a, m.c, m.x.y1, m.x.y3) == ("AA", "C", "XY1", "O3")
    assert "c" not in s  # merge copies
    s.update(o)
    assert (s.a, s.x.y1, s.x.y3) == ("O", "O1", "O3")
    t = Settings({"a": 1})
    t += {"a": 2, "b": 3}
    assert (t.a, t.b) == (1, 3)


def test_get_find_case_pop_and_sorted_iteration() -> None:
    s = Settings({"b": 1, "A": 2})
    assert s.get("a") == 2
    assert s.get("zz", 5) == 5 and "zz" not in s
    assert s.find_case("a") == "A"
    assert list(s) == ["A", "b"]
    assert s.pop("B") == 1


def test_suppress_missing_and_nested_helpers() -> None:
    s = Settings()
    with Settings.suppress_missing(), pytest.raises(KeyError):
        s.a.b = 1
    s.set_nested(("a", "b", "c"), 3)
    assert s.get_nested(("a", "b", "c")) == 3
    assert s.flatten() == {("a", "b", "c"): 3}
    assert s.flatten().unflatten() == s
    assert s.as_dict() == {"a": {"b": {"c": 3}}}
    assert type(s.as_dict()["a"]) is dict


@pytest.mark.parametrize("module", [pickle, dill])
def test_pickles_cleanly(module: object) -> None:
    s = Settings()
    s.job.runscript.shebang = "#!/bin/sh"
    s.Mixed = [Settings({"k": 1})]
    back = module.loads(module.dumps(s))  # type: ignore[attr-defined]
    assert back == s
    assert type(back.job.runscript) is Settings
    assert back.mixed[0].k == 1


def test_str_shows_the_tree() -> None:
    s = Settings()
    s.a.b = 1
    assert "a:" in str(s) and "b:" in str(s)
    assert str(Settings()) == "<empty Settings>"
