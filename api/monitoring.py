"""Pipeline figures read from where they are durable: Kafka offsets and the index.

Counting from topic offsets and the index (rather than counters inside each
process) gives the same answer whichever replica is scraped, however many
producers and workers run, and across restarts. Counters are end offsets, so
records re-sent after a crash or replayed are counted again: they measure
work done, not distinct articles (``newsflow_indexed_articles`` is that).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from elasticsearch import Elasticsearch
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from newsflow.infra.health import Health, kafka_health
from newsflow.infra.kafka_offsets import group_positions
from newsflow.infra.settings import Settings
from newsflow.schemas.topics import (
    ALL_TOPICS,
    COPIES,
    DEADLETTER,
    FILES,
    LINKS,
    PROCESSED_TOPICS,
    RAW,
    processors_group,
)

log = logging.getLogger("newsflow.monitoring")

# Processing time is measured over the articles indexed in this recent window.
PROCESSING_WINDOW = "15m"
_PERCENTILES = (50.0, 90.0, 99.0)


class PipelineMonitor:
    """Reads offsets, consumer lag and index figures; serves them as Prometheus metrics."""

    def __init__(self, settings: Settings, cache_s: float = 2.0) -> None:
        self.settings = settings
        self.group = processors_group(settings.topic_prefix)
        self.topics = [spec.name(settings.topic_prefix) for spec in ALL_TOPICS]
        self.processed = {spec.name(settings.topic_prefix) for spec in PROCESSED_TOPICS}
        self._cache_s = cache_s
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None
        self.registry = CollectorRegistry()
        self.registry.register(_PipelineCollector(self))

    def kafka_health(self) -> Health:
        return kafka_health(self.settings.kafka_bootstrap_servers)

    def _kafka_figures(self) -> dict[str, Any]:
        """End offsets per topic and lag per topic of the processors' consumer group."""
        positions = group_positions(
            self.settings.kafka_bootstrap_servers, self.group, self.topics, client_id="newsflow-monitor"
        )
        end_by_topic: dict[str, int] = {}
        lag_by_topic: dict[str, int] = {}
        for (topic, _), position in positions.items():
            end_by_topic[topic] = end_by_topic.get(topic, 0) + position.end
            if topic in self.processed:
                lag_by_topic[topic] = lag_by_topic.get(topic, 0) + position.lag
        return {"end": end_by_topic, "lag": lag_by_topic}

    def _index_figures(self) -> dict[str, Any]:
        es = Elasticsearch(self.settings.elasticsearch_url, timeout=5, max_retries=0)
        body = {
            "size": 0,
            "track_total_hits": True,
            "query": {"exists": {"field": "title"}},
            "aggs": {
                "near_duplicates": {"filter": {"exists": {"field": "near_duplicate_of"}}},
                "copies": {"sum": {"field": "copy_count"}},
                "recent": {
                    "filter": {"range": {"ingested_at": {"gte": f"now-{PROCESSING_WINDOW}"}}},
                    "aggs": {
                        "seconds": {
                            "percentiles": {
                                "percents": list(_PERCENTILES),
                                "script": {
                                    "lang": "painless",
                                    "source": "(doc['ingested_at'].value.toInstant().toEpochMilli()"
                                    " - doc['source.received_at'].value.toInstant().toEpochMilli()) / 1000.0",
                                },
                            }
                        }
                    },
                },
            },
        }
        response = es.search(index=self.settings.index_alias, body=body)
        aggs = response["aggregations"]
        return {
            "indexed": response["hits"]["total"]["value"],
            "near_duplicates": aggs["near_duplicates"]["doc_count"],
            "copies": int(aggs["copies"]["value"] or 0),
            "recent": aggs["recent"]["doc_count"],
            "quantiles": {float(k): v for k, v in aggs["recent"]["seconds"]["values"].items() if v is not None},
        }

    def figures(self) -> dict[str, Any]:
        """Kafka and index figures (each ``None`` when unreachable), cached briefly against scrape storms."""
        with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < self._cache_s:
                return self._cached[1]
            figures: dict[str, Any] = {"kafka": None, "index": None}
            if self.kafka_health().healthy:
                try:
                    figures["kafka"] = self._kafka_figures()
                except Exception as exc:  # a failed scrape reports kafka_up 0; the reason is logged
                    log.warning("reading Kafka offsets failed", extra={"error": repr(exc)})
            try:
                figures["index"] = self._index_figures()
            except Exception as exc:  # likewise elasticsearch_up 0
                log.warning("reading index figures failed", extra={"error": repr(exc)})
            self._cached = (time.monotonic(), figures)
            return figures

    def total_lag(self) -> int | None:
        """Messages the processors have yet to read, over all topics (None when Kafka is unreachable)."""
        kafka = self.figures()["kafka"]
        return sum(kafka["lag"].values()) if kafka else None

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text exposition and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _PipelineCollector(Collector):
    def __init__(self, monitor: PipelineMonitor) -> None:
        self.monitor = monitor

    def collect(self) -> Iterator[Metric]:
        figures = self.monitor.figures()
        prefix = self.monitor.settings.topic_prefix
        kafka, index = figures["kafka"], figures["index"]
        yield GaugeMetricFamily("newsflow_kafka_up", "1 when Kafka answered this scrape.", value=kafka is not None)
        yield GaugeMetricFamily(
            "newsflow_elasticsearch_up", "1 when Elasticsearch answered this scrape.", value=index is not None
        )
        if kafka is not None:
            end = kafka["end"]
            counters = [
                ("newsflow_files_seen", "Files handled by the producers (receipts on the files topic).", FILES),
                ("newsflow_articles_produced", "Articles published to the raw topic.", RAW),
                ("newsflow_exact_duplicates", "Exact copies recognised (copies topic).", COPIES),
                ("newsflow_near_duplicates", "Near-duplicate links found (links topic).", LINKS),
                ("newsflow_rejected", "Records set aside on the dead-letter topic, all stages.", DEADLETTER),
            ]
            for name, doc, spec in counters:
                yield CounterMetricFamily(name, doc, value=end.get(spec.name(prefix), 0))
            messages = CounterMetricFamily(
                "newsflow_topic_messages", "Messages written to each pipeline topic.", labels=["topic"]
            )
            lag = GaugeMetricFamily(
                "newsflow_consumer_lag", "Messages the stream processors have yet to read.", labels=["topic"]
            )
            for topic, value in sorted(end.items()):
                messages.add_metric([topic], value)
            for topic, value in sorted(kafka["lag"].items()):
                lag.add_metric([topic], value)
            yield messages
            yield lag
        if index is not None:
            yield GaugeMetricFamily(
                "newsflow_indexed_articles", "Searchable articles in the index.", value=index["indexed"]
            )
            yield GaugeMetricFamily(
                "newsflow_indexed_near_duplicates",
                "Indexed articles linked to an original.",
                value=index["near_duplicates"],
            )
            yield GaugeMetricFamily(
                "newsflow_indexed_copies", "Exact copies recorded on indexed articles.", value=index["copies"]
            )
            # Percentiles computed by Elasticsearch over a recent window, hence gauges: a Prometheus summary's
            # `quantile` series belong with a cumulative count and sum, which a window does not have. The
            # cumulative distribution is the workers' histogram newsflow_worker_enriched_latency_seconds.
            seconds = GaugeMetricFamily(
                "newsflow_processing_seconds",
                "Time from the producer reading a file to its article being enriched: percentiles over the "
                f"articles enriched in the last {PROCESSING_WINDOW}.",
                labels=["percentile"],
            )
            for percent, value in sorted(index["quantiles"].items()):
                seconds.add_metric([f"{percent:g}"], value)
            yield seconds
            yield GaugeMetricFamily(
                "newsflow_processed_recently",
                f"Articles enriched in the last {PROCESSING_WINDOW}.",
                value=index["recent"],
            )
