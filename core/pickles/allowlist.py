"""What a job pickle may name: the one allowlist of the pickle side.

The static reader (:mod:`.reader`), its sibling fast path (:mod:`.templates`) and the safe
loader all decide by these names; none keeps a list of its own. Everything here is data
(frozen sets and read-only mappings of module names, ``(module, name)`` pairs and attribute
names) plus three small functions that resolve names the way the reader does. The *checks*
(which arguments an allowed call may get, what a by-value class may define) stay in the
reader; this module says which names they apply to.

Module names are as :func:`normal_module` gives them (``__builtin__`` -> ``builtins``,
``dill.dill`` -> ``dill._dill``): normalise first, then look up.

Names by purpose:

* spelling: :data:`MODULE_ALIASES`, :func:`normal_module`, :func:`loaded_type`
* modules: :data:`STDLIB_MODULES`, :data:`STRICT_PACKAGES`, :data:`IMPORT_ACTS`
* globals a pickle may name or call: :data:`ALLOWED_DUNDERS`, :data:`ENUM_MODULES`,
  :data:`STDLIB_ENUMS` (:func:`is_enum_class`), :data:`SETTINGS_MODULES`
  (:func:`is_settings_class`), :data:`TIMESTAMP_GLOBALS`, :data:`BINDING_GLOBALS`,
  :data:`DATA_CONSTRUCTORS`, :data:`VALUE_CHECKED_GLOBALS`
* classes: :data:`SAFE_DATA_INSTANCES` (stdlib/dill/numpy classes whose instances a pickle
  may create, and how it may fill them; :data:`IMPORT_RECORDS` among them),
  :data:`SAFE_BASES`, :data:`DANGEROUS_CLASS_NAMES`;
  installed PLAMS and plams_core classes: :data:`HOOKED_CLASSES` (refused),
  :data:`VETTED_STATE` (allowed with a checked state), :data:`PLAMS_CORE_CLASS_MODULES`

The audit of installed classes
------------------------------
A class may be built at load time only if creating it without ``__init__``, setting its
state, filling it and collecting it run no code chosen by the file beyond plain attribute
storage. For the stdlib, dill and numpy that is :data:`SAFE_DATA_INSTANCES`. For the classes
of plams_core and of PLAMS (``scm.plams`` 2024.107 and 2026.104) every class was audited for
``__new__``, ``__del__``, ``__setstate__``, ``__setattr__``, ``__getattr__``/``__getattribute__``
(BUILD looks up ``__setstate__``), ``__setitem__``/``append``/``extend``/``add`` (SETITEMS,
APPENDS, ADDITEMS), ``__hash__``/``__eq__`` (dict keys), ``__init_subclass__`` (a by-value
subclass) and data descriptors; a class with none of them only gets its ``__dict__`` filled
(C code). Verdicts (``tests/core/test_dillreader.py::test_every_hooked_installed_class_is_
refused_or_vetted`` re-runs the audit on the installed packages and fails on a class that is
neither refused nor vetted):

* refused (:data:`HOOKED_CLASSES`): plams_core ``JobManager`` (``__del__`` closes the file
  descriptor its state names, ``_lock_fd``: any fd of the loading process), ``LazyWrapper``
  (calls its stored factory on first use), ``ContextAwareThread`` (a thread); PLAMS
  ``LogManager`` and ``_XvfbManager`` (``__new__`` hands out the process-wide singleton,
  whose ``__dict__`` BUILD would then overwrite), ``AMSCalculator``/``AMSJobCalculator``/
  ``AMSPipeCalculator`` and ``PLAMSMatrix`` (``__new__`` runs with the file's arguments),
  ``JobAnalysis`` (``__getattr__`` runs when BUILD looks up ``__setstate__``, ``__setattr__``),
  ``_MetaRunner`` (a metaclass: an instance is a class); ``KFFile`` may be created and given
  state but not filled (its ``__setitem__`` writes into the KF file its state names), nor
  ``PDBRecord`` (APPENDS would call its ``extend``, a parser); ``CrossPlatformUnpickler`` (an
  unpickler).
  Classes of plams_core's read side and action layer (``index``, ``pickles``, ``workdir``,
  ``logfile``: frozen dataclasses, the loader's stand-ins) are never in a job pickle: only
  :data:`PLAMS_CORE_CLASS_MODULES` may give instances.
* vetted (:data:`VETTED_STATE`): plams_core ``Job``/``SingleJob``/``MultiJob``/``CommandJob``/
  ``OutputCheckedJob`` (``__setstate__`` copies a dict into ``__dict__``, maps a PLAMS < 2025
  ``status`` string through ``str()`` and ``JobStatus``, makes a ``Condition``), ``Results``
  (``__setstate__`` updates ``__dict__``, makes two ``Event``), ``JobRunner`` (``__setstate__``
  reads ``parallel``, ``maxjobs``, ``maxthreads`` and makes semaphores) and ``DaskJobRunner``
  (the same, then ``__class__ = JobRunner``: a fixed class, not the file's); PLAMS
  ``Molecule`` (``__setstate__`` runs ``from_dict``: copies the dict, iterates ``atoms`` and
  ``bonds``, sets each as an ``Atom``'s/``Bond``'s ``__dict__`` (a non-dict raises in C: the
  pre-``__getstate__`` format falls back to the state as ``__dict__``), indexes atoms by
  ``atom1``/``atom2``). Each gets its state checked
  (a real dict; the values those methods iterate, index or ``str()`` plain data), so the
  installed code only ever sees data.
* safe as they are: every other class of plams_core's engine modules and of ``scm.plams``
  (``Atom``, ``Bond``, ``AMSJob``, ``AMSResults``, scm ``JobRunner``/``JobManager``, which have
  no ``__del__`` or ``__setstate__``, ...); the ``Settings`` classes (the reader fills them
  as dicts in C); ``JobStatus`` (an enum lookup); ``Results`` subclasses (their
  ``__init_subclass__`` only wraps the methods of a by-value subclass, calling none).

Whatever the class, BUILD's ``(state, slotstate)`` form is refused on installed classes:
the unpickler sets slotstate with ``setattr``, which runs property setters (PLAMS's
``Job.status`` setter calls the ``on_status_change`` callback of the job's settings, a
function the file may supply: a live payload in ``tests/fixtures/hostile/dill_payloads.py``).
A plain dict state goes into ``__dict__`` without any descriptor.

Names are matched by their last part in *any* non-strict module, as for
:data:`DANGEROUS_CLASS_NAMES`: ``plams_core.JobManager``, ``scm.plams.Molecule`` and a user
module's ``from plams_core import JobManager`` are the same class. Known limit: a class of a
user's module that *subclasses* one of them under another name is not seen (its module is the
user's installed code, which the reader cannot inspect without importing it).
* names inside by-value classes and arguments: :data:`HOOK_NAMES`, :data:`LOOKUP_HOOKS`,
  :data:`LOCK_ATTRS`, :data:`DILL_SHIMS`, :data:`PLAIN_CODECS`
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "ADD",
    "ALLOWED_DUNDERS",
    "ALL_OPS",
    "APPEND",
    "BINDING_GLOBALS",
    "BUILD",
    "DANGEROUS_CLASS_NAMES",
    "DATA_CONSTRUCTORS",
    "DILL_SHIMS",
    "ENUM_MODULES",
    "HOOKED_CLASSES",
    "HOOKED_NAME_EXCEPTIONS",
    "HOOK_NAMES",
    "IMPORT_ACTS",
    "IMPORT_RECORDS",
    "LOCK_ATTRS",
    "LOOKUP_HOOKS",
    "MODULE_ALIASES",
    "NEW",
    "PLAIN_CODECS",
    "PLAMS_CORE_CLASS_MODULES",
    "SAFE_BASES",
    "SAFE_DATA_INSTANCES",
    "SETITEM",
    "SETTINGS_MODULES",
    "STDLIB_ENUMS",
    "STDLIB_MODULES",
    "STRICT_PACKAGES",
    "TIMESTAMP_GLOBALS",
    "VALUE_CHECKED_GLOBALS",
    "VETTED_STATE",
    "is_enum_class",
    "is_settings_class",
    "loaded_type",
    "normal_module",
]

Global = tuple[str, str]  # (module, qualified name)

# --------------------------------------------------------------------------------------
# Spelling
# --------------------------------------------------------------------------------------

#: Old (protocol 0-2) and moved module names -> the name used everywhere else. The C
#: unpickler maps some of them only in its own ``find_class``, which the reader replaces.
MODULE_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "__builtin__": "builtins",
        "copy_reg": "copyreg",
        "dill.dill": "dill._dill",
        "numpy.core.multiarray": "numpy._core.multiarray",
        "numpy.core.numeric": "numpy._core.numeric",
        "pathlib._local": "pathlib",
        "_pickle": "pickle",
    }
)


def normal_module(module: str) -> str:
    """*module* as the allowlist spells it (``__builtin__`` -> ``builtins``, ...)."""
    return MODULE_ALIASES.get(module, module)


_LOAD_TYPE_ALIASES: Mapping[str, Global] = MappingProxyType({"PartialType": ("functools", "partial")})
_BUILTIN_TYPE_NAMES = frozenset(n for n, v in vars(builtins).items() if isinstance(v, type))


def loaded_type(name: str) -> Global:
    """The global ``(module, name)`` that dill's ``_load_type(name)`` stands for."""
    if name in _LOAD_TYPE_ALIASES:
        return _LOAD_TYPE_ALIASES[name]
    return ("builtins" if name in _BUILTIN_TYPE_NAMES else "types", name)


