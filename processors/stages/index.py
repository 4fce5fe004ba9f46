"""Stage index: bulk-apply articles, copies and links to Elasticsearch; offsets advance only after the write."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import cast

import faust
from faust.types import EventT

from newsflow.processors.pipeline import Pipeline
from newsflow.processors.sink import ElasticsearchSink, SinkMessage
from newsflow.schemas.topics import INDEX_STAGE

STAGE = INDEX_STAGE


def register(pipeline: Pipeline) -> ElasticsearchSink:
    """Add the index agent to ``pipeline``'s app; returns its sink (the watchdog asks whether it is waiting)."""
    settings = pipeline.settings
    sink = ElasticsearchSink(
        settings.elasticsearch_url, settings.index_alias, settings.stories_index_alias, metrics=pipeline.metrics
    )

    async def index_batch(events: list[EventT[bytes]]) -> None:
        messages: list[SinkMessage] = []
        for event in events:
            model = cast(type[SinkMessage], pipeline.spec_of(event.message.topic).value_model)
            message = await pipeline.parse_or_dead_letter(model, event.value, STAGE)
            if message is not None:
                messages.append(message)
        try:
            failures = await asyncio.to_thread(sink.write, messages)
        except Exception as exc:
            # Elasticsearch refused the whole request (not a transient error): set the batch aside.
            for message in messages:
                await pipeline.set_aside(STAGE, exc, message.model_dump_json(by_alias=True))
            return
        for failure in failures:
            await pipeline.dead_letter(
                STAGE, failure.error, failure.reason, failure.message.model_dump_json(by_alias=True),
                **failure.where,
            )  # fmt: skip

    @pipeline.app.agent(pipeline.topic(*INDEX_STAGE.reads), name="index_documents")
    async def index_documents(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        # noack_take yields events (the sink needs each one's topic to know its model) and leaves the
        # acknowledgement to us: after the bulk write, never on the way out of a stopping worker.
        manual = cast(faust.Stream[bytes], stream)
        async for batch in manual.noack_take(settings.batch_size * 4, within=1.0):
            events = cast(list[EventT[bytes]], batch)  # noack_take yields events, whatever its annotation says
            pipeline.took(STAGE, events)
            await index_batch(events)
            for event in events:
                await manual.ack(event)
            yield None

    return sink
