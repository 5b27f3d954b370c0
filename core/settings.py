"""``Settings``: PLAMS's nested dictionary with attribute access, and the typed settings of ``config``.

Behaves like ``scm.plams.Settings`` (2026.104, checked by PLAMS's own unit tests, see
``tests/core/test_conformance_plams.py``): missing keys create empty branches (``s.a.b.c = 1``),
string keys are case-insensitive, iteration (``for k in s``) is sorted as strings while
``keys()``/``items()`` and printing keep insertion order, ``+=`` soft-updates, ``+`` merges,
``-=`` removes and ``-`` gives the difference. A read through ``get_nested``/
``contains_nested`` never creates a branch. It is a plain ``dict`` subclass without lambdas or
locks, so it pickles with plain pickle and dill alike.

The typed subclasses (``ConfigSettings``, ``JobSettings``, ``JobManagerSettings``,
``LogSettings``, ``RunScriptSettings``, ``SafeRunSettings``) start with PLAMS's defaults;
``ConfigSettings`` holds the default JobRunner and JobManager in
:class:`~plams_core.threading_utils.LazyWrapper`\\ s, made on first access.
"""

from __future__ import annotations

import contextlib
import numbers
import textwrap
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .threading_utils import LazyWrapper

if TYPE_CHECKING:
    from .jobmanager import JobManager
    from .jobrunner import JobRunner

__all__ = [
    "ConfigSettings",
    "JobManagerSettings",
    "JobSettings",
    "LogSettings",
    "RunScriptSettings",
    "SafeRunSettings",
    "Settings",
]

TSettings = TypeVar("TSettings", bound="Settings")


def _is_key_sequence(key_tuple: object) -> bool:
    return isinstance(key_tuple, Iterable) and not isinstance(key_tuple, (str, bytes))


