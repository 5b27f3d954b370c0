"""Read a PLAMS ``$JN.dill`` without running anything from it.

A ``.dill`` file is a pickle, and unpickling runs whatever the pickle says. plams-tui opens
folders that come from colleagues and clusters, so :func:`read_dill` never imports, calls or
instantiates anything named in the file and never writes anywhere. It tells what a real
``dill.load`` *would* do, and reads the job's class, name, status, status log, path, a few
settings and the names of MultiJob children.

How it works
------------
The opcodes are executed by CPython's C unpickler (no Python-level interpreter loop, no
recursion), subclassed so that ``find_class`` returns inert stub *types* and
``persistent_load`` refuses. The C unpickler then only ever calls code of this module:
REDUCE/INST/OBJ call a stub type (its metaclass ``__call__``), NEWOBJ calls the stub's
``__new__``, BUILD its ``__setstate__``, SETITEMS/APPENDS/ADDITEMS its ``__setitem__``,
``extend``/``append`` and ``add``, dict keys and set items its ``__hash__``. Each of those
checks the policy below and raises the moment the pickle asks for something that would run
code at load time; otherwise it records what it was given. The recorded object graph is
then walked iteratively for the job's fields.

One fast path: PLAMS's and plams_core's ``Settings`` classes (``*Settings`` in
``scm.plams.core.settings`` and ``plams_core.settings``) are stubs that are real ``dict``
subclasses without ``__dict__`` (:class:`_SettingsDict`): NEWOBJ and SETITEMS on them run
C code only (``dict.__new__``, ``dict.__setitem__``), no callback but a stub key's
``__hash__``; BUILD/APPENDS/ADDITEMS on them fail as corrupt. Everything else is a stub.
The status log's times are only formatted when asked for (``timeline=True``).

Policy (what counts as load-time execution)
-------------------------------------------
* **Globals** (GLOBAL, STACK_GLOBAL, INST, OBJ, and EXT through ``find_class``): a module
  path of identifiers, never a ``*.__main__`` module nor one that acts when imported
  (``antigravity``, ``idlelib``, ``test``, ...); a name that is an identifier, not a dunder
  (except ``copyreg.__newobj__``/``__newobj_ex__``, dill's ``__builtin__.__main__`` and a
  module's ``__dict__``), and dotted only for attributes of a class (``Outer.Inner``,
  ``Molecule.from_array``: the first part capitalised), because a dotted name walks
  attributes (``('scm.plams.core.functions', 'os.system')`` reaches ``os.system``). Merely
  naming a global is not execution; calling one is checked below.
* **Calls** (REDUCE, INST/OBJ with arguments, by-value functions, bound methods): only the
  allowlist in ``_CALLS`` with checked arguments: dill's ``_create_type`` (metaclass
  ``type`` or ``abc.ABCMeta`` only), ``_load_type``, ``_create_function``,
  ``_create_code``, ``_create_cell``, ``_create_lock``/``_create_rlock``,
  ``_create_namedtuple``, ``_create_array``, ``_create_dtypemeta``, ``_setitems`` on a
  fresh dict; ``types.MethodType`` (binds, calls nothing); ``builtins.getattr`` only on a lock from ``_create_lock``/``_create_rlock``
  for ``acquire``/``release``/``_is_owned``/``_release_save``/``_acquire_restore``;
  ``builtins.setattr`` only of ``__qualname__`` on a by-value class or ``cell_contents`` on
  a cell; data constructors (set, frozenset, bytearray, complex, ``_codecs.encode`` with a
  plain codec, datetime, pathlib, collections, decimal, fractions, uuid, re, numpy array
  reconstruction); ``copyreg`` reconstructors (checked like NEWOBJ); enum values of PLAMS's
  and plams_core's enum modules; ``Settings(dict)`` of PLAMS and plams_core. Anything else
  called (``os.system``, ``subprocess.*``, ``eval``/``exec``/``compile``/``__import__``/
  ``open``, ``dill._dill._eval_repr`` (except of the exact reprs dill writes for ``range``,
  ``Ellipsis`` and ``NotImplemented``), ``_create_filehandle``, ``_get_attr``, a by-value
  function, a user class) is unsafe.
* **Instances** (NEWOBJ, NEWOBJ_EX, INST/OBJ without arguments, copyreg reconstructors)
  and their BUILD/SETITEMS/APPENDS/ADDITEMS: classes from the standard library, dill or
  numpy only from a small safe-data allowlist (``threading.Event``/``Condition``, ...). A
  class from any other module (scm.plams, plams_core, ``myjobs.py`` beside the script) may
  be built only if building, filling and collecting it runs no code chosen by the file
  beyond attribute storage: the classes of plams_core and PLAMS were audited (the list and
  every verdict are in :mod:`.allowlist`): those that would act on the file's state are
  refused by name in any module (``JobManager``, whose ``__del__`` closes the descriptor its
  state names; ``KFFile``'s ``__setitem__``, ...; also a well-known stdlib class re-exported
  there: ``Popen``, ``Thread``, ...), and those whose ``__setstate__`` was vetted (``Job``,
  ``Results``, ``JobRunner``, PLAMS's ``Molecule``) get their BUILD state checked: a real
  dict, plain data where that code iterates, indexes or compares it. BUILD's slot state
  (``(state, slotstate)``: ``setattr``, so property setters run) is refused on any installed
  class (PLAMS's ``Job.status`` setter calls a callback from the job's settings). A by-value class derived
  from an installed class inherits both. Only plams_core's engine modules give instances.
  Known limit: a user module's class under a name of its own is that module's installed
  code, which the reader cannot inspect without importing it.
* **By-value classes** (dill's ``_create_type``): bases must be by-value classes, classes
  from non-stdlib modules, or plain builtins (object, dict, list, ...). Unsafe when loading
  would run their own code: ``__init_subclass__`` of a by-value base, ``__set_name__`` /
  ``__get__`` / ``__getattr__`` of a by-value object in the class body, and for instances
  ``__new__``, ``__del__``, ``__setstate__`` (BUILD), ``__getattr__``/``__getattribute__``
  (any attribute lookup by the unpickler), ``__setattr__`` (slot state),
  ``__setitem__``/``append``/``extend``/``add`` (SETITEMS/APPENDS/ADDITEMS),
  ``__hash__``/``__eq__`` (used as a dict key or set item); calling such a class is unsafe
  (runs ``__init__``). Methods defined in them are fine: they are created, never called.
* **Never**: PERSID/BINPERSID, EXT codes, out-of-band buffers (corrupt), files over
  *max_bytes* (unsafe, not read), child nesting deeper than *max_depth* (unsafe).

Listings call :func:`read_dill_summary`, which answers for a file that differs from one
already read in full only in data literals (the other jobs of the same script) without
running the unpickler; :mod:`plams_core.pickles.templates` says why that answer is the same.

Known scanners get this wrong both ways: picklescan does not flag ``dill._dill._eval_repr``,
and fickling reports every by-value dill job as malicious. Known limits: an import of a
third-party module named in the pickle runs that module's top-level code in a real load;
we only refuse modules that are known to act on import. *max_depth* bounds what the
reader follows after loading (setting values); the C unpickler itself never recurses.

**Memory**: a memo index (``PUT``/``BINPUT``/``LONG_BINPUT``) at or beyond the file's own
length is ``unsafe`` and the file is never unpickled: the C unpickler (here as in
``dill.load``) grows its memo table to twice the index and zeroes it, so 9 bytes with
``LONG_BINPUT 2**28`` would take 4 GiB for seconds. A pickler numbers memo slots from 0 and
spends at least a byte on each, so no real pickle is refused; the memo then stays within
16 bytes per byte of file (files are capped at *max_bytes*). :func:`max_memo_index` finds
the index by walking the opcodes without building anything. What stays linear in the file
is linear: the walk costs ~0.1-0.15 us an opcode (a hostile 16 MiB file of one-byte opcodes:
~1-2 s of walking, then ~1 s and 8 bytes of unpickler stack per byte, as before the walk);
*max_bytes* bounds both, and a lower cap for listings would bound them better.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import stat
import struct
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, NoReturn

from .allowlist import (
    ADD,
    ALL_OPS,
    ALLOWED_DUNDERS,
    APPEND,
    BUILD,
    DANGEROUS_CLASS_NAMES,
    DATA_CONSTRUCTORS,
    DILL_SHIMS,
    HOOK_NAMES,
    HOOKED_CLASSES,
    HOOKED_NAME_EXCEPTIONS,
    IMPORT_ACTS,
    IMPORT_RECORDS,
    LOCK_ATTRS,
    LOOKUP_HOOKS,
    NEW,
    PLAIN_CODECS,
    PLAMS_CORE_CLASS_MODULES,
    SAFE_BASES,
    SAFE_DATA_INSTANCES,
    SETITEM,
    STRICT_PACKAGES,
    VETTED_STATE,
    is_enum_class,
    is_settings_class,
    loaded_type,
    normal_module,
)

__all__ = [
    "DillInfo",
    "DillSummary",
    "Verdict",
    "max_memo_index",
    "read_dill",
    "read_dill_bytes",
    "read_dill_save",
    "read_dill_summary",
]

Verdict = Literal["ok", "missing", "corrupt", "unsafe", "unreadable"]  # unreadable: permissions, I/O error

_EMPTY: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class DillInfo:
    """What a ``.dill`` file says about its job, read without unpickling it.

    ``verdict`` is ``ok`` (a job pickle that loads without running code from the file),
    ``missing``, ``corrupt`` (not a job pickle, or one that cannot load) or ``unsafe``
    (loading it would run code, or it exceeds a cap); ``reason`` says why in one line for
    the last two. The other fields are filled only when the verdict is ``ok``, except
    ``size``, ``mtime_ns`` and ``inode`` which describe the file whenever it exists.
    """

    verdict: Verdict
    reason: str | None
    class_name: str | None
    class_module: str | None
    by_value: bool
    name: str | None
    status: str | None
    status_log: tuple[tuple[str, str], ...]
    path: str | None
    settings: Mapping[str, object]
    children: tuple[str, ...]
    size: int
    mtime_ns: int
    inode: int


# --------------------------------------------------------------------------------------
# Outcomes raised inside the load
# --------------------------------------------------------------------------------------


class _Unsafe(Exception):
    """The pickle asks for something that would run code at load time."""


class _Corrupt(Exception):
    """The pickle is well-formed but a real load would fail (or it is not a job)."""


def _unsafe(reason: str) -> NoReturn:
    raise _Unsafe(reason)


def _corrupt(reason: str) -> NoReturn:
    raise _Corrupt(reason)


# --------------------------------------------------------------------------------------
# Module and name policy
# --------------------------------------------------------------------------------------

# The names (modules, classes, globals, hooks) come from .allowlist, shared with the
# templates and the safe loader; the checks applied to them are here.
_PRIMITIVES = (str, bytes, int, float, bool, complex, type(None))

# Instance operations checked per stub class (names from the allowlist, plus hashing).
_NEW, _BUILD, _SETITEM, _APPEND, _ADD, _HASH = NEW, BUILD, SETITEM, APPEND, ADD, "hash"
_ALL_OPS = ALL_OPS


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


# --------------------------------------------------------------------------------------
# Stubs
# --------------------------------------------------------------------------------------


def _class_op(op: str) -> property:
    """A metaclass data descriptor: the C unpickler looked *op* up on a class object."""

    def get(cls: _StubType) -> NoReturn:
        if cls._byvalue and cls._hooks & ({op} | LOOKUP_HOOKS):
            _unsafe(f"applies {op} to by-value class {cls._label}, which defines it")
        _corrupt(f"applies {op} to the class {cls._label}")

    return property(get)


def _call_refused(cls: _StubType, *args: Any) -> NoReturn:
    _unsafe(f"calls {cls._label} at load time")


class _StubType(type):
    """Metaclass of every stub class: calling a stub class (REDUCE, INST/OBJ) is refused.

    Allowed calls get a metaclass of their own (:func:`_meta`) whose ``__call__`` is the
    checking handler itself: one Python frame per REDUCE instead of two.
    """

    # what every stub class carries (defaults on _Obj; _stub_class sets them per class)
    _label: str
    _byvalue: bool
    _hooks: frozenset[str]
    _module: str | None
    _qualname: str | None
    _name: str | None
    _global: bool
    _strict: bool
    _kind: str
    _deny: Mapping[str, tuple[type[Exception], str]]
    _state_check: Callable[[Any, Any], None] | None
    _pool_key: Any  # set on pooled classes only (read with cls.__dict__.get)

    __call__ = _call_refused

    # Data descriptors win over the class's own dict: BUILD, SETITEMS, APPENDS, ADDITEMS
    # applied to a class object (not an instance) land here.
    __setstate__ = _class_op("__setstate__")
    __setitem__ = _class_op("__setitem__")
    append = _class_op("append")
    extend = _class_op("extend")
    add = _class_op("add")


class _Obj(metaclass=_StubType):
    """An object the pickle creates: records its arguments, state, items and list items."""

    __slots__ = ("args", "state", "items", "listitems", "__weakref__")

    _label = "object"
    _module: str | None = None
    _qualname: str | None = None
    _name: str | None = None
    _global = False  # a global reference (find_class), not something built in the pickle
    _strict = False  # from the stdlib, dill or numpy: only allowlisted uses
    _byvalue = False
    _hooks: frozenset[str] = frozenset()
    # Operation -> exception (class, message) to raise; missing key: allowed.
    _deny: Mapping[str, tuple[type[Exception], str]] = {}
    _kind = "instance"
    # Installed classes whose __setstate__ was vetted (allowlist.VETTED_STATE): checks BUILD's state.
    _state_check: Callable[[Any, Any], None] | None = None

    args: tuple[Any, ...]
    state: Any  # these three are unset until BUILD, SETITEMS, APPENDS/ADDITEMS
    items: list[tuple[Any, Any]]
    listitems: list[Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> _Obj:
        # NEWOBJ, NEWOBJ_EX and INST/OBJ without arguments: cls.__new__(cls, *args)
        denied = cls._deny.get(_NEW)
        if denied is not None:
            raise denied[0](denied[1])
        obj = _object_new(cls)
        obj.args = args
        return obj

    def __setstate__(self, state: Any) -> None:
        cls = type(self)
        denied = cls._deny.get(_BUILD)
        if denied is not None:
            raise denied[0](denied[1])
        if (
            cls._byvalue
            and "__setattr__" in cls._hooks
            and type(state) is tuple
            and len(state) == 2
            and state[1]
        ):
            _unsafe(f"sets slot state through {cls._label}.__setattr__ at load time")
        check = cls._state_check
        if check is not None:
            check(cls, state)
        self.state = state

    def __setitem__(self, key: Any, value: Any) -> None:
        denied = type(self)._deny.get(_SETITEM)
        if denied is not None:
            raise denied[0](denied[1])
        try:
            self.items.append((key, value))
        except AttributeError:  # slots start unset: cheaper than initialising four of them
            self.items = [(key, value)]

    def append(self, value: Any) -> None:
        denied = type(self)._deny.get(_APPEND)
        if denied is not None:
            raise denied[0](denied[1])
        try:
            self.listitems.append(value)
        except AttributeError:
            self.listitems = [value]

    def extend(self, values: Iterable[Any]) -> None:
        denied = type(self)._deny.get(_APPEND)
        if denied is not None:
            raise denied[0](denied[1])
        try:
            self.listitems.extend(values)
        except AttributeError:
            self.listitems = list(values)

    def add(self, value: Any) -> None:
        denied = type(self)._deny.get(_ADD)
        if denied is not None:
            raise denied[0](denied[1])
        try:
            self.listitems.append(value)
        except AttributeError:
            self.listitems = [value]

    def __hash__(self) -> int:
        denied = type(self)._deny.get(_HASH)
        if denied is not None:
            raise denied[0](denied[1])
        return id(self) >> 4

    def __eq__(self, other: object) -> bool:
        return self is other

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        _unsafe(f"calls {_describe(self)} at load time")


_object_new = object.__new__


def _make(cls: type[_Obj], args: tuple[Any, ...] = ()) -> Any:
    """A recorded object; ``state``, ``items`` and ``listitems`` stay unset until used."""
    obj = _object_new(cls)
    obj.args = args
    return obj


def _describe(obj: Any) -> str:
    cls = type(obj)
    if isinstance(obj, _SettingsDict):
        return f"a {cls._label} object"
    if isinstance(obj, _Obj):
        return cls._kind if cls._kind != "instance" else f"a {cls._label} object"
    if isinstance(obj, _StubType):
        return obj._label
    return f"a {cls.__name__}"


def _stub_class(name: str, meta: type[_StubType] = _StubType, **attrs: Any) -> type[_Obj]:
    attrs["__slots__"] = ()
    return meta(name, (_Obj,), attrs)  # type: ignore[return-value]


_METAS: dict[Callable[..., Any], type[_StubType]] = {_call_refused: _StubType}


def _meta(handler: Callable[..., Any]) -> type[_StubType]:
    """The metaclass whose ``__call__`` is *handler* (``handler(cls, *args)``)."""
    meta = _METAS.get(handler)
    if meta is None:
        meta = _METAS[handler] = type(f"_Calls{handler.__name__}", (_StubType,), {"__call__": handler})
    return meta


def _deny_map(
    unsafe: Mapping[str, str] = MappingProxyType({}), corrupt: Mapping[str, str] = MappingProxyType({})
) -> Mapping[str, tuple[type[Exception], str]]:
    table: dict[str, tuple[type[Exception], str]] = {op: (_Corrupt, msg) for op, msg in corrupt.items()}
    table.update({op: (_Unsafe, msg) for op, msg in unsafe.items()})
    return table


# Internal kinds of objects built by allowed calls.
def _kind(kind: str, allowed: frozenset[str] = frozenset(), **attrs: Any) -> type[_Obj]:
    corrupt = {op: f"applies {op} to {kind}" for op in _ALL_OPS - allowed}
    return _stub_class(
        f"_{kind.replace(' ', '_')}", _kind=kind, _label=kind, _deny=_deny_map(corrupt=corrupt), **attrs
    )


_Func = _kind("a function defined in the pickle", frozenset({_BUILD}))
_Code = _kind("a code object")
_Cell = _kind("a closure cell")
_Lock = _kind("a lock")
_Method = _kind("a method of a lock")
_Descriptor = _kind("a static/class method or property", frozenset({_BUILD}))
_ModuleRef = _kind("a module")
_ModuleDict = _stub_class(
    "_ModuleDict",
    _kind="the globals of a module",
    _label="the globals of a module",
    _deny=_deny_map(unsafe={op: "modifies the globals of a module at load time" for op in _ALL_OPS}),
)
_Scalar = _kind("a numpy scalar")
_Data = _kind("a data object", frozenset({_BUILD}))
_BoundMethod = _kind("a bound method")


# --------------------------------------------------------------------------------------
# Global references (find_class)
# --------------------------------------------------------------------------------------

_GLOBALS: dict[tuple[str, str], Any] = {}
_GLOBALS_MAX = 4096


def _find_class(module: Any, name: Any) -> Any:
    """``Unpickler.find_class``: an inert stub for (module, name), never an import."""
    try:
        return _GLOBALS[(module, name)]
    except KeyError:
        pass
    except TypeError:
        _corrupt("a global whose name is not a string")
    stub = _new_global(module, name)
    if len(_GLOBALS) < _GLOBALS_MAX:
        _GLOBALS[(module, name)] = stub
    return stub


def _new_global(raw_module: str, name: str) -> Any:
    if type(raw_module) is not str or type(name) is not str:
        _corrupt("a global whose name is not a string")
    module = normal_module(raw_module)
    parts = module.split(".")
    if not all(p.isidentifier() for p in parts):
        _unsafe(f"names a global in the odd module {raw_module!r}")
    top = parts[0]
    if top in IMPORT_ACTS or ("__main__" in parts and module != "__main__"):
        _unsafe(f"imports {module}, which acts when imported")
    strict = top in STRICT_PACKAGES
    if (module, name) == ("builtins", "__main__"):
        return _make(_ModuleDict, ("__main__",))  # dill: the loader's __main__.__dict__
    if name == "__dict__":
        return _make(_ModuleDict, (module,))
    if (module, name) == ("builtins", "NoneType"):
        pass  # dill's spelling of type(None)
    elif "." in name:
        names = name.split(".")
        # A class's attribute (``Molecule.from_array``, a nested ``Outer.Inner``): looked up on an
        # installed class, and a stub that may not be called. A lowercase first part is a
        # module attribute (``functions.os.system``): refused.
        if (
            strict
            or not names[0][:1].isupper()
            or not all(n.isidentifier() and not _is_dunder(n) for n in names)
        ):
            _unsafe(f"walks attributes with the dotted global {module}.{name}")
    elif not name.isidentifier():
        _corrupt(f"names a global with the odd name {name!r}")
    elif _is_dunder(name) and (module, name) not in ALLOWED_DUNDERS:
        _unsafe(f"names the special global {module}.{name}")
    label = f"{module}.{name}"
    key = (module, name)
    on_call = _CALLS.get(key)
    if on_call is None:
        if is_enum_class(module, name):
            on_call = _call_enum
        elif is_settings_class(module, name):
            on_call = _call_settings
        else:
            on_call = _call_refused
    if on_call is _call_settings:
        return _settings_class(label, module, name)
    if strict:
        allowed = SAFE_DATA_INSTANCES.get(key, frozenset())
        unsafe = {
            op: f"creates a {label} object at load time (not in the safe-data allowlist)"
            for op in _ALL_OPS - allowed
        }
        if key in IMPORT_RECORDS:  # FileLoader.__hash__ would hash what the pickle stored in it
            unsafe[_HASH] = f"hashes a {label} object at load time"
        deny = _deny_map(unsafe=unsafe)
    elif name.rpartition(".")[2] in DANGEROUS_CLASS_NAMES:
        deny = _deny_map(
            unsafe={
                op: f"creates a {label} object at load time (re-exported stdlib class)" for op in _ALL_OPS
            }
        )
    elif name.rpartition(".")[2] in HOOKED_CLASSES and key not in HOOKED_NAME_EXCEPTIONS:
        ops, why = HOOKED_CLASSES[name.rpartition(".")[2]]
        deny = _deny_map(unsafe={op: f"{_VERBS[op]} a {label} object at load time ({why})" for op in ops})
    elif top == "plams_core" and module not in PLAMS_CORE_CLASS_MODULES:
        deny = _deny_map(
            unsafe={op: f"creates a {label} object at load time (not a job engine class)" for op in _ALL_OPS}
        )
    else:
        deny = {}
    rule = VETTED_STATE.get(name.rpartition(".")[2], "no slots")
    return _stub_class(
        name.rpartition(".")[2] or "_",
        _meta(on_call),
        _label=label,
        _module=module,
        _qualname=name,
        _name=name.rpartition(".")[2],
        _global=True,
        _deny=deny,
        _strict=strict,
        _state_check=None if strict else staticmethod(_STATE_RULES[rule]),
    )


# --------------------------------------------------------------------------------------
# Vetted __setstate__ methods (allowlist.VETTED_STATE): what their installed code reads
# --------------------------------------------------------------------------------------


_VERBS: Mapping[str, str] = MappingProxyType(
    {_NEW: "creates", _BUILD: "sets the state of", _SETITEM: "fills", _APPEND: "fills", _ADD: "fills"}
)


def _plain_value(value: Any) -> bool:
    return isinstance(value, _PRIMITIVES)


def _vetted_dict(cls: Any, state: Any) -> dict[Any, Any]:
    if type(state) is not dict:
        _unsafe(f"hands {_describe(state)} to {cls._label}.__setstate__, which runs its code on it")
    return state


def _rule_no_slots(cls: Any, state: Any) -> None:
    # BUILD's (state, slotstate) form sets slotstate with setattr: a property setter or
    # __setattr__ of the installed class would run (PLAMS's Job.status calls on_status_change).
    if type(state) is tuple and len(state) == 2 and state[1]:
        _unsafe(f"sets attributes of a {cls._label} object through setattr (its properties) at load time")


def _rule_dict(cls: Any, state: Any) -> None:
    _vetted_dict(cls, state)


def _rule_job(cls: Any, state: Any) -> None:
    # Job.__setstate__: dict(state); str(state["status"]) when "_status" is missing (PLAMS < 2025).
    d = _vetted_dict(cls, state)
    if "_status" not in d and "status" in d:
        status = d["status"]
        if not (
            type(status) is str or (isinstance(status, _Obj) and type(type(status)).__call__ is _call_enum)
        ):
            _unsafe(
                f"hands {_describe(status)} as the status to {cls._label}.__setstate__, which calls str() on it"
            )


def _rule_runner(cls: Any, state: Any) -> None:
    # JobRunner.__setstate__: JobRunner.__init__(parallel, maxjobs, maxthreads) compares and stores them.
    d = _vetted_dict(cls, state)
    for key in ("parallel", "maxjobs", "maxthreads"):
        if key in d and not _plain_value(d[key]):
            _unsafe(f"hands {_describe(d[key])} as {key} to {cls._label}.__setstate__, which compares it")


def _rule_molecule(cls: Any, state: Any) -> None:
    # Molecule.__setstate__ -> from_dict: copy.copy(state), iterates atoms and bonds, sets each
    # item as an Atom's/Bond's __dict__ (C: a non-dict raises TypeError, calling nothing; then
    # the old-format fallback stores the state as __dict__) and indexes atoms by each bond's
    # atom1/atom2 (item lookups on the bond, __index__ of the ends).
    d = _vetted_dict(cls, state)
    atoms = d.get("atoms", [])
    bonds = d.get("bonds", [])
    if type(atoms) is not list or type(bonds) is not list:
        _unsafe(f"hands atoms or bonds that are not lists to {cls._label}.__setstate__, which iterates them")
    if all(type(a) is dict for a in atoms):  # else from_dict stops at the first other atom
        for bond in bonds:
            if type(bond) is not dict or not all(type(bond.get(end, 0)) is int for end in ("atom1", "atom2")):
                _unsafe(f"hands a bond that is not a dict of int ends to {cls._label}.__setstate__")


_STATE_RULES: Mapping[str, Callable[[Any, Any], None]] = MappingProxyType(
    {
        "no slots": _rule_no_slots,
        "job": _rule_job,
        "dict": _rule_dict,
        "runner": _rule_runner,
        "molecule": _rule_molecule,
    }
)


class _SettingsDict(dict, metaclass=_StubType):
    """Instances of PLAMS's and plams_core's ``Settings`` classes: a real dict, filled in C.

    A Settings pickle is ``NEWOBJ`` (or ``Settings(dict)``) plus ``SETITEMS``; stubs cost
    two Python calls per item and instance. Here NEWOBJ runs ``dict.__new__`` and SETITEMS
    ``dict.__setitem__``, both C, so no code runs but the ``__hash__`` of a stub key (which
    checks its class as for any dict key). Safe by construction: ``__slots__ = ("state",)`` leaves
    instances without a ``__dict__``, so nothing the pickle stores can shadow
    ``__setitem__`` or supply a ``__setstate__``; APPENDS and ADDITEMS fail in C (corrupt:
    a real Settings pickle never has them). BUILD is recorded: PLAMS 2026's
    ``ConfigSettings`` keeps ``__lazylock__`` in its ``__dict__``, and a script run through
    PLAMS's launcher pickles ``config`` by value; a real load fills the ``__dict__`` in C
    (slot state, set through ``setattr``, is refused as for every installed class). The
    class object itself is a stub
    (the ``_StubType`` metaclass and its attributes) for every check that sees it.
    """

    __slots__ = ("state",)
    _label = "Settings"
    _module: str | None = None
    _qualname: str | None = None
    _name: str | None = None
    _global = True
    _strict = False
    _byvalue = False
    _hooks: frozenset[str] = frozenset()
    _deny: Mapping[str, tuple[type[Exception], str]] = {}
    _kind = "instance"
    _state_check = None

    def __setstate__(self, state: Any) -> None:
        _rule_no_slots(type(self), state)
        self.state = state


def _settings_class(label: str, module: str, name: str) -> type[_SettingsDict]:
    return _meta(_call_settings)(
        name,
        (_SettingsDict,),
        {  # type: ignore[return-value]
            "__slots__": (),
            "_label": label,
            "_module": module,
            "_qualname": name,
            "_name": name,
        },
    )


def _persistent_load(pid: Any) -> NoReturn:
    _unsafe("uses a persistent id (PERSID): the loader's persistent_load would decide what runs")


class _Loader(pickle.Unpickler):
    """The C unpickler with every name resolved to a stub and persistent ids refused."""

    find_class = staticmethod(_find_class)
    persistent_load = staticmethod(_persistent_load)


# --------------------------------------------------------------------------------------
# Allowed calls
# --------------------------------------------------------------------------------------


def _is_global(obj: Any, *keys: tuple[str, str]) -> bool:
    return isinstance(obj, _StubType) and obj._global and (obj._module, obj._qualname) in keys


_PLAIN_TYPES = frozenset({*_PRIMITIVES, tuple, list, dict, set, frozenset, bytearray})


def _check_plain(label: str, args: Iterable[Any]) -> None:
    """Arguments a data constructor reads: primitives, real containers, recorded objects."""
    for arg in args:
        if arg.__class__ in _PLAIN_TYPES:
            continue
        if isinstance(arg, (_StubType, _SettingsDict)) or (isinstance(arg, _Obj) and not type(arg)._byvalue):
            continue
        _unsafe(f"passes {_describe(arg)} to {label}, which would run its code")


def _check_instance(cls: Any, via: str) -> type[_Obj]:
    """cls is about to get an instance without __init__ (NEWOBJ or a copyreg reconstructor)."""
    if not isinstance(cls, _StubType):
        _corrupt(f"{via} of something that is not a class")
    denied = cls._deny.get(_NEW)
    if denied is not None:
        raise denied[0](denied[1])
    return cls  # type: ignore[return-value]


def _call_data(cls: _StubType, *args: Any) -> Any:
    _check_plain(cls._label, args)
    obj: Any = _object_new(cls)  # type: ignore[arg-type]  # cls is a stub class (typed by its metaclass)
    obj.args = args
    return obj


def _call_enum(cls: _StubType, *args: Any) -> Any:
    if len(args) != 1 or not isinstance(args[0], (str, int)):
        _unsafe(f"calls {cls._label} with unusual arguments at load time")
    return _make(cls, args)  # type: ignore[arg-type]


def _call_settings(cls: _StubType, *args: Any) -> Any:
    if len(args) > 1 or (args and type(args[0]) is not dict):
        _unsafe(f"calls {cls._label} with unusual arguments at load time")
    obj: Any = dict.__new__(cls)  # type: ignore[arg-type]  # cls is a dict stub class (typed by its metaclass)
    if args:
        dict.update(obj, args[0])  # keys were hashed (checked) when the argument dict was built
    return obj


def _instance(cls: type[_Obj], args: tuple[Any, ...]) -> Any:
    """An instance of *cls* (checked by :func:`_check_instance`) as NEWOBJ would make it."""
    if issubclass(cls, _SettingsDict):
        return dict.__new__(cls)  # dict.__new__ ignores NEWOBJ's arguments too
    return _make(cls, args)


def _call_real(constructor: Callable[..., Any]) -> Callable[..., Any]:
    """Builtin containers are built for real: hashing set items runs our stubs' __hash__ only."""

    def call(cls: _StubType, *args: Any) -> Any:
        if len(args) > 1 or (
            args and not isinstance(args[0], (list, tuple, set, frozenset, str, bytes, dict))
        ):
            _unsafe(f"passes {_describe(args[0]) if args else 'nothing'} to {cls._label}, which iterates it")
        if constructor is dict and args and type(args[0]) is not dict:
            if not all(type(p) in (tuple, list) and len(p) == 2 for p in args[0]):
                _unsafe("passes items to builtins.dict whose iteration would run code")
        return constructor(*args)

    return call


