"""The one error the gate raises on its own: its inputs cannot be judged (exit status 2)."""

from __future__ import annotations


class UnusableInputError(Exception):
    """An input is missing, unreadable or malformed; the message names the file and the fix."""
