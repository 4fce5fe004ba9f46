"""The producer daemon's own metrics: files by outcome, articles published, failures, dead letters, timings.

One :class:`ProducerMetrics` per process, on the registry the daemon serves
(``NEWSFLOW_PRODUCER_METRICS_PORT``, docs/metrics.md). Code that sends files
without the daemon (``newsflow ingest``, tests) gets one on a registry of its
own that nobody reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram

if TYPE_CHECKING:  # files.py imports this module
    from newsflow.producers.files import FileReport

# Why the daemon tries a file again (DirectoryWatcher.run).
RETRY_CAUSES = ("kafka", "filesystem")
# From a small file acknowledged at once to a large one sent while Kafka is slow.
FILE_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class ProducerMetrics:
    """The metric objects of one producer process."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.files = Counter(
            "newsflow_producer_files",
            "Files handled, by outcome: processed (in Kafka, moved to processed/), rejected, vanished.",
            ["outcome"],
            registry=registry,
        )
        self.articles_published = Counter(
            "newsflow_producer_articles_published",
            "Articles acknowledged by Kafka on the raw topic.",
            registry=registry,
        )
        self.publish_failures = Counter(
            "newsflow_producer_publish_failures",
            "Files whose records Kafka did not acknowledge (the file stays in the ingest folder).",
            registry=registry,
        )
        self.retries = Counter(
            "newsflow_producer_retries",
            "Times the daemon waited and tried a file again, by cause: kafka (not acknowledged) or filesystem.",
            ["cause"],
            registry=registry,
        )
        for cause in RETRY_CAUSES:
            self.retries.labels(cause)
        self.dead_letters = Counter(
            "newsflow_producer_dead_letters",
            "Records sent to the dead-letter topic (unusable records and rejected files), by error.",
            ["error"],
            registry=registry,
        )
        self.file_seconds = Histogram(
            "newsflow_producer_file_seconds",
            "Time to handle one file: read, parse, publish with every acknowledgement, move; by outcome.",
            ["outcome"],
            buckets=FILE_SECONDS_BUCKETS,
            registry=registry,
        )

    def file_handled(self, report: FileReport, seconds: float) -> None:
        """One file done: its outcome and time, the articles published, the dead letters sent."""
        self.files.labels(report.outcome.value).inc()
        self.file_seconds.labels(report.outcome.value).observe(seconds)
        self.articles_published.inc(report.articles)
        for record_error in report.record_errors:
            self.dead_letters.labels(record_error.error).inc()
        if report.error is not None:  # a rejected file: one dead letter for the whole file
            self.dead_letters.labels(report.error).inc()

    def publish_failed(self) -> None:
        self.publish_failures.inc()

    def retry(self, cause: str) -> None:
        self.retries.labels(cause).inc()
