"""The one error type of the local stack: what failed, and where to look."""

from __future__ import annotations

from pathlib import Path


class StackError(RuntimeError):
    """A local-stack step failed; the message says why and names the log to read."""

    def __init__(self, message: str, log_file: Path | None = None) -> None:
        self.log_file = log_file
        super().__init__(message if log_file is None else f"{message} (log: {log_file})")
