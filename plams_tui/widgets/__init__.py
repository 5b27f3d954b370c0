"""Widgets of the app: the job table, the summary bar, the detail pane, the file lines, the footer, the restart's log."""

from .detail_pane import DetailPane
from .file_lines import FileLines
from .footer import KeyFooter
from .job_table import JobTable
from .restart_log import RestartLog
from .summary_bar import SummaryBar

__all__ = ["DetailPane", "FileLines", "KeyFooter", "JobTable", "RestartLog", "SummaryBar"]
