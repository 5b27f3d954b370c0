"""The safe loader: a job's ``.dill`` unpickled once the static reader has said ``ok``; and the repickler.

Loading (:func:`load_dill`)
---------------------------
The file is read once; :func:`~plams_core.pickles.reader.read_dill_bytes` judges exactly
those bytes (``unsafe`` raises :class:`~plams_core.errors.UnsafePickleError` unless
*allow_unsafe*, ``corrupt`` raises :class:`~plams_core.errors.CorruptPickleError`) and only
then are the same bytes unpickled with a :class:`dill.Unpickler` whose ``find_class`` decides
what every global named in the file becomes:

* ``scm.*`` is never imported (so pickles of real PLAMS load without ``scm.plams``, and the
  same way with it): PLAMS's ``Job``/``SingleJob``/``MultiJob``, ``Results`` and every
  ``*Settings`` of ``scm.plams.core.settings`` become plams_core's classes (in subclasses that
  carry the original module and name), ``scm.plams.core.enums.JobStatus`` is plams_core's
  :class:`~plams_core.status.JobStatus`; anything else (``Molecule``, ``AMSJob``, ...) is a
  **stand-in**.
* The standard library, dill and numpy are imported as usual (the reader's verdict has
  vetted every call into them); of plams_core only its job, results, settings and status
  classes are used, anything else it names is a stand-in.
* Any other module (the user's ``myjobs.py``) gives stand-ins, unless *import_user_modules*
  (the engine's ``load_job``, run by the user's own script, imports them as PLAMS does).
  plams-tui never imports code from a folder it browses.
* Classes stored by value (defined in the script) are rebuilt by dill as they are.

A stand-in is a class made for this load with the original ``__module__`` and
``__qualname__``. Its objects keep every attribute and remember how they were built
(constructor arguments, state, items). When an object's state shows a job (``name``,
``settings``, ``results`` and a status) its class becomes a stand-in subclass of
plams_core's ``SingleJob``/``MultiJob`` (hashes then come from ``$JN.in``/``$JN.run``, the
files PLAMS hashed, since the class's code is not here); a results object's (``job`` and
``files``) a stand-in subclass of ``Results``.

Repickling (:func:`repickle_bytes`, :func:`write_repickled`)
------------------------------------------------------------
The loaded objects are written back so that the software that wrote the file loads them as
before: a dill Pickler whose ``reducer_override`` writes every mapped or stand-in class under
its original module and name (never importing it), plams_core's ``JobStatus`` as
``scm.plams.core.enums.JobStatus`` where the file said so, and objects of those classes in
the form the original used (``__newobj__`` + state, PLAMS ``Settings`` as ``__newobj__`` +
items). A job or results object is written with the keys its original state had, with their
current values (PLAMS 2024's plain ``status`` string where the file had one), so what
plams_core adds on loading (``_status_log``, the manager, events) does not leak into a PLAMS
pickle. By-value classes stay by value (their functions' globals are a private ``__main__``
of the load, written back as dill's ``__main__`` reference). The protocol is the file's own.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import stat
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, ClassVar

from ..errors import CorruptPickleError, FileError, PlamsError, UnsafePickleError
from .reader import DillInfo, read_dill_bytes
from .writer import write_pickle_atomically

__all__ = [
    "LoadedPickle",
    "PickleOrigin",
    "StandIn",
    "class_origin",
    "dump_for",
    "is_stand_in",
    "load_dill",
    "load_dill_bytes",
    "repickle_bytes",
    "write_repickled",
]

#: Files larger than this are not read (the static reader's cap; ``unsafe`` unless allowed).
MAX_BYTES = 256 * 2**20

# Imported for real: their calls are the ones the reader's verdict vets.
_IMPORTABLE = frozenset(sys.stdlib_module_names) | {"builtins", "__builtin__", "dill", "numpy", "plams_core"}

_NOSTATE = object()
_JOBSTATUS_2025 = ("scm.plams.core.enums", "JobStatus")


@dataclass(slots=True)
class _Made:
    """How one object of a mapped or stand-in class was built by the unpickler."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] | None = None
    called: bool = False  # REDUCE: the class was called, not only __new__
    state: Any = _NOSTATE
    state_keys: tuple[str, ...] | None = None
    list_items: list[Any] = field(default_factory=list)
    dict_items: list[tuple[Any, Any]] = field(default_factory=list)


