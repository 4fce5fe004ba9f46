"""Snapshots of the worker's Python allocations, to find what a long run keeps.

The soak shows the worker's main process growing by a few hundred thousand
Python blocks an hour; the count alone does not say whose they are. With
``NEWSFLOW_WORKER_MEMORY_SNAPSHOTS_DIR`` set, the worker traces its allocations
(tracemalloc, :data:`TRACED_FRAMES` frames each) and writes a snapshot every
``NEWSFLOW_WORKER_MEMORY_SNAPSHOT_INTERVAL_S``; ``python -m bench.memory_growth``
compares two by traceback. Tracing costs CPU on every allocation (with these
frames the worker ran several times slower in the soak, so a traced worker
falls behind a feed the untraced one keeps up with), so it is off unless asked
for. The NER child is not traced (its memory has its own limit).
"""

from __future__ import annotations

import logging
import time
import tracemalloc
from pathlib import Path

log = logging.getLogger("newsflow.processors")

# Enough frames to get from a container's allocation up to the stage or library code that keeps it.
TRACED_FRAMES = 12


class MemorySnapshots:
    """Starts tracing and writes numbered snapshots of worker ``worker_id`` into ``folder``."""

    def __init__(self, folder: Path, worker_id: str) -> None:
        self.folder = folder
        self.worker_id = worker_id
        self._started = time.monotonic()
        self._written = 0

    def start(self) -> None:
        """Create the folder and trace allocations from now on (an earlier start, e.g. PYTHONTRACEMALLOC, is kept)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not tracemalloc.is_tracing():
            tracemalloc.start(TRACED_FRAMES)
        self._started = time.monotonic()
        log.warning(
            "tracing the worker's memory allocations (slower): snapshots go to the folder",
            extra={"folder": str(self.folder)},
        )

    def write(self) -> Path:
        """Write a snapshot named for the worker, its number and the seconds since tracing started; return its
        path."""
        seconds = round(time.monotonic() - self._started)
        self._written += 1
        path = self.folder / f"worker-{self.worker_id}-{self._written:03d}-{seconds:06d}s.tracemalloc"
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        snapshot.dump(str(path))
        traced, peak = tracemalloc.get_traced_memory()
        log.info(
            "memory snapshot written",
            extra={"path": str(path), "traced_mb": round(traced / 2**20, 1), "peak_mb": round(peak / 2**20, 1)},
        )
        return path
