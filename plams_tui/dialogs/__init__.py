"""Modal dialogs of the app."""

from .confirm import ConfirmDialog
from .restart import RestartDialog

__all__ = ["ConfirmDialog", "RestartDialog"]
