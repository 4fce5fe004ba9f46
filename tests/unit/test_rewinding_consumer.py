"""The workers' consumer turns an offset jump into a rewind instead of an acknowledgement.

Pure logic: the consumer is built but never connected (no broker at the address).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from faust.types import TP, Message

from newsflow.processors.patches import PatchedApp
from newsflow.processors.patches.rewinding_consumer import RewindingConsumer

PARTITION = TP("p.articles.enriched", 2)


class FakeRecord:
    """The two attributes the consumer's delivery filter reads."""

    def __init__(self, offset: int) -> None:
        self.tp = PARTITION
        self.offset = offset


@pytest.fixture
def unconnected_consumer(tmp_path: Any) -> Iterator[RewindingConsumer]:
    app = PatchedApp("rewind-test", broker="kafka://127.0.0.1:1", web_enabled=False, datadir=str(tmp_path))
    consumer = app.consumer
    assert isinstance(consumer, RewindingConsumer)
    yield consumer


@pytest.fixture
def delivered(unconnected_consumer: RewindingConsumer) -> list[int]:
    """Offsets the consumer hands on to the streams (its inner callback replaced by a recorder)."""
    offsets: list[int] = []

    async def record(message: Any) -> None:
        offsets.append(message.offset)

    unconnected_consumer.callback = unconnected_consumer._deliver_unless_rewinding(record)
    return offsets


def test_a_jump_is_not_acknowledged_and_holds_back_the_partition(
    unconnected_consumer: RewindingConsumer, delivered: list[int]
) -> None:
    _earliest_offset(unconnected_consumer, 0)

    async def scenario() -> None:
        await unconnected_consumer.callback(FakeRecord(27))  # type: ignore[arg-type]
        await unconnected_consumer._add_gap(PARTITION, 28, 33)
        for offset in (33, 34):
            await unconnected_consumer.callback(FakeRecord(offset))  # type: ignore[arg-type]

    asyncio.run(scenario())
    assert delivered == [27]
    assert unconnected_consumer._rewinds == {PARTITION: 28}
    assert not unconnected_consumer._gap[PARTITION], "skipped offsets must never count as acknowledged"


def _earliest_offset(consumer: RewindingConsumer, offset: int | None) -> None:
    """Answer the consumer's one broker question (the partition's earliest offset) without a broker."""

    async def earliest_offsets(*partitions: TP) -> dict[TP, int]:
        if offset is None:
            raise ConnectionError("broker unreachable")
        return dict.fromkeys(partitions, offset)

    consumer.earliest_offsets = earliest_offsets  # type: ignore[method-assign]


def test_a_jump_over_records_removed_by_retention_is_passed_over(unconnected_consumer: RewindingConsumer) -> None:
    _earliest_offset(unconnected_consumer, 30)
    asyncio.run(unconnected_consumer._add_gap(PARTITION, 28, 33))
    assert not unconnected_consumer._rewinds, "offsets 28 and 29 cannot be read again"
    assert unconnected_consumer._gap[PARTITION].overlaps(28, 33)


def test_without_an_answer_from_the_broker_the_consumer_rewinds(unconnected_consumer: RewindingConsumer) -> None:
    _earliest_offset(unconnected_consumer, None)
    asyncio.run(unconnected_consumer._add_gap(PARTITION, 28, 33))
    assert unconnected_consumer._rewinds == {PARTITION: 28}


def test_a_revoked_partition_drops_its_pending_rewind(
    unconnected_consumer: RewindingConsumer, delivered: list[int]
) -> None:
    unconnected_consumer._rewinds[PARTITION] = 28
    unconnected_consumer._forget([PARTITION])
    asyncio.run(unconnected_consumer.callback(FakeRecord(26)))  # type: ignore[arg-type]
    assert delivered == [26]


def test_a_record_in_hand_during_a_seek_does_not_move_the_read_offset(
    unconnected_consumer: RewindingConsumer,
) -> None:
    read_offsets = unconnected_consumer._read_offset
    unconnected_consumer._in_hand = (PARTITION, 40, unconnected_consumer._seeks)
    read_offsets[PARTITION] = 40  # no seek meanwhile: Faust's fetch loop records the read
    assert read_offsets[PARTITION] == 40

    unconnected_consumer._in_hand = (PARTITION, 41, unconnected_consumer._seeks)
    read_offsets[PARTITION] = 28  # a rebalance seeks the partition back to its committed offset...
    unconnected_consumer._seeks += 1
    read_offsets[PARTITION] = 41  # ...then the fetch loop finishes with the record it held
    assert read_offsets[PARTITION] == 28, "records 28-40 must be read again, not dropped as already read"
    assert read_offsets[TP("other", 0)] is None


def test_an_acknowledgement_from_before_the_last_rebalance_is_not_recorded(
    unconnected_consumer: RewindingConsumer,
) -> None:
    app = unconnected_consumer.app
    app.consumer_generation_id = 3
    stale = Message(PARTITION.topic, PARTITION.partition, 31, 0.0, 0, None, b"k", b"v", None, generation_id=2)
    assert unconnected_consumer.ack(stale) is False
    assert stale.acked, "the stream's bookkeeping is done with it"
    assert 31 not in unconnected_consumer._acked_index[PARTITION], "the offset must not count towards a commit"