# --------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------

#: The standard library's top-level modules (and the protocol-2 ``__builtin__``).
STDLIB_MODULES: frozenset[str] = frozenset(sys.stdlib_module_names) | {"builtins", "__builtin__"}
#: Top-level packages held to the stdlib rule: only the classes in
#: :data:`SAFE_DATA_INSTANCES` may get instances, only :data:`SAFE_BASES` be derived from.
#: Classes of any other package (scm.plams, plams_core, the user's ``myjobs.py``) may.
STRICT_PACKAGES: frozenset[str] = STDLIB_MODULES | {"dill", "numpy"}
#: Top-level modules that do something when imported (open a browser, start IDLE, run
#: tests, print): a pickle naming anything in them is unsafe. So is any ``*.__main__``.
IMPORT_ACTS: frozenset[str] = frozenset(
    {
        "antigravity",
        "this",
        "idlelib",
        "turtledemo",
        "test",
        "lib2to3",
        "__hello__",
        "__phello__",
        "__hello_alias__",
        "__hello_only__",
        "__phello_alias__",
        "_pyrepl",
    }
)

# --------------------------------------------------------------------------------------
# Globals
# --------------------------------------------------------------------------------------

#: The only dunder globals a pickle may name (``copyreg.__newobj__``, dill's
#: ``__builtin__.__main__``); a module's ``__dict__`` is handled on its own.
ALLOWED_DUNDERS: frozenset[Global] = frozenset(
    {("copyreg", "__newobj__"), ("copyreg", "__newobj_ex__"), ("builtins", "__main__")}
)
#: Modules of enum classes whose values a pickle may create (``JobStatus("successful")``):
#: the lookup runs installed enum code of PLAMS or plams_core, never code from the pickle.
#: Only capitalised, undotted names in them count (:func:`is_enum_class`).
ENUM_MODULES: frozenset[str] = frozenset({"scm.plams.core.enums", "plams_core.status", "plams_core.enums"})
#: Stdlib enum classes whose values a pickle may create.
STDLIB_ENUMS: frozenset[Global] = frozenset(
    {
        ("re", "RegexFlag"),
        ("signal", "Signals"),
        ("http", "HTTPStatus"),
        ("enum", "IntFlag"),
        ("socket", "AddressFamily"),
        ("socket", "SocketKind"),
        ("uuid", "SafeUUID"),
    }
)
#: Modules of PLAMS's and plams_core's ``Settings`` classes (``*Settings``): a pickle may
#: create them and call them with a dict (plams_core pickles ``Settings(dict)``).
SETTINGS_MODULES: frozenset[str] = frozenset({"scm.plams.core.settings", "plams_core.settings"})
#: Time stamp constructors: their literal arguments are data (the status log's times).
TIMESTAMP_GLOBALS: frozenset[Global] = frozenset(
    {("datetime", "datetime"), ("datetime", "date"), ("datetime", "time")}
)
#: Calls that only bind their arguments into the result, calling nothing
#: (PLAMS 2024 Molecules keep a bound method).
BINDING_GLOBALS: frozenset[Global] = frozenset({("types", "MethodType")})
#: Data classes a pickle may call with plain data (primitives, containers, recorded objects).
DATA_CONSTRUCTORS: frozenset[Global] = frozenset(
    {
        *(("datetime", n) for n in ("datetime", "date", "time", "timedelta", "timezone")),
        *(
            ("pathlib", n)
            for n in ("Path", "PosixPath", "WindowsPath", "PurePath", "PurePosixPath", "PureWindowsPath")
        ),
        ("decimal", "Decimal"),
        ("fractions", "Fraction"),
        ("re", "_compile"),
        ("uuid", "UUID"),
        ("types", "SimpleNamespace"),
        ("numpy", "dtype"),
    }
)
#: Allowed calls whose checks look at the *values* they get (which codec, which repr, which
#: field names): the template fast path is never used for a pickle naming one of them,
#: because there a value may change without the full reader seeing it.
VALUE_CHECKED_GLOBALS: frozenset[Global] = frozenset(
    {
        ("dill._dill", "_create_namedtuple"),
        ("dill._dill", "_eval_repr"),
        ("dill._dill", "_import_module"),
        ("builtins", "bytes"),
        ("builtins", "bytearray"),
        ("builtins", "int"),
        ("builtins", "float"),
        ("builtins", "complex"),
        ("builtins", "slice"),
        ("builtins", "range"),
        ("_codecs", "encode"),
        ("codecs", "encode"),
        ("dill._dill", "_create_dtypemeta"),  # looks at a by-value class's __module__
    }
)


