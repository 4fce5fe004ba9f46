"""Fault (b): the only Faust worker is SIGKILLed mid-stream, then restarted; and the same with SIGTERM.

SIGTERM is how `make down`, docker and a rolling restart stop a worker: it
stops cleanly, committing what it finished, and must not commit what it had
only begun (a NER batch, a bulk write in flight).
"""

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
    indexed_count,
    record_recovery,
    wait_for_index,
    wait_for_progress,
    wait_until,
)

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("signal_name", ["sigkill", "sigterm"])
def test_worker_stopped_mid_stream_resumes_without_loss_or_duplicates(
    sandbox: Settings,
    pipeline: Pipeline,
    flowing_corpus: CorpusSlice,
    webhook_receiver: WebhookReceiver,
    signal_name: str,
) -> None:
    """The restarted worker restores its tables, resumes from the committed offsets; replays are idempotent."""
    corpus = flowing_corpus
    wait_until(lambda: indexed_count(sandbox) >= corpus.documents // 3, 600, "a third of the documents indexed")
    if signal_name == "sigkill":
        pipeline.kill("worker-0")
    else:
        assert pipeline.terminate("worker-0") == 0, "a worker asked to stop exits cleanly"
    at_kill = index_state(sandbox)
    assert not at_kill.complete(corpus), "the kill must come before the worker caught up"

    restarted = time.monotonic()
    pipeline.start_worker()  # same id: same state folder, as `newsflow up` would restart it
    resumed_s = wait_for_progress(sandbox, since=restarted)
    recovery_s = wait_for_index(sandbox, corpus, since=restarted)

    check_index(sandbox, corpus)
    alerts = check_alerts(sandbox, webhook_receiver)  # every expected alert indexed and posted exactly once
    assert dead_letters(sandbox) == []
    record_recovery(
        f"worker_{signal_name}", recovery_s, meaning="restart -> index complete",
        indexing_resumed_s=round(resumed_s, 1),
        documents=corpus.documents, copies=corpus.copies,
        documents_at_kill=len(at_kill.ids), copies_at_kill=at_kill.copy_total,
        alerts=alerts,
    )  # fmt: skip
