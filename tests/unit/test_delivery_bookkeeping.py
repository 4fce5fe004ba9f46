"""The webhook deliverer's pure logic: back-off schedule, offset-commit bookkeeping, URL scrubbing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from newsflow.delivery.bookkeeping import OffsetBook, backoff_delay, backoff_schedule
from newsflow.delivery.metrics import METRICS_PORT_VARIABLE, DeliveryMetrics, metrics_port
from newsflow.delivery.webhook import scrub
from newsflow.infra.settings import Settings
from newsflow.stack.services import DeliveryService, pipeline_services

ROOT = Path(__file__).resolve().parents[2]


def test_backoff_doubles_from_one_second_up_to_the_maximum() -> None:
    assert backoff_schedule(5, maximum_s=60.0) == [1.0, 2.0, 4.0, 8.0]
    assert backoff_schedule(8, maximum_s=10.0) == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert backoff_schedule(1, maximum_s=60.0) == []  # one attempt: no wait
    assert backoff_schedule(3, maximum_s=0.05) == [0.05, 0.05]
    assert backoff_delay(1000, maximum_s=60.0) == 60.0  # no overflow on a long series
    with pytest.raises(ValueError, match="starts at 1"):
        backoff_delay(0, maximum_s=60.0)


def test_commits_stop_at_the_lowest_alert_in_flight() -> None:
    book = OffsetBook()
    for offset in (10, 11, 12, 13):
        book.add("p0", offset)
    assert book.committable() == {"p0": 10}  # nothing finished: the first alert comes again
    book.finish("p0", 11)
    book.finish("p0", 13)
    assert book.committable() == {"p0": 10}  # 10 still in flight: finished ones after it wait
    book.finish("p0", 10)
    assert book.committable() == {"p0": 12}
    book.committed({"p0": 12})
    assert book.committable() == {}  # unchanged since the last commit: nothing to send
    book.finish("p0", 12)
    assert book.committable() == {"p0": 14}  # all done: one past the highest received
    assert book.in_flight == 0


def test_partitions_are_independent_and_revoked_ones_are_forgotten() -> None:
    book = OffsetBook()
    book.add("p0", 5)
    book.add("p1", 7)
    book.finish("p1", 7)
    assert book.committable() == {"p0": 5, "p1": 8}
    assert book.in_flight == 1
    book.forget(["p0"])
    book.finish("p0", 5)  # an alert of a revoked partition finishing late changes nothing
    assert book.committable() == {"p1": 8}
    assert book.in_flight == 0


def test_a_released_partition_is_read_again_from_its_lowest_unfinished_alert() -> None:
    book = OffsetBook()
    assert book.resume_offset("p0") is None  # nothing received: the fetch position stays
    for offset in (10, 11, 12):
        book.add("p0", offset)
    book.finish("p0", 10)
    book.finish("p0", 12)
    assert book.resume_offset("p0") == 11
    book.finish("p0", 11)
    assert book.resume_offset("p0") == 13


def test_an_offset_received_twice_stays_pending_until_finished_twice() -> None:
    book = OffsetBook()
    book.add("p0", 3)
    book.add("p0", 3)
    book.finish("p0", 3)
    assert book.committable() == {"p0": 3}
    book.finish("p0", 3)
    book.finish("p0", 3)  # once too often: ignored
    assert book.committable() == {"p0": 4}


def test_scrub_removes_credentials_and_query_from_library_messages() -> None:
    url = "https://alice:s3cret@hooks.example.org:8443/in?token=abc#frag"
    text = scrub(f"error connecting to {url} as alice with s3cret (token=abc)", url)
    assert "s3cret" not in text and "alice" not in text and "token=abc" not in text
    assert "https://***@hooks.example.org:8443/in?***#***" in text


def test_every_metric_of_the_deliverer_is_documented() -> None:
    registry = CollectorRegistry()
    DeliveryMetrics(registry)
    documented = set(re.findall(r"`(newsflow_[a-z_]+)`", (ROOT / "docs" / "metrics.md").read_text()))
    names = {metric.name for metric in registry.collect()}
    assert names
    for name in names:
        assert {f"{name}_total", name} & documented, f"{name} is exported but not in docs/metrics.md"


def test_the_metrics_port_defaults_below_the_producers_and_follows_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(METRICS_PORT_VARIABLE, raising=False)
    assert metrics_port(Settings()) == 9463
    monkeypatch.setenv(METRICS_PORT_VARIABLE, "0")
    assert metrics_port(Settings()) == 0


def test_make_up_runs_the_deliverer_with_its_metrics_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(METRICS_PORT_VARIABLE, "9470")
    settings = Settings()
    (service,) = [s for s in pipeline_services(settings) if isinstance(s, DeliveryService)]
    assert service.argv()[1:] == ["-m", "newsflow.delivery"]
    assert service.port == 9470 and service.env()[METRICS_PORT_VARIABLE] == "9470"
    monkeypatch.setenv(METRICS_PORT_VARIABLE, "0")
    assert DeliveryService(Settings()).port is None  # no endpoint: healthy while it runs, as the workers