def _call_bytes(cls: _StubType, *args: Any) -> Any:
    if not args:
        return bytearray() if cls._qualname == "bytearray" else b""
    if len(args) == 1 and isinstance(args[0], (bytes, bytearray, list)):
        if isinstance(args[0], list) and not all(type(i) is int for i in args[0]):
            _corrupt(f"{cls._label} of a list that is not bytes")
        return bytearray(args[0]) if cls._qualname == "bytearray" else bytes(args[0])
    if len(args) == 2 and isinstance(args[0], str) and args[1] in PLAIN_CODECS:
        try:
            data = args[0].encode(args[1])
        except UnicodeError:
            _corrupt(f"{cls._label} of text that does not encode")
        return bytearray(data) if cls._qualname == "bytearray" else data
    _unsafe(f"calls {cls._label} with unusual arguments at load time")


def _call_codecs_encode(cls: _StubType, *args: Any) -> Any:
    if len(args) == 2 and isinstance(args[0], str) and args[1] in PLAIN_CODECS:
        try:
            return args[0].encode(args[1])
        except UnicodeError:
            _corrupt("_codecs.encode of text that does not encode")
    _unsafe("calls _codecs.encode with an unusual codec at load time")


def _call_number(cls: _StubType, *args: Any) -> Any:
    if not all(isinstance(a, (int, float, str)) for a in args) or len(args) > 2:
        _unsafe(f"calls {cls._label} with unusual arguments at load time")
    try:
        return {"complex": complex, "int": int, "float": float}[cls._qualname or ""](*args)
    except (ValueError, TypeError):
        _corrupt(f"{cls._label} of a bad value")


