"""Fault (b): the only Faust worker is SIGKILLed mid-stream, then restarted."""

from __future__ import annotations

import time

import pytest

from newsflow.settings import Settings
from tests.faults.scenario import (
    CorpusSlice,
    Pipeline,
    check_index,
    dead_letters,
    index_state,
    indexed_count,
    record_recovery,
    wait_for_index,
    wait_for_progress,
    wait_until,
)

pytestmark = pytest.mark.faults


def test_worker_killed_mid_stream_resumes_without_loss_or_duplicates(
    sandbox: Settings, pipeline: Pipeline, flowing_corpus: CorpusSlice
) -> None:
    """The restarted worker restores its tables, resumes from the committed offsets; replays are idempotent."""
    corpus = flowing_corpus
    wait_until(lambda: indexed_count(sandbox) >= corpus.documents // 3, 600, "a third of the documents indexed")
    pipeline.kill("worker-0")
    at_kill = index_state(sandbox)
    assert not at_kill.complete(corpus), "the kill must come before the worker caught up"

    restarted = time.monotonic()
    pipeline.start_worker()  # same id: same state folder, as `newsflow up` would restart it
    resumed_s = wait_for_progress(sandbox, since=restarted)
    recovery_s = wait_for_index(sandbox, corpus, since=restarted)

    check_index(sandbox, corpus)
    assert dead_letters(sandbox) == []
    record_recovery(
        "worker_sigkill", recovery_s, meaning="restart -> index complete", indexing_resumed_s=round(resumed_s, 1),
        documents=corpus.documents, copies=corpus.copies,
        documents_at_kill=len(at_kill.ids), copies_at_kill=at_kill.copy_total,
    )  # fmt: skip
