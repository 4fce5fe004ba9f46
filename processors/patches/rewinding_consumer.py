"""Patch: the workers' Kafka consumer re-reads skipped records instead of committing past them.

Works around faust-streaming/faust#606 ("Wrong offset commit in case of gaps",
open) and the prefetch races after a rebalance of faust-streaming/faust#221.
Overrides private parts of faust-streaming 0.15.3's aiokafka driver
(``Consumer._add_gap``, ``_read_offset``, ``_new_consumer_thread``,
``_unacked_messages``, ``getmany``, ``seek``, ``perform_seek``, ``ack``).
Fails without it: tests/integration/test_rewinding_consumer.py (a worker whose
fetch position jumps commits past records it never processed) and the
fault scenario tests/faults/test_worker_takeover.py (documents lost);
tests/unit/test_rewinding_consumer.py pins each override.

faust-streaming treats a jump in a partition's offsets (a "gap") as records
already done, and commits past it. That is right for compacted or
transactional topics, where offsets really are missing, but the pipeline's
topics are neither: a jump there means Faust's fetcher dropped records it had
fetched (around a rebalance it leaves a fetched batch early when the flow
stops, the generation changes or a partition is paused, without seeking back).
Committing past them lost documents in the fault suite (docs/faults.md,
"a worker takeover can lose documents").

This consumer turns such a jump into a rewind: the record after the jump and
those behind it are not handed to the streams, and before the next fetch the
partition is sought back to the first skipped offset. A jump over records no
longer in the topic (removed by retention while the workers were behind:
the partition's earliest offset is past them) is accepted and logged as an
error, since they cannot be read again. Either outcome is also told to the
app's optional ``gap_listener`` (:class:`GapListener`; the worker counts them).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Literal

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

from newsflow.processors.patches.metadata_backoff import BackoffConsumerThread

log = logging.getLogger("newsflow.processors.consumer")

GapOutcome = Literal["rewound", "gone"]
# Told of each jump the consumer handles: "rewound" (the records are read again) or "gone" (passed over).
GapListener = Callable[[GapOutcome, TP], None]


class _ReadOffsets(defaultdict[TP, int | None]):
    """Faust's last offset read per partition, which keeps a seek's position against a record already in hand.

    Faust's fetch loop records a record's offset as read after handing it to the
    streams. If the partition was sought meanwhile (a rebalance seeks every
    partition to its committed offset), that write would move the read offset
    past the records the seek is about to return, and Faust would drop them as
    already read: never processed, never acknowledged, the partition's commits
    stuck behind them.
    """

    def __init__(self, consumer: RewindingConsumer) -> None:
        super().__init__(lambda: None)
        self._consumer = consumer

    def __setitem__(self, tp: TP, offset: int | None) -> None:
        if not self._consumer._handed_out_before_a_seek(tp, offset):
            super().__setitem__(tp, offset)


class RewindingConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer that re-reads skipped records instead of acknowledging them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # tp -> first offset not handed to the streams; applied before the next fetch.
        self._rewinds: dict[TP, int] = {}
        self.callback = self._deliver_unless_rewinding(self.callback)
        # Bumped by every seek; the record handed to the fetch loop last, with the count at that moment.
        self._seeks = 0
        self._in_hand: tuple[TP, int, int] | None = None
        self._read_offset = _ReadOffsets(self)

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return BackoffConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def _handed_out_before_a_seek(self, tp: TP, offset: int | None) -> bool:
        return self._in_hand is not None and self._in_hand[:2] == (tp, offset) and self._in_hand[2] != self._seeks

    def _deliver_unless_rewinding(
        self, deliver: Callable[[Message], Awaitable[None]]
    ) -> Callable[[Message], Awaitable[None]]:
        async def on_message(message: Message) -> None:
            # Records of a partition waiting for its rewind come again after it.
            if message.tp not in self._rewinds:
                await deliver(message)

        return on_message

    def ack(self, message: Message) -> bool:
        """Acknowledge as Faust does, except a record fetched before the last rebalance.

        Faust's streams acknowledge records they skip because they belong to
        an older generation, and records still queued when their partition was
        revoked. After every rebalance each partition is read again from its
        committed offset, so such an acknowledgement says nothing about the
        records now being read: recorded, it could let a commit pass over them.
        """
        if message.generation_id != self.app.consumer_generation_id:
            message.acked = True
            self._unacked_messages.discard(message)
            return False
        return super().ack(message)

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        """Called by Faust's fetch loop when ``offset_to`` arrives after ``offset_from - 1``."""
        if tp in self._rewinds:
            return
        where = {"topic": tp.topic, "partition": tp.partition, "first": offset_from, "next": offset_to}
        generation = self.app.consumer_generation_id
        try:
            earliest = (await self.earliest_offsets(tp)).get(tp, 0)
        except Exception as exc:  # Kafka unreachable: rewinding is the safe choice, the records may exist
            log.warning("could not read the partition's earliest offset", extra={**where, "error": repr(exc)})
            earliest = 0
        if self.app.consumer_generation_id != generation:
            return  # a rebalance came meanwhile: its seek to the committed offsets re-reads the partition
        if offset_from < earliest:
            log.error("records gone from the topic (retention) were never processed; passing over them", extra=where)
            await super()._add_gap(tp, offset_from, offset_to)
            self._report_gap("gone", tp)
            return
        log.warning("records skipped by the fetcher; rewinding to read them", extra=where)
        self._rewinds[tp] = offset_from
        self._report_gap("rewound", tp)

    def _report_gap(self, outcome: GapOutcome, tp: TP) -> None:
        """Tell the app's ``gap_listener``, if it has one; a failing listener never disturbs the consumer."""
        listener: GapListener | None = getattr(self.app, "gap_listener", None)
        if listener is None:
            return
        try:
            listener(outcome, tp)
        except Exception as exc:
            log.warning("the gap listener failed", extra={"outcome": outcome, "error": repr(exc)})

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        """Apply pending rewinds, then fetch as Faust does."""
        await self._apply_rewinds()
        async for tp, message in super().getmany(timeout):
            self._in_hand = (tp, message.offset, self._seeks)
            yield tp, message

    async def _apply_rewinds(self) -> None:
        if not self._rewinds:
            return
        assigned = self.assignment()
        for tp, offset in list(self._rewinds.items()):
            del self._rewinds[tp]
            if tp in assigned:
                await self.seek(tp, offset)

    async def seek(self, partition: TP, offset: int) -> None:
        """Seek as Faust does; the record in hand, if any, no longer moves the read offset."""
        await super().seek(partition, offset)
        self._seeks += 1

    async def perform_seek(self) -> None:
        """Seeking to the committed offsets supersedes any pending rewind."""
        self._rewinds.clear()
        await super().perform_seek()
        self._seeks += 1

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        """A revoked partition's next owner reads it from the committed offset."""
        self._forget(revoked)
        self._seeks += 1
        await super().on_partitions_revoked(revoked)

    def _forget(self, tps: Iterable[TP]) -> None:
        for tp in tps:
            self._rewinds.pop(tp, None)