class PickleOrigin:
    """What one load saw and made: the classes it gave for the file's globals and how objects were built.

    The repickler needs it to write the objects back under their own names. ``stand_ins``
    lists ``module.qualname`` of every stand-in class; ``mapped`` the PLAMS names that became
    plams_core classes.
    """

    def __init__(self, *, import_user_modules: bool = False) -> None:
        self.import_user_modules = import_user_modules
        self.main = types.ModuleType("__main__")  # by-value functions' globals; never plams-tui's own
        self.protocol: int = pickle.DEFAULT_PROTOCOL
        self._classes: dict[tuple[str, str], Any] = {}
        self._aliases: dict[Any, tuple[str, str]] = {}  # a shared plams_core class -> its name in the file
        self._made: dict[int, tuple[Any, _Made]] = {}  # id -> (object, how); the object keeps the id unique

    @property
    def stand_ins(self) -> list[str]:
        return sorted(
            f"{m}.{n}"
            for (m, n), c in self._classes.items()
            if isinstance(c, type) and issubclass(c, StandIn)
        )

    @property
    def mapped(self) -> list[str]:
        names = {
            f"{m}.{n}"
            for (m, n), c in self._classes.items()
            if isinstance(c, type) and "_plams_origin" in c.__dict__ and not _is_stand_in_class(c)
        }
        return sorted(names | {f"{m}.{n}" for m, n in self._aliases.values()})

    # -- used while loading

    def made(self, obj: Any) -> _Made:
        entry = self._made.get(id(obj))
        if entry is None or entry[0] is not obj:
            entry = self._made[id(obj)] = (obj, _Made())
        return entry[1]

    def find_class(self, module: str, name: str, default: Callable[[str, str], Any]) -> Any:
        key = (module, name)
        found = self._classes.get(key)
        if found is not None:
            return found
        top = module.split(".", 1)[0]
        if top == "scm":
            found = self._plams_class(module, name)
        elif top == "plams_core" and not self.import_user_modules:
            found = self._plams_core_class(module, name, default)
        elif top in _IMPORTABLE or self.import_user_modules:
            try:
                found = default(module, name)
            except (ImportError, AttributeError):
                found = None
            if found is None:
                found = self._stand_in(module, name)
        else:
            found = self._stand_in(module, name)
        self._classes[key] = found
        return found

    def _plams_core_class(self, module: str, name: str, default: Callable[[str, str], Any]) -> Any:
        """plams_core's own job, results, settings and status classes; anything else it names is a stand-in.

        Only data classes: a pickle that names, say, a JobManager (whose ``__del__`` closes a
        descriptor from its state) gets an inert stand-in instead.
        """
        from ..basejob import Job
        from ..results import Results
        from ..settings import Settings
        from ..status import JobStatus

        found = None
        if "__main__" not in module.split("."):
            try:
                found = default(module, name)
            except (ImportError, AttributeError):
                found = None
        if isinstance(found, type) and issubclass(found, (Job, Results, Settings, JobStatus)):
            return found
        return self._stand_in(module, name)

    def _plams_class(self, module: str, name: str) -> Any:
        from ..basejob import Job, MultiJob, SingleJob
        from ..results import Results
        from ..settings import Settings
        from ..status import JobStatus

        if (module, name) == _JOBSTATUS_2025:
            self._aliases[JobStatus] = (module, name)
            return JobStatus
        base: type | None = {
            ("scm.plams.core.basejob", "Job"): Job,
            ("scm.plams.core.basejob", "SingleJob"): SingleJob,
            ("scm.plams.core.basejob", "MultiJob"): MultiJob,
            ("scm.plams.core.results", "Results"): Results,
        }.get((module, name))
        if base is None and module == "scm.plams.core.settings" and name.endswith("Settings"):
            base = Settings
        if base is None:
            return self._stand_in(module, name)
        mixin = _OriginSettings if base is Settings else _OriginResults if base is Results else _OriginJob
        return self._make_class(name, (mixin, base), module, name)

    def _make_class(self, name: str, bases: tuple[type, ...], module: str, qualname: str) -> type:
        ns = {
            "__module__": module,
            "__qualname__": qualname,
            "__doc__": f"{module}.{qualname} as loaded by plams_core",
            "_plams_origin": (module, qualname),
            "_plams_load": self,
        }
        meta = type(bases[-1])
        return meta(name.rsplit(".", 1)[-1], bases, ns)

    def _stand_in(self, module: str, name: str) -> type:
        return self._make_class(name, (StandIn,), module, name)

    def promote(self, cls: type, state: dict[str, Any]) -> type | None:
        """The job or results subclass a stand-in class becomes when *state* shows one."""
        from ..basejob import MultiJob, SingleJob
        from ..results import Results

        keys = set(state)
        if {"name", "settings", "results"} <= keys and ("status" in keys or "_status" in keys):
            kind = "multi" if "children" in keys else "single"
        elif {"job", "files"} <= keys:
            kind = "results"
        else:
            return None
        cache: dict[str, type] = cls.__dict__["_plams_variants"] if "_plams_variants" in cls.__dict__ else {}
        if kind not in cache:
            module, qualname = cls._plams_origin  # type: ignore[attr-defined]
            bases: tuple[type, ...] = {
                "single": (_OriginJob, _StandInJob, SingleJob),
                "multi": (_OriginJob, _StandInJob, MultiJob),
                "results": (_OriginResults, Results),
            }[kind]
            cache[kind] = self._make_class(qualname, bases, module, qualname)
            cache[kind]._plams_stand_in = True  # type: ignore[attr-defined]
            type.__setattr__(cls, "_plams_variants", cache)
        return cache[kind]

    # -- used while repickling

    def global_name(self, cls: type) -> tuple[str, str] | None:
        """The (module, qualname) to write for *cls*, if this load made it or renamed it."""
        own = cls.__dict__.get("_plams_origin") if isinstance(cls, type) else None
        if own is not None:
            return own
        try:
            return self._aliases.get(cls)
        except TypeError:
            return None

    def reduce_stand_in(self, obj: Any) -> tuple[Any, ...]:
        entry = self._made.get(id(obj))
        made = entry[1] if entry is not None and entry[0] is obj else _Made()
        cls = type(obj)
        func: Any
        if made.called:
            func, args = cls, made.args
        elif made.kwargs:
            func, args = copyreg.__newobj_ex__, (cls, made.args, made.kwargs)  # type: ignore[attr-defined]
        else:
            func, args = copyreg.__newobj__, (cls, *made.args)  # type: ignore[attr-defined]  # not in typeshed
        state = made.state
        if state is _NOSTATE:
            state = dict(obj.__dict__) or None
        elif isinstance(state, dict):
            state = dict(obj.__dict__)
        elif _slot_state(state):
            slots = set(state[1])
            state = (
                {k: v for k, v in obj.__dict__.items() if k not in slots} or None,
                {k: obj.__dict__[k] for k in state[1] if k in obj.__dict__},
            )
        return (func, args, state, iter(made.list_items) or None, iter(made.dict_items) or None)

    def reduce_with_state(self, obj: Any) -> tuple[Any, ...]:
        """A job or results object: the keys of its original state, with their current values."""
        entry = self._made.get(id(obj))
        made = entry[1] if entry is not None and entry[0] is obj else None
        current = obj.__dict__
        if made is not None and made.state_keys is not None:
            keys, args = made.state_keys, made.args
        else:  # made after the load: what plams_core pickles, in the file's era
            keys, args = tuple(obj.__getstate__()), ()
            if "_status" in keys and _JOBSTATUS_2025 not in self._aliases.values():
                # a PLAMS < 2025 file: a plain status string, no status log
                keys = (*(k for k in keys if k not in ("_status", "_status_log", "_error_msg")), "status")
        state: dict[str, Any] = {}
        for key in keys:
            if key in ("_parent_notified",):
                continue
            if key == "status" and "status" not in current and "_status" in current:
                state["status"] = str(current["_status"])  # PLAMS < 2025: a plain string
            elif key in current:
                state[key] = current[key]
        return (copyreg.__newobj__, (type(obj), *args), state)  # type: ignore[attr-defined]  # not in typeshed


