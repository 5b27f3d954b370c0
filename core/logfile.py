"""Writers for the two logs of a working folder, in PLAMS's formats, and the log sinks.

* ``WORKDIR/logfile``: text lines ``[dd.mm|HH:MM:SS] message`` (PLAMS since 2021).
* ``WORKDIR/job_logfile.csv``: one row per job when it ends, with PLAMS 2026's header and
  columns (``scm.plams.core.formatters.JobCSVFormatter``), written with the csv module
  because error messages span lines.

Two kinds of log sinks, so core never imports a UI:

* a sink given to one JobManager (``JobManager(..., log_sink=sink)``) is called with a
  :class:`LogRecord` (message, level, time, the job's name and path, the working folder) for
  every line that manager logs, at every level; with such a sink installed that manager prints
  nothing to stdout (a Textual screen would tear). Its logfile is still written.
* process-global sinks (:func:`add_log_sink`, the older API, kept for compatibility) are
  called as ``sink(line, level)`` with every formatted line of every manager; they do not
  silence stdout.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .basejob import Job

__all__ = [
    "CSV_HEADER",
    "JobLogSink",
    "LogRecord",
    "LogSink",
    "add_log_sink",
    "format_line",
    "job_csv_row",
    "print_to_stdout",
    "remove_log_sink",
    "write_csv_row",
    "write_text_line",
]

#: Header of ``job_logfile.csv`` exactly as PLAMS 2026 writes it.
CSV_HEADER = (
    "logged_at",
    "job_base_name",
    "job_name",
    "job_status",
    "job_path",
    "job_ok",
    "job_check",
    "job_get_errormsg",
    "job_timeline",
    "job_parent_name",
    "job_parent_path",
)

LogSink = Callable[[str, int], None]


@dataclass(frozen=True)
class LogRecord:
    """One log event as a JobManager's own sink receives it.

    ``message`` is the text without the time prefix, ``line`` the text as the logfile has
    it, ``time`` seconds since the epoch. ``job_name`` (the full name, ``parent/child``) and
    ``job_path`` are None for lines about no job; ``workdir`` is the manager's working folder.
    """

    message: str
    level: int
    time: float
    line: str
    job_name: str | None = None
    job_path: str | None = None
    workdir: str | None = None


#: A sink for one JobManager: called with every :class:`LogRecord` it logs, from any thread.
JobLogSink = Callable[[LogRecord], None]

_sinks: list[LogSink] = []
_sinks_lock = threading.Lock()
_stdout_lock = threading.Lock()
_stdout_closed = False  # stdout is process-wide, so is knowing that it is gone
# One lock per file path: jobs log from several threads, and two managers never share a file.
_file_locks: dict[str, threading.Lock] = {}
_file_locks_lock = threading.Lock()
_unwritable: set[str] = set()  # logfiles already reported as unwritable


def add_log_sink(sink: LogSink) -> None:
    """Send every log line (formatted, without newline) and its level to *sink* as well."""
    with _sinks_lock:
        if sink not in _sinks:
            _sinks.append(sink)


def remove_log_sink(sink: LogSink) -> None:
    """Stop sending log lines to *sink* (no error if it was not added)."""
    with _sinks_lock:
        if sink in _sinks:
            _sinks.remove(sink)


def _file_lock(path: str) -> threading.Lock:
    with _file_locks_lock:
        return _file_locks.setdefault(path, threading.Lock())


def format_line(message: str, date: bool = True, clock: bool = True, now: float | None = None) -> str:
    """*message* with PLAMS's prefix: ``[dd.mm|HH:MM:SS] `` (parts dropped when disabled)."""
    parts = []
    if date:
        parts.append("%d.%m")
    if clock:
        parts.append("%H:%M:%S")
    if not parts:
        return message
    return time.strftime("[" + "|".join(parts) + "] ", time.localtime(now)) + message


