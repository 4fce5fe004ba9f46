"""Waiting for the system under measure to reach a state."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(probe: Callable[[], object], timeout_s: float, what: str) -> None:
    """Poll ``probe`` every 0.2 s until it is truthy; TimeoutError naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout_s
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(0.2)