def _call_slice(cls: _StubType, *args: Any) -> Any:
    if len(args) > 3 or not all(a is None or type(a) is int for a in args):
        _unsafe(f"calls {cls._label} with unusual arguments at load time")
    if cls._qualname == "range":
        if None in args or not args:
            _corrupt("range of a bad value")
        try:
            return range(*args)
        except ValueError:
            _corrupt("range with a zero step")
    return slice(*args)


def _call_descriptor(cls: _StubType, *args: Any) -> Any:
    for arg in args:
        if not (
            arg is None
            or isinstance(arg, (str, _Func, _StubType, _SettingsDict))
            or (isinstance(arg, _Obj) and not type(arg)._byvalue)
        ):
            _unsafe(f"wraps {_describe(arg)} in {cls._label}")
    return _make(_Descriptor, args)


def _call_type(cls: _StubType, *args: Any) -> Any:
    # dill: type(NotImplemented), type(Ellipsis); only the one-argument form.
    if len(args) != 1 or isinstance(args[0], _Obj) and type(args[0])._byvalue:
        _unsafe("calls builtins.type to build a class at load time")
    return _find_class("types", "UnknownType")


def _call_getattr(cls: _StubType, *args: Any) -> Any:
    if len(args) == 2 and isinstance(args[0], _Lock) and args[1] in LOCK_ATTRS:
        return _make(_Method, args)
    if len(args) == 3 and _is_global(args[0], ("dill", "_dill")) and args[1] in DILL_SHIMS:
        # dill._shims: getattr(dill._dill, '_setattr', setattr) for closure cells (super())
        fallback = args[2]
        if args[1] == "_setattr" and _is_global(fallback, ("builtins", "setattr")):
            return fallback
        if args[1] == "_CELL_EMPTY" and fallback is None:
            return None
    what = args[1] if len(args) > 1 and isinstance(args[1], str) else "?"
    _unsafe(f"calls builtins.getattr({_describe(args[0]) if args else '?'}, {what!r}) at load time")