def is_enum_class(module: str, name: str) -> bool:
    """Whether a pickle may create values of the class *module*.*name* (normalised module)."""
    return (module in ENUM_MODULES and name[:1].isupper() and "." not in name) or (
        module,
        name,
    ) in STDLIB_ENUMS


def is_settings_class(module: str, name: str) -> bool:
    """Whether *module*.*name* is one of PLAMS's or plams_core's ``Settings`` classes."""
    return module in SETTINGS_MODULES and name.endswith("Settings")


# --------------------------------------------------------------------------------------
# Classes
# --------------------------------------------------------------------------------------

#: The import system's records of where a module came from. A script run through PLAMS's
#: launcher (``plams script.py``/``scm-plams script.py``, PLAMS 2026.104) runs
#: in the launcher module's globals, so the functions of a job class defined in the script
#: (pickled by value by dill) carry ``__loader__`` and ``__spec__`` of
#: ``scm.plams.scripts.plams``: ``NEWOBJ ()`` of these classes, then ``BUILD`` with a dict of
#: names, paths and flags. Inert at load time (CPython 3.11-3.13, ``importlib/_bootstrap*.py``):
#: neither class defines ``__new__``, ``__setstate__``, ``__setattr__`` or
#: ``__getattr__``, so NEWOBJ is ``object.__new__`` and BUILD fills the instance ``__dict__``
#: (no property runs, nothing is imported, read or executed; ``FileLoader.__init__`` itself only
#: stores two names). What would act (``load_module``, ``exec_module``, ``get_data``,
#: ``get_code``, ``importlib`` functions taking a spec) is only reached by calling a method,
#: which the reader refuses as for any object. Hashing is refused too (the reader's job):
#: ``FileLoader.__hash__`` hashes the attributes the pickle stored, and a real pickle never
#: hashes them (``ModuleSpec`` is unhashable). Not allowed (PLAMS 2024.107's launcher): the
#: spec of the namespace package ``scm`` (``NamespaceLoader``, ``_NamespacePath``, whose
#: iteration calls its stored ``_path_finder``) and dill's BUILD of the module ``scm``
#: (rewrites an installed module's globals at load time).
IMPORT_RECORDS: frozenset[Global] = frozenset(
    {("_frozen_importlib_external", "SourceFileLoader"), ("_frozen_importlib", "ModuleSpec")}
)

