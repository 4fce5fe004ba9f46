"""The resident memory of a process, read from /proc (Linux), for the worker's metrics and the NER child's limit."""

from __future__ import annotations

from pathlib import Path


def rss_bytes(pid: int | None) -> int:
    """Resident memory of process ``pid`` (0 when there is no such process, or no /proc)."""
    if pid is None:
        return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:  # the process has exited
        return 0
    return 0