def _call_setattr(cls: _StubType, *args: Any) -> Any:
    if len(args) == 3:
        target, attr, value = args
        if (
            isinstance(target, _StubType)
            and target._byvalue
            and attr == "__qualname__"
            and type(value) is str
        ):
            target._qualname = value
            return None
        if isinstance(target, _Cell) and attr == "cell_contents":
            target.state = value
            return None
    what = args[1] if len(args) > 1 and isinstance(args[1], str) else "?"
    _unsafe(f"calls builtins.setattr(..., {what!r}) at load time")


def _call_reconstructor(cls: _StubType, *args: Any) -> Any:
    # copyreg._reconstructor(cls, base, state): base.__new__(cls, state) and base.__init__
    if len(args) != 3:
        _corrupt("copyreg._reconstructor with the wrong arguments")
    target, base, state = args
    new_cls = _check_instance(target, "copyreg._reconstructor")
    if _is_global(base, ("builtins", "object")):
        return _make(new_cls)
    # Protocol 0/1 subclasses of builtins: base.__new__(cls, state); base.__init__(obj, state).
    # Harmless for C builtins as long as iterating *state* runs nothing: a real container.
    if not (isinstance(base, _StubType) and (base._module, base._qualname) in SAFE_BASES):
        _unsafe(f"runs {_describe(base)}.__init__ through copyreg._reconstructor at load time")
    if issubclass(new_cls, _SettingsDict):  # protocol 0/1 Settings: dict.__init__(obj, state) in C
        if base._qualname != "dict" or type(state) not in (dict, list, tuple):
            _corrupt(f"copyreg._reconstructor of {new_cls._label} from {base._label}")
        if type(state) is not dict and not all(type(p) in (tuple, list) and len(p) == 2 for p in state):
            _unsafe("passes items to builtins.dict whose iteration would run code")
        obj = dict.__new__(new_cls)
        dict.update(obj, state)  # hashing stub keys checks their classes
        return obj
    obj = _make(new_cls, (state,))
    if type(state) is dict:
        obj.items = list(state.items())
    elif type(state) in (list, tuple):
        if base._qualname == "dict" and not all(type(p) in (tuple, list) and len(p) == 2 for p in state):
            _unsafe("passes items to builtins.dict whose iteration would run code")
        obj.listitems = list(state)
    elif not isinstance(state, _PRIMITIVES):
        _unsafe(f"passes {_describe(state)} to {base._label}.__init__, which iterates it")
    return obj


