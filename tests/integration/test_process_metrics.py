"""The producer daemon and a worker, run for real on a sandbox, count what they did on their own /metrics."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from newsflow.infra.settings import Settings
from newsflow.schemas.topics import ALL_TOPICS, BANDS, ENRICHED, NORMALIZED, RAW, RECOGNIZED, RESOLVED, UNIQUE
from newsflow.stack.sandbox import start_producer, start_worker, stop_process
from tests.integration.corpus import OTHER, REUTERS
from tests.integration.index_queries import articles, wait_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples | None:
    """Every sample of the exposition at ``url`` by (name, labels); None while nothing answers."""
    try:
        response = httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@dataclass(frozen=True)
class Running:
    settings: Settings
    producer_url: str
    worker_url: str


@pytest.fixture
def running(isolated_settings: Settings) -> Iterator[Running]:
    """The producer daemon and worker 0 on the sandbox, each serving its metrics on a free port."""
    ports = {_free_port(), _free_port()}
    while len(ports) < 2:
        ports.add(_free_port())
    producer_port, worker_port = sorted(ports)
    settings = isolated_settings.model_copy(
        update={"settle_seconds": 0.2, "producer_metrics_port": producer_port, "worker_metrics_port": worker_port}
    )
    settings.ingest_dir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(start_worker(settings, worker_id=0))
        processes.append(start_producer(settings))
        urls = Running(
            settings,
            f"http://127.0.0.1:{settings.producer_metrics_port}/metrics",
            f"http://127.0.0.1:{settings.worker_metrics_port}/metrics",  # worker 0: the port + 0
        )
        for url in (urls.producer_url, urls.worker_url):
            wait_for(partial(scrape, url), timeout_s=60, what=f"metrics at {url}")
        yield urls
    finally:
        for process in processes:
            stop_process(process)


def test_producer_and_worker_count_two_sample_files_through_every_stage(running: Running) -> None:
    settings = running.settings
    for sample in (REUTERS, OTHER):
        shutil.copy(sample, settings.ingest_dir / sample.name)
    wait_for(lambda: len(articles(settings)) == 2, what="both samples indexed")
    topic = {spec.suffix: spec.name(settings.topic_prefix) for spec in ALL_TOPICS}

    producer = scrape(running.producer_url)
    assert producer is not None
    assert value(producer, "newsflow_producer_files_total", outcome="processed") == 2
    assert value(producer, "newsflow_producer_files_total", outcome="rejected") == 0
    assert value(producer, "newsflow_producer_articles_published_total") == 2
    assert value(producer, "newsflow_producer_file_seconds_count", outcome="processed") == 2
    assert value(producer, "newsflow_producer_publish_failures_total") == 0
    assert value(producer, "process_resident_memory_bytes") > 0

    def worker_caught_up() -> Samples | None:
        # The index stage counts a batch when it takes it; the documents are searchable a moment after.
        samples = scrape(running.worker_url)
        indexed = value(samples or {}, "newsflow_worker_sink_write_seconds_count")
        return samples if indexed >= 1 else None

    worker = wait_for(worker_caught_up, timeout_s=30, what="the worker's sink write")
    flow = [
        ("normalize", RAW, NORMALIZED),
        ("exact_dedup", NORMALIZED, UNIQUE),
        ("entities", UNIQUE, RECOGNIZED),
        ("registry", RECOGNIZED, RESOLVED),
        ("stories", RESOLVED, ENRICHED),
        ("near_duplicates", BANDS, None),
    ]
    for stage, read, written in flow:
        assert value(worker, "newsflow_worker_records_in_total", stage=stage, topic=topic[read.suffix]) >= 2, stage
        if written is not None:
            out = value(worker, "newsflow_worker_records_out_total", stage=stage, topic=topic[written.suffix])
            assert out >= 2, stage
    # An article's 32 LSH bands go in one message per partition of their buckets (so at least one an article);
    # the two samples are not near-duplicates, so no link is written.
    assert value(worker, "newsflow_worker_records_out_total", stage="entities", topic=topic["articles.bands"]) >= 2
    assert value(worker, "newsflow_worker_records_in_total", stage="index", topic=topic["articles.enriched"]) >= 2
    assert value(worker, "newsflow_worker_records_out_total", stage="stories", topic=topic["stories"]) >= 2
    assert value(worker, "newsflow_worker_batch_size_count", stage="entities") >= 1
    assert value(worker, "newsflow_worker_batch_size_count", stage="index") >= 1
    assert value(worker, "newsflow_worker_ner_seconds_count") >= 1
    assert value(worker, "newsflow_worker_enriched_latency_seconds_count") >= 2
    assert not [key for key in worker if key[0] == "newsflow_worker_dead_letters_total"]
    assert value(worker, "process_resident_memory_bytes") > 0
