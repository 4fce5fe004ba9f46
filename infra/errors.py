"""The base of newsflow's errors: what failed, and where to look."""

from __future__ import annotations

from pathlib import Path


class NewsflowError(RuntimeError):
    """A step failed; the message says why and what to do, and names the log to read when there is one."""

    def __init__(self, message: str, log_file: Path | None = None) -> None:
        self.log_file = log_file
        super().__init__(message if log_file is None else f"{message} (log: {log_file})")