def _call_newobj(cls: _StubType, *args: Any) -> Any:
    if not args:
        _corrupt("copyreg.__newobj__ without a class")
    return _instance(_check_instance(args[0], "copyreg.__newobj__"), args[1:])


def _call_newobj_ex(cls: _StubType, *args: Any) -> Any:
    if len(args) != 3 or type(args[1]) is not tuple or type(args[2]) is not dict:
        _corrupt("copyreg.__newobj_ex__ with the wrong arguments")
    return _instance(_check_instance(args[0], "copyreg.__newobj_ex__"), args[1])


_NO_DENY_EARLY: Mapping[str, tuple[type[Exception], str]] = MappingProxyType({})


def _call_create_type(cls: _StubType, *args: Any) -> Any:
    if len(args) != 4:
        _unsafe("calls dill._dill._create_type with unusual arguments at load time")
    meta, name, bases, body = args
    if not _is_global(meta, ("builtins", "type"), ("abc", "ABCMeta")):
        _unsafe(f"creates a by-value class with the metaclass {_describe(meta)}, which runs its code")
    if type(name) is not str or type(bases) is not tuple or type(body) is not dict:
        _corrupt("dill._dill._create_type with arguments of the wrong types")
    hooks = set(k for k in body if k in HOOK_NAMES)
    inherited: dict[str, tuple[type[Exception], str]] = {}
    state_check = None
    for base in bases:
        if not isinstance(base, _StubType):
            _corrupt(f"by-value class {name} with a base that is not a class")
        if base._byvalue:
            if "__init_subclass__" in base._hooks:
                _unsafe(f"creates a subclass of by-value class {base._label}, running its __init_subclass__")
            hooks |= base._hooks
            inherited.update(base._deny)  # what it inherited from installed classes, too
            state_check = state_check or base._state_check
        elif base._strict:
            if (base._module, base._qualname) not in SAFE_BASES:
                _unsafe(f"creates a by-value class derived from {base._label}, which runs its code")
        elif base._deny.get(_NEW) is not None:
            _unsafe(f"creates a by-value class derived from {base._label}")
        else:  # an installed class: its instances' hooks are the subclass's too
            inherited.update(base._deny)
            state_check = state_check or base._state_check
    abc = _is_global(meta, ("abc", "ABCMeta"))
    for key, value in body.items():
        if type(key) is not str:
            _corrupt(f"by-value class {name} with a non-string attribute name")
        if isinstance(value, _Obj) and type(value)._byvalue:
            vhooks = type(value)._hooks
            if (
                "__set_name__" in vhooks
                or vhooks & LOOKUP_HOOKS
                or (abc and vhooks & {"__isabstractmethod__", "__get__"})
            ):
                _unsafe(f"creates by-value class {name} whose attribute {key} runs its own code")
    if "__setstate__" in hooks:
        state_check = None  # BUILD is refused for the class's own __setstate__
    return _by_value_class(
        name, body.get("__module__"), frozenset(hooks), inherited=inherited, state_check=state_check
    )


def _by_value_class(
    name: str,
    module: Any,
    hooks: frozenset[str],
    *,
    namedtuple: bool = False,
    inherited: Mapping[str, tuple[type[Exception], str]] = _NO_DENY_EARLY,
    state_check: Callable[[Any, Any], None] | None = None,
) -> _StubType:
    # Creating a type costs ~5 us and setting its attributes ~3 us more; a read borrows a
    # pooled class made for the same (name, module, hooks) before and gives it back at the end.
    used = _borrowed.__dict__.get("types")
    key = (
        (name, module, hooks, state_check)
        if used is not None and not namedtuple and type(module) in (str, type(None)) and not inherited
        else None
    )
    if key is not None:
        free = _POOL.get(key)
        if free:
            try:
                cls = free.pop()
            except IndexError:  # another thread took it
                pass
            else:
                if cls._qualname != name:
                    cls._qualname = name  # a read may set __qualname__ (dill's setattr)
                used.append(cls)  # type: ignore[union-attr]  # a key is only made when used is not None
                return cls
    label = f"{module}.{name}" if isinstance(module, str) else name
    unsafe: dict[str, str] = {}
    if hooks & {"__new__", "__del__"}:
        unsafe[_NEW] = (
            f"creates an instance of by-value class {label}, which defines {sorted(hooks & {'__new__', '__del__'})[0]}"
        )
    if "__setstate__" in hooks:
        unsafe[_BUILD] = f"calls {label}.__setstate__ (defined in the pickle) at load time"
    elif hooks & LOOKUP_HOOKS:
        unsafe[_BUILD] = (
            f"runs {label}.__getattr__ (defined in the pickle) to look up __setstate__ at load time"
        )
    if hooks & ({"__setitem__"} | LOOKUP_HOOKS):
        unsafe[_SETITEM] = f"calls {label}.__setitem__ (defined in the pickle) at load time"
    if hooks & ({"append", "extend"} | LOOKUP_HOOKS):
        unsafe[_APPEND] = f"calls {label}.append/extend (defined in the pickle) at load time"
    if hooks & ({"add"} | LOOKUP_HOOKS):
        unsafe[_ADD] = f"calls {label}.add (defined in the pickle) at load time"
    if hooks & {"__hash__", "__eq__"}:
        unsafe[_HASH] = f"hashes a {label} object (its __hash__/__eq__ is defined in the pickle) at load time"
    attrs: dict[str, Any] = {
        "_label": label,
        "_module": module if isinstance(module, str) else "__main__",
        "_qualname": name,
        "_name": name,
        "_byvalue": True,
        "_hooks": hooks,
        "_deny": {**inherited, **_deny_map(unsafe=unsafe)} if unsafe or inherited else _NO_DENY,
    }
    if state_check is not None:
        attrs["_state_check"] = staticmethod(state_check)
    if namedtuple:
        return _stub_class("_", _meta(_call_namedtuple_instance), **attrs)
    if "__getinitargs__" in hooks:
        attrs["__getinitargs__"] = None  # INST/OBJ then call the class, which is refused
        return _stub_class("_", **attrs)
    cls = _stub_class("_", **attrs)
    if used is not None:
        cls._pool_key = key
        used.append(cls)
    return cls


def _give_back(used: list[_StubType]) -> None:
    """Return the by-value classes a read borrowed to the pool (bounded: a hostile file may make many)."""
    for cls in used:
        key = cls.__dict__.get("_pool_key")
        if key is None:
            continue
        free = _POOL.get(key)
        if free is None:
            if len(_POOL) >= _POOL_KEYS_MAX:
                continue
            free = _POOL.setdefault(key, [])
        if len(free) < _POOL_PER_KEY:
            free.append(cls)


_NO_DENY: Mapping[str, tuple[type[Exception], str]] = {}
_POOL: dict[tuple[str, Any, frozenset[str], Any], list[_StubType]] = {}
_POOL_KEYS_MAX = 256
_POOL_PER_KEY = 8
_borrowed = threading.local()


def _call_namedtuple_instance(cls: _StubType, *args: Any) -> Any:
    return _make(cls, args)  # type: ignore[arg-type]


def _call_create_namedtuple(cls: _StubType, *args: Any) -> Any:
    if not 3 <= len(args) <= 4 or type(args[0]) is not str or type(args[1]) not in (tuple, list):
        _unsafe("calls dill._dill._create_namedtuple with unusual arguments at load time")
    if not all(type(f) is str and f.isidentifier() and not f.startswith("_") for f in args[1]):
        _corrupt("a namedtuple with bad field names")
    return _by_value_class(args[0], args[2], frozenset(), namedtuple=True)


def _call_load_type(cls: _StubType, *args: Any) -> Any:
    if len(args) != 1 or type(args[0]) is not str or not args[0].isidentifier():
        _corrupt("dill._dill._load_type of a bad name")
    return _find_class(*loaded_type(args[0]))


def _call_eval_repr(cls: _StubType, *args: Any) -> Any:
    # dill pickles range, Ellipsis and NotImplemented as eval(repr(obj)); nothing else is allowed
    if len(args) == 1 and type(args[0]) is str and _SAFE_REPR.fullmatch(args[0]):
        obj = _object_new(_Data)
        obj.args = args
        return obj
    _unsafe("calls dill._dill._eval_repr at load time (evaluates a string)")


_SAFE_REPR = re.compile(r"Ellipsis|NotImplemented|range\(-?\d{1,20}, -?\d{1,20}(?:, -?\d{1,20})?\)")


def _call_create_function(cls: _StubType, *args: Any) -> Any:
    if not 2 <= len(args) <= 7 or not isinstance(args[0], _Code):
        _unsafe("calls dill._dill._create_function with unusual arguments at load time")
    if not isinstance(args[1], (dict, _ModuleDict)) and args[1] is not None:
        _corrupt("a function whose globals are not a dict")
    return _make(_Func, args)


def _call_create_code(cls: _StubType, *args: Any) -> Any:
    # A code object is inert until a function made from it is called (refused elsewhere).
    obj = _object_new(_Code)
    obj.args = args
    return obj