class Settings(dict[Any, Any]):
    """Automatic multi-level dictionary with dot access, as in PLAMS.

    Nested ``dict`` values (also inside lists) are turned into ``Settings``. Keys that are
    strings are matched case-insensitively (the first spelling used is kept).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        dict.__init__(self, *args, **kwargs)
        for key, value in list(dict.items(self)):
            if isinstance(value, dict) and not isinstance(value, Settings):
                dict.__setitem__(self, key, Settings(value))
            elif isinstance(value, list):
                dict.__setitem__(
                    self,
                    key,
                    [
                        Settings(i) if isinstance(i, dict) and not isinstance(i, Settings) else i
                        for i in value
                    ],
                )

    # -- copying and combining ---------------------------------------------------------

    def copy(self: TSettings) -> TSettings:
        """A new tree with the same leaves: nested ``Settings`` are copied, leaf values are shared.

        Keys are copied in iteration (sorted) order, as PLAMS does; a typed subclass starts
        from its defaults, so their order is kept.
        """
        ret = type(self)()
        for name in self:
            value = dict.__getitem__(self, name)
            ret[name] = value.copy() if isinstance(value, Settings) else value
        return ret

    def soft_update(self: TSettings, other: Mapping[Any, Any]) -> TSettings:
        """Add the keys of *other* that are missing here, recursively; existing values win."""
        for name in other:
            value = other[name]
            if isinstance(value, Settings):
                if name not in self:
                    self[name] = value.copy()
                elif isinstance(self[name], Settings):
                    self[name].soft_update(value)
            elif name not in self:
                self[name] = value
        return self

    # dict.update's signature differs (it returns None too, but takes pairs); () is an empty mapping here
    def update(self, other: Mapping[Any, Any] = (), /, **kwargs: Any) -> None:  # type: ignore[override, assignment]
        """Update with *other*, overwriting existing keys; nested ``Settings`` are updated recursively."""
        items = [(name, other[name]) for name in other] + list(kwargs.items())
        for name, value in items:
            if isinstance(value, dict):
                value = value if isinstance(value, Settings) else Settings(value)
                if name not in self or not isinstance(self[name], Settings):
                    self[name] = value.copy()
                else:
                    self[name].update(value)
            else:
                self[name] = value

    def merge(self: TSettings, other: Mapping[Any, Any]) -> TSettings:
        """A copy of this instance soft-updated with *other* (``A + B``)."""
        return self.copy().soft_update(other)

    def remove(self: TSettings, other: Settings) -> TSettings:
        """Remove every (flattened) key of *other* from this instance (``A -= B``).

        Shorter keys first (whole branches go at once) and list indices from the highest, so
        that popping from a list removes the elements *other* names.
        """

        def order(key: tuple[Hashable, ...]) -> tuple[int, tuple[str, ...]]:
            return len(key), tuple(str(-k) if isinstance(k, numbers.Real) else str(k) for k in key)

        for key in sorted(other.flatten().keys(), key=order):
            self.pop_nested(key)
        return self

    def difference(self: TSettings, other: Settings) -> TSettings:
        """A copy of this instance without the keys of *other* (``A - B``)."""
        return self.copy().remove(other)

    # -- case-insensitive access -------------------------------------------------------

    def find_case(self, key: Hashable) -> Hashable:
        """The key present here that equals *key* ignoring case, or *key* itself."""
        if not isinstance(key, str) or dict.__contains__(self, key):
            return key
        low = key.lower()
        for existing in dict.keys(self):
            if isinstance(existing, str) and existing.lower() == low:
                return existing
        return key

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Like ``dict.get`` but ignoring case; never creates a branch."""
        return dict.get(self, self.find_case(key), default)

    def pop(self, key: Hashable, *default: Any) -> Any:
        """Like ``dict.pop`` but ignoring case."""
        return dict.pop(self, self.find_case(key), *default)

    def popitem(self) -> tuple[Any, Any]:
        """Like ``dict.popitem``: the last inserted item."""
        return dict.popitem(self)

    def setdefault(self, key: Hashable, default: Any = None) -> Any:
        """Like ``dict.setdefault`` but ignoring case; a dict default becomes ``Settings``."""
        if isinstance(default, dict) and not isinstance(default, Settings):
            default = Settings(default)
        return dict.setdefault(self, self.find_case(key), default)

    def as_dict(self) -> dict[Any, Any]:
        """A deep copy made of plain dicts."""
        ret: dict[Any, Any] = {}
        for key, value in dict.items(self):
            if isinstance(value, Settings):
                ret[key] = value.as_dict()
            elif isinstance(value, list):
                ret[key] = [i.as_dict() if isinstance(i, Settings) else i for i in value]
            else:
                ret[key] = value
        return ret

    @classmethod
    def suppress_missing(cls) -> contextlib.AbstractContextManager[None]:
        """Context manager in which missing keys raise KeyError instead of creating branches."""
        return _SuppressMissing(Settings)

    # -- nested keys -------------------------------------------------------------------

    def contains_nested(self, key_tuple: Iterable[Hashable], suppress_missing: bool = False) -> bool:
        """True if every key of *key_tuple* exists, level by level (list indices too); creates nothing.

        With *suppress_missing* a missing key raises KeyError instead. A string is not a key
        sequence: TypeError.
        """
        if not _is_key_sequence(key_tuple):
            raise TypeError(
                f"Argument 'key_tuple' must be a non-string iterable but was type {type(key_tuple).__name__}"
            )
        node: Any = self
        for key in key_tuple:
            if isinstance(node, Settings):
                if key not in node:
                    if suppress_missing:
                        raise KeyError(f"Key '{key}' not present in the nested Settings object.")
                    return False
                node = node[key]
            else:
                try:
                    node = node[key]
                except (KeyError, IndexError, TypeError) as exc:
                    if suppress_missing:
                        raise KeyError(
                            f"Cannot access key '{key}' in the nested Settings object: {exc}"
                        ) from None
                    return False
        return True

    def get_nested(
        self, key_tuple: Iterable[Hashable], suppress_missing: bool = False, default: Any = None
    ) -> Any:
        """The value at the nested keys *key_tuple*, or *default* if a key is missing (KeyError
        with *suppress_missing*). Never creates a branch."""
        keys = list(key_tuple) if _is_key_sequence(key_tuple) else key_tuple
        if not self.contains_nested(keys, suppress_missing):
            return default
        node: Any = self
        for key in keys:
            node = node[key]
        return node

    def set_nested(self, key_tuple: Iterable[Hashable], value: Any, suppress_missing: bool = False) -> None:
        """Set the value at the nested keys *key_tuple*, creating branches (unless *suppress_missing*:
        then a missing intermediate key raises KeyError)."""
        # a str (not a key sequence) is sliced like one, as in PLAMS
        keys: Sequence[Any] = list(key_tuple) if _is_key_sequence(key_tuple) else key_tuple  # type: ignore[assignment]
        self.contains_nested(keys[:-1], suppress_missing)
        node: Any = self
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    def pop_nested(
        self, key_tuple: Iterable[Hashable], suppress_missing: bool = False, default: Any = None
    ) -> Any:
        """Remove and return the value at the nested keys *key_tuple*; *default* if missing
        (KeyError with *suppress_missing*)."""
        # a str (not a key sequence) is sliced like one, as in PLAMS
        keys: Sequence[Any] = list(key_tuple) if _is_key_sequence(key_tuple) else key_tuple  # type: ignore[assignment]
        if not self.contains_nested(keys, suppress_missing):
            return default
        node: Any = self
        for key in keys[:-1]:
            node = node[key]
        return node.pop(keys[-1])

    def flatten(self, flatten_list: bool = True) -> Settings:
        """A one-level copy whose keys are tuples of the nested keys (list indices too, if *flatten_list*).

        Empty branches and empty lists stay values.
        """
        ret = Settings()
        nested: tuple[type, ...] = (Settings, list) if flatten_list else (Settings,)

        def walk(prefix: tuple[Hashable, ...], node: Any) -> None:
            items = dict.items(node) if isinstance(node, Settings) else enumerate(node)
            for key, value in items:
                full = (*prefix, key)
                if isinstance(value, nested) and value:
                    walk(full, value)
                else:
                    ret[full] = value

        walk((), self)
        return ret

    def unflatten(self, unflatten_list: bool = True) -> Settings:
        """The inverse of :meth:`flatten`: integer keys make lists (padded) if *unflatten_list*."""
        ret = Settings()
        for key, value in dict.items(self):
            key = key if isinstance(key, tuple) else (key,)
            node: Any = ret
            for k1, k2 in zip(key[:-1], key[1:], strict=False):
                if unflatten_list and isinstance(k2, int):
                    if not isinstance(node[k1], list):
                        node[k1] = []
                    node[k1] += [Settings() for _ in range(k2 - len(node[k1]) + 1)]
                node = node[k1]
            node[key[-1]] = value
        return ret

    def block_keys(
        self, flatten_list: bool = True, include_empty: bool = False
    ) -> Iterator[tuple[Hashable, ...]]:
        """Nested keys of the internal nodes (branches; list elements too if *flatten_list*).

        Empty branches only with *include_empty*. Ordered as the flattened keys first reach them.
        """
        seen: set[tuple[Hashable, ...]] = set()
        for key, value in self.flatten(flatten_list=flatten_list).items():
            for end in range(1, len(key)):
                branch = key[:end]
                if branch not in seen:
                    seen.add(branch)
                    yield branch
            if include_empty and isinstance(value, Settings) and not value:
                yield key

    def nested_keys(
        self, flatten_list: bool = True, include_empty: bool = False
    ) -> Iterator[tuple[Hashable, ...]]:
        """Nested keys of every node, branches and leaves (empty values only with *include_empty*)."""
        blocks = list(self.block_keys(flatten_list, include_empty))
        known = set(blocks)
        for block in blocks:
            yield block
            node = self.get_nested(block)
            items = dict.items(node) if isinstance(node, Settings) else enumerate(node)
            for key, value in items:
                full = (*block, key)
                if (include_empty or value) and full not in known:
                    yield full

    def compare(self, other: Settings) -> dict[str, dict[Any, Any]]:
        """The flattened differences: ``added`` (only here), ``removed`` (only in *other*) and
        ``modified`` (in both, ``(this value, other value)``)."""
        mine, theirs = self.flatten(), other.flatten()
        return {
            "added": {k: v for k, v in mine.items() if k not in theirs},
            "removed": {k: v for k, v in theirs.items() if k not in mine},
            "modified": {k: (v, theirs[k]) for k, v in mine.items() if k in theirs and v != theirs[k]},
        }

    # -- dict protocol -----------------------------------------------------------------

    def __iter__(self) -> Iterator[Any]:
        """Keys in lexicographical order (compared as strings), as in PLAMS."""
        return iter(sorted(dict.keys(self), key=str))

    def __missing__(self, name: Hashable) -> Settings:
        # Automatic branches: s.a.b.c = 1 works on an empty instance.
        branch = Settings()
        self[name] = branch
        return branch

    def __contains__(self, name: object) -> bool:
        """Key test ignoring case; creates nothing."""
        if not isinstance(name, Hashable):
            return False
        return dict.__contains__(self, self.find_case(name))

    def __getitem__(self, name: Hashable) -> Any:
        return dict.__getitem__(self, self.find_case(name))

    def __setitem__(self, name: Hashable, value: Any) -> None:
        if isinstance(value, dict) and not isinstance(value, Settings):
            value = Settings(value)
        dict.__setitem__(self, self.find_case(name), value)

    def __delitem__(self, name: Hashable) -> None:
        dict.__delitem__(self, self.find_case(name))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            return dict.__getattribute__(self, name)
        return self[name]

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__") and name.endswith("__"):
            dict.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        if name.startswith("__") and name.endswith("__"):
            dict.__delattr__(self, name)
        else:
            del self[name]

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *(k for k in dict.keys(self) if isinstance(k, str) and k.isidentifier())]

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from a plain dict: no reliance on __getattr__ during unpickling.
        return (type(self), (dict(dict.items(self)),))

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return self.__reduce__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Settings:
        import copy

        ret = type(self)()
        memo[id(self)] = ret
        for key, value in dict.items(self):
            dict.__setitem__(ret, key, copy.deepcopy(value, memo))
        return ret

    def _str(self, indent: int) -> str:
        ret = ""
        for key, value in dict.items(self):  # insertion order, as PLAMS prints
            ret += " " * indent + str(key) + ": \t"
            if isinstance(value, Settings):
                if len(value) == 0:
                    ret += "<empty Settings>\n"
                else:
                    ret += "\n" + value._str(indent + len(str(key)) + 1)
            else:
                pad = " " * (2 + indent + len(str(key))) + "\t"
                ret += textwrap.indent(str(value), pad)[len(pad) :] + "\n"
        return ret if ret else "<empty Settings>"

    def __str__(self) -> str:
        return self._str(0)

    __repr__ = __str__
    __iadd__ = soft_update
    __add__ = merge
    __isub__ = remove
    __sub__ = difference
    __copy__ = copy


