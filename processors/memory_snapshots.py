"""Snapshots of the worker's Python memory, to find what a long run keeps.

The soak shows the worker's main process growing by a few hundred thousand
Python blocks an hour; the count alone does not say whose they are. With
``NEWSFLOW_WORKER_MEMORY_SNAPSHOTS_DIR`` set, the worker writes a snapshot every
``NEWSFLOW_WORKER_MEMORY_SNAPSHOT_INTERVAL_S``, of the kind
``NEWSFLOW_WORKER_MEMORY_SNAPSHOT_KIND`` names; ``python -m bench.memory_growth``
compares two:

- ``census`` (processors/memory_census.py): objects by type and the large
  containers with who holds them. No tracing: the worker keeps its speed,
  but each census holds the event loop for about a second.
- ``tracemalloc``: every allocation traced (:data:`TRACED_FRAMES` frames), so
  growth is named by the code that allocated it. Tracing costs CPU on every
  allocation: in the soak the worker ran several times slower and fell behind
  a feed the untraced one keeps up with, so its snapshots showed the backlog.

The NER child is not included (its memory has its own limit).
"""

from __future__ import annotations

import json
import logging
import time
import tracemalloc
from pathlib import Path
from typing import Literal

from newsflow.processors.memory_census import take_census

log = logging.getLogger("newsflow.processors")

# Enough frames to get from a container's allocation up to the stage or library code that keeps it.
TRACED_FRAMES = 12

SnapshotKind = Literal["census", "tracemalloc"]


class MemorySnapshots:
    """Writes numbered snapshots of worker ``worker_id`` into ``folder``: censuses, or tracemalloc snapshots
    (tracing from :meth:`start`)."""

    def __init__(self, folder: Path, worker_id: str, kind: SnapshotKind = "census") -> None:
        self.folder = folder
        self.worker_id = worker_id
        self.kind = kind
        self._started = time.monotonic()
        self._written = 0

    def start(self) -> None:
        """Create the folder and, for tracemalloc snapshots, trace allocations from now on (an earlier start, e.g.
        PYTHONTRACEMALLOC, is kept)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._started = time.monotonic()
        if self.kind == "census":
            log.info("memory censuses go to the folder", extra={"folder": str(self.folder)})
            return
        if not tracemalloc.is_tracing():
            tracemalloc.start(TRACED_FRAMES)
        log.warning(
            "tracing the worker's memory allocations (slower): snapshots go to the folder",
            extra={"folder": str(self.folder)},
        )

    def write(self) -> Path:
        """Write a snapshot named for the worker, its number and the seconds since tracing started; return its
        path."""
        seconds = round(time.monotonic() - self._started)
        self._written += 1
        stem = f"worker-{self.worker_id}-{self._written:03d}-{seconds:06d}s"
        if self.kind == "census":
            return self._write_census(self.folder / f"{stem}.census.json")
        path = self.folder / f"{stem}.tracemalloc"
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        snapshot.dump(str(path))
        traced, peak = tracemalloc.get_traced_memory()
        log.info(
            "memory snapshot written",
            extra={"path": str(path), "traced_mb": round(traced / 2**20, 1), "peak_mb": round(peak / 2**20, 1)},
        )
        return path

    def _write_census(self, path: Path) -> Path:
        began = time.monotonic()
        census = take_census()
        path.write_text(json.dumps(census), encoding="utf-8")
        log.info(
            "memory census written",
            extra={
                "path": str(path),
                "tracked_objects": census["tracked_objects"],
                "allocated_blocks": census["allocated_blocks"],
                "seconds": round(time.monotonic() - began, 2),
            },
        )
        return path
