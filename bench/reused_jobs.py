"""The user's own module of job classes, imported by bench/reused_workdir_script.py.

Because the class lives in an importable module (not in `__main__`), dill pickles it *by
reference* (`reused_jobs.ShJob`), so loading such a folder with PLAMS needs this folder on
`sys.path` (bench/bench_ls.py's `--plams-pythonpath`).
"""

from __future__ import annotations

from scm.plams import SingleJob


class ShJob(SingleJob):
    """A trivial job: the input is a text, the runscript a shell command."""

    def get_input(self) -> str:
        return self.settings.input.text

    def get_runscript(self) -> str:
        return self.settings.input.cmd + "\n"
