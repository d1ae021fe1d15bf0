"""Errors raised by the local stack launcher."""

from __future__ import annotations


class StackError(RuntimeError):
    """The local stack could not be prepared, started, reached or stopped."""