#: What the unpickler may do to an instance: create it without ``__init__`` (NEWOBJ),
#: set its state (BUILD), fill it as a mapping (SETITEMS), a list (APPENDS), a set (ADDITEMS).
NEW, BUILD, SETITEM, APPEND, ADD = "new", "build", "setitem", "append", "add"
ALL_OPS: frozenset[str] = frozenset({NEW, BUILD, SETITEM, APPEND, ADD})

#: Classes of :data:`STRICT_PACKAGES` whose instances a pickle may create and fill, with the
#: operations allowed on them; any other class of those packages gets none.
SAFE_DATA_INSTANCES: Mapping[Global, frozenset[str]] = MappingProxyType(
    {
        ("builtins", "object"): frozenset({NEW, BUILD}),
        ("threading", "Event"): frozenset({NEW, BUILD}),
        ("threading", "Condition"): frozenset({NEW, BUILD}),
        ("threading", "Semaphore"): frozenset({NEW, BUILD}),
        ("threading", "BoundedSemaphore"): frozenset({NEW, BUILD}),
        ("collections", "OrderedDict"): frozenset({NEW, BUILD, SETITEM}),
        ("collections", "defaultdict"): frozenset({SETITEM, BUILD}),
        ("collections", "Counter"): frozenset({SETITEM, BUILD}),
        ("collections", "deque"): frozenset({APPEND, BUILD}),
        ("types", "SimpleNamespace"): frozenset({NEW, BUILD}),
        ("argparse", "Namespace"): frozenset({NEW, BUILD}),
        ("uuid", "UUID"): frozenset({NEW, BUILD}),
        ("functools", "partial"): frozenset({BUILD}),
        ("functools", "cached_property"): frozenset({NEW, BUILD}),
        ("numpy", "ndarray"): frozenset({NEW, BUILD}),
        ("numpy", "dtype"): frozenset({BUILD}),
        ("numpy", "matrix"): frozenset({NEW, BUILD}),
        ("datetime", "tzinfo"): frozenset({NEW}),
        **{key: frozenset({NEW, BUILD}) for key in IMPORT_RECORDS},
        **{
            key: frozenset({BUILD, SETITEM, APPEND})
            for key in DATA_CONSTRUCTORS
            if key[0] in ("datetime", "pathlib", "decimal", "fractions", "re")
        },
    }
)
#: Plain builtin types a class defined in the pickle (by value) may derive from.
SAFE_BASES: frozenset[Global] = frozenset(
    ("builtins", n)
    for n in (
        "object",
        "dict",
        "list",
        "tuple",
        "str",
        "int",
        "float",
        "set",
        "frozenset",
        "bytes",
        "Exception",
        "BaseException",
        "ValueError",
        "RuntimeError",
        "KeyError",
        "TypeError",
    )
)
#: Stdlib classes with side effects in ``__del__``/``__setstate__``, refused by their last
#: name in *any* module, since third-party modules re-export them (``from subprocess import Popen``).
DANGEROUS_CLASS_NAMES: frozenset[str] = frozenset(
    {
        "Popen",
        "Thread",
        "Timer",
        "Process",
        "Pool",
        "ThreadPool",
        "Executor",
        "ThreadPoolExecutor",
        "ProcessPoolExecutor",
        "TemporaryDirectory",
        "SpooledTemporaryFile",
        "_TemporaryFileWrapper",
        "finalize",
        "socket",
        "SharedMemory",
        "FileIO",
        "BufferedWriter",
        "BufferedRandom",
        "TextIOWrapper",
        "Logger",
        "FileHandler",
        "Shelf",
        "DbfilenameShelf",
        "ZipFile",
        "TarFile",
        "NamedTemporaryFile",
        "TemporaryFile",
    }
)

