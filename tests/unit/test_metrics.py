"""The producer's and workers' own metrics: the endpoint, what each process counts, and where they are served.

Pure logic: the endpoint is real (HTTP on a free port, scraped with httpx);
Kafka and Elasticsearch are replaced by small stand-ins where a test needs an answer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from faust.types import TP
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families

from newsflow.api.monitoring import PipelineMonitor
from newsflow.infra.metrics import MetricsServerError, process_registry, serve_metrics
from newsflow.infra.settings import Settings
from newsflow.processors.metrics import WorkerMetrics
from newsflow.processors.patches import PatchedApp
from newsflow.processors.patches.rewinding_consumer import RewindingConsumer
from newsflow.processors.sink import ElasticsearchSink, SinkIndices
from newsflow.producers.files import FileIngestor, Outcome
from newsflow.producers.metrics import ProducerMetrics
from newsflow.producers.publisher import OutgoingRecord, Publisher, PublishError
from newsflow.schemas.articles import CopyRecord, CopySeen, SourceFormat
from newsflow.schemas.topics import STAGES
from newsflow.stack.services import ProducerService, WorkerService
from tests.unit.test_deployment import COMPOSE, merged_compose

METRICS_DOC = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text()


def _family_names(registry: CollectorRegistry) -> set[str]:
    return {family.name for family in registry.collect()}


# --- infra/metrics.py: the endpoint ------------------------------------------------------------------------


def test_a_process_serves_its_registry_and_its_memory_and_cpu_over_http(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="newsflow.metrics")
    registry = process_registry()
    Counter("newsflow_test_things", "Things.", registry=registry).inc(3)
    server = serve_metrics(registry, "127.0.0.1", 0, process="test", setting="NEWSFLOW_TEST_PORT")
    try:
        response = httpx.get(server.url, timeout=5)
    finally:
        server.close()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {s.name: s.value for f in text_string_to_metric_families(response.text) for s in f.samples}
    assert samples["newsflow_test_things_total"] == 3
    assert samples["process_resident_memory_bytes"] > 0
    assert "process_cpu_seconds_total" in samples
    assert "python_info" in samples
    assert "serving metrics" in caplog.text and server.url in str([r.__dict__ for r in caplog.records])


def test_a_taken_port_is_a_clear_error_naming_the_variable() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(MetricsServerError) as raised:
            serve_metrics(process_registry(), "127.0.0.1", port, process="newsflow worker 1", setting="NEWSFLOW_X")
    message = str(raised.value)
    assert f"newsflow worker 1: cannot serve metrics on 127.0.0.1:{port}" in message
    assert "already taken" in message
    assert "NEWSFLOW_X=0" in message


def test_an_address_not_on_this_host_is_a_clear_error() -> None:
    with pytest.raises(MetricsServerError, match="NEWSFLOW_METRICS_HOST"):
        serve_metrics(process_registry(), "192.0.2.1", 0, process="test", setting="NEWSFLOW_X")  # TEST-NET-1


# --- settings and the local stack ---------------------------------------------------------------------------


def test_each_worker_has_its_own_port_and_zero_turns_metrics_off() -> None:
    settings = Settings(workers=3)
    assert (settings.producer_metrics_port, settings.local_worker_metrics_ports) == (9464, [9465, 9466, 9467])
    assert settings.metrics_host == "127.0.0.1"
    off = Settings(workers=3, producer_metrics_port=0, worker_metrics_port=0)
    assert off.local_worker_metrics_ports == [] and off.worker_metrics_port_of(2) is None


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"workers": 3, "producer_metrics_port": 9467}, "NEWSFLOW_PRODUCER_METRICS_PORT=9467"),
        ({"api_port": 9464}, "NEWSFLOW_API_PORT=9464"),
        ({"workers": 2, "api_port": 9466}, "NEWSFLOW_API_PORT=9466"),
    ],
)
def test_overlapping_ports_are_refused(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        Settings(**changes)


def test_the_stack_gives_each_worker_its_port_and_probes_it() -> None:
    settings = Settings(workers=2, worker_metrics_port=19465, producer_metrics_port=19464)
    worker = WorkerService(settings, 1)
    assert (worker.host, worker.port, worker.port_setting) == ("127.0.0.1", 19466, "NEWSFLOW_WORKER_METRICS_PORT")
    env = worker.env()
    assert env["NEWSFLOW_WORKER_ID"] == "1" and env["NEWSFLOW_WORKER_METRICS_PORT"] == "19465"
    producer = ProducerService(settings)
    assert producer.port == 19464 and producer.env()["NEWSFLOW_PRODUCER_METRICS_PORT"] == "19464"
    assert not worker.health().healthy, "nothing serves 19466: a stopped worker is not healthy"
    server = serve_metrics(process_registry(), "127.0.0.1", 0, process="test", setting="X")
    try:
        running = WorkerService(settings.model_copy(update={"worker_metrics_port": server.port}), 0)
        assert running.health().healthy
        assert f"metrics on :{server.port}" in running.health().detail
    finally:
        server.close()


def test_without_metrics_the_stack_has_no_port_to_probe() -> None:
    settings = Settings(producer_metrics_port=0, worker_metrics_port=0)
    assert ProducerService(settings).port is None and WorkerService(settings, 0).port is None
    assert WorkerService(settings, 0).health().healthy  # as before: `status` says "not running" without a pid


def test_compose_serves_the_metrics_on_the_network_and_publishes_only_the_producers() -> None:
    for compose in (COMPOSE, merged_compose()):
        producer, worker = compose["services"]["producer"], compose["services"]["worker"]
        for service, variable in (
            (producer, "NEWSFLOW_PRODUCER_METRICS_PORT"),
            (worker, "NEWSFLOW_WORKER_METRICS_PORT"),
        ):
            env = service["environment"]
            assert env["NEWSFLOW_METRICS_HOST"] == "0.0.0.0"
            assert [str(port) for port in service["expose"]] == [env[variable]]
            assert env[variable] in service["healthcheck"]["test"][-1]
        assert producer["ports"] == ["127.0.0.1:9464:9464"]
        assert "ports" not in worker, "replicas would compete for one host port"


# --- what the producer counts -------------------------------------------------------------------------------


class _AcknowledgingPublisher:
    """Stands in for Kafka: every record acknowledged, or none (``failing``)."""

    def __init__(self, failing: bool = False) -> None:
        self.failing = failing

    def send_all(self, records: Iterable[OutgoingRecord], timeout_s: float = 120.0) -> int:
        if self.failing:
            raise PublishError("Kafka did not acknowledge a record: test")
        return len(list(records))


def test_the_producer_counts_files_by_outcome_articles_dead_letters_and_failures(tmp_path: Path) -> None:
    settings = Settings(ingest_dir=tmp_path, max_file_bytes=10_000)
    registry = CollectorRegistry()
    metrics = ProducerMetrics(registry)
    publisher = _AcknowledgingPublisher()
    ingestor = FileIngestor(settings, cast(Publisher, publisher), move_files=True, metrics=metrics)
    good = tmp_path / "report.ndjson"
    good.write_text('{"title": "A", "body": "Words of an article."}\n{"title": 1}\n{"title": "B", "body": "More."}\n')
    big = tmp_path / "big.txt"
    big.write_text("x" * 20_000)
    assert ingestor.ingest(good).outcome is Outcome.PROCESSED
    assert ingestor.ingest(big).outcome is Outcome.REJECTED
    assert ingestor.ingest(tmp_path / "gone.txt").outcome is Outcome.VANISHED
    late = tmp_path / "late.txt"
    late.write_text("Title\n\nBody of the article.")
    publisher.failing = True
    with pytest.raises(PublishError):
        ingestor.ingest(late)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("newsflow_producer_files_total", outcome="processed") == 1
    assert value("newsflow_producer_files_total", outcome="rejected") == 1
    assert value("newsflow_producer_files_total", outcome="vanished") == 1
    assert value("newsflow_producer_articles_published_total") == 2
    assert value("newsflow_producer_publish_failures_total") == 1
    assert _dead_letters(registry) == {"MissingBody": 1, "FileTooLarge": 1}  # the bad record, the rejected file
    assert value("newsflow_producer_file_seconds_count", outcome="processed") == 1
    assert value("newsflow_producer_retries_total", cause="kafka") == 0  # exported before the first retry
    metrics.retry("kafka")
    assert value("newsflow_producer_retries_total", cause="kafka") == 1


def _dead_letters(registry: CollectorRegistry) -> dict[str, float]:
    return {
        sample.labels["error"]: sample.value
        for family in registry.collect()
        if family.name == "newsflow_producer_dead_letters"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


# --- what a worker counts -----------------------------------------------------------------------------------


def test_a_worker_exports_every_stage_and_topic_from_zero() -> None:
    registry = CollectorRegistry()
    WorkerMetrics(registry, topic_prefix="p")
    for stage in STAGES:
        for direction, topics in (("in", stage.reads), ("out", stage.writes)):
            for topic in topics:
                labels = {"stage": stage.name, "topic": topic.name("p")}
                assert registry.get_sample_value(f"newsflow_worker_records_{direction}_total", labels) == 0, labels
    assert registry.get_sample_value("newsflow_worker_sink_retries_total", {"reason": "unavailable"}) == 0


def test_a_worker_times_and_counts() -> None:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    metrics.received("normalize", "p.articles.raw", 2)
    metrics.sent("normalize", "p.articles.normalized")
    metrics.batch("entities", 5)
    metrics.ner_batch(0.01)
    received = datetime(2026, 1, 1, 12, 0, 0)  # naive: read as UTC
    metrics.enriched(received, received.replace(tzinfo=UTC) + timedelta(seconds=3))
    metrics.dead_letter("exact_dedup", "InvalidMessage")
    metrics.offset_gap("rewound", "p.articles.unique")
    metrics.offset_gap("gone", "p.articles.raw")
    sample = registry.get_sample_value
    assert sample("newsflow_worker_records_in_total", {"stage": "normalize", "topic": "p.articles.raw"}) == 2
    assert sample("newsflow_worker_records_out_total", {"stage": "normalize", "topic": "p.articles.normalized"}) == 1
    assert sample("newsflow_worker_batch_size_sum", {"stage": "entities"}) == 5
    assert cast(float, sample("newsflow_worker_ner_seconds_sum")) >= 0.01
    assert sample("newsflow_worker_enriched_latency_seconds_sum") == 3
    assert sample("newsflow_worker_enriched_latency_seconds_bucket", {"le": "2.5"}) == 0
    assert sample("newsflow_worker_enriched_latency_seconds_bucket", {"le": "5.0"}) == 1
    assert sample("newsflow_worker_dead_letters_total", {"stage": "exact_dedup", "error": "InvalidMessage"}) == 1
    assert sample("newsflow_worker_rewinds_total", {"topic": "p.articles.unique"}) == 1
    assert sample("newsflow_worker_retention_gaps_total", {"topic": "p.articles.raw"}) == 1


def test_a_worker_reports_its_tables_child_and_interpreter_memory() -> None:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    child: list[int | None] = [None]
    metrics.watch_child("ner", lambda: child[0])
    sample = registry.get_sample_value
    assert sample("newsflow_worker_child_rss_bytes", {"process": "ner"}) == 0  # before the child starts

    child[0] = os.getpid()  # a process that surely has an RSS: this one
    metrics.sample_memory({("lsh-buckets", "memtables"): 4096, ("lsh-buckets", "block_cache"): 128})

    assert sample("newsflow_worker_table_memory_bytes", {"table": "lsh-buckets", "part": "memtables"}) == 4096
    assert sample("newsflow_worker_table_memory_bytes", {"table": "lsh-buckets", "part": "block_cache"}) == 128
    assert cast(float, sample("newsflow_worker_child_rss_bytes", {"process": "ner"})) > 10 * 1024 * 1024
    assert cast(float, sample("newsflow_worker_python_allocated_blocks")) > 1000

    child[0] = 2**22 + 7  # above any pid_max: a child that has exited
    metrics.sample_memory({})
    assert sample("newsflow_worker_child_rss_bytes", {"process": "ner"}) == 0


class _BusyElasticsearch:
    """Stands in for Elasticsearch's bulk API: 429 on every item of the first request, then success."""

    def __init__(self) -> None:
        self.requests = 0

    def bulk(self, body: list[dict[str, Any]], refresh: str | None = None) -> dict[str, Any]:
        self.requests += 1
        status = 429 if self.requests == 1 else 200
        return {"items": [{"update": {"status": status}} for _ in body[::2]]}


