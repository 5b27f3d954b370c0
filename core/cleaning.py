"""PLAMS's cleaning of a job folder by a ``keep``/``save`` value: which files go.

One implementation, used by the engine (:meth:`plams_core.results.Results._clean`, at the end
of a job with ``keep`` and at ``finish()`` with ``save``) and by the ``clean`` action
(:meth:`plams_core.workdir.Workdir.plan_clean`), so the two can never disagree.

The values, as the PLAMS manual documents them and PLAMS 2024.107 applies them:

* ``'all'``: nothing is deleted;
* ``'none'``, ``None`` or ``[]``: every file of the job (its folder, recursively);
* a list of patterns: keep only the files they match, delete the rest;
* a list whose first item is ``'-'``: delete only the files the rest match.

Patterns are globbed inside the job folder after ``$JN`` becomes the job name and each
``$CH`` every child's name (a pattern with ``$CH`` stands for one pattern per child), the
names taken literally (PLAMS does not escape them, so a job named ``conf[1]`` loses
``conf[1].out`` to ``'$JN.out'`` there; not here). A
job's files are those :meth:`Results.refresh` lists: every file below its folder, a
MultiJob's children's included, except ``*.dill`` files (pickles, the ``$JN.prev.dill``
backups and the ``$JN.removed.dill`` of a removed job are never cleaned). PLAMS 2026.104
compares ``Path`` objects with the ``str`` results of glob there, so its keep-lists delete
everything and its ``'-'`` lists nothing; we do not copy that bug (PLAMS_NOTES.md).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from os.path import join as opj
from typing import Any

from .errors import PlamsError

__all__ = ["InvalidKeepError", "job_files", "parse_keep", "files_to_clean", "keep_to_text"]


class InvalidKeepError(PlamsError):
    """A ``keep``/``save`` value that is none of PLAMS's forms."""


def parse_keep(spec: str) -> str | list[str]:
    """The keep/save value a command-line *spec* stands for.

    ``all`` and ``none`` are themselves; anything else is a comma-separated list of patterns
    (``$JN.in,$JN.out``: keep only these), or such a list starting with ``-`` (``-,$JN.err``:
    delete only these). Raises :class:`InvalidKeepError` for an empty pattern.
    """
    text = spec.strip()
    if text in ("all", "none"):
        return text
    items = [item.strip() for item in text.split(",")]
    if not text or any(not item for item in items):
        raise InvalidKeepError(
            f"--keep {spec!r}: use all, none, PATTERN,... (keep only these) or -,PATTERN,... (delete only these)"
        )
    return items


def keep_to_text(value: Any) -> str:
    """A keep/save value as ``parse_keep`` reads it back (``all``, ``none``, ``-,$JN.err``)."""
    if value is None or (isinstance(value, (list, tuple)) and not value):
        return "none"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def job_files(path: str) -> list[str]:
    """The files of the job folder *path* as PLAMS's ``Results.refresh`` lists them (relative, no ``.dill``).

    Also left out: a ``.NAME.dill.*.tmp`` being written by the atomic pickle writer.
    """
    files: list[str] = []
    for folder, dirs, names in os.walk(path):
        dirs.sort()
        rel = os.path.relpath(folder, path)
        for name in sorted(names):
            if name.endswith(".dill"):
                continue
            if name.startswith(".") and ".dill." in name and name.endswith(".tmp"):
                continue
            files.append(name if rel == "." else opj(rel, name))
    return files


def _is_valid(value: Any) -> bool:
    if value in ("all", "none") or value is None:
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def files_to_clean(
    value: Any, *, path: str, name: str, files: Sequence[str], children: Iterable[str] = ()
) -> list[str]:
    """The entries of *files* that cleaning the job *name* in folder *path* with *value* deletes.

    *files* are relative to *path* (``Results.files``; :func:`job_files` lists them from the
    disk); *children* are the names of a MultiJob's children, for ``$CH``. Only files that
    exist (and are regular files) are returned, in the order of *files*; nothing is deleted
    here. Raises :class:`InvalidKeepError` if *value* is none of the forms above.
    """
    if not _is_valid(value):
        raise InvalidKeepError(f"{value!r} is not a valid keep/save value (all, none, or a list of patterns)")
    if value == "all":
        return []
    if value in ("none", None) or not value:
        return [f for f in files if os.path.isfile(opj(path, f))]
    patterns = list(value)
    reverse = patterns[0] == "-"
    if reverse:
        patterns = patterns[1:]
    children = list(children)
    matched: set[str] = set()
    root = glob.escape(path)
    for pattern in patterns:
        # The names are literal: a job named conf[1] must not become a character class (PLAMS
        # globs them unescaped, so its '$JN.out' would not keep conf[1].out).
        pattern = pattern.replace("$JN", glob.escape(name))
        expanded = (
            [pattern.replace("$CH", glob.escape(ch)) for ch in children] if "$CH" in pattern else [pattern]
        )
        for p in expanded:
            matched.update(os.path.normpath(m) for m in glob.glob(opj(root, p)))
    return [
        f
        for f in files
        if (os.path.normpath(opj(path, f)) in matched) == reverse and os.path.isfile(opj(path, f))
    ]