def emit(
    message: str,
    level: int,
    logfile: str | None,
    settings: Any,
    *,
    echo: bool = True,
    sink: JobLogSink | None = None,
    job: Job | None = None,
    workdir: str | None = None,
) -> None:
    """Log *message* at *level* with the verbosities in *settings* (``file``, ``stdout``, ``date``, ``time``).

    The line goes to *logfile* when ``level <= settings.file``, to every global sink and to
    *sink* (as a :class:`LogRecord` about *job*) regardless of level (sinks filter for
    themselves), and to stdout when ``level <= settings.stdout``, *echo* is true and there is
    no *sink*.
    """
    to_file = logfile is not None and level <= settings.get("file", 5)
    to_stdout = echo and sink is None and level <= settings.get("stdout", 3)
    with _sinks_lock:
        sinks = list(_sinks)
    if not (to_file or to_stdout or sinks or sink is not None):
        return
    now = time.time()
    message = str(message)
    line = format_line(message, bool(settings.get("date", True)), bool(settings.get("time", True)), now)
    if to_stdout:
        print_to_stdout(line)
    if to_file and logfile is not None:
        write_text_line(logfile, line)
    if sink is not None:
        record = LogRecord(
            message=message,
            level=level,
            time=now,
            line=line,
            job_name=job._full_name() if job is not None else None,
            job_path=job.path if job is not None else None,
            workdir=workdir,
        )
        _call_sink(sink, record)
    for global_sink in sinks:
        _call_sink(global_sink, line, level)


def _call_sink(sink: Callable[..., None], *args: Any) -> None:
    try:
        sink(*args)
    except Exception as exc:  # a broken sink must never stop a job
        try:
            print(f"plams_core: log sink {sink!r} failed: {exc}", file=sys.stderr)
        except (OSError, ValueError):
            pass


def print_to_stdout(line: str) -> None:
    """Print *line*; a stdout that cannot be written (``| head``, ``>/dev/full``) is given up silently.

    Logging is a side channel: a closed pipe must never fail a job or the script (PLAMS's
    logging handlers swallow the error the same way). The descriptor is pointed at
    ``/dev/null`` so later prints and the interpreter's final flush do not raise either.
    """
    global _stdout_closed
    with _stdout_lock:
        if _stdout_closed:
            return
        try:
            # one write, not print()'s two: another thread's output cannot split the line
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):  # ValueError: stdout was closed by the program
            _stdout_closed = True
            _silence_stdout()


def _silence_stdout() -> None:
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def write_text_line(path: str, line: str) -> None:
    """Append one line to the text logfile; a missing working folder is ignored like PLAMS does.

    A logfile that cannot be written (no space, no permission) never stops a job: it is said
    once on stderr and then skipped.
    """
    try:
        with _file_lock(path), open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    except FileNotFoundError:
        pass
    except OSError as exc:
        with _file_locks_lock:
            first = str(path) not in _unwritable
            _unwritable.add(str(path))
        if first:
            try:
                print(f"plams_core: cannot write logfile {path}: {exc.strerror or exc}", file=sys.stderr)
            except (OSError, ValueError):
                pass


def job_csv_row(job: Job) -> dict[str, Any]:
    """The ``job_logfile.csv`` row of *job*, computed like PLAMS 2026's JobCSVFormatter."""
    from .errors import ResultsError
    from .status import JobStatus

    status = job.status
    row: dict[str, Any] = {
        "logged_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "job_base_name": re.sub(r"\.\d+$", "", job.name),
        "job_name": job.name,
        "job_status": str(status),
        "job_path": "",
        "job_ok": "",
        "job_check": "",
        "job_get_errormsg": "",
        "job_timeline": " -> ".join(f"{at.strftime('%Y-%m-%d %H:%M:%S')} {s}" for at, s in job.status_log),
        "job_parent_name": "",
        "job_parent_path": "",
    }
    if status not in (JobStatus.CREATED, JobStatus.STARTED):
        row["job_path"] = job.path or ""
        if status not in (JobStatus.REGISTERED, JobStatus.RUNNING, JobStatus.DELETED):
            try:
                row["job_ok"] = job.ok()
                row["job_check"] = job.check()
                row["job_get_errormsg"] = job.get_errormsg() or ""
            except ResultsError:
                pass
            except Exception as exc:  # check() of a job whose folder is gone: still one row
                row["job_get_errormsg"] = row["job_get_errormsg"] or f"{type(exc).__name__}: {exc}"
    parent = getattr(job, "parent", None)
    if parent is not None:
        row["job_parent_name"] = parent.name
        row["job_parent_path"] = parent.path or ""
    return row


def write_csv_row(path: str, row: dict[str, Any]) -> None:
    """Append *row* to ``job_logfile.csv`` at *path*, writing the header first if the file is empty."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_HEADER, lineterminator="\n")
    with _file_lock(path):
        try:
            empty = os.path.getsize(path) == 0
        except OSError:
            empty = True
        if empty:
            writer.writeheader()
        writer.writerow(row)
        try:
            with open(path, "a", encoding="utf-8", newline="") as f:
                f.write(buf.getvalue())
        except FileNotFoundError:
            pass