def test_the_sink_counts_its_retries_and_times_its_writes() -> None:
    registry = CollectorRegistry()
    sink = ElasticsearchSink(
        "http://127.0.0.1:1", SinkIndices("unused", "unused-stories", "unused-alerts"), metrics=WorkerMetrics(registry)
    )
    sink._es = cast(Any, _BusyElasticsearch())
    copy = CopyRecord(
        source_id="s1", path="a.txt", format=SourceFormat.TEXT, outlet=None, received_at=datetime.now(UTC)
    )
    assert sink.write([CopySeen(article_id="a" * 32, copy_=copy)]) == []
    assert registry.get_sample_value("newsflow_worker_sink_retries_total", {"reason": "items"}) == 1
    assert registry.get_sample_value("newsflow_worker_sink_retries_total", {"reason": "unavailable"}) == 0
    assert registry.get_sample_value("newsflow_worker_sink_write_seconds_count") == 1
    assert cast(float, registry.get_sample_value("newsflow_worker_sink_write_seconds_sum")) >= 0.5  # one back-off


@pytest.fixture
def listening_consumer(tmp_path: Path) -> Iterator[tuple[RewindingConsumer, list[tuple[str, TP]]]]:
    """An unconnected rewinding consumer whose app has a gap listener, and what the listener heard."""
    heard: list[tuple[str, TP]] = []
    app = PatchedApp("gap-test", broker="kafka://127.0.0.1:1", web_enabled=False, datadir=str(tmp_path))
    app.gap_listener = lambda outcome, tp: heard.append((outcome, tp))
    consumer = app.consumer
    assert isinstance(consumer, RewindingConsumer)
    yield consumer, heard