def _slot_state(state: Any) -> bool:
    return (
        isinstance(state, tuple)
        and len(state) == 2
        and (state[0] is None or isinstance(state[0], dict))
        and isinstance(state[1], dict)
    )


def _is_stand_in_class(cls: Any) -> bool:
    return isinstance(cls, type) and (issubclass(cls, StandIn) or "_plams_stand_in" in cls.__dict__)


class StandIn:
    """An object of a class whose code is not here: keeps every attribute and how it was built.

    ``type(obj).__module__`` and ``__qualname__`` are the original class's; repickling writes
    the object back as that class.
    """

    _plams_origin: ClassVar[tuple[str, str]]
    _plams_load: ClassVar[PickleOrigin]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        self = object.__new__(cls)
        made = cls._plams_load.made(self)
        made.args = args
        made.kwargs = kwargs or None
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Only a REDUCE calls the class (NEWOBJ calls __new__ alone): remember it was a call.
        self._plams_load.made(self).called = True

    def __setstate__(self, state: Any) -> None:
        load = self._plams_load
        load.made(self).state = state
        if isinstance(state, dict) and "_plams_origin" in type(self).__dict__:
            variant = load.promote(type(self), state)
            if variant is not None:
                self.__class__ = variant
                variant.__setstate__(self, state)  # type: ignore[attr-defined]  # every promoted variant defines it
                return
        if isinstance(state, dict):
            self.__dict__.update(state)
        elif _slot_state(state):
            self.__dict__.update(state[0] or {})
            self.__dict__.update(state[1])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._plams_load.made(self).dict_items.append((key, value))

    def append(self, value: Any) -> None:
        self._plams_load.made(self).list_items.append(value)

    def extend(self, values: Any) -> None:
        self._plams_load.made(self).list_items.extend(values)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return self._plams_load.reduce_stand_in(self)

    def __repr__(self) -> str:
        module, qualname = self._plams_origin
        return f"<{module}.{qualname} (stand-in)>"


