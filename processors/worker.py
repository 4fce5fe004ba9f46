"""Builds a worker: the App, the pipeline's topics, every stage of schemas/topics.py ``STAGES``, the watchdog.

The graph (stages, the topics between them, Elasticsearch at the end) is
declared in schemas/topics.py and drawn in docs/pipeline.md.

State lives in RocksDB tables backed by Kafka changelog topics, so a worker
that dies is replaced by another that restores the tables and resumes from the
last committed offsets (at-least-once; every write downstream is idempotent).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Coroutine

import faust

from newsflow.infra.settings import Settings
from newsflow.processors.allocator import TRIM_INTERVAL_S, release_free_memory
from newsflow.processors.app import create_app
from newsflow.processors.memory_snapshots import MemorySnapshots
from newsflow.processors.metrics import WorkerMetrics
from newsflow.processors.patches import PatchedApp
from newsflow.processors.patches.table_stores import rocksdb_memory
from newsflow.processors.pipeline import Pipeline
from newsflow.processors.stages import (
    alert,
    entities,
    exact_dedup,
    index,
    near_duplicates,
    normalize,
    registry,
    stories,
)
from newsflow.processors.watchdog import ProgressWatchdog, read_backlog
from newsflow.schemas.topics import processors_group

log = logging.getLogger("newsflow.processors")

WATCHDOG_INTERVAL_S = 30.0
MEMORY_SAMPLE_S = 15.0
EXIT_STALLED = 75  # EX_TEMPFAIL: try again (the supervisor restarts the worker)


def build_worker(settings: Settings, worker_id: str, metrics: WorkerMetrics | None = None) -> faust.App:
    """The Faust app of worker ``worker_id`` with every stage and the stall watchdog added, counting in ``metrics``."""
    counted = metrics if metrics is not None else WorkerMetrics(topic_prefix=settings.topic_prefix)
    app = create_app(settings, worker_id, gap_listener=lambda outcome, tp: counted.offset_gap(outcome, tp.topic))
    pipeline = Pipeline(app, settings, counted)
    normalize.register(pipeline)
    exact_dedup.register(pipeline)
    entities.register(pipeline)
    registry.register(pipeline)
    stories.register(pipeline)
    near_duplicates.register(pipeline)
    waiting_on_elasticsearch = index.register(pipeline)
    alert.register(pipeline)
    _add_watchdog(app, settings, waiting_on_elasticsearch)
    _add_memory_sampler(app, counted)
    _add_memory_release(app)
    if settings.worker_memory_snapshots_dir is not None:
        _add_memory_snapshots(
            app,
            settings,
            MemorySnapshots(settings.worker_memory_snapshots_dir, worker_id, settings.worker_memory_snapshot_kind),
        )
    return app


def _add_memory_sampler(app: PatchedApp, metrics: WorkerMetrics) -> None:
    """Refresh the memory gauges (tables' RocksDB parts, the NER child, Python's blocks) every few seconds."""

    @app.timer(MEMORY_SAMPLE_S)  # type: ignore[untyped-decorator]  # faust's timer decorator is untyped
    async def sample_memory() -> None:
        metrics.sample_memory(rocksdb_memory(app.tables.values(), app.block_cache))


def _add_memory_release(app: faust.App) -> Callable[[], Coroutine[None, None, None]]:
    """Give malloc's free pages back to the system every :data:`TRIM_INTERVAL_S` (processors/allocator.py)."""

    async def release_memory() -> None:
        release_free_memory()

    app.timer(TRIM_INTERVAL_S)(release_memory)
    return release_memory


def _add_memory_snapshots(app: faust.App, settings: Settings, snapshots: MemorySnapshots) -> None:
    """Write a memory snapshot every interval (processors/memory_snapshots.py)."""
    snapshots.start()

    @app.timer(settings.worker_memory_snapshot_interval_s)  # type: ignore[untyped-decorator]  # untyped in faust
    async def write_memory_snapshot() -> None:
        # On the loop, not in a thread: the snapshot must not race the allocations it lists.
        snapshots.write()


def _add_watchdog(app: faust.App, settings: Settings, waiting_on_elasticsearch: Callable[[], bool]) -> None:
    """Exit when this worker holds a backlog but has committed nothing for a while (processors/watchdog.py)."""
    if settings.worker_stall_timeout_s <= 0:
        return
    watchdog = ProgressWatchdog(settings.worker_stall_timeout_s)
    group = processors_group(settings.topic_prefix)

    @app.timer(WATCHDOG_INTERVAL_S)  # type: ignore[untyped-decorator]  # faust's timer decorator is untyped
    async def watch_progress() -> None:
        changelogs = app.tables.changelog_topics
        held = sorted((tp.topic, tp.partition) for tp in app.consumer.assignment() if tp.topic not in changelogs)
        excused = app.rebalancing or waiting_on_elasticsearch()
        try:
            committed, backlog = await asyncio.to_thread(read_backlog, settings.kafka_bootstrap_servers, group, held)
        except Exception as exc:  # Kafka unavailable: not a stall of this worker (the log says so)
            log.warning("watchdog could not read offsets", extra={"error": repr(exc)})
            committed, backlog, excused = {}, 0, True
        stalled_s = watchdog.observe(time.monotonic(), committed, backlog, excused)
        if stalled_s is None:
            return
        log.error(
            "worker stalled: records waiting but nothing committed; exiting to be restarted",
            extra={"stalled_s": round(stalled_s), "backlog": backlog, "partitions": len(held)},
        )
        # A stalled Faust consumer does not stop cleanly (it waits for the stuck streams): leave at once,
        # as a crash would. Offsets not committed are read again by whoever gets the partitions.
        logging.shutdown()
        os._exit(EXIT_STALLED)
