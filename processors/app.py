"""Builds the workers' Faust App: the only module that configures Faust itself.

Building it has no side effects beyond creating the worker's state folder;
the stages, tables and timers are added by :mod:`newsflow.processors.worker`.
"""

from __future__ import annotations

from pathlib import Path

import rocksdict

from newsflow.infra.logs import logging_config
from newsflow.infra.settings import Settings
from newsflow.processors.patches import GapListener, PatchedApp, SharedCacheTable
from newsflow.processors.table_memory import block_cache_bytes
from newsflow.schemas.topics import processors_group


def worker_state_dir(settings: Settings, worker_id: str) -> Path:
    """Where worker ``worker_id`` keeps its RocksDB tables (rebuilt from Kafka when missing)."""
    return (settings.data_dir / "faust" / f"worker-{worker_id}").absolute()


def create_app(settings: Settings, worker_id: str, gap_listener: GapListener | None = None) -> PatchedApp:
    """A Faust app for ``settings``, with the patched Kafka clients; its state folder is per worker id, its
    tables' databases share one block cache (``NEWSFLOW_WORKER_TABLE_MEMORY_MB``, processors/table_memory.py).

    ``gap_listener`` is told of every jump in offsets the consumer handles (the worker's metrics count them).
    """
    datadir = worker_state_dir(settings, worker_id)
    datadir.mkdir(parents=True, exist_ok=True)
    brokers = [f"kafka://{server.strip()}" for server in settings.kafka_bootstrap_servers.split(",")]
    app = PatchedApp(
        processors_group(settings.topic_prefix),
        broker=brokers,
        store="rocksdb://",
        Table=SharedCacheTable,
        datadir=str(datadir),
        topic_replication_factor=settings.topic_replication_factor,
        topic_partitions=settings.topic_partitions,
        processing_guarantee="at_least_once",
        # A partition the group never committed on is read from its start (the API's lag assumes so).
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=8 * 1024 * 1024,
        # A produce request per record costs more CPU than the record itself (docs/benchmarks.md, "Session 27").
        producer_linger=settings.worker_producer_linger_ms / 1000,
        web_enabled=False,
        # The worker replaces the root logger's handlers at start: it gets newsflow's format and limiter.
        logging_config=logging_config(settings.log_format, settings.log_level),
        # Recovery and rebalancing must outlast a long NER batch.
        broker_session_timeout=30.0,
        broker_heartbeat_interval=3.0,
        stream_wait_empty=False,
    )
    app.gap_listener = gap_listener
    app.block_cache = rocksdict.Cache(block_cache_bytes(settings.worker_table_memory_mb))
    return app
