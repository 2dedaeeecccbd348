"""One exception hierarchy for every error LPT expects and explains to its user.

The command line prints these as one line without a traceback; anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LPTError", "InputFileError", "StoreError"]


class LPTError(Exception):
    """Base of all expected LPT errors."""


class InputFileError(LPTError):
    """A whole input file cannot be read: wrong header, not CSV, undecodable, truncated."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class StoreError(LPTError):
    """The store cannot be opened or migrated (bad URL, server down, newer schema)."""