def _call_create_cell(cls: _StubType, *args: Any) -> Any:
    if len(args) > 1:
        _corrupt("dill._dill._create_cell with the wrong arguments")
    cell = _make(_Cell, args)
    cell.state = args[0] if args else None
    return cell


def _call_create_lock(cls: _StubType, *args: Any) -> Any:
    for arg in args:
        if arg.__class__ not in _LOCK_ARG_TYPES:
            _unsafe(f"calls {cls._label} with unusual arguments at load time")
    obj = _object_new(_Lock)
    obj.args = args
    return obj


_LOCK_ARG_TYPES = frozenset({int, bool, type(None)})


def _call_setitems(cls: _StubType, *args: Any) -> Any:
    if len(args) == 2 and type(args[0]) is dict and type(args[1]) is dict:
        args[0].update(args[1])  # a fresh globals dict built by the pickle itself
        return None
    _unsafe("calls dill._dill._setitems on something other than a fresh dict (module globals?) at load time")


def _call_import_module(cls: _StubType, *args: Any) -> Any:
    if not 1 <= len(args) <= 2 or type(args[0]) is not str:
        _unsafe("calls dill._dill._import_module with unusual arguments at load time")
    _find_class(args[0], "__dict__")  # the same module-name policy as a global
    return _make(_ModuleRef, args[:1])


def _call_reconstruct(cls: _StubType, *args: Any) -> Any:
    # numpy ..._reconstruct(ndarray_subclass, shape, dtype_char): ndarray.__new__, then BUILD
    if len(args) != 3 or not isinstance(args[0], _StubType):
        _corrupt("numpy _reconstruct with the wrong arguments")
    target = args[0]
    if not (
        _is_global(target, ("numpy", "ndarray"), ("numpy", "matrix"), ("numpy", "memmap"))
        or (target._global and not target._strict)
    ):
        _unsafe(f"reconstructs an array of class {_describe(target)} at load time")
    _check_plain(cls._label, args[1:])
    return _instance(_check_instance(target, "numpy _reconstruct"), args[1:])


def _call_create_array(cls: _StubType, *args: Any) -> Any:
    # dill: array = f(*args); array.__setstate__(state); array.__dict__.update(npdict)
    if not 3 <= len(args) <= 4 or not _is_global(args[0], *_RECONSTRUCT) or type(args[1]) is not tuple:
        _unsafe("calls dill._dill._create_array with unusual arguments at load time")
    array = _call_reconstruct(args[0], *args[1])
    array.__setstate__(args[2])
    if len(args) == 4 and args[3] is not None and type(args[3]) is not dict:
        _corrupt("dill._dill._create_array with a bad __dict__")
    return array


def _call_scalar(cls: _StubType, *args: Any) -> Any:
    _check_plain(cls._label, args)
    return _make(_Scalar, args)


def _call_numpy_data(cls: _StubType, *args: Any) -> Any:
    _check_plain(cls._label, args)
    return _make(_Data, args)


def _call_create_dtypemeta(cls: _StubType, *args: Any) -> Any:
    if len(args) != 1 or not (isinstance(args[0], _StubType) and args[0]._module in ("numpy", "builtins")):
        _unsafe("calls dill._dill._create_dtypemeta with unusual arguments at load time")
    return _find_class("numpy", "dtype")


def _call_collection(cls: _StubType, *args: Any) -> Any:
    """OrderedDict/defaultdict/deque/Counter: the first argument is a factory or items."""
    name = cls._qualname
    rest = args[1:] if name == "defaultdict" else args
    if name == "defaultdict" and args and not (args[0] is None or isinstance(args[0], (_StubType, _Func))):
        _unsafe("builds a defaultdict with an odd default factory")
    if name == "deque" and len(rest) == 2 and (rest[1] is None or type(rest[1]) is int):
        rest = rest[:1]
    if len(rest) > 1 or (rest and not isinstance(rest[0], (list, tuple, dict))):
        _unsafe(f"passes {_describe(rest[0]) if rest else '?'} to {cls._label}, which iterates it")
    obj = _make(cls, args)  # type: ignore[arg-type]
    if rest:
        src = rest[0]
        if name == "deque":
            obj.listitems = list(src)
        else:
            pairs = list(src.items()) if type(src) is dict else list(src)
            if not all(type(p) in (tuple, list) and len(p) == 2 for p in pairs):
                _unsafe(f"passes items to {cls._label} whose iteration would run code")
            for key, _ in pairs:
                hash(key)  # a stub key checks its class's __hash__
            obj.items = [tuple(p) for p in pairs]
    return obj


def _call_method_type(cls: _StubType, *args: Any) -> Any:
    # types.MethodType(func, obj) binds, calls nothing (dill pickles bound methods so; PLAMS
    # 2024 Molecules keep one). Calling the result at load time is refused like any stub's.
    if len(args) != 2:
        _unsafe("calls types.MethodType with unusual arguments at load time")
    return _make(_BoundMethod, args)


def _call_partial(cls: _StubType, *args: Any) -> Any:
    # functools.partial(func): stores func, calls nothing
    if len(args) != 1:
        _unsafe("calls functools.partial with unusual arguments at load time")
    if _is_global(args[0], ("dill._dill", "_setitems")):
        _unsafe("builds a class through types.new_class with a pickled namespace callback")
    return _make(cls, args)  # type: ignore[arg-type]


_RECONSTRUCT = (("numpy._core.multiarray", "_reconstruct"),)

_CALLS: dict[tuple[str, str], Callable[[_StubType, tuple[Any, ...]], Any]] = {
    ("dill._dill", "_create_type"): _call_create_type,
    ("dill._dill", "_load_type"): _call_load_type,
    ("dill._dill", "_create_function"): _call_create_function,
    ("dill._dill", "_create_code"): _call_create_code,
    ("dill._dill", "_create_cell"): _call_create_cell,
    ("dill._dill", "_create_lock"): _call_create_lock,
    ("dill._dill", "_create_rlock"): _call_create_lock,
    ("dill._dill", "_create_namedtuple"): _call_create_namedtuple,
    ("dill._dill", "_create_array"): _call_create_array,
    ("dill._dill", "_create_dtypemeta"): _call_create_dtypemeta,
    ("dill._dill", "_setitems"): _call_setitems,
    ("dill._dill", "_import_module"): _call_import_module,
    ("dill._dill", "_eval_repr"): _call_eval_repr,
    ("builtins", "getattr"): _call_getattr,
    ("builtins", "setattr"): _call_setattr,
    ("builtins", "set"): _call_real(set),
    ("builtins", "frozenset"): _call_real(frozenset),
    ("builtins", "list"): _call_real(list),
    ("builtins", "tuple"): _call_real(tuple),
    ("builtins", "dict"): _call_real(dict),
    ("builtins", "bytearray"): _call_bytes,
    ("builtins", "bytes"): _call_bytes,
    ("builtins", "complex"): _call_number,
    ("builtins", "int"): _call_number,
    ("builtins", "float"): _call_number,
    ("builtins", "slice"): _call_slice,
    ("builtins", "range"): _call_slice,
    ("builtins", "staticmethod"): _call_descriptor,
    ("builtins", "classmethod"): _call_descriptor,
    ("builtins", "property"): _call_descriptor,
    ("builtins", "type"): _call_type,
    ("_codecs", "encode"): _call_codecs_encode,
    ("codecs", "encode"): _call_codecs_encode,
    ("copyreg", "_reconstructor"): _call_reconstructor,
    ("copyreg", "__newobj__"): _call_newobj,
    ("copyreg", "__newobj_ex__"): _call_newobj_ex,
    ("collections", "OrderedDict"): _call_collection,
    ("collections", "defaultdict"): _call_collection,
    ("collections", "deque"): _call_collection,
    ("collections", "Counter"): _call_collection,
    ("functools", "partial"): _call_partial,
    ("types", "MethodType"): _call_method_type,
    ("numpy._core.multiarray", "_reconstruct"): _call_reconstruct,
    ("numpy._core.multiarray", "scalar"): _call_scalar,
    ("numpy._core.numeric", "_frombuffer"): _call_numpy_data,
    **dict.fromkeys(DATA_CONSTRUCTORS, _call_data),
}


# --------------------------------------------------------------------------------------
# Reading the job out of the recorded graph
# --------------------------------------------------------------------------------------


def _state_dict(obj: Any) -> dict[Any, Any] | None:
    if not isinstance(obj, _Obj):
        return None
    state = getattr(obj, "state", None)
    if type(state) is tuple and len(state) == 2:
        merged: dict[Any, Any] = {}
        for part in state:
            if type(part) is dict:
                merged.update(part)
        return merged
    return state if type(state) is dict else None


def _mapping_items(obj: Any) -> list[tuple[Any, Any]]:
    if isinstance(obj, dict):  # a dict or a _SettingsDict
        return list(dict.items(obj))
    if isinstance(obj, _Obj):
        items = list(getattr(obj, "items", ()))
        if not items and obj.args and type(obj.args[0]) is dict:
            items = list(obj.args[0].items())
        return items
    return []


def _status_text(value: Any) -> str | None:
    if isinstance(value, str):
        return str(value).lower()
    if isinstance(value, _Obj) and value.args and isinstance(value.args[0], str):
        return str(value.args[0]).lower()
    return None