#: Installed classes of plams_core and PLAMS whose instances would run code chosen by the
#: file (see "The audit of installed classes" above): last name -> (refused operations, why).
#: Matched in any non-strict module, since modules re-export classes.
HOOKED_CLASSES: Mapping[str, tuple[frozenset[str], str]] = MappingProxyType(
    {
        "JobManager": (ALL_OPS, "its __del__ closes the file descriptor named in its state"),
        "LazyWrapper": (ALL_OPS, "it calls the factory stored in its state"),
        "ContextAwareThread": (ALL_OPS, "it is a thread"),
        "LogManager": (ALL_OPS, "its __new__ returns the process's singleton"),
        "_XvfbManager": (ALL_OPS, "its __new__ returns the process's singleton"),
        "AMSCalculator": (ALL_OPS, "its __new__ runs with the pickle's arguments"),
        "AMSJobCalculator": (ALL_OPS, "its __new__ runs with the pickle's arguments"),
        "AMSPipeCalculator": (ALL_OPS, "its __new__ runs with the pickle's arguments"),
        "PLAMSMatrix": (ALL_OPS, "its __new__ runs with the pickle's arguments"),
        "JobAnalysis": (ALL_OPS, "its __getattr__/__setattr__ run on every attribute"),
        "_MetaRunner": (ALL_OPS, "it is a metaclass"),
        "KFFile": (frozenset({SETITEM}), "its __setitem__ writes into the KF file"),
        "PDBRecord": (frozenset({APPEND}), "its extend parses what it is given"),
        "CrossPlatformUnpickler": (ALL_OPS, "it is an unpickler"),
    }
)
#: Exact ``(module, name)`` globals that share a last name with :data:`HOOKED_CLASSES` but
#: name an audited class without those hooks: PLAMS's own ``JobManager`` (2024.107 and
#: 2026.104 define only ``__init__``; the ``__del__`` is plams_core's). A script run through
#: PLAMS's launcher pickles ``config`` by value, and with it ``config.default_jobmanager``.
HOOKED_NAME_EXCEPTIONS: frozenset[Global] = frozenset({("scm.plams.core.jobmanager", "JobManager")})
#: The plams_core modules whose classes a job pickle may instantiate (the engine); every other
#: plams_core module (index, pickles, workdir, logfile, ...) gives no instances.
PLAMS_CORE_CLASS_MODULES: frozenset[str] = frozenset(
    "plams_core" + m
    for m in (
        "",
        ".basejob",
        ".commandjob",
        ".demo",
        ".results",
        ".settings",
        ".status",
        ".jobrunner",
        ".daskrunner",
        ".jobmanager",
        ".errors",
        ".threading_utils",
    )
)
#: Installed classes whose ``__setstate__`` was vetted for a checked state: last name -> the
#: rule the reader applies to BUILD's state (see the reader's ``_STATE_RULES``): ``"job"``
#: (a dict; a PLAMS < 2025 ``status`` without ``_status`` is a string or an enum value),
#: ``"dict"`` (a dict), ``"runner"`` (a dict whose ``parallel``, ``maxjobs`` and
#: ``maxthreads`` are plain values), ``"molecule"`` (a dict whose ``atoms`` and ``bonds`` are
#: lists; when the atoms are dicts, the bonds dicts with int ends).
VETTED_STATE: Mapping[str, str] = MappingProxyType(
    {
        "Job": "job",
        "SingleJob": "job",
        "MultiJob": "job",
        "CommandJob": "job",
        "OutputCheckedJob": "job",
        "Results": "dict",
        "JobRunner": "runner",
        "DaskJobRunner": "runner",
        "Molecule": "molecule",
    }
)

