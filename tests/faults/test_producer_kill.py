"""Fault (a): the producer is SIGKILLed in the middle of the corpus, then restarted."""

from __future__ import annotations

import time

import pytest

from newsflow.infra.settings import Settings
from tests.faults.alerts import WebhookReceiver, check_alerts
from tests.faults.scenario import (
    CorpusSlice,
    Pipeline,
    check_index,
    dead_letters,
    index_state,
    pending_files,
    processed_files,
    record_recovery,
    wait_for_index,
    wait_until,
)

pytestmark = pytest.mark.faults


def test_producer_killed_mid_corpus_loses_and_repeats_nothing(
    sandbox: Settings, pipeline: Pipeline, flowing_corpus: CorpusSlice, webhook_receiver: WebhookReceiver
) -> None:
    """Files not yet moved to processed/ are sent (again) after the restart; their ids make repeats harmless."""
    corpus = flowing_corpus
    # Poll fast: the producer sends tens of files a second and must be caught early in the corpus.
    wait_until(lambda: len(processed_files(sandbox)) >= 40, 300, "40 files sent", interval_s=0.02)
    pipeline.kill("producer")
    left = len(pending_files(sandbox))
    assert left > 0, "the kill must come before the producer sent every file"

    restarted = time.monotonic()
    pipeline.start_producer()
    recovery_s = wait_for_index(sandbox, corpus, since=restarted)

    check_index(sandbox, corpus)
    alerts = check_alerts(sandbox, webhook_receiver)  # every expected alert indexed and posted exactly once
    assert not pending_files(sandbox), "every file leaves the ingest folder"
    assert len(processed_files(sandbox)) == len(corpus.files), "every file ends in processed/, none renamed twice"
    assert dead_letters(sandbox) == []
    record_recovery(
        "producer_sigkill", recovery_s, meaning="restart -> index complete", files=len(corpus.files),
        files_left_at_kill=left,
        documents=corpus.documents, copies=index_state(sandbox).copy_total,
        alerts=alerts,
    )  # fmt: skip