def _iso(stamp: Any, offsets: dict[int, str | None]) -> str | None:
    """ISO-8601 text (as ``datetime.isoformat``) of a pickled ``datetime.datetime``.

    Its state is 10 bytes (year hi/lo, month + 128*fold, day, h, m, s, microseconds in
    3 bytes); the tzinfo a ``timezone(timedelta(days, seconds, us))``. Formatted here:
    constructing datetimes costs more than the rest of a read.
    """
    if not (isinstance(stamp, _Obj) and type(stamp)._label == "datetime.datetime" and stamp.args):
        return None
    raw = stamp.args[0]
    if type(raw) is str:  # protocol 0-2 under Python 3 pickles the state as latin-1 text
        raw = raw.encode("latin-1", "replace")
    if type(raw) is not bytes or len(raw) != 10:
        return None
    year, month, day, hour, minute, second, micro_hi, micro_lo = _DATETIME_STATE.unpack(raw)
    month &= 0x7F  # the high bit is `fold`
    micro = micro_hi << 16 | micro_lo
    if not (
        year
        and 1 <= month <= 12
        and 1 <= day <= 31
        and hour < 24
        and minute < 60
        and second < 60
        and micro < 1_000_000
    ):
        return None
    # %-formatting: about twice as fast as f-strings with format specs, and this runs per log entry
    if micro:
        text = "%04d-%02d-%02dT%02d:%02d:%02d.%06d" % (year, month, day, hour, minute, second, micro)  # noqa: UP031
    else:
        text = "%04d-%02d-%02dT%02d:%02d:%02d" % (year, month, day, hour, minute, second)  # noqa: UP031
    if len(stamp.args) > 1 and stamp.args[1] is not None:
        zone = stamp.args[1]
        try:
            offset = offsets[id(zone)]  # one timezone object is shared by the whole log
        except KeyError:
            offset = offsets[id(zone)] = _utc_offset(zone)
        if offset is None:
            return None
        text += offset
    return text


_DATETIME_STATE = struct.Struct(">HBBBBBBH")


