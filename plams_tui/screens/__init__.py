"""Screens of the app: the job list, the file viewer, help."""

from .file_view import FileScreen
from .help import HelpScreen
from .jobs import JobsScreen

__all__ = ["FileScreen", "HelpScreen", "JobsScreen"]
