"""``Results``: the files of a job folder and the ways to read them, as in ``scm.plams.core.results``.

Public methods wait for the job like PLAMS's "access guardian": while a job runs, callers
block on the ``done`` event; the job's own ``check()``/``postrun()`` get in as soon as the
runscript has ``finished``; results of crashed or failed jobs are returned with a warning
(``config.ignore_failure``, the default) or refused.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from os.path import join as opj
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import FileError, ResultsError
from .status import OK_STATUSES, JobStatus

if TYPE_CHECKING:
    from .basejob import Job

__all__ = ["Results"]

F = TypeVar("F", bound=Callable[..., Any])

# Not guarded: they run while the job itself is being finalized, or touch no job state.
_UNRESTRICTED = frozenset(
    {"refresh", "collect", "_clean", "get_errormsg", "_export_attribute", "_replace_job_name", "_privileged"}
)
_WAITING = frozenset({JobStatus.CREATED, JobStatus.STARTED, JobStatus.REGISTERED, JobStatus.RUNNING})


def _log(results: Results, message: str, level: int) -> None:
    job = results.job
    if job is not None:
        job._log(message, level)
    else:
        from .functions import log

        log(message, level)


def _job(results: Results) -> Job:
    """The job of *results*: the guard around every reader has already refused Results without one."""
    assert results.job is not None
    return results.job


def _folder(results: Results) -> str:
    """The job folder of *results* (a file is listed only once the job has its folder)."""
    path = _job(results).path
    assert path is not None
    return path


def _restrict(func: F) -> F:
    """Wrap a Results method so it waits for, or refuses, results that are not ready."""
    if getattr(func, "_plams_restricted", False):
        return func

    @functools.wraps(func)
    def guardian(self: Results, *args: Any, **kwargs: Any) -> Any:
        from .functions import get_config

        job = self.job
        if job is None:
            raise ResultsError("these Results are not associated with any job")
        status = job.status
        if status in OK_STATUSES:
            return func(self, *args, **kwargs)
        if status == JobStatus.PREVIEW:
            if get_config().get("ignore_failure", True):
                _log(
                    self,
                    f"WARNING: Trying to obtain results of job {job.name} run in a preview mode. Returned value is None",
                    3,
                )
                return None
            raise ResultsError(f"job {job.name} ran in preview mode: it has no results")
        if status == JobStatus.DELETED:
            raise ResultsError(f"job {job.name} was deleted: its results are gone")
        if status in (JobStatus.CRASHED, JobStatus.FAILED):
            if func.__name__ == "wait":  # waiting for a crashed job is not an error
                return func(self, *args, **kwargs)
            if get_config().get("ignore_failure", True):
                _log(self, f"WARNING: Trying to obtain results of crashed or failed job {job.name}", 3)
                try:
                    return func(self, *args, **kwargs)
                except Exception:
                    _log(self, f"Obtaining results of {job.name} failed. Returned value is None", 3)
                    return None
            raise ResultsError(f"job {job.name} is {status}: its results are not trustworthy")
        # Still running (or finished and being checked).
        if self._privileged():
            self.finished.wait()
        else:
            if not self.done.is_set():
                _log(self, f"Waiting for job {job.name} to finish", 1)
            self.done.wait()
        return func(self, *args, **kwargs)

    guardian._plams_restricted = True  # type: ignore[attr-defined]  # a mark on the function object
    return guardian  # type: ignore[return-value]  # same signature as func (functools.wraps)


def _wrap_methods(cls: type) -> None:
    for name, attr in list(cls.__dict__.items()):
        if name.startswith("__") and name.endswith("__"):
            continue
        if isinstance(attr, (staticmethod, classmethod, type, property)):
            continue
        if callable(attr) and name not in _UNRESTRICTED:
            setattr(cls, name, _restrict(attr))


class Results:
    """Results of one job: ``files`` (paths relative to the job folder, ``.dill`` excluded) and readers.

    ``results[name]`` is the absolute path of a file; ``name in results`` tests for it; both
    accept ``$JN`` for the job name.
    """

    #: Renames applied by :meth:`collect` (``{old: new}``, ``$JN`` allowed).
    _rename_map: dict[str, str] = {}

    def __init__(self, job: Job | None) -> None:
        self.job = job
        self.files: list[str] = []
        self.finished = threading.Event()
        self.done = threading.Event()
        self._privileged_thread: int | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _wrap_methods(cls)

    def _privileged(self) -> bool:
        return self._privileged_thread == threading.get_ident()

    # -- pickling ---------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        # Events and thread ids mean nothing in another process.
        return {k: v for k, v in self.__dict__.items() if k not in ("finished", "done", "_privileged_thread")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.finished = threading.Event()
        self.done = threading.Event()
        self.finished.set()  # a pickled job has ended
        self.done.set()
        self._privileged_thread = None

    # -- the file list ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read ``files`` from the job folder (recursively, ``.dill`` files excluded)."""
        if self.job is None or self.job.path is None:
            return
        files: list[str] = []
        for folder, _dirs, names in os.walk(self.job.path):
            rel = os.path.relpath(folder, self.job.path)
            for name in names:
                if name.endswith(".dill"):
                    continue  # pickles, including our $JN.prev.dill backups
                if name.startswith(".") and ".dill." in name and name.endswith(".tmp"):
                    continue  # a pickle being written right now
                files.append(name if rel == "." else opj(rel, name))
        self.files = files

    def collect(self) -> None:
        """Refresh ``files`` and apply ``_rename_map``; called when the job's runscript has ended."""
        self.refresh()
        assert self.job is not None
        for old, new in type(self)._rename_map.items():
            old = old.replace("$JN", self.job.name)
            new = new.replace("$JN", self.job.name)
            if old in self.files:
                os.rename(opj(_folder(self), old), opj(_folder(self), new))
        self.refresh()

    def wait(self) -> None:
        """Block until the job has finished (the guard around this method does the waiting)."""

    # -- reading files ----------------------------------------------------------------------

    def _name(self, filename: str) -> str:
        assert self.job is not None
        return filename.replace("$JN", self.job.name)

    def __getitem__(self, name: str) -> str:
        """Absolute path of the file *name* (``$JN`` allowed); FileError if the job has no such file."""
        name = self._name(name)
        if name in self.files:
            return opj(_folder(self), name)
        raise FileError(f"File {name} not present in {_job(self).path}")

    def __contains__(self, name: object) -> bool:
        """True if the job folder holds the file *name* (``$JN`` allowed)."""
        return isinstance(name, str) and self._name(name) in self.files

    def _output_name(self) -> str:
        assert self.job is not None
        try:
            return self.job._filename("out")  # type: ignore[attr-defined]  # SingleJob's; AttributeError below
        except AttributeError:
            raise ResultsError(f"job {self.job.name} is not a SingleJob: it has no output file") from None
        except KeyError:
            raise ResultsError(f"job {self.job.name} does not have an output file") from None

    def read_file(self, filename: str) -> str:
        """The text of *filename* (one of ``files``, ``$JN`` allowed)."""
        name = self._name(filename)
        if name not in self.files:
            raise ResultsError(f"No `{name}` associated with job `{_job(self).name}`")
        with open(opj(_folder(self), name), encoding="utf-8", errors="replace") as f:
            return f.read()

    def regex_file(self, filename: str, regex: str) -> list[Any]:
        """``re.findall(regex, read_file(filename))``."""
        return re.findall(regex, self.read_file(filename))

    def _process_file(self, filename: str, command: list[str]) -> list[str]:
        name = self._name(filename)
        if name not in self.files:
            raise FileError(f"File {name} not present in {_job(self).path}")
        proc = subprocess.run([*command, name], cwd=_folder(self), stdout=subprocess.PIPE)
        if proc.returncode != 0:
            return []
        return proc.stdout.decode(errors="replace").splitlines()

    def grep_file(self, filename: str, pattern: str = "", options: str = "") -> list[str]:
        """Lines of *filename* matching *pattern*, by running ``grep [options] pattern filename``."""
        return self._process_file(filename, ["grep", pattern, *options.split()])

    def grep_output(self, pattern: str = "", options: str = "") -> list[str]:
        """:meth:`grep_file` on the job's output file (``$JN.out``)."""
        return self.grep_file(self._output_name(), pattern, options)

    def awk_file(
        self, filename: str, script: str = "", progfile: str | None = None, **kwargs: Any
    ) -> list[str]:
        """Output lines of an AWK *script* (or *progfile*) run on *filename*."""
        cmd = ["awk"]
        for key, value in kwargs.items():
            cmd += ["-v", f"{key}={value}"]
        if progfile:
            if not os.path.isfile(progfile):
                raise FileError(f"File {progfile} not present")
            cmd += ["-f", progfile]
        else:
            cmd.append(script)
        return self._process_file(filename, cmd)

    def awk_output(self, script: str = "", progfile: str | None = None, **kwargs: Any) -> list[str]:
        """:meth:`awk_file` on the job's output file."""
        return self.awk_file(self._output_name(), script, progfile, **kwargs)

    def get_file_chunk(
        self,
        filename: str,
        begin: str | None = None,
        end: str | None = None,
        match: int = 0,
        inc_begin: bool = False,
        inc_end: bool = False,
        process: Callable[[str], Any] | None = None,
    ) -> list[Any]:
        """Lines between a line containing *begin* and one containing *end* (PLAMS semantics).

        ``match=0`` returns every such block, ``match=n`` only the n-th.
        """
        current = 0
        ret: list[str] = []
        switch = begin is None

        def append(line: str) -> None:
            if match in (0, current):
                ret.append(line.rstrip("\n"))

        with open(self[filename], encoding="utf-8", errors="replace") as f:
            for line in f:
                if switch and end and end in line:
                    switch = False
                    if inc_end:
                        append(line)
                    if match == current:
                        break
                if switch:
                    append(line)
                if not switch and begin and begin in line:
                    switch = True
                    current += 1
                    if inc_begin:
                        append(line)
        return [process(x) for x in ret] if process else list(ret)

    def get_output_chunk(
        self,
        begin: str | None = None,
        end: str | None = None,
        match: int = 0,
        inc_begin: bool = False,
        inc_end: bool = False,
        process: Callable[[str], Any] | None = None,
    ) -> list[Any]:
        """:meth:`get_file_chunk` on the job's output file."""
        return self.get_file_chunk(self._output_name(), begin, end, match, inc_begin, inc_end, process)

    def rename(self, old: str, new: str) -> None:
        """Rename a file of the job folder (``$JN`` allowed in both names)."""
        old, new = self._name(old), self._name(new)
        self.refresh()
        if old not in self.files:
            raise FileError(f"File {old} not present in {_job(self).path}")
        os.rename(opj(_folder(self), old), opj(_folder(self), new))
        self.files[self.files.index(old)] = new

    def recreate_molecule(self) -> None:
        """No molecule can be recreated from generic files (subclasses may)."""
        return None

    def recreate_settings(self) -> None:
        """No settings can be recreated from generic files (subclasses may)."""
        return None

    def get_errormsg(self) -> str | None:
        """An error message found in the files; None here (subclasses may know better)."""
        return None

    # -- cleaning and rerun prevention ------------------------------------------------------

    def _clean(self, arg: Any) -> None:
        """Delete files of the job folder according to a ``keep``/``save`` value (see the PLAMS manual).

        ``'all'``: nothing. ``'none'``, ``None``, ``[]``: every file (recursively; ``.dill``
        files are never in ``files``). A list of glob patterns: keep only those. A list
        starting with ``'-'``: delete only those. ``$JN`` is the job name, ``$CH`` each child's.
        Which files go is decided by :func:`plams_core.cleaning.files_to_clean`, the same
        function the ``clean`` action uses (it follows the documentation and PLAMS 2024.107,
        not 2026.104's broken list forms).
        """
        from .cleaning import InvalidKeepError, files_to_clean

        if arg == "all":
            return
        job = self.job
        assert job is not None and job.path is not None
        children = [child.name for child in job] if hasattr(job, "children") else []  # type: ignore[attr-defined]  # a MultiJob iterates its children
        try:
            doomed = files_to_clean(arg, path=job.path, name=job.name, files=self.files, children=children)
        except InvalidKeepError:
            job._log(f"WARNING: {arg} is not a valid keep/save argument", 3)
            doomed = []
        listed = isinstance(arg, (list, tuple)) and bool(arg)
        for f in doomed:
            os.remove(opj(job.path, f))
            if listed:  # PLAMS logs each file only for the list forms
                job._log(f"Deleting file {opj(job.path, f)}", 5)
        self.refresh()

    @staticmethod
    def _replace_job_name(string: str, oldname: str, newname: str) -> str:
        """*string* with *oldname* replaced by *newname* if its stem (name without extension) is *oldname*."""
        return string.replace(oldname, newname) if os.path.splitext(string)[0] == oldname else string

    def _copy_to(self, newresults: Results) -> None:
        """Recreate these results in *newresults* (rerun prevention).

        Every file is hard-linked (POSIX and ``link_files`` true in this job's settings) or
        copied into the new job folder, files named after the old job renamed after the new
        one; other attributes are deep-copied with :meth:`_export_attribute`. A failing link
        (e.g. across filesystems) raises OSError, which fails the new job.
        """
        old, new = self.job, newresults.job
        assert old is not None and new is not None and old.path is not None and new.path is not None
        link = os.name == "posix" and old.settings.get("link_files") is True
        for name in self.files:
            newname = Results._replace_job_name(name, old.name, new.name)
            oldpath, newpath = opj(old.path, name), opj(new.path, newname)
            os.makedirs(os.path.dirname(newpath), exist_ok=True)
            if link:
                os.link(oldpath, newpath)
            else:
                shutil.copy(oldpath, newpath)
            newresults.files.append(newname)
        for key, value in self.__dict__.items():
            if key in ("job", "files", "done", "finished", "_privileged_thread"):
                continue
            newresults.__dict__[key] = self._export_attribute(value, newresults)

    def _export_attribute(self, attr: Any, other: Results) -> Any:
        """Copy of an attribute for :meth:`_copy_to` (override for attributes deepcopy cannot handle)."""
        return copy.deepcopy(attr)


_wrap_methods(Results)
