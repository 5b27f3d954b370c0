"""The pickle side: ``.dill`` files read without running them, and written atomically.

``reader`` is the static reader (CPython's unpickler with inert stubs for every global);
``allowlist`` names what a job pickle may reference (modules, classes, calls, hooks), shared
by the reader, the templates and the safe loader; ``templates`` answers a sibling ``.dill`` from one already read; ``writer`` writes a
``.dill`` atomically and keeps the previous one. Importing this package imports neither
dill nor the engine.
"""

from .reader import DillInfo, DillSummary, read_dill, read_dill_bytes, read_dill_summary
from .writer import backup_path, write_pickle_atomically

__all__ = [
    "DillInfo",
    "DillSummary",
    "backup_path",
    "read_dill",
    "read_dill_bytes",
    "read_dill_summary",
    "write_pickle_atomically",
]