class _OriginJob:
    """Mixin of job classes made by a load: record the state's keys, write them back the same way."""

    _plams_load: ClassVar[PickleOrigin]

    def __setstate__(self, state: Any) -> None:
        made = self._plams_load.made(self)
        made.state_keys = tuple(state) if isinstance(state, dict) else None
        super().__setstate__(state)  # type: ignore[misc]

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return self._plams_load.reduce_with_state(self)


class _OriginResults(_OriginJob):
    """The same for results classes."""


class _StandInJob:
    """A stand-in job: its class's get_input/get_runscript are not here, so hash the files PLAMS hashed."""

    path: str | None
    name: str

    def _own_file(self, kind: str) -> str:
        from ..basejob import SingleJob

        # PLAMS's default names, in the job's own folder, whatever the pickle's _filenames says
        name = os.path.basename(SingleJob._filenames[kind].replace("$JN", self.name))
        if self.path is None:
            raise PlamsError(f"job {self.name} has no folder")
        try:
            with open(os.path.join(self.path, name), encoding="utf-8") as f:
                return f.read()
        except OSError:
            raise PlamsError(
                f"job {self.name}: its class is not importable here and {name} is gone"
            ) from None

    def get_input(self) -> str:
        return self._own_file("inp")

    def full_runscript(self) -> str:
        return self._own_file("run")

    def hash(self) -> str | None:
        try:
            return super().hash()  # type: ignore[misc]
        except PlamsError:
            return None


class _OriginSettings:
    """PLAMS's Settings pickle as ``__newobj__`` + items (its subclasses' __init__ sets defaults)."""

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return (copyreg.__newobj__, (type(self),), self.__dict__ or None, None, iter(dict.items(self)))  # type: ignore[attr-defined, arg-type]  # __newobj__: not in typeshed; self is a dict


def is_stand_in(obj: Any) -> bool:
    """True if *obj* (or the class *obj*) is a stand-in for a class whose code is not here."""
    return _is_stand_in_class(obj if isinstance(obj, type) else type(obj))


