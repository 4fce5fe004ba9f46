"""Stage entities: named entities for a batch of new texts (spaCy's nlp.pipe), then the article's LSH bands.

The entities are what each article shows alone; the registry stage resolves them across articles.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import faust
from faust.types import EventT

from newsflow.processors.dating import filed_date
from newsflow.processors.dedup import band_messages
from newsflow.processors.ner_process import NerProcess
from newsflow.processors.patches.lingering_take import lingering_take
from newsflow.processors.pipeline import Pipeline
from newsflow.schemas.articles import ArticleDocument, Entity, NormalizedArticle
from newsflow.schemas.topics import BANDS, ENTITIES_STAGE, RECOGNIZED

STAGE = ENTITIES_STAGE
BATCHES_IN_FLIGHT = 2


def article_document(article: NormalizedArticle, entities: list[Entity]) -> ArticleDocument:
    """The document of ``article`` with the ``entities`` it shows alone (the registry stage resolves them)."""
    dated_at, date_note = filed_date(
        article.published_at, article.source.received_at, f"{article.title}\n{article.body}"
    )
    return ArticleDocument(
        article_id=article.article_id,
        title=article.title,
        body=article.body,
        outlet=article.outlet,
        url=article.url,
        published_at=article.published_at,
        ingested_at=datetime.now(UTC),
        dated_at=dated_at,
        date_note=date_note,
        language=article.language,
        word_count=article.word_count,
        source=article.source,
        dedup_group=article.article_id,
    ).with_entities(entities)


@dataclass
class _Batch:
    """A batch taken from the stream: its events, its articles, and their entities being computed in the child."""

    events: list[EventT[bytes]]
    articles: list[NormalizedArticle]
    entities: asyncio.Task[list[list[Entity]]] | None  # None when no record of the batch was an article


def register(pipeline: Pipeline) -> None:
    """Add the enrichment agent to ``pipeline``'s app."""
    # One model per worker, in a child process started when the agent starts (not when the worker is built).
    ner = NerProcess(max_rss_mb=pipeline.settings.worker_ner_max_mb, on_batch=pipeline.metrics.ner_batch)
    partitions = BANDS.partition_count(pipeline.settings.topic_partitions)
    pipeline.metrics.watch_child("ner", lambda: ner.child_pid)

    async def start_batch(events: list[EventT[bytes]]) -> _Batch:
        """Parse the batch (dead-lettering what is not an article) and hand its bodies to the child."""
        articles: list[NormalizedArticle] = []
        for event in events:
            article = await pipeline.parse_or_dead_letter(NormalizedArticle, cast(bytes, event.value), STAGE)
            if article is not None:
                articles.append(article)
        if not articles:
            return _Batch(events, articles, None)
        return _Batch(events, articles, asyncio.create_task(ner.extract([a.body for a in articles])))

    async def send_documents(batch: _Batch) -> None:
        if batch.entities is None:
            return
        all_entities = await batch.entities
        for article, entities in zip(batch.articles, all_entities, strict=True):
            document = article_document(article, entities)
            await pipeline.send(RECOGNIZED, article.article_id, document)
            pipeline.metrics.enriched(article.source.received_at, document.ingested_at)
            # One message per partition the bands' buckets live on, not one per band: 4 sends, not 32.
            for partition, bands in band_messages(article, partitions):
                await pipeline.send(BANDS, f"{article.article_id}:{partition}", bands, partition=partition)

    async def finish_batches(
        stream: faust.Stream[bytes], batches: asyncio.Queue[_Batch], free: asyncio.Semaphore
    ) -> None:
        """Send each batch's documents and acknowledge its records, batch after batch in the order taken."""
        while True:
            batch = await batches.get()
            try:
                await send_documents(batch)
            except Exception as exc:
                for event in batch.events:
                    await pipeline.set_aside(STAGE, exc, event.value)
            for event in batch.events:
                await stream.ack(event)
            free.release()

    @pipeline.app.agent(pipeline.topic(*ENTITIES_STAGE.reads), name="enrich")
    async def enrich(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        # lingering_take acknowledges nothing: a batch is acknowledged only once its documents are sent, so a
        # worker stopped in the middle of NER (SIGTERM) reads it again; and a lone article is not held for the
        # window (patches/lingering_take.py).
        manual = cast(faust.Stream[bytes], stream)
        ner.start()
        # Two batches in flight: the child computes the next batch's entities while this loop sends the
        # previous one's documents, so the model does not wait for the event loop between batches.
        free = asyncio.Semaphore(BATCHES_IN_FLIGHT)
        batches: asyncio.Queue[_Batch] = asyncio.Queue()
        finisher = asyncio.create_task(finish_batches(manual, batches, free))
        try:
            async for events in lingering_take(manual, pipeline.settings.batch_size, within=1.0):
                pipeline.took(STAGE, events)
                await unless_failed(free.acquire(), finisher)
                batches.put_nowait(await start_batch(events))
                yield None
        finally:
            finisher.cancel()
            while not batches.empty():
                if (pending := batches.get_nowait().entities) is not None:
                    pending.cancel()
            with suppress(asyncio.CancelledError):
                await finisher


async def unless_failed(step: Awaitable[object], background: asyncio.Task[None]) -> None:
    """Await ``step``; if ``background`` ends first (it only ends by failing), raise its error instead."""
    waiting = asyncio.ensure_future(step)
    await asyncio.wait({waiting, background}, return_when=asyncio.FIRST_COMPLETED)
    if not waiting.done():
        waiting.cancel()
        background.result()
        raise RuntimeError("the entities stage's sender stopped")
