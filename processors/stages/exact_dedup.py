"""Stage exact_dedup: first sightings of a text go on; exact copies become copy records on the original."""

from __future__ import annotations

from collections.abc import AsyncIterator

import faust

from newsflow.processors.dedup import ExactVerdict, exact_verdict
from newsflow.processors.pipeline import Pipeline
from newsflow.schemas.articles import CopyRecord, CopySeen, NormalizedArticle
from newsflow.schemas.topics import COPIES, EXACT_DEDUP_STAGE, FIRST_SOURCES_TABLE, UNIQUE

STAGE = EXACT_DEDUP_STAGE


def register(pipeline: Pipeline) -> None:
    """Add the exact-dedup agent and its table (article_id -> source_id of the first copy) to the app."""
    first_sources = pipeline.table(FIRST_SOURCES_TABLE, default=None)

    async def deduplicate_one(value: bytes) -> None:
        article = await pipeline.parse_or_dead_letter(NormalizedArticle, value, STAGE)
        if article is None:
            return
        verdict = exact_verdict(first_sources.get(article.article_id), article)
        if verdict is ExactVerdict.COPY:
            copy = CopyRecord(
                source_id=article.source.source_id, path=article.source.path, format=article.source.format,
                outlet=article.outlet, received_at=article.source.received_at,
            )  # fmt: skip
            await pipeline.send(COPIES, article.article_id, CopySeen(article_id=article.article_id, copy_=copy))
            return
        if verdict is ExactVerdict.NEW:
            first_sources[article.article_id] = article.source.source_id
        await pipeline.send(UNIQUE, article.article_id, article)

    @pipeline.app.agent(pipeline.topic(*EXACT_DEDUP_STAGE.reads), name="deduplicate")
    async def deduplicate(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for _ in pipeline.each_message(stream, STAGE, deduplicate_one):
            yield None