def class_origin(obj: Any) -> tuple[str, str]:
    """``(module, qualname)`` of the class of *obj* as the file named it."""
    cls = obj if isinstance(obj, type) else type(obj)
    for klass in cls.__mro__:
        if klass is cls and "_plams_origin" in klass.__dict__:
            return klass.__dict__["_plams_origin"]
    return cls.__module__, cls.__qualname__


class _Unpickler:
    """Factory of dill unpicklers bound to one :class:`PickleOrigin` (dill is imported on first use)."""

    _cls: ClassVar[type | None] = None

    @classmethod
    def make(cls, file: BinaryIO, origin: PickleOrigin) -> Any:
        if cls._cls is None:
            import dill

            class Unpickler(dill.Unpickler):
                def __init__(self, file: BinaryIO, origin: PickleOrigin) -> None:
                    super().__init__(file)
                    self._origin = origin
                    self._main = origin.main

                def find_class(self, module: str, name: str) -> Any:
                    if (module, name) == ("__builtin__", "__main__"):
                        return self._main.__dict__
                    if (module, name) == ("__builtin__", "NoneType"):
                        return type(None)
                    if module == "dill.dill":
                        module = "dill._dill"
                    return self._origin.find_class(module, name, super().find_class)

                def persistent_load(self, pid: Any) -> Any:
                    raise pickle.UnpicklingError("persistent ids are not used by job pickles")

            cls._cls = Unpickler
        return cls._cls(file, origin)


@dataclass(frozen=True)
class LoadedPickle:
    """A job unpickled from *path*, the reader's verdict on the bytes, and what the load made."""

    job: Any
    path: str
    info: DillInfo
    origin: PickleOrigin


def _protocol_of(data: bytes) -> int:
    return data[1] if len(data) > 1 and data[0] == pickle.PROTO[0] else 0


def load_dill_bytes(
    data: bytes, *, allow_unsafe: bool = False, import_user_modules: bool = False, where: str = "pickle"
) -> LoadedPickle:
    """Judge *data* with the static reader, then unpickle it (see the module docstring).

    Raises UnsafePickleError (``unsafe`` and not *allow_unsafe*), CorruptPickleError
    (``corrupt``, or the load itself fails, or it holds no job). *where* names the file in
    messages.
    """
    from ..basejob import Job

    # The verdict and the job's fields, not its status log: formatting the log's stamps is a
    # quarter of a read, and a restart loads every job of the folder (nothing here shows it).
    info = read_dill_bytes(data, timeline=False)
    if info.verdict == "unsafe" and not allow_unsafe:
        raise UnsafePickleError(
            f"{where}: refused, loading it would run code from the file ({info.reason}); "
            "pass --allow-unsafe only if you trust whoever wrote it"
        )
    if info.verdict == "corrupt":
        raise CorruptPickleError(f"{where}: not a loadable job pickle ({info.reason})")
    origin = PickleOrigin(import_user_modules=import_user_modules)
    origin.protocol = _protocol_of(data) or pickle.DEFAULT_PROTOCOL
    try:
        job = _Unpickler.make(io.BytesIO(data), origin).load()
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else ""
        raise CorruptPickleError(f"{where}: unpickling failed: {type(exc).__name__}: {text}"[:300]) from None
    if not isinstance(job, Job):
        raise CorruptPickleError(f"{where}: it holds a {type(job).__name__}, not a job")
    return LoadedPickle(job, where, info, origin)