class _SuppressMissing(contextlib.AbstractContextManager[None]):
    def __init__(self, cls: type[Settings]) -> None:
        self.cls = cls
        self.missing = cls.__missing__

    def __enter__(self) -> None:
        def __missing__(self: Settings, name: Hashable) -> Settings:
            raise KeyError(name)

        self.cls.__missing__ = __missing__  # type: ignore[method-assign]  # for the with-block only

    def __exit__(self, *exc: object) -> None:
        self.cls.__missing__ = self.missing  # type: ignore[method-assign]  # restored


# -- typed settings: the branches of config, with PLAMS's defaults ---------------------------


class _DefaultSettings(Settings):
    """A Settings that starts with defaults; given values win, a plain branch becomes the typed one."""

    _defaults: ClassVar[tuple[tuple[str, Callable[[], Any]], ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Settings.__init__(self, *args, **kwargs)
        for key, make in self._defaults:
            default = make()
            if key not in self:
                dict.__setitem__(self, key, default)
            elif isinstance(default, Settings) and type(self[key]) is Settings:
                default.update(self[key])
                dict.__setitem__(self, self.find_case(key), default)


class SafeRunSettings(_DefaultSettings):
    """``config.saferun``: ``repeat`` (10) attempts of a failing subprocess start, ``delay`` (1 s) apart."""

    _defaults = (("repeat", lambda: 10), ("delay", lambda: 1))


class LogSettings(_DefaultSettings):
    """``config.log``: verbosities of the ``file`` (5), ``stdout`` (3) and ``csv`` (7) logs; ``time``, ``date``."""

    _defaults = (
        ("file", lambda: 5),
        ("stdout", lambda: 3),
        ("csv", lambda: 7),
        ("time", lambda: True),
        ("date", lambda: True),
    )


class RunScriptSettings(_DefaultSettings):
    """``config.job.runscript``: ``shebang`` (``#!/bin/sh``) and ``stdout_redirect`` (False)."""

    _defaults = (("shebang", lambda: "#!/bin/sh"), ("stdout_redirect", lambda: False))


class JobSettings(_DefaultSettings):
    """``config.job``: defaults of every job (``pickle``, ``keep``, ``save``, ``runscript``, ...).

    ``on_status_change`` (None) may be a callable ``f(name=, path=, status=, at=, **_)``
    called, in a thread of its own, whenever a job's status changes.
    """

    _defaults = (
        ("pickle", lambda: True),
        ("pickle_protocol", lambda: -1),
        ("keep", lambda: "all"),
        ("save", lambda: "all"),
        ("runscript", RunScriptSettings),
        ("link_files", lambda: True),
        ("on_status_change", lambda: None),
    )


class JobManagerSettings(_DefaultSettings):
    """``config.jobmanager``: ``counter_len`` (3), ``hashing`` (``input``), ``remove_empty_directories`` (True)."""

    _defaults = (
        ("counter_len", lambda: 3),
        ("hashing", lambda: "input"),
        ("remove_empty_directories", lambda: True),
    )


class ConfigSettings(_DefaultSettings):
    """The global ``config``: PLAMS's defaults, and a default JobRunner and JobManager made on first access.

    ``config["default_jobmanager"]`` is the :class:`LazyWrapper` until
    ``config.default_jobmanager`` is read; ``_check_initialized(key)`` tells whether a value
    is there and made. Copies share the lazy values (made once for all copies).
    """

    _defaults = (
        ("init", lambda: False),
        ("_explicit_init", lambda: False),
        ("preview", lambda: False),
        ("sleepstep", lambda: 5),
        ("ignore_failure", lambda: True),
        ("daemon_threads", lambda: True),
        ("erase_workdir", lambda: False),
        ("jobmanager", JobManagerSettings),
        ("job", JobSettings),
        ("log", LogSettings),
        ("saferun", SafeRunSettings),
        ("atexit_timeout", lambda: 30),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _DefaultSettings.__init__(self, *args, **kwargs)
        dict.__setattr__(self, "_lazy_lock", threading.RLock())  # an attribute, not a key
        if "default_jobrunner" not in self:
            dict.__setitem__(self, "default_jobrunner", LazyWrapper(_make_jobrunner))
        if "default_jobmanager" not in self:
            dict.__setitem__(self, "default_jobmanager", LazyWrapper(self._make_jobmanager))

    def _make_jobmanager(self) -> JobManager:
        from . import jobmanager  # looked up at call time: tests patch jobmanager.JobManager

        return jobmanager.JobManager(self["jobmanager"])

    def _materialized(self, key: str) -> Any:
        with self._lazy_lock:
            value = dict.__getitem__(self, key)
            if isinstance(value, LazyWrapper):
                value = value.value
                dict.__setitem__(self, key, value)
            return value

    @property
    def default_jobrunner(self) -> JobRunner:
        """The JobRunner used when ``run()`` is given none (a serial one, made on first access)."""
        return self._materialized("default_jobrunner")

    @default_jobrunner.setter
    def default_jobrunner(self, value: JobRunner) -> None:
        self["default_jobrunner"] = value

    @property
    def default_jobmanager(self) -> JobManager:
        """The JobManager used when ``run()`` is given none (made, with its folder, on first use)."""
        return self._materialized("default_jobmanager")

    # Settings.__setattr__ stores every attribute as a key, so these setters are never called:
    # they tell a type checker that ``config.default_jobmanager = jm`` (as scripts do) is allowed.
    @default_jobmanager.setter
    def default_jobmanager(self, value: JobManager) -> None:
        self["default_jobmanager"] = value

    def _check_initialized(self, key: str) -> bool:
        """True if *key* is here, not None, and (for a lazy value) made."""
        with self._lazy_lock:
            if key not in self:
                return False
            value = self[key]
            return value.initialized if isinstance(value, LazyWrapper) else value is not None


def _make_jobrunner() -> JobRunner:
    from . import jobrunner  # looked up at call time: tests patch jobrunner.JobRunner

    return jobrunner.JobRunner()
