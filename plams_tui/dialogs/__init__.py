"""Modal dialogs of the app."""

from .confirm import ConfirmDialog

__all__ = ["ConfirmDialog"]
