"""Defaults shared by the command line and the app, importable without textual (``ls`` must not load it)."""

from __future__ import annotations

__all__ = ["DEFAULT_POLL_SECONDS"]

#: How often the polling watcher looks at the folder (``--poll`` without a value, and the fallback).
DEFAULT_POLL_SECONDS = 2.0