# --------------------------------------------------------------------------------------
# Names inside by-value classes and call arguments
# --------------------------------------------------------------------------------------

#: Attributes that, when a class defined in the pickle (by value) has them, run its own
#: code at load time in some situation (creating, filling, hashing, subclassing it).
HOOK_NAMES: frozenset[str] = frozenset(
    {
        "__new__",
        "__init__",
        "__del__",
        "__setstate__",
        "__getattr__",
        "__getattribute__",
        "__setattr__",
        "__setitem__",
        "append",
        "extend",
        "add",
        "__hash__",
        "__eq__",
        "__init_subclass__",
        "__set_name__",
        "__get__",
        "__isabstractmethod__",
        "__getinitargs__",
        "__class_getitem__",
        "__mro_entries__",
    }
)
#: The hooks that run on *any* attribute lookup the unpickler makes.
LOOKUP_HOOKS: frozenset[str] = frozenset({"__getattr__", "__getattribute__"})
#: Methods ``builtins.getattr`` may fetch from a lock dill made (``_create_lock``).
LOCK_ATTRS: frozenset[str] = frozenset(
    {"acquire", "release", "_is_owned", "_release_save", "_acquire_restore"}
)
#: Names ``getattr(dill._dill, NAME, fallback)`` may fetch (dill's ``_shims`` for closure cells).
DILL_SHIMS: frozenset[str] = frozenset({"_setattr", "_CELL_EMPTY"})
#: Codecs ``_codecs.encode``/``bytes``/``bytearray`` may be called with.
PLAIN_CODECS: frozenset[str] = frozenset(
    {"latin1", "latin-1", "latin_1", "iso-8859-1", "utf8", "utf-8", "ascii"}
)
