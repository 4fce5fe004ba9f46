"""The registry stage's TableStore (processors/stages/registry.py): one record of changes an article, the same
entities as in memory, read back after a restart, changes of a failed article dropped."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import faust
import pytest

from newsflow.infra.settings import Settings
from newsflow.processors.logged_table import LogLayout, Table, logged_values
from newsflow.processors.metrics import WorkerMetrics
from newsflow.processors.pipeline import Pipeline
from newsflow.processors.registry import MemoryStore, resolve_article
from newsflow.processors.stages import registry as stage
from newsflow.processors.stages.registry import REGISTRY_LAYOUT, TableStore, resolved_entities
from newsflow.schemas.articles import Entity
from newsflow.schemas.registry import RegistryEntry
from tests.unit.test_entity_registry import ORG, PERSON, PLACE, entity
from tests.unit.test_story_table_store import JsonTable

TINY = LogLayout(slots=2)  # folds every other article, so that a short stream folds many times


def articles() -> list[list[Entity]]:
    """Articles naming people, surnames, places and organisations again and again, some unsure of their types."""
    people = ["Vladimir Putin", "Volodymyr Zelensky", "Olaf Scholz", "Natalia Humeniuk"]
    out = []
    for n in range(24):
        full = people[n % len(people)]
        out.append(
            [
                entity(PERSON, full),
                entity(PERSON, full.split()[-1], mentions=1, confidence=0.5),
                entity(PLACE, ["Kharkiv", "Balakliya", "Kyiv"][n % 3], confidence=1.0 if n % 2 else 0.5),
                entity(ORG, ["Reuters", "HIMARS Corp", "Balakliya"][n % 3], mentions=1, confidence=0.5),
                entity(PERSON, f"Person Number{n}"),
            ]
        )
    return out


def table_store(table: JsonTable, layout: LogLayout = REGISTRY_LAYOUT) -> TableStore:
    return TableStore(cast(Table, table), layout)


@pytest.fixture
def registry_table() -> JsonTable:
    """An empty stand-in for the ``entity-registry`` Faust table."""
    return JsonTable()


@pytest.mark.parametrize("layout", [REGISTRY_LAYOUT, TINY])
def test_the_table_gives_the_same_entities_as_memory(registry_table: JsonTable, layout: LogLayout) -> None:
    memory = MemoryStore()
    store = table_store(registry_table, layout)

    for number, found in enumerate(articles()):
        assert resolved_entities(found, store, generation=0) == resolve_article(found, memory), number

    changelog = [(key, None if text is None else json.loads(text)) for key, text in registry_table.ops]
    assert logged_values(changelog, layout) == {
        key: entry.model_dump(mode="json") for key, entry in memory.entries.items()
    }


def test_an_article_writes_one_record_of_changes(registry_table: JsonTable) -> None:
    store = table_store(registry_table)
    for found in articles()[:10]:
        before = len(registry_table.ops)
        resolved_entities(found, store, generation=0)
        written = [key for key, _ in registry_table.ops[before:]]
        # The first article's record also stores the table's slot count.
        assert written == (["~slots", "~log|0"] if before == 0 else [f"~log|{len(registry_table.ops) - 2}"])
    assert all(key.startswith("~log|") or key == "~slots" for key in registry_table.data)


def test_a_restarted_worker_reads_what_was_written_before_and_after_folds(registry_table: JsonTable) -> None:
    stream = articles()
    memory = MemoryStore()
    store = table_store(registry_table, TINY)
    for found in stream[:11]:
        resolved_entities(found, store, generation=0)
        resolve_article(found, memory)

    restarted = table_store(registry_table.replayed(len(registry_table.ops)), TINY)

    for found in stream[11:]:
        assert resolved_entities(found, restarted, generation=0) == resolve_article(found, memory)


def test_a_failure_half_way_drops_the_articles_changes(registry_table: JsonTable) -> None:
    stream = articles()
    store = table_store(registry_table)
    memory = MemoryStore()
    resolved_entities(stream[0], store, generation=0)
    resolve_article(stream[0], memory)
    registry_table.failing_writes = 1

    with pytest.raises(RuntimeError):
        resolved_entities(stream[1], store, generation=0)
    retried = resolved_entities(stream[1], store, generation=0)

    assert retried == resolve_article(stream[1], memory)  # the failed attempt added no votes


def test_a_new_rebalance_generation_reads_the_table_again(registry_table: JsonTable) -> None:
    store = table_store(registry_table)
    resolved_entities([entity(PLACE, "Kharkiv", confidence=1.0)], store, generation=0)
    # Another worker held the partition meanwhile and wrote its own view of the table.
    entry = RegistryEntry(canonical="Kharkov", votes={PLACE: 5.0}, articles=5)
    registry_table.data = {"kharkiv": json.dumps(entry.model_dump(mode="json"))}

    assert store.get("kharkiv") != entry  # same generation: the changes it knows still win
    store.follow(1)
    assert store.get("kharkiv") == entry


def test_keys_that_look_like_the_logs_own_keys_are_kept_apart(registry_table: JsonTable) -> None:
    # entity_key drops the "~" of a name; the store keeps its keys apart from the log's all the same.
    store = table_store(registry_table, TINY)
    odd = ("~folded", "~log|0", "~shard|1", "~~x")
    for articles_so_far in range(1, 6):
        for key in odd:
            store.put(key, RegistryEntry(canonical=key, articles=articles_so_far))
        store.commit()

    restarted = table_store(registry_table.replayed(len(registry_table.ops)), TINY)
    for key in odd:
        found = restarted.get(key)
        assert found is not None and (found.canonical, found.articles) == (key, 5), key


def test_entries_an_earlier_version_wrote_one_per_key_are_read(registry_table: JsonTable) -> None:
    for _ in range(3):
        registry_table["balakliya"] = RegistryEntry(canonical="Balakliya", votes={PLACE: 3.0}, articles=3).model_dump(
            mode="json"
        )
    store = table_store(registry_table)

    (town,) = resolved_entities([entity(ORG, "Balakliya", mentions=1, confidence=0.5)], store, generation=0)

    assert (town.type, town.canonical) == (PLACE, "Balakliya")


def test_the_stage_forgets_what_it_read_when_partitions_are_revoked_or_assigned() -> None:
    app = faust.App("newsflow-test-registry", store="memory://")
    store = stage.register(Pipeline(app, Settings(), WorkerMetrics()))

    async def rebalance(signal: Any) -> None:
        store.put("kharkiv", RegistryEntry(canonical="Kharkiv", articles=1))  # not committed: dropped
        app.rebalancing_count += 1
        await signal.send(set())
        assert store.get("kharkiv") is None
        assert store.generation == app.rebalancing_count

    asyncio.run(rebalance(app.on_partitions_revoked))
    asyncio.run(rebalance(app.on_partitions_assigned))
