"""Fault (g): two Faust workers share the partitions; one is SIGKILLed and not restarted."""

from __future__ import annotations

import time

import pytest

from newsflow.infra.settings import Settings
from newsflow.schemas.topics import NORMALIZED
from tests.faults.alerts import check_alerts
from tests.faults.scenario import (
    Pipeline,
    bbc_slice,
    check_index,
    consumer_lag,
    dead_letters,
    drop,
    group_members,
    index_state,
    indexed_count,
    record_recovery,
    wait_for_index,
    wait_until,
)

pytestmark = pytest.mark.faults


def test_surviving_worker_takes_over_partitions_and_tables(sandbox: Settings, pipeline: Pipeline) -> None:
    """The survivor gets all partitions and the dead worker's table partitions: duplicates still become copies.

    The slice is dropped in two waves: everything but the duplicates' second
    files before the kill, those after it. Every first sighting is recorded in
    the ``first-sources`` table before the kill, and the slice has duplicate
    pairs in every partition of it, so some second files can only be
    recognised as copies through the partitions the dead worker held.
    """
    corpus = bbc_slice()
    seconds = corpus.files[-corpus.copies :]  # bbc_slice puts the duplicates' second files last
    firsts = corpus.files[: -corpus.copies]
    pipeline.start_worker(0)
    pipeline.start_worker(1)

    def shared() -> list[set[int]] | None:
        members = group_members(sandbox)
        return members if len(members) == 2 and all(members) else None

    before = wait_until(shared, 600, "both workers holding partitions of the dedup table")
    drop(firsts, sandbox.ingest_dir)
    pipeline.start_producer()
    wait_until(lambda: indexed_count(sandbox) >= corpus.documents // 3, 600, "a third of the documents indexed")

    def dedup_caught_up() -> bool:
        lag = consumer_lag(sandbox)
        return lag is not None and lag.get(NORMALIZED.name(sandbox.topic_prefix)) == 0

    # Dedup runs far ahead of entity extraction: by now it has recorded every first sighting.
    wait_until(dedup_caught_up, 600, "exact dedup committed every first sighting")
    pipeline.kill("worker-1")
    killed = time.monotonic()
    at_kill = index_state(sandbox)
    assert not at_kill.complete(corpus), "the kill must come before the workers caught up"
    drop(seconds, sandbox.ingest_dir)

    def taken_over() -> bool:
        return group_members(sandbox) == [set(range(sandbox.topic_partitions))]

    # The dead worker never says goodbye: the group notices when its session times out.
    wait_until(taken_over, 600, "the survivor holding every partition")
    takeover_s = time.monotonic() - killed
    recovery_s = wait_for_index(sandbox, corpus, since=killed)

    check_index(sandbox, corpus)  # includes: every second file recorded as a copy, none a document
    check_alerts(sandbox)  # every expected alert indexed exactly once
    assert taken_over(), "the survivor still holds every partition"
    assert pipeline.running("worker-0")
    assert dead_letters(sandbox) == []
    record_recovery(
        "worker_takeover", recovery_s, meaning="kill -> index complete (no restart)",
        partitions_taken_over_s=round(takeover_s, 1),
        documents=corpus.documents, copies=corpus.copies, documents_at_kill=len(at_kill.ids),
        dedup_partitions_before=[sorted(p) for p in before],
    )  # fmt: skip
