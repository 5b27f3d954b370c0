"""``CommandJob``: a ready-made SingleJob that runs one shell command on an input text."""

from __future__ import annotations

from typing import Any

from .basejob import SingleJob

__all__ = ["CommandJob"]


class CommandJob(SingleJob):
    """Run *command* (the runscript body, a shell snippet) with *input* written to ``$JN.in``.

    The command runs in the job folder, so it can read ``$JN.in`` by name. Hashable like any
    SingleJob: with the default ``hashing='input'`` two CommandJobs with the same input are
    the same job for rerun prevention. Other keyword arguments go to SingleJob
    (``settings``, ``depend``, ``molecule``).
    """

    def __init__(self, command: str, input: str = "", name: str = "plamsjob", **kwargs: Any) -> None:
        SingleJob.__init__(self, name=name, **kwargs)
        self.command = command
        self.input = input

    def get_input(self) -> str:
        """The input text, written to ``$JN.in``."""
        return self.input

    def get_runscript(self) -> str:
        """The command, ending with a newline."""
        return self.command if self.command.endswith("\n") else self.command + "\n"
