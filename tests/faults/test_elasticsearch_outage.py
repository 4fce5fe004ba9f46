"""Fault (e): Elasticsearch is stopped mid-stream for 60 s, then started again."""

from __future__ import annotations

import time

import pytest

from newsflow.infra.settings import Settings
from tests.faults.alerts import WebhookReceiver, check_alerts
from tests.faults.dedicated_stack import DedicatedStack
from tests.faults.scenario import (
    CorpusSlice,
    Pipeline,
    check_index,
    dead_letters,
    indexed_count,
    log_lines,
    record_recovery,
    sink_lag,
    wait_for_index,
    wait_for_progress,
    wait_until,
)

pytestmark = pytest.mark.faults

OUTAGE_S = 60.0


def test_elasticsearch_outage_is_waited_out_then_the_backlog_drains(
    dedicated_stack: DedicatedStack,
    sandbox: Settings,
    pipeline: Pipeline,
    flowing_corpus: CorpusSlice,
    webhook_receiver: WebhookReceiver,
) -> None:
    """The sink backs off and retries; its consumer lag grows, then drains; nothing is dead-lettered."""
    corpus = flowing_corpus
    wait_until(lambda: indexed_count(sandbox) >= corpus.documents // 4, 600, "a quarter of the documents indexed")

    def readable_lag() -> list[int] | None:
        lag = sink_lag(sandbox)
        return None if lag is None else [lag]

    (lag_at_stop,) = wait_until(readable_lag, 60, "the sink's consumer lag")

    dedicated_stack.stop("elasticsearch")
    lags: list[int] = []
    outage_end = time.monotonic() + OUTAGE_S
    while time.monotonic() < outage_end:  # the fault's length; the lag is sampled meanwhile
        lag = sink_lag(sandbox)
        if lag is not None:
            lags.append(lag)
        time.sleep(5)
    assert pipeline.running("worker-0"), "the worker waits, it does not die"
    dedicated_stack.ensure_up()
    restarted = time.monotonic()

    resumed_s = wait_for_progress(sandbox, since=restarted)  # the sink's next retry after its backoff
    recovery_s = wait_for_index(sandbox, corpus, since=restarted)
    wait_until(lambda: sink_lag(sandbox) == 0, 300, "the sink's consumer lag back to 0", interval_s=2)

    check_index(sandbox, corpus)
    alerts = check_alerts(sandbox, webhook_receiver)  # every expected alert indexed and posted exactly once
    assert max(lags) > lag_at_stop, f"the sink's lag grows while Elasticsearch is down: {lag_at_stop} -> {lags}"
    retries = list(log_lines(sandbox.home / "worker-0.log", "Elasticsearch unavailable", "retrying"))
    assert retries, "the sink logs its backoff"
    assert dead_letters(sandbox) == [], "an unavailable Elasticsearch is waited for, not a reason to dead-letter"
    assert pipeline.running("worker-0")
    record_recovery(
        "elasticsearch_outage", recovery_s, meaning="Elasticsearch healthy again -> index complete",
        indexing_resumed_s=round(resumed_s, 1), outage_s=OUTAGE_S, sink_lag_at_stop=lag_at_stop,
        sink_lag_peak=max(lags), sink_retries_logged=len(retries),
        documents=corpus.documents, copies=corpus.copies,
        alerts=alerts,
    )  # fmt: skip
