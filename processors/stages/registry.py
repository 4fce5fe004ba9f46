"""Stage registry: each article's entities resolved across all articles (processors/registry.py), on to the stories.

It reads ``articles.recognized``, which has one partition: one worker at a
time holds the registry, every article meets it in one order, and the
decision for an article does not depend on which worker took it. Its cost is
a dictionary lookup per entity, so one partition keeps up with all the NER
workers (docs/pipeline.md).

Two tables, changelogged like the others so they survive restarts and
rebalances: the registry (name key -> :class:`RegistryEntry`) and each
article's resolution (article_id -> :class:`ArticleResolution`). The second
makes the stage idempotent: an article read again (a redelivery, ``newsflow
replay``) gets the entities it got the first time and adds no votes twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import faust
from faust.types import TableT

from newsflow.processors.pipeline import Pipeline
from newsflow.processors.registry import input_digest, resolve_article
from newsflow.schemas.articles import ArticleDocument
from newsflow.schemas.registry import ArticleResolution, RegistryEntry
from newsflow.schemas.topics import ENTITY_REGISTRY_TABLE, ENTITY_RESOLUTIONS_TABLE, REGISTRY_STAGE, RESOLVED

STAGE = REGISTRY_STAGE


class TableStore:
    """The registry's entries in a Faust table (values as JSON-ready dicts, validated on the way out)."""

    def __init__(self, table: TableT[str, dict[str, object] | None]) -> None:
        self._table = table

    def get(self, key: str) -> RegistryEntry | None:
        """The entry of ``key``, if any article named it."""
        value = self._table.get(key)
        return None if value is None else RegistryEntry.model_validate(value)

    def put(self, key: str, entry: RegistryEntry) -> None:
        """Store ``entry`` under ``key`` (written to the changelog)."""
        self._table[key] = entry.model_dump(mode="json")


def register(pipeline: Pipeline) -> None:
    """Add the registry agent and its two tables to the app."""
    store = TableStore(pipeline.table(ENTITY_REGISTRY_TABLE, default=None))
    resolutions = pipeline.table(ENTITY_RESOLUTIONS_TABLE, default=None)

    async def resolve_one(value: bytes) -> None:
        document = await pipeline.parse_or_dead_letter(ArticleDocument, value, STAGE)
        if document is None:
            return
        digest = input_digest(document.entities)
        stored = resolutions.get(document.article_id)
        previous = None if stored is None else ArticleResolution.model_validate(stored)
        if previous is not None and previous.input_digest == digest:
            entities = previous.entities
        else:
            entities = resolve_article(document.entities, store)
            resolution = ArticleResolution(input_digest=digest, entities=entities)
            resolutions[document.article_id] = resolution.model_dump(mode="json")
        await pipeline.send(RESOLVED, document.article_id, document.with_entities(entities))

    @pipeline.app.agent(pipeline.topic(*REGISTRY_STAGE.reads), name="resolve")
    async def resolve(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for _ in pipeline.each_message(stream, STAGE, resolve_one):
            yield None
