"""Fault (d): the Kafka broker is stopped mid-stream for about 20 s, then started again."""

from __future__ import annotations

import re
import time

import pytest

from newsflow.infra.settings import Settings
from tests.faults.alerts import check_alerts
from tests.faults.dedicated_stack import DedicatedStack
from tests.faults.scenario import (
    Pipeline,
    bbc_slice,
    check_index,
    dead_letters,
    drop,
    indexed_count,
    log_lines,
    pending_files,
    processed_files,
    record_recovery,
    wait_for_index,
    wait_for_progress,
    wait_until,
)

pytestmark = pytest.mark.faults

OUTAGE_S = 20.0
# Failed metadata refreshes per second while no broker answers. The back-off
# (processors/patches/metadata_backoff.py) allows about 1/s per client once grown; aiokafka alone did about 1300/s.
MAX_REFRESHES_PER_S = 10.0


def test_broker_outage_is_ridden_out_by_producer_and_worker(
    dedicated_stack: DedicatedStack, sandbox: Settings, pipeline: Pipeline
) -> None:
    """Neither the producer nor the worker is restarted: both reconnect by themselves and finish the corpus.

    Half the slice is dropped before the outage and half during it, so the
    producer holds files it cannot send while the worker is mid-stream.
    """
    corpus = bbc_slice()
    half = len(corpus.files) // 2
    drop(corpus.files[:half], sandbox.ingest_dir)
    pipeline.start_worker()
    pipeline.start_producer()
    wait_until(lambda: indexed_count(sandbox) >= corpus.documents // 4, 600, "a quarter of the documents indexed")

    dedicated_stack.stop("kafka")  # SIGTERM, as `make down` stops it
    drop(corpus.files[half:], sandbox.ingest_dir)
    time.sleep(OUTAGE_S)  # the fault's length, not a wait for a result
    waiting = len(pending_files(sandbox))
    assert waiting > 0, "files dropped during the outage wait in the ingest folder"
    assert pipeline.running("producer") and pipeline.running("worker-0"), "both ride out the outage"
    dedicated_stack.ensure_up()
    restarted = time.monotonic()

    resumed_s = wait_for_progress(sandbox, since=restarted)
    recovery_s = wait_for_index(sandbox, corpus, since=restarted)

    check_index(sandbox, corpus)
    check_alerts(sandbox)  # every expected alert indexed exactly once
    assert pipeline.running("producer") and pipeline.running("worker-0"), "recovered without a restart"
    assert not pending_files(sandbox)
    assert len(processed_files(sandbox)) == len(corpus.files)
    assert dead_letters(sandbox) == []
    refreshes_per_s = failed_metadata_refreshes(sandbox) / OUTAGE_S
    assert refreshes_per_s <= MAX_REFRESHES_PER_S, f"failed metadata refreshes per second: {refreshes_per_s:.1f}"
    record_recovery(
        "kafka_restart", recovery_s, meaning="broker healthy again -> index complete",
        indexing_resumed_s=round(resumed_s, 1), outage_s=OUTAGE_S, files_waiting_during_outage=waiting,
        documents=corpus.documents, copies=corpus.copies,
        worker_failed_metadata_refreshes_per_s=round(refreshes_per_s, 1),
    )  # fmt: skip


def failed_metadata_refreshes(sandbox: Settings) -> int:
    """The worker's failed metadata refreshes, from aiokafka's error line and the repeats the log held back.

    Repeats held back after the last line let through are not counted: an
    undercount of at most one 10 s window, far below aiokafka's ~1300/s without back-off.
    """
    lines = list(log_lines(sandbox.home / "worker-0.log", "Unable to update metadata"))
    held_back = sum(int(found[1]) for line in lines if (found := re.search(r"suppressed=(\d+)", line)))
    return len(lines) + held_back
