"""The back-off shared by the sink and the percolator: what is waited for, and how long."""

from __future__ import annotations

import time

import pytest
from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import TransportError
from prometheus_client import CollectorRegistry

from newsflow.processors.es_backoff import Backoff, is_transient
from newsflow.processors.metrics import WorkerMetrics


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (EsConnectionError("N/A", "refused", None), True),
        (TransportError(429, "too_many_requests", {}), True),
        (TransportError(503, "unavailable", {}), True),
        (TransportError(400, "mapper_parsing_exception", {}), False),
        (TransportError(404, "index_not_found_exception", {}), False),
    ],
)
def test_only_no_connection_429_and_5xx_are_waited_for(error: TransportError, transient: bool) -> None:
    assert is_transient(error) is transient


def test_the_delay_doubles_up_to_its_ceiling_and_a_success_resets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    registry = CollectorRegistry()
    backoff = Backoff("bulk write", max_s=3.0, metrics=WorkerMetrics(registry))
    for _ in range(5):
        backoff.wait("unavailable", "refused")
    assert slept == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff.waiting
    assert registry.get_sample_value("newsflow_worker_sink_retries_total", {"reason": "unavailable"}) == 5
    backoff.succeeded()
    backoff.wait("items", "2 items refused for now")
    assert slept[-1] == 0.5
    backoff.succeeded()
    assert not backoff.waiting


def test_each_wait_is_logged_with_the_operation(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "sleep", lambda _: None)
    Backoff("percolation", max_s=1.0, metrics=WorkerMetrics(CollectorRegistry())).wait("percolation", "refused")
    (record,) = [r for r in caplog.records if r.name == "newsflow.es_backoff"]
    assert record.getMessage() == "Elasticsearch unavailable; retrying"
    assert record.__dict__["operation"] == "percolation"