def _utc_offset(zone: Any) -> str | None:
    """``+HH:MM`` of a pickled ``datetime.timezone(timedelta(...))``, as isoformat writes it."""
    if (
        not isinstance(zone, _Obj)
        or type(zone)._label != "datetime.timezone"
        or not zone.args
        or not isinstance(zone.args[0], _Obj)
    ):
        return None
    delta = zone.args[0].args
    if len(delta) != 3 or not all(type(x) is int for x in delta):
        return None
    micro = (delta[0] * 86400 + delta[1]) * 1_000_000 + delta[2]
    if abs(micro) >= 86400 * 1_000_000:
        return None
    sign = "-" if micro < 0 else "+"
    seconds, micro = divmod(abs(micro), 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    if seconds or micro:
        text += f":{seconds:02d}"
        if micro:
            text += f".{micro:06d}"
    return text


def _plain(value: Any, depth: int, max_depth: int) -> object:
    """A setting value as plain data: primitives, lists and dicts of them."""
    if depth > max_depth:
        _unsafe(f"nests values deeper than {max_depth} levels")
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if type(value) in (list, tuple):
        return [_plain(v, depth + 1, max_depth) for v in value]
    if isinstance(value, dict) or (
        isinstance(value, _Obj) and type(value)._global and not type(value)._byvalue
    ):
        items = _mapping_items(value)
        return {k: _plain(v, depth + 1, max_depth) for k, v in items if isinstance(k, str)}
    return None


_SETTINGS_KEYS = ("keep", "save", "pickle", "link_files")


def _job_fields(top: Any, max_depth: int, timeline: bool = True) -> dict[str, Any]:
    state = _state_dict(top)
    cls = type(top)
    if (
        state is None
        or not (cls._byvalue or (cls._global and not cls._strict))
        or not isinstance(state.get("name"), str)
    ):
        what = _describe(top) if isinstance(top, (_Obj, _StubType)) else type(top).__name__
        _corrupt(f"the pickled object is not a job: {what}")
    status = _status_text(state.get("_status"))
    if status is None:
        status = _status_text(state.get("status"))
    log: list[tuple[str, str]] = []
    raw_log = state.get("_status_log") if timeline else None  # formatting stamps is ~15 % of a read
    if type(raw_log) is list:
        offsets: dict[int, str | None] = {}
        for entry in raw_log:
            if type(entry) is tuple and len(entry) == 2:
                stamp, text = _iso(entry[0], offsets), _status_text(entry[1])
                if stamp is not None and text is not None:
                    log.append((stamp, text))
    settings: dict[str, object] = {}
    for key, value in _mapping_items(state.get("settings")):
        if key in _SETTINGS_KEYS:
            settings[key] = _plain(value, 1, max_depth)
    children: list[str] = []
    raw_children = state.get("children")
    if isinstance(raw_children, _Obj):
        raw_children = [v for _, v in _mapping_items(raw_children)]
    elif type(raw_children) is dict:
        raw_children = list(raw_children.values())
    if type(raw_children) in (list, tuple):
        for child in raw_children:  # type: ignore[union-attr]  # a list or tuple (exact type checked above)
            child_state = _state_dict(child)
            if child_state is not None and isinstance(child_state.get("name"), str):
                children.append(str(child_state["name"]))
    path = state.get("path")
    return {
        "class_name": cls._name,
        "class_module": cls._module,
        "by_value": cls._byvalue,
        "name": str(state["name"]),
        "status": status,
        "status_log": tuple(log),
        "path": str(path) if isinstance(path, str) else None,
        "settings": MappingProxyType(settings),
        "children": tuple(children),
    }


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def _verdict(
    verdict: Verdict, reason: str | None, size: int = 0, mtime_ns: int = 0, inode: int = 0
) -> DillInfo:
    return DillInfo(
        verdict, reason, None, None, False, None, None, (), None, _EMPTY, (), size, mtime_ns, inode
    )


# The memo bound. PUT/BINPUT/LONG_BINPUT store into memo slot N, and the C unpickler first
# grows its memo table to 2*N pointers and zeroes it: 9 bytes (``LONG_BINPUT 2**28``) make it
# allocate and touch 4 GiB before anything else happens. A pickler numbers memo slots
# 0, 1, 2, ... and each slot costs at least one opcode byte, so no pickle has a slot index as
# large as its own length; such an index is refused before the unpickler sees the file. That
# needs the opcodes (a 0x72 byte inside a string is not a LONG_BINPUT), found by the walk
# below: no object built, ~15 us for a 1.4 KB job pickle, a third of a full read. Files a
# template answers skip it (same opcodes and memo indices as a template read in full; the
# template keeps its largest index, see templates.py).

# Per opcode byte: 0-8 the size of a fixed argument; else one of the kinds below.
_ARG_LEN1, _ARG_LEN4, _ARG_LEN8, _ARG_LINE, _ARG_LINES2 = 10, 11, 12, 13, 14
_OP_BINPUT, _OP_LONG_BINPUT, _OP_PUT, _OP_END = 15, 16, 17, 18


def _opcode_kinds() -> bytes:
    kinds = bytearray([_OP_END] * 256)  # unknown opcodes end the walk: the unpickler stops there too
    for codes, kind in (
        ("N\x88\x89]ael)t\x85\x86\x87}dsu\x8f\x90\x910(21\x94\x93Rbo\x81\x92Q\x97\x98", 0),
        ("Kh\x82\x80", 1),  # BININT1 BINGET EXT1 PROTO
        ("M\x83", 2),  # BININT2 EXT2
        ("J\x84j", 4),  # BININT EXT4 LONG_BINGET
        ("G\x95", 8),  # BINFLOAT FRAME (a frame's contents are opcodes like any)
        ("\x8aUC\x8c", _ARG_LEN1),  # LONG1 SHORT_BINSTRING SHORT_BINBYTES SHORT_BINUNICODE
        ("\x8bTBX", _ARG_LEN4),  # LONG4 BINSTRING BINBYTES BINUNICODE
        ("\x8d\x8e\x96", _ARG_LEN8),  # BINUNICODE8 BINBYTES8 BYTEARRAY8
        ("ILFSVgP", _ARG_LINE),  # INT LONG FLOAT STRING UNICODE GET PERSID
        ("ci", _ARG_LINES2),  # GLOBAL INST
        ("q", _OP_BINPUT),
        ("r", _OP_LONG_BINPUT),
        ("p", _OP_PUT),
        (".", _OP_END),  # STOP
    ):
        for code in codes:
            kinds[ord(code)] = kind
    return bytes(kinds)


_OPCODE_KINDS = _opcode_kinds()


def max_memo_index(data: bytes) -> int:
    """The largest memo index the opcodes of *data* store into (-1: none), up to STOP.

    The walk ends where the unpickler would stop (STOP, an unknown opcode, the end of the
    data); what follows is never executed. Indices of MEMOIZE are not counted: it stores
    into the next slot, so it cannot jump.
    """
    kinds = _OPCODE_KINDS
    from_bytes = int.from_bytes
    n = len(data)
    pos = 0
    worst = -1
    while pos < n:
        kind = kinds[data[pos]]
        if kind <= 8:
            pos += 1 + kind
        elif kind == _ARG_LEN1:
            if pos + 1 >= n:
                break
            pos += 2 + data[pos + 1]
        elif kind == _ARG_LEN4:
            pos += 5 + from_bytes(data[pos + 1 : pos + 5], "little")
        elif kind == _OP_BINPUT:
            if pos + 1 < n and data[pos + 1] > worst:
                worst = data[pos + 1]
            pos += 2
        elif kind == _OP_LONG_BINPUT:
            if pos + 5 > n:
                break
            index = from_bytes(data[pos + 1 : pos + 5], "little")
            if index > worst:
                worst = index
            pos += 5
        elif kind == _OP_END:
            break
        elif kind == _ARG_LEN8:
            pos += 9 + from_bytes(data[pos + 1 : pos + 9], "little")
        else:  # one or two lines of text
            end = data.find(b"\n", pos)
            if kind == _ARG_LINES2 and end >= 0:
                end = data.find(b"\n", end + 1)
            if end < 0:
                break
            if kind == _OP_PUT:
                try:
                    index = int(data[pos + 1 : end])  # the unpickler parses it as int() does
                except ValueError:
                    break  # the unpickler fails here
                if index > worst:
                    worst = index
            pos = end + 1
    return worst


def _memo_overreach(data: bytes) -> str | None:
    """Why *data* must not be unpickled for the size of its memo, or None."""
    worst = max_memo_index(data)
    if worst < len(data):
        return None
    return (
        f"stores into memo slot {worst} of a {len(data)}-byte pickle, which no pickler writes: "
        f"loading it would allocate {16 * worst / 2**20:,.0f} MiB"
    )


def _load(data: bytes, max_depth: int, timeline: bool) -> tuple[Verdict, str | None, dict[str, Any] | None]:
    """(verdict, reason, job fields) of a pickle given as bytes; the fields only when ``ok``."""
    if not data:
        return "corrupt", "empty file", None
    overreach = _memo_overreach(data)
    if overreach is not None:
        return "unsafe", overreach, None
    outer = _borrowed.__dict__.get("types")
    used: list[_StubType] = []
    _borrowed.types = used
    try:
        return "ok", None, _job_fields(_Loader(io.BytesIO(data)).load(), max_depth, timeline)
    except _Unsafe as exc:
        return "unsafe", str(exc), None
    except _Corrupt as exc:
        return "corrupt", str(exc), None
    except EOFError:
        return "corrupt", "truncated: the pickle ends early", None
    except RecursionError:
        return "unsafe", f"nests values deeper than the reader follows (max_depth={max_depth})", None
    except MemoryError:
        return "corrupt", "the pickle asks for more memory than is available", None
    except ValueError as exc:
        if "extension code" in str(exc):
            return "unsafe", "uses extension registry codes (EXT)", None
        return "corrupt", f"not a readable pickle: {_short(exc)}", None
    except Exception as exc:  # whatever the C unpickler raises for a malformed stream
        return "corrupt", f"not a readable pickle: {_short(exc)}", None
    finally:
        _borrowed.types = outer
        _give_back(used)


def _classify(
    data: bytes, max_depth: int, size: int, mtime_ns: int, inode: int, timeline: bool = True
) -> DillInfo:
    verdict, reason, fields = _load(data, max_depth, timeline)
    if fields is None:
        return _verdict(verdict, reason, size, mtime_ns, inode)
    return DillInfo("ok", None, size=size, mtime_ns=mtime_ns, inode=inode, **fields)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "out-of-band" in text:
        return "uses out-of-band buffers"
    return text[:200]


def read_dill_bytes(data: bytes, *, max_depth: int = 100_000, timeline: bool = True) -> DillInfo:
    """Classify and read a ``.dill`` given as bytes (``size`` is its length, no mtime/inode)."""
    return _classify(bytes(data), max_depth, len(data), 0, 0, timeline)


def _read_file(
    path: str | os.PathLike[str], max_bytes: int
) -> tuple[bytes | None, DillInfo | None, int, int]:
    """``(data, None, mtime_ns, inode)`` or, when the file cannot be read, ``(None, verdict, ...)``."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return None, _verdict("missing", None), 0, 0
    except OSError as exc:  # there, but not readable: nothing is known of its content
        return None, _verdict("unreadable", f"cannot read: {exc.strerror or exc}"), 0, 0
    try:
        st = os.fstat(fd)
        size, mtime_ns, inode = st.st_size, st.st_mtime_ns, st.st_ino
        if not stat.S_ISREG(st.st_mode):
            return None, _verdict("corrupt", "not a regular file", 0, mtime_ns, inode), mtime_ns, inode
        if size > max_bytes:
            return (
                None,
                _verdict("unsafe", f"larger than {max_bytes / 2**20:g} MiB: not read", size, mtime_ns, inode),
                mtime_ns,
                inode,
            )
        chunks = []
        total = 0
        while True:
            want = max(size - total, 0) + 65536
            chunk = os.read(fd, want)
            chunks.append(chunk)
            total += len(chunk)
            if len(chunk) < want:  # a short read of a regular file is its end: no extra syscall
                break
            if total > max_bytes:
                return (
                    None,
                    _verdict(
                        "unsafe", f"larger than {max_bytes / 2**20:g} MiB: not read", total, mtime_ns, inode
                    ),
                    mtime_ns,
                    inode,
                )
        return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), None, mtime_ns, inode
    except OSError as exc:
        return None, _verdict("unreadable", f"cannot read: {exc.strerror or exc}"), 0, 0
    finally:
        os.close(fd)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_MAX_BYTES = 256 * 2**20
_MAX_DEPTH = 100_000


def read_dill(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = _MAX_BYTES,
    max_depth: int = _MAX_DEPTH,
    timeline: bool = True,
) -> DillInfo:
    """Classify and read the ``.dill`` at *path* without running anything from it.

    With ``timeline=False`` ``status_log`` is left empty (the verdict and every other field
    are the same): a listing does not show it, and formatting its times costs ~15 % of a read.

    Never raises for anything about the file: a missing file gives ``missing``, one that
    cannot be opened or is not a regular file ``corrupt``, one larger than *max_bytes*
    ``unsafe`` (not read).
    """
    data, failed, mtime_ns, inode = _read_file(path, max_bytes)
    if data is None:
        assert failed is not None
        return failed
    return _classify(data, max_depth, len(data), mtime_ns, inode, timeline)


#: What a listing needs of a .dill: (verdict, reason, class name, status, MultiJob children).
DillSummary = tuple[str, "str | None", "str | None", "str | None", tuple[str, ...]]

_templates: Any = None  # the DillTemplates of this process, made on first use


def _load_for_template(data: bytes) -> tuple[Verdict, str | None, dict[str, Any] | None]:
    return _load(data, _MAX_DEPTH, False)


def read_dill_save(path: str | os.PathLike[str]) -> tuple[Verdict, str | None, Any]:
    """``(verdict, reason, settings.save)`` as :func:`read_dill` gives them, for cleaning many jobs.

    The save value is what ``read_dill(path, timeline=False).settings.get('save')`` holds
    (:data:`plams_core.pickles.templates.ABSENT` when the settings have none; None unless
    ``ok``); a sibling of a file read in full is answered by its template, like
    :func:`read_dill_summary`.
    """
    from .templates import ABSENT, NO_ANSWER, DillTemplates

    global _templates
    data, failed, _, _ = _read_file(path, _MAX_BYTES)
    if data is None:
        assert failed is not None
        return failed.verdict, failed.reason, None
    templates = _templates
    if templates is None:
        templates = _templates = DillTemplates(_load_for_template)
    save = templates.save(data)
    if save is not NO_ANSWER:
        return "ok", None, save
    verdict, reason, fields = _load(data, _MAX_DEPTH, False)
    if fields is None:
        return verdict, reason, None
    if not fields["children"]:
        templates.learn(data)
    return "ok", None, fields["settings"].get("save", ABSENT)


def _read_regular(path: str | os.PathLike[str]) -> tuple[bytes | None, DillInfo | None, int, int]:
    """:func:`_read_file` for a file its folder's listing calls regular: no ``fstat`` first.

    One read of up to 64 KiB; a shorter, non-empty answer is the whole file (a short read of
    a regular file is its end). Anything else (empty, bigger, an error) is read again by
    :func:`_read_file`, which checks the type and the size cap. Saves a system call per
    ``.dill`` of a listing (~1.5 us of ~40 us a job folder).
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return _read_file(path, _MAX_BYTES)  # gone or not readable: let it say so
    try:
        data = os.read(fd, _FIRST_READ)
    except OSError:
        data = b""
    finally:
        os.close(fd)
    if 0 < len(data) < _FIRST_READ:
        return data, None, 0, 0
    return _read_file(path, _MAX_BYTES)


_FIRST_READ = 1 << 16  # below malloc's mmap threshold: no mmap/munmap pair per file


def read_dill_summary(path: str | os.PathLike[str], *, regular: bool = False) -> DillSummary:
    """The verdict, class, status and children :func:`read_dill` gives, for a listing.

    Same answers as ``read_dill(path, timeline=False)`` (default caps), faster: a file that
    differs from one already read only in data literals (the other jobs of the same script)
    is answered by :mod:`plams_core.pickles.templates` in a few microseconds. *regular*: the
    caller's directory listing says *path* is a regular file (not a symlink, FIFO or
    device), so its type need not be checked before reading.
    """
    global _templates
    data, failed, _, _ = _read_regular(path) if regular else _read_file(path, _MAX_BYTES)
    if data is None:
        assert failed is not None
        return (failed.verdict, failed.reason, None, None, ())
    templates = _templates
    if templates is None:
        from .templates import DillTemplates

        templates = _templates = DillTemplates(_load_for_template)
    summary = templates.summary(data)
    if summary is not None:
        return summary
    verdict, reason, fields = _load(data, _MAX_DEPTH, False)
    if fields is None:
        return (verdict, reason, None, None, ())
    if not fields["children"]:
        templates.learn(data)
    return ("ok", None, fields["class_name"], fields["status"], fields["children"])
