"""``Settings``: PLAMS's nested dictionary with attribute access.

Behaves like ``scm.plams.Settings``: missing keys create empty branches (``s.a.b.c = 1``),
string keys are case-insensitive, iteration is sorted, ``+=`` soft-updates and ``+`` merges.
It is a plain ``dict`` subclass without lambdas or locks, so it pickles with plain pickle
and dill alike.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

__all__ = ["Settings"]


class Settings(dict):
    """Automatic multi-level dictionary with dot access, as in PLAMS.

    Nested ``dict`` values (also inside lists) are turned into ``Settings``. Keys that are
    strings are matched case-insensitively (the first spelling used is kept).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        dict.__init__(self, *args, **kwargs)
        cls = type(self)
        for key, value in list(dict.items(self)):
            if isinstance(value, dict) and not isinstance(value, Settings):
                dict.__setitem__(self, key, cls(value))
            elif isinstance(value, list):
                dict.__setitem__(
                    self,
                    key,
                    [cls(i) if isinstance(i, dict) and not isinstance(i, Settings) else i for i in value],
                )

    # -- copying and combining ---------------------------------------------------------

    def copy(self) -> Settings:
        """A new tree with the same leaves: nested ``Settings`` are copied, leaf values are shared."""
        ret = type(self)()
        for key, value in dict.items(self):
            dict.__setitem__(ret, key, value.copy() if isinstance(value, Settings) else value)
        return ret

    def soft_update(self, other: Mapping[Any, Any]) -> Settings:
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

    def update(self, other: Mapping[Any, Any] = (), /, **kwargs: Any) -> None:  # type: ignore[override]
        """Update with *other*, overwriting existing keys; nested ``Settings`` are updated recursively."""
        merged: dict[Any, Any] = (
            dict(other) if not isinstance(other, Settings) else {k: other[k] for k in other}
        )
        merged.update(kwargs)
        for name, value in merged.items():
            if isinstance(value, dict):
                value = value if isinstance(value, Settings) else Settings(value)
                if name not in self or not isinstance(self[name], Settings):
                    self[name] = value.copy()
                else:
                    self[name].update(value)
            else:
                self[name] = value

    def merge(self, other: Mapping[Any, Any]) -> Settings:
        """A copy of this instance soft-updated with *other* (``A + B``)."""
        return self.copy().soft_update(other)

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

    # -- nested keys -------------------------------------------------------------------

    def get_nested(self, key_tuple: Iterable[Hashable], suppress_missing: bool = False) -> Any:
        """Value at the nested keys *key_tuple* (branches are created unless *suppress_missing*)."""
        node: Any = self
        for key in key_tuple:
            if suppress_missing and isinstance(node, Settings) and key not in node:
                raise KeyError(key)
            node = node[key]
        return node

    def set_nested(self, key_tuple: tuple[Hashable, ...], value: Any, suppress_missing: bool = False) -> None:
        """Set the value at the nested keys *key_tuple*."""
        node = self.get_nested(key_tuple[:-1], suppress_missing)
        node[key_tuple[-1]] = value

    def contains_nested(self, key_tuple: Iterable[Hashable]) -> bool:
        """True if every key of *key_tuple* exists, level by level; creates nothing."""
        node: Any = self
        for key in key_tuple:
            if isinstance(node, Settings):
                if not dict.__contains__(node, node.find_case(key)):
                    return False
                node = dict.__getitem__(node, node.find_case(key))
            else:
                try:
                    node = node[key]
                except (KeyError, IndexError, TypeError):
                    return False
        return True

    def flatten(self) -> Settings:
        """A one-level copy whose keys are tuples of the nested keys."""
        ret = type(self)()

        def walk(prefix: tuple[Hashable, ...], node: Settings) -> None:
            for key, value in dict.items(node):
                if isinstance(value, Settings) and value:
                    walk((*prefix, key), value)
                else:
                    dict.__setitem__(ret, (*prefix, key), value)

        walk((), self)
        return ret

    def unflatten(self) -> Settings:
        """The inverse of :meth:`flatten`."""
        ret = type(self)()
        for key, value in dict.items(self):
            ret.set_nested(key if isinstance(key, tuple) else (key,), value)
        return ret

    # -- dict protocol -----------------------------------------------------------------

    def __iter__(self) -> Iterator[Any]:
        """Keys in lexicographical order (compared as strings), as in PLAMS."""
        return iter(sorted(dict.keys(self), key=str))

    def __missing__(self, name: Hashable) -> Settings:
        # Automatic branches: s.a.b.c = 1 works on an empty instance.
        branch = type(self)()
        dict.__setitem__(self, name, branch)
        return branch

    def __contains__(self, name: object) -> bool:
        """Key test ignoring case. A string with dots that is not itself a key (``'job.pickle' in config``)
        is looked up level by level, without creating branches."""
        if not isinstance(name, Hashable):
            return False
        if dict.__contains__(self, self.find_case(name)):
            return True
        if isinstance(name, str) and "." in name:
            return self.contains_nested(name.split("."))
        return False

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
        for key in self:
            value = dict.__getitem__(self, key)
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
    __copy__ = copy

    @classmethod
    def suppress_missing(cls) -> contextlib.AbstractContextManager[None]:
        """Context manager in which missing keys raise KeyError instead of creating branches."""
        return _SuppressMissing(cls)


class _SuppressMissing(contextlib.AbstractContextManager[None]):
    def __init__(self, cls: type[Settings]) -> None:
        self.cls = cls
        self.missing = cls.__missing__

    def __enter__(self) -> None:
        def __missing__(self: Settings, name: Hashable) -> Settings:
            raise KeyError(name)

        self.cls.__missing__ = __missing__  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        self.cls.__missing__ = self.missing  # type: ignore[method-assign]
