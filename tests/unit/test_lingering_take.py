"""The batching stages' take: a lone record is handed on once nothing more comes, not at the window's tick."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import faust

from newsflow.processors.patches.lingering_take import lingering_take

WINDOW_S = 30.0  # the stock take would hold a lone record this long


def test_a_lone_record_is_handed_on_without_waiting_for_the_window() -> None:
    app = faust.App("newsflow-test-lingering-take", store="memory://", web_enabled=False)
    batches: list[list[Any]] = []

    @app.agent()
    async def batching(stream: faust.StreamT[Any]) -> AsyncIterator[int]:
        async for batch in lingering_take(cast(faust.Stream[Any], stream), 16, within=WINDOW_S):
            batches.append([event.value for event in batch])
            for event in batch:
                await stream.ack(event)
            yield len(batch)

    async def feed() -> None:
        async with batching.test_context() as agent:
            for value in ("first", "second"):
                # In a test context put() returns once the agent has taken the record: here, its batch.
                await asyncio.wait_for(agent.put(value), WINDOW_S / 3)

    asyncio.run(feed())
    assert batches == [["first"], ["second"]]
