"""Job hashes exactly as PLAMS computes them, shared by the engine and the folder index.

PLAMS (``scm.plams.core.private.sha256``) hashes ``str(x).encode()`` (UTF-8); for
``input+runscript`` it hashes the concatenation of the two hex digests. The input file
``$JN.in`` holds exactly ``get_input()`` and ``$JN.run`` exactly ``full_runscript()``, so a
hash can be recomputed from the files on disk without unpickling anything.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "HASHING_MODES",
    "HASHING_CHOICES",
    "sha256",
    "combine_hashes",
    "validate_hashing",
    "parse_hashing",
]

#: The values PLAMS accepts for ``JobManager.settings.hashing`` (None/False disable it).
HASHING_MODES = ("input", "runscript", "input+runscript")
#: What ``--hashing`` accepts: PLAMS's modes and ``none``.
HASHING_CHOICES = (*HASHING_MODES, "none")


def sha256(data: str | bytes) -> str:
    """Hex SHA256 of *data*; text is encoded as UTF-8 like PLAMS does."""
    if not isinstance(data, bytes):
        data = str(data).encode()
    return hashlib.sha256(data).hexdigest()


def combine_hashes(mode: str | None, input_hash: str | None, runscript_hash: str | None) -> str | None:
    """The job hash for *mode* given the hashes of its input and runscript (None if one is needed and missing)."""
    if not mode:
        return None
    if mode == "input":
        return input_hash
    if mode == "runscript":
        return runscript_hash
    if mode == "input+runscript":
        if input_hash is None or runscript_hash is None:
            return None
        return sha256(input_hash + runscript_hash)
    raise ValueError(f"unsupported hashing mode {mode!r}: use one of {', '.join(HASHING_MODES)} or None")


def validate_hashing(mode: object) -> str | None:
    """Return *mode* normalised (None for disabled) or raise ValueError with the allowed values."""
    if mode in (None, False, "none", "None", ""):
        return None
    if mode in HASHING_MODES:
        return str(mode)
    raise ValueError(f"unsupported hashing mode {mode!r}: use one of {', '.join(HASHING_MODES)} or none")


def parse_hashing(text: str) -> str | None:
    """The hashing mode of ``--hashing TEXT`` (None for ``none``).

    Raises :class:`~plams_core.errors.OptionError` listing :data:`HASHING_CHOICES`.
    """
    from .errors import OptionError

    if text not in HASHING_CHOICES:
        raise OptionError(f"--hashing: unknown mode {text!r} (use one of {', '.join(HASHING_CHOICES)})")
    return None if text == "none" else text
