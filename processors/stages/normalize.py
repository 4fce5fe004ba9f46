"""Stage normalize: raw article -> clean text, language, fingerprints; re-keyed by article_id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import faust

from newsflow.processors.normalize import normalize
from newsflow.processors.pipeline import Pipeline
from newsflow.schemas.articles import RawArticle
from newsflow.schemas.topics import NORMALIZE_STAGE, NORMALIZED

STAGE = NORMALIZE_STAGE


def register(pipeline: Pipeline) -> None:
    """Add the normalize agent to ``pipeline``'s app."""

    async def normalize_one(value: bytes) -> None:
        raw = await pipeline.parse_or_dead_letter(RawArticle, value, STAGE)
        if raw is None:
            return
        article = normalize(raw)
        if not article.body:
            await pipeline.dead_letter(
                STAGE, "EmptyArticle", "no text left after cleaning", value,
                path=raw.source.path, record_index=raw.source.record_index,
            )  # fmt: skip
            return
        await pipeline.send(NORMALIZED, article.article_id, article)

    @pipeline.app.agent(pipeline.topic(*NORMALIZE_STAGE.reads), name="normalize_articles")
    async def normalize_articles(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for _ in pipeline.each_message(stream, STAGE, normalize_one):
            yield None