def _earliest(consumer: RewindingConsumer, offset: int) -> None:
    async def earliest_offsets(*partitions: TP) -> dict[TP, int]:
        return dict.fromkeys(partitions, offset)

    consumer.earliest_offsets = earliest_offsets  # type: ignore[method-assign]


def test_the_consumer_tells_its_listener_of_rewinds_and_records_gone(
    listening_consumer: tuple[RewindingConsumer, list[tuple[str, TP]]],
) -> None:
    consumer, heard = listening_consumer
    tp = TP("p.articles.unique", 1)
    _earliest(consumer, 0)
    asyncio.run(consumer._add_gap(tp, 28, 33))
    consumer._forget([tp])
    _earliest(consumer, 30)
    asyncio.run(consumer._add_gap(tp, 28, 33))
    assert heard == [("rewound", tp), ("gone", tp)]


def test_a_failing_listener_does_not_disturb_the_consumer(
    listening_consumer: tuple[RewindingConsumer, list[tuple[str, TP]]],
) -> None:
    consumer, _ = listening_consumer

    def broken(outcome: str, tp: TP) -> None:
        raise RuntimeError("broken listener")

    cast(PatchedApp, consumer.app).gap_listener = broken
    _earliest(consumer, 0)
    tp = TP("p.articles.unique", 1)
    asyncio.run(consumer._add_gap(tp, 28, 33))
    assert consumer._rewinds == {tp: 28}


