"""Crash-safe writing of ``$JN.dill`` files.

PLAMS opens ``$JN.dill`` for writing and dumps into it, so a failing or interrupted dump
leaves a truncated pickle where a good one was. Here the object is dumped to a temporary
file beside the target, flushed and fsynced, the previous file is kept as ``$JN.prev.dill``
and the new one moved into place with ``os.replace``. The backup ends in ``.dill`` on
purpose: ``Results.files`` and real PLAMS's ``load_all`` (which only opens ``NAME/NAME.dill``)
both ignore it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["backup_path", "write_pickle_atomically"]


def backup_path(path: str | os.PathLike[str]) -> Path:
    """``x/NAME.prev.dill`` for ``x/NAME.dill``: where the previous pickle is kept."""
    p = Path(path)
    stem = p.name[: -len(".dill")] if p.name.endswith(".dill") else p.name
    return p.with_name(stem + ".prev.dill")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates 0600 files; PLAMS's open(..., "wb") gives 0666 minus the umask. Read once,
# at import, because os.umask can only be read by setting it (not thread-safe later).
_NEW_FILE_MODE = 0o666 & ~_umask()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a directory; the rename is still atomic
    finally:
        os.close(fd)


def write_pickle_atomically(
    obj: Any,
    path: str | os.PathLike[str],
    protocol: int | None = -1,
    *,
    dump: Callable[[Any, BinaryIO], None] | None = None,
) -> None:
    """Pickle *obj* with dill to *path* so that *path* always holds a complete pickle.

    *dump* (``dump(obj, file)``) replaces ``dill.dump`` (the repickler writes bytes it has
    already checked). Raises whatever dumping raises; then the temporary file is removed and
    *path* is untouched.
    """
    target = Path(path)
    folder = target.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        # The pickle gets the mode a plainly created file would get (or the old pickle's mode).
        os.fchmod(fd, (os.stat(target).st_mode & 0o7777) if target.exists() else _NEW_FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            if dump is None:
                import dill  # here, not at import: the read side imports this package without dill

                dill.dump(obj, f, protocol)  # -1 means the highest protocol, like PLAMS's default
            else:
                dump(obj, f)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            backup = backup_path(target)
            # A hard link keeps the old pickle readable at its own name until the replace below.
            try:
                if backup.exists():
                    backup.unlink()
                os.link(target, backup)
            except OSError:
                shutil.copy2(target, backup)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)
