"""Stage entities: named entities for a batch of new texts (spaCy's nlp.pipe), then the article's LSH bands.

The entities are what each article shows alone; the registry stage resolves them across articles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import cast

import faust

from newsflow.processors.dating import filed_date
from newsflow.processors.dedup import band_messages
from newsflow.processors.ner_process import NerProcess
from newsflow.processors.patches.lingering_take import lingering_take
from newsflow.processors.pipeline import Pipeline
from newsflow.schemas.articles import ArticleDocument, Entity, NormalizedArticle
from newsflow.schemas.topics import BANDS, ENTITIES_STAGE, RECOGNIZED

STAGE = ENTITIES_STAGE


def article_document(article: NormalizedArticle, entities: list[Entity]) -> ArticleDocument:
    """The document of ``article`` with the ``entities`` it shows alone (the registry stage resolves them)."""
    dated_at, date_note = filed_date(article.published_at, article.source.received_at)
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


def register(pipeline: Pipeline) -> None:
    """Add the enrichment agent to ``pipeline``'s app."""
    # One model per worker, in a child process started when the agent starts (not when the worker is built).
    ner = NerProcess(max_rss_mb=pipeline.settings.worker_ner_max_mb)
    partitions = BANDS.partition_count(pipeline.settings.topic_partitions)
    pipeline.metrics.watch_child("ner", lambda: ner.child_pid)

    async def enrich_batch(values: list[bytes]) -> None:
        articles: list[NormalizedArticle] = []
        for value in values:
            article = await pipeline.parse_or_dead_letter(NormalizedArticle, value, STAGE)
            if article is not None:
                articles.append(article)
        if not articles:
            return
        with pipeline.metrics.ner_timer():
            all_entities = await ner.extract([a.body for a in articles])
        for article, entities in zip(articles, all_entities, strict=True):
            document = article_document(article, entities)
            await pipeline.send(RECOGNIZED, article.article_id, document)
            pipeline.metrics.enriched(article.source.received_at, document.ingested_at)
            # One message per partition the bands' buckets live on, not one per band: 4 sends, not 32.
            for partition, bands in band_messages(article, partitions):
                await pipeline.send(BANDS, f"{article.article_id}:{partition}", bands, partition=partition)

    @pipeline.app.agent(pipeline.topic(*ENTITIES_STAGE.reads), name="enrich")
    async def enrich(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        # lingering_take acknowledges nothing: a batch is acknowledged only once its documents are sent, so a
        # worker stopped in the middle of NER (SIGTERM) reads it again; and a lone article is not held for the
        # window (patches/lingering_take.py).
        manual = cast(faust.Stream[bytes], stream)
        ner.start()
        async for events in lingering_take(manual, pipeline.settings.batch_size, within=1.0):
            pipeline.took(STAGE, events)
            values = [cast(bytes, event.value) for event in events]
            try:
                await enrich_batch(values)
            except Exception as exc:
                for value in values:
                    await pipeline.set_aside(STAGE, exc, value)
            for event in events:
                await manual.ack(event)
            yield None