# --- the API's processing time, and the docs -----------------------------------------------------------------


def test_the_apis_processing_time_is_a_gauge_per_percentile_not_a_summary_quantile() -> None:
    monitor = PipelineMonitor(Settings(topic_prefix="t"), cache_s=3600)
    quantiles = {50.0: 1.5, 90.0: 2.0, 99.0: 4.25}
    index = {"indexed": 3, "near_duplicates": 0, "copies": 0, "recent": 3, "quantiles": quantiles}
    monitor._cached = (time.monotonic(), {"kafka": None, "index": index})
    text = monitor.exposition()[0].decode()
    (family,) = [f for f in text_string_to_metric_families(text) if f.name == "newsflow_processing_seconds"]
    assert family.type == "gauge"
    assert {s.labels["percentile"]: s.value for s in family.samples} == {"50": 1.5, "90": 2.0, "99": 4.25}
    assert "quantile" not in text


def test_every_metric_of_the_producer_and_workers_is_documented() -> None:
    registry = CollectorRegistry()
    ProducerMetrics(registry)
    WorkerMetrics(registry)
    documented = set(re.findall(r"`(newsflow_[a-z_]+)`", METRICS_DOC))
    for name in _family_names(registry):
        exposed = {f"{name}_total", name}  # a counter is exposed with _total, a histogram under its name
        assert exposed & documented, f"{name} is exported but not in docs/metrics.md"
    for variable in ("NEWSFLOW_PRODUCER_METRICS_PORT", "NEWSFLOW_WORKER_METRICS_PORT", "NEWSFLOW_METRICS_HOST"):
        assert variable in METRICS_DOC
