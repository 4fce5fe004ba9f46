"""A worker's own metrics: records in and out of each stage, batch sizes, NER and sink timings, failures.

One :class:`WorkerMetrics` per worker process, on the registry it serves
(``NEWSFLOW_WORKER_METRICS_PORT`` + worker id, docs/metrics.md), handed to
the :class:`~newsflow.processors.pipeline.Pipeline`, the stages and the sink.
Stages are labelled with their names in schemas/topics.py ``STAGES``
(``normalize``, ``exact_dedup``, ``entities``, ``near_duplicates``, ``index``),
topics with their full names (``<prefix>.articles.raw``), as the API labels them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from newsflow.processors.process_memory import rss_bytes
from newsflow.schemas.topics import STAGES

# Records per batch: the entities stage takes up to NEWSFLOW_BATCH_SIZE (64), the index stage 4 times as many.
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
# One spaCy batch: milliseconds for a short article, tens of seconds for a full batch on a busy machine.
NER_SECONDS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# One bulk write, retries included: long when Elasticsearch is away.
SINK_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
# The file's arrival at the producer to its article's enrichment: seconds normally, longer with a backlog.
LATENCY_SECONDS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
# Why the sink writes a batch again: the request failed (connection, 429, 5xx), or some items got 429/5xx.
SINK_RETRY_REASONS = ("unavailable", "items")


class WorkerMetrics:
    """The metric objects of one worker process; by default on a registry of its own that nobody reads.

    Given the ``topic_prefix``, the records of every stage and topic of the graph are counted from 0.
    """

    def __init__(self, registry: CollectorRegistry | None = None, *, topic_prefix: str | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.records_in = Counter(
            "newsflow_worker_records_in",
            "Records a stage took from a topic.",
            ["stage", "topic"],
            registry=registry,
        )
        self.records_out = Counter(
            "newsflow_worker_records_out",
            "Records a stage sent to a topic (dead letters not included).",
            ["stage", "topic"],
            registry=registry,
        )
        self.batch_size = Histogram(
            "newsflow_worker_batch_size",
            "Records per batch of the batching stages (entities, index).",
            ["stage"],
            buckets=BATCH_SIZE_BUCKETS,
            registry=registry,
        )
        self.ner_seconds = Histogram(
            "newsflow_worker_ner_seconds",
            "Time spaCy took to recognise the entities of one batch (the model's loading not included).",
            buckets=NER_SECONDS_BUCKETS,
            registry=registry,
        )
        self.enriched_latency_seconds = Histogram(
            "newsflow_worker_enriched_latency_seconds",
            "Time from the producer receiving an article's file to the article being enriched "
            "(replayed articles count from their first arrival).",
            buckets=LATENCY_SECONDS_BUCKETS,
            registry=registry,
        )
        self.sink_write_seconds = Histogram(
            "newsflow_worker_sink_write_seconds",
            "Time to apply one batch to Elasticsearch, retries included.",
            buckets=SINK_SECONDS_BUCKETS,
            registry=registry,
        )
        self.sink_retries = Counter(
            "newsflow_worker_sink_retries",
            "Bulk writes tried again, by reason: unavailable (connection error, 429, 5xx) or items (some got 429/5xx).",
            ["reason"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "newsflow_worker_dead_letters",
            "Records a stage set aside on the dead-letter topic, by error.",
            ["stage", "error"],
            registry=registry,
        )
        self.rewinds = Counter(
            "newsflow_worker_rewinds",
            "Times the consumer found records skipped by its fetcher and rewound the partition to read them.",
            ["topic"],
            registry=registry,
        )
        self.retention_gaps = Counter(
            "newsflow_worker_retention_gaps",
            "Times the consumer passed over records removed by retention before they were processed (lost).",
            ["topic"],
            registry=registry,
        )
        self._gaps = {"rewound": self.rewinds, "gone": self.retention_gaps}
        # Memory by part (the process's own RSS is process_resident_memory_bytes): what grows when the RSS does.
        self.table_memory_bytes = Gauge(
            "newsflow_worker_table_memory_bytes",
            "Memory of a table's RocksDB databases by part: memtables (write buffers), table_readers (index and "
            "filter blocks), block_cache (data blocks read).",
            ["table", "part"],
            registry=registry,
        )
        self.child_rss_bytes = Gauge(
            "newsflow_worker_child_rss_bytes",
            "Resident memory of a child process of the worker (ner: the spaCy model's process); 0 when not running.",
            ["process"],
            registry=registry,
        )
        self.python_allocated_blocks = Gauge(
            "newsflow_worker_python_allocated_blocks",
            "Memory blocks the worker's Python interpreter holds (sys.getallocatedblocks): grows with its objects.",
            registry=registry,
        )
        self._children: dict[str, Callable[[], int | None]] = {}
        # Series that exist from the start, at 0, so that rates and alerts see their first increment.
        if topic_prefix is not None:
            for stage in STAGES:
                for topic in stage.reads:
                    self.records_in.labels(stage.name, topic.name(topic_prefix))
                for topic in stage.writes:
                    self.records_out.labels(stage.name, topic.name(topic_prefix))
        for reason in SINK_RETRY_REASONS:
            self.sink_retries.labels(reason)

    def received(self, stage: str, topic: str, count: int = 1) -> None:
        self.records_in.labels(stage, topic).inc(count)

    def sent(self, stage: str, topic: str) -> None:
        self.records_out.labels(stage, topic).inc()

    def batch(self, stage: str, size: int) -> None:
        self.batch_size.labels(stage).observe(size)

    def ner_batch(self, seconds: float) -> None:
        """One spaCy batch took ``seconds`` in the NER child."""
        self.ner_seconds.observe(seconds)

    def enriched(self, received_at: datetime, enriched_at: datetime) -> None:
        """One article enriched ``enriched_at``, its file received ``received_at`` (naive times are UTC)."""
        received, enriched = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (received_at, enriched_at))
        self.enriched_latency_seconds.observe(max(0.0, (enriched - received).total_seconds()))

    def sink_timer(self) -> AbstractContextManager[None]:
        """Times one sink write (``with metrics.sink_timer(): ...``)."""
        timer: AbstractContextManager[None] = self.sink_write_seconds.time()
        return timer

    def sink_retry(self, reason: str) -> None:
        self.sink_retries.labels(reason).inc()

    def dead_letter(self, stage: str, error: str) -> None:
        self.dead_letters.labels(stage, error).inc()

    def watch_child(self, name: str, pid: Callable[[], int | None]) -> None:
        """Report the RSS of a child process as ``process=name`` at each :meth:`sample_memory` (``pid``: its id now)."""
        self._children[name] = pid
        self.child_rss_bytes.labels(name).set(0)

    def sample_memory(self, tables: Mapping[tuple[str, str], int]) -> None:
        """Set the memory gauges: ``tables`` as patches/table_stores.py ``rocksdb_memory`` gives them, the
        children's RSS, the interpreter's blocks (called by the worker's timer, not at each scrape: reading the
        tables' databases belongs on the event loop that opens and closes them)."""
        for (table, part), size in tables.items():
            self.table_memory_bytes.labels(table, part).set(size)
        for name, pid in self._children.items():
            self.child_rss_bytes.labels(name).set(rss_bytes(pid()))
        self.python_allocated_blocks.set(sys.getallocatedblocks())

    def offset_gap(self, outcome: str, topic: str) -> None:
        """The rewinding consumer's report of a jump in a partition's offsets (``rewound`` or ``gone``)."""
        self._gaps[outcome].labels(topic).inc()
