"""PLAMS's named loggers (``scm.plams.core.logging``): ``get_logger(name)`` and ``Logger``.

A thin, PLAMS-compatible face over :func:`plams_core.logfile.emit`: a logger has a stdout
level, a logfile and its level, and whether lines carry the date and time; ``log(message,
level)`` writes where the levels allow (and to the global log sinks). :func:`plams_core.log`
uses the module's ``_logger`` when no plams_core JobManager is the default one. Job
summaries (``job_logfile.csv``) are ``JobManager.job_logger``, not a logger here.
"""

from __future__ import annotations

import threading
from typing import Any

from .logfile import emit

__all__ = ["Logger", "get_logger"]


class Logger:
    """A named destination for log lines: stdout and one text logfile, each with a level."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._settings: dict[str, Any] = {"stdout": 0, "file": 0, "date": False, "time": False}
        self._logfile: str | None = None

    def configure(
        self,
        stdout_level: int = 0,
        logfile_level: int = 0,
        logfile_path: str | None = None,
        include_date: bool = False,
        include_time: bool = False,
        csv_formatter: Any = None,
    ) -> None:
        """Set the levels, the logfile (None: none) and the time stamp of later lines."""
        with self._lock:
            self._settings = {
                "stdout": stdout_level,
                "file": logfile_level,
                "date": include_date,
                "time": include_time,
            }
            self._logfile = logfile_path

    @property
    def logfile(self) -> str | None:
        """The text logfile lines go to, if any."""
        return self._logfile

    def log(self, message: object, level: int) -> None:
        """Write *message* to stdout and the logfile where *level* is within their levels."""
        with self._lock:
            settings, logfile = dict(self._settings), self._logfile
        emit(str(message), level, logfile, settings)

    def close(self) -> None:
        """Stop writing to the logfile (each line is appended and closed at once, so nothing is open)."""
        with self._lock:
            self._logfile = None


_loggers: dict[str, Logger] = {}
_loggers_lock = threading.Lock()


def get_logger(name: str, fmt: str | None = None) -> Logger:
    """The logger called *name* (made on first use). Only text loggers: *fmt* ``"csv"`` is refused."""
    if fmt not in (None, "txt"):
        raise ValueError(
            f"plams_core has text loggers only (fmt={fmt!r}); job_logfile.csv is JobManager.job_logger"
        )
    with _loggers_lock:
        return _loggers.setdefault(name, Logger(name))
