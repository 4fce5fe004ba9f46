"""Patch: batches that are handed on as soon as no more records are coming, not at the window's next tick.

Why: faust-streaming 0.15.3's ``Stream.noack_take(max_, within)`` yields a
batch when it is full or when a timer of ``within`` seconds fires, a timer
that runs whether records are waiting or not. A lone article in an idle
pipeline therefore waits up to ``within`` (1 s) in each batching stage (NER
and the index stage): most of the time from a dropped file to a searchable
article (issue 13, freshness). No upstream issue: Faust has no linger option.

:func:`lingering_take` yields the buffer when it is full, when no record has
arrived for ``linger`` seconds, or ``within`` seconds after its first record,
whichever is first. Under load records keep arriving, so the batches still
fill (NER keeps its batch efficiency); an idle pipeline hands a record on after
``linger``. Like ``noack_take``, it yields events and acknowledges nothing:
the stages acknowledge a batch after its work (docs/faults.md). Unlike it, a
stopping stream does not hand on its last partial batch: those records were
not acknowledged and are read again after the restart.

It drives the same private parts of ``faust.Stream`` as ``noack_take``
(``add_processor``, ``_enable_passive``, ``_processors``, ``current_event``,
``enable_acks``) and falls under the version guard (versions.py). Fails
without it: tests/integration/test_lingering_take.py (a lone record waits for
the window instead of the linger).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import faust
from faust.types import EventT
from mode.utils.futures import notify

LINGER_S = 0.05


class _Buffer:
    """The records taken so far, filled by a processor of the stream (as in ``noack_take``)."""

    def __init__(self, stream: faust.Stream[Any], max_: int) -> None:
        self.stream = stream
        self.max_ = max_
        self.events: list[EventT[Any]] = []
        self.full = asyncio.Event()
        self.consumed = asyncio.Event()
        # Set while the consumer of the generator holds a batch: records arriving meanwhile wait for it.
        self.consuming: asyncio.Future[None] | None = None

    async def add(self, value: Any) -> Any:
        """The stream's processor: buffer the record's event; when the buffer is full, wait until it is taken."""
        if self.consuming is not None:
            try:
                await self.consuming
            finally:
                self.consuming = None
        event = self.stream.current_event
        if event is None:
            raise RuntimeError("lingering_take: a record without its event")
        self.events.append(event)
        if len(self.events) >= self.max_:
            self.full.set()
            self.consumed.clear()
            await self.stream.wait(self.consumed)  # type: ignore[arg-type]  # mode accepts any awaitable .wait()
        return value

    def taken(self) -> None:
        """The consumer is done with the batch: empty the buffer and let the waiting records in."""
        self.events.clear()
        if self.consuming is not None:
            notify(self.consuming)
        self.full.clear()
        self.consumed.set()


async def lingering_take(
    stream: faust.Stream[Any], max_: int, within: float, linger: float = LINGER_S
) -> AsyncIterator[list[EventT[Any]]]:
    """Events of ``stream`` in batches of at most ``max_``: full, quiet for ``linger`` s, or ``within`` s old."""
    buffer = _Buffer(stream, max_)
    acks_before = stream.enable_acks
    stream.enable_acks = False  # the stages acknowledge, after their work
    stream.add_processor(buffer.add)
    stream._enable_passive(aiter(stream.channel))  # type: ignore[arg-type]  # as noack_take does
    loop = asyncio.get_running_loop()
    try:
        first_at: float | None = None
        while not stream.should_stop:
            before = len(buffer.events)
            await stream.wait_for_stopped(buffer.full, timeout=linger)  # type: ignore[arg-type]
            if stream.should_stop or not buffer.events:
                continue
            now = loop.time()
            if first_at is None:
                first_at = now
            quiet = len(buffer.events) == before
            if not (buffer.full.is_set() or quiet or now - first_at >= within):
                continue
            buffer.consuming = loop.create_future()
            try:
                yield list(buffer.events)
            finally:
                first_at = None
                buffer.taken()
    finally:
        stream.enable_acks = acks_before
        stream._processors.remove(buffer.add)
