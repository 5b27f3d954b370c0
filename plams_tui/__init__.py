"""plams-tui: the terminal app and the `plams-tui` command."""

__version__ = "0.1.0"
