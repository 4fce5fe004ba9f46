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

An article changes about 25 registry entries (a vote per name, full names
under surnames): they are written as one record of changes, folded into their
keys every 256 articles (processors/logged_table.py), so common names are
written once per fold rather than once per article.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import faust

from newsflow.processors.logged_table import LoggedTable, LogLayout, Table, table_key
from newsflow.processors.pipeline import Pipeline
from newsflow.processors.registry import input_digest, resolve_article
from newsflow.schemas.articles import ArticleDocument, Entity
from newsflow.schemas.registry import ArticleResolution, RegistryEntry
from newsflow.schemas.topics import ENTITY_REGISTRY_TABLE, ENTITY_RESOLUTIONS_TABLE, REGISTRY_STAGE, RESOLVED

STAGE = REGISTRY_STAGE


# No earlier version folded the registry into shards. 512 slots: a fold every 256 articles, spread over the
# next ones (until session 32: 256 slots, folded all at once every 256 articles).
REGISTRY_LAYOUT = LogLayout(slots=512)


class TableStore:
    """The registry's entries in a Faust table, written through a :class:`LoggedTable` (values as JSON-ready dicts,
    validated on the way out).

    The changes of an article are held until :meth:`commit`. The stage calls
    :meth:`forget` when the worker's partitions are revoked or assigned
    (another worker may have written the table; Faust restores it from its
    changelog) and when an article failed half-way (its changes are dropped).
    """

    def __init__(self, table: Table, layout: LogLayout = REGISTRY_LAYOUT) -> None:
        self._entries = LoggedTable(table, layout)
        self.generation = 0

    def get(self, key: str) -> RegistryEntry | None:
        """The entry of ``key``, if any article named it."""
        value = self._entries.get(table_key(key))
        return None if value is None else RegistryEntry.model_validate(value)

    def put(self, key: str, entry: RegistryEntry) -> None:
        """Store ``entry`` under ``key`` (written with the article's other changes by :meth:`commit`)."""
        self._entries.put(table_key(key), entry.model_dump(mode="json"))

    def commit(self) -> None:
        """Write the changes since the last commit as one record."""
        self._entries.commit()

    def forget(self, generation: int | None = None) -> None:
        """Drop what is known of the table and the changes not committed (``generation``: the rebalance it
        follows)."""
        self._entries.forget()
        if generation is not None:
            self.generation = generation

    def follow(self, generation: int) -> None:
        """Forget everything if the worker rebalanced since the table was read (``app.rebalancing_count``)."""
        if generation != self.generation:
            self.forget(generation)


def resolved_entities(entities: list[Entity], store: TableStore, generation: int) -> list[Entity]:
    """:func:`resolve_article` over the stage's table, its changes committed as one record; ``generation`` the
    worker's rebalance count. A failure half-way drops the changes not committed and what was read."""
    store.follow(generation)
    try:
        resolved = resolve_article(entities, store)
        store.commit()
        return resolved
    except BaseException:
        store.forget()
        raise


def register(pipeline: Pipeline) -> TableStore:
    """Add the registry agent and its two tables to the app; the store is returned for tests."""
    store = TableStore(pipeline.table(ENTITY_REGISTRY_TABLE, default=None))
    resolutions = pipeline.table(ENTITY_RESOLUTIONS_TABLE, default=None)
    app = pipeline.app

    pipeline.on_rebalance(store.forget)

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
            entities = resolved_entities(document.entities, store, app.rebalancing_count)
            resolution = ArticleResolution(input_digest=digest, entities=entities)
            resolutions[document.article_id] = resolution.model_dump(mode="json")
        await pipeline.send(RESOLVED, document.article_id, document.with_entities(entities))

    @pipeline.app.agent(pipeline.topic(*REGISTRY_STAGE.reads), name="resolve")
    async def resolve(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for _ in pipeline.each_message(stream, STAGE, resolve_one):
            yield None

    return store