def load_dill(
    path: str | os.PathLike[str], *, allow_unsafe: bool = False, import_user_modules: bool = False
) -> LoadedPickle:
    """Read the ``.dill`` at *path* once, judge it, unpickle it (see :func:`load_dill_bytes`).

    Raises FileError if it is missing or unreadable, UnsafePickleError for files over 256 MiB
    unless *allow_unsafe*.
    """
    where = os.fspath(path)
    try:
        fd = os.open(where, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileError(f"File {where} not present") from None
    except OSError as exc:
        raise FileError(f"{where}: cannot open: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CorruptPickleError(f"{where}: not a regular file")
        if st.st_size > MAX_BYTES and not allow_unsafe:
            raise UnsafePickleError(
                f"{where}: refused, larger than {MAX_BYTES // 2**20} MiB; pass --allow-unsafe to load it anyway"
            )
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read()
    finally:
        os.close(fd)
    return load_dill_bytes(
        data, allow_unsafe=allow_unsafe, import_user_modules=import_user_modules, where=where
    )


class _Repickler:
    """Factory of dill picklers that write a load's classes under their original names."""

    _cls: ClassVar[type | None] = None

    @classmethod
    def make(cls, file: BinaryIO, protocol: int, origin: PickleOrigin) -> Any:
        if cls._cls is None:
            import dill

            class Repickler(dill.Pickler):
                def __init__(self, file: BinaryIO, protocol: int, origin: PickleOrigin) -> None:
                    super().__init__(file, protocol)
                    self._origin = origin
                    self._main = origin.main  # by-value functions' globals -> dill's __main__ reference

                def reducer_override(self, obj: Any) -> Any:
                    if isinstance(obj, type) and self._origin.global_name(obj) is not None:
                        return "global"  # save() then calls self.save_global(obj, "global")
                    return NotImplemented

                def save_global(self, obj: Any, name: str | None = None) -> None:
                    found = self._origin.global_name(obj) if isinstance(obj, type) else None
                    if found is None:
                        super().save_global(obj, name)
                        return
                    module, qualname = found
                    if self.proto >= 4:
                        self.save(module)
                        self.save(qualname)
                        self.write(pickle.STACK_GLOBAL)
                    else:
                        self.write(pickle.GLOBAL + f"{module}\n{qualname}\n".encode())
                    self.memoize(obj)

            cls._cls = Repickler
        return cls._cls(file, protocol, origin)


def dump_for(obj: Any) -> Callable[[Any, BinaryIO], None] | None:
    """A ``dump(obj, file)`` that writes *obj* for the software its file came from, or None for a plain job.

    For :meth:`Job.pickle <plams_core.basejob.Job.pickle>` of a job this loader made (a
    PLAMS job, a stand-in): plain dill would write its classes by value.
    """
    origin = getattr(type(obj), "_plams_load", None)
    if not isinstance(origin, PickleOrigin):
        return None

    def dump(job: Any, file: BinaryIO) -> None:
        _Repickler.make(file, origin.protocol, origin).dump(job)

    return dump


def repickle_bytes(loaded: LoadedPickle, protocol: int | None = None) -> bytes:
    """The job of *loaded* pickled again for the software that wrote it (the file's protocol by default)."""
    buf = io.BytesIO()
    _Repickler.make(buf, protocol or loaded.origin.protocol, loaded.origin).dump(loaded.job)
    return buf.getvalue()


def _same_job(old: DillInfo, new: DillInfo) -> str | None:
    for label in ("class_name", "class_module", "by_value", "name", "status", "children"):
        if getattr(old, label) != getattr(new, label):
            return f"{label} would change from {getattr(old, label)!r} to {getattr(new, label)!r}"
    return None


def write_repickled(loaded: LoadedPickle, path: str | os.PathLike[str] | None = None) -> bytes:
    """Write the job of *loaded* to *path* (default: where it came from) atomically; return the bytes.

    The new bytes are checked first: the static reader must find them ``ok`` and the same job
    (class, module, name, status, children) as the old file. Any failure raises and leaves
    the old file untouched; on success the old bytes are kept as ``$JN.prev.dill``
    (:func:`~plams_core.pickles.writer.write_pickle_atomically`).
    """
    target = os.fspath(path) if path is not None else loaded.path
    try:
        data = repickle_bytes(loaded)
    except Exception as exc:
        raise PlamsError(
            f"{target}: cannot pickle the job again: {type(exc).__name__}: {exc}"[:300]
        ) from None
    new = read_dill_bytes(data)
    if new.verdict != "ok":
        raise PlamsError(f"{target}: the new pickle would read {new.verdict} ({new.reason}); nothing written")
    if loaded.info.verdict == "ok":
        change = _same_job(loaded.info, new)
        if change is not None:
            raise PlamsError(f"{target}: {change}; nothing written")

    def dump(_obj: Any, f: BinaryIO) -> None:
        f.write(data)

    try:
        write_pickle_atomically(None, target, dump=dump)
    except OSError as exc:
        raise FileError(f"{target}: cannot write: {exc.strerror or exc}; the old file is untouched") from None
    return data
