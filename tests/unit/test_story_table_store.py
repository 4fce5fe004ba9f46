"""The story stage's TableStore (processors/stages/stories.py): decoded records kept, dropped on rebalance or failure.

The tables here stand in for Faust's: values go through JSON on the way in and
out, as Faust's codec does, and every read and write is counted.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any, cast

import faust
import pytest

from newsflow.infra.settings import Settings
from newsflow.processors.metrics import WorkerMetrics
from newsflow.processors.pipeline import Pipeline
from newsflow.processors.stages import stories as stage
from newsflow.processors.stages.stories import CacheLimits, Table, TableStore, decide
from newsflow.processors.stories import (
    MemoryStore,
    StoryParameters,
    StreamIdf,
    _no_idf,
    assign,
    stream_idf,
    term_vector,
)
from newsflow.schemas.stories import StoryPosting, StoryPostings, StoryState
from tests.unit.test_stories import AUCTION, AUCTION_FOLLOW_UP, FILM, PARAMS, T0, document, made_up_word, person


class JsonTable:
    """A dict of JSON texts, like a Faust table over its codec; counts reads and writes, can fail writes."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.reads = 0
        self.writes = 0
        self.failing_writes = 0

    def get(self, key: str, default: Any = None) -> Any:
        self.reads += 1
        raw = self.data.get(key)
        return default if raw is None else json.loads(raw)

    def __setitem__(self, key: str, value: Any) -> None:
        if self.failing_writes:
            self.failing_writes -= 1
            raise RuntimeError("changelog topic unknown")
        self.writes += 1
        self.data[key] = json.dumps(value)

    def pop(self, key: str, default: Any = None) -> Any:
        self.writes += 1
        raw = self.data.pop(key, None)
        return default if raw is None else json.loads(raw)


def tables() -> dict[str, JsonTable]:
    return {name: JsonTable() for name in ("states", "postings", "assignments", "queue", "frequencies")}


def table_store(t: dict[str, JsonTable], limits: CacheLimits | None = None) -> TableStore:
    return TableStore(*(cast(Table, table) for table in t.values()), limits=limits)


def stream(n: int) -> list[Any]:
    """Articles of a few events, some repeated (replays), with entities."""
    texts = [AUCTION, FILM, AUCTION_FOLLOW_UP]
    docs = []
    for i in range(n):
        a, b = made_up_word(i % 7, 1), made_up_word(i % 5, 2)
        title, body = texts[i % 3]
        docs.append(
            document(
                f"s{i:03d}",
                (title, f"{body} {a} and {b} again {a}."),
                at=T0 + timedelta(hours=i),
                entities=[person(f"Person {a.title()}")],
            )
        )
    return [*docs, *docs[:5]]


def decisions(docs: list[Any], store: Any) -> list[tuple[str, float, int]]:
    out = []
    for doc in docs:
        decision = assign(doc, store, PARAMS, T0)
        assert decision is not None
        out.append((decision.assignment.story_id, decision.assignment.similarity, decision.story.revision))
    return out


@pytest.mark.parametrize("limits", [CacheLimits(), CacheLimits(states=2, postings=3, frequencies=5, queue=1)])
def test_the_tables_give_the_same_stories_as_memory_with_large_or_tiny_caches(limits: CacheLimits) -> None:
    docs = stream(40)
    memory = MemoryStore()
    t = tables()
    assert decisions(docs, table_store(t, limits)) == decisions(docs, memory)
    assert {k: StoryState.model_validate_json(json.loads(v)) for k, v in t["states"].data.items()} == memory.stories
    assert {k: json.loads(v) for k, v in t["frequencies"].data.items()} == memory.frequencies


def test_records_read_again_come_from_memory_and_the_limits_bound_them() -> None:
    t = tables()
    store = table_store(t, CacheLimits(states=2, postings=2, frequencies=3))
    decisions(stream(12), store)
    assert store.cached()["states"] <= 2 and store.cached()["postings"] <= 2 and store.cached()["frequencies"] <= 3
    t = tables()
    store = table_store(t)
    decisions(stream(12), store)
    reads = {name: table.reads for name, table in t.items()}
    story_id = next(iter(t["states"].data))
    assert store.story(story_id) is not None and store.frequency("en|t|auction") > 0
    assert store.story("st-none") is None and store.story("st-none") is None  # a miss is remembered too
    assert {name: table.reads for name, table in t.items()} == {**reads, "states": reads["states"] + 1}


def test_an_unchanged_record_is_not_written_again() -> None:
    t = tables()
    store = table_store(t)
    postings = StoryPostings(stories=[StoryPosting(story_id="st-1", last_seen=T0)])
    store.put_postings("en|t|yukos", postings)
    store.put_postings("en|t|yukos", StoryPostings(stories=[StoryPosting(story_id="st-1", last_seen=T0)]))
    store.put_clock(store.clock())
    assert store.queued(3) is None
    store.put_queued(3, None)  # known to be empty already
    assert t["postings"].writes == 1 and t["queue"].writes == 0


def test_forget_drops_the_records_so_a_change_made_elsewhere_is_read() -> None:
    t = tables()
    store = table_store(t)
    decisions(stream(6), store)
    story_id = next(iter(t["states"].data))
    before = store.story(story_id)
    assert before is not None
    # Another worker had the partition meanwhile; Faust restored its writes from the changelog.
    changed = before.model_copy(update={"article_count": before.article_count + 5})
    t["states"].data[story_id] = json.dumps(changed.model_dump(mode="json"))
    t["frequencies"].data["en|t|auction"] = "99"
    t["queue"].data["clock"] = json.dumps({"schema_version": 1, "head": 0, "tail": 50, "stories": 50})
    assert store.story(story_id) == before  # still the record it kept
    store.forget()
    assert store.story(story_id) == changed
    assert store.frequency("en|t|auction") == 99
    assert store.clock().stories == 50
    assert store.cached()["states"] == 1


def test_a_new_rebalance_generation_drops_the_records_and_the_same_one_keeps_them() -> None:
    t = tables()
    store = table_store(t)
    decide(document("a1", AUCTION), store, PARAMS, generation=0)
    kept = store.cached()
    decide(document("a1", AUCTION), store, PARAMS, generation=0)  # a replay, same generation
    assert store.cached()["states"] >= kept["states"] > 0
    store.forget()
    store.follow(0)
    store.story("st-x")
    store.follow(1)
    assert store.cached()["states"] == 0 and store.generation == 1


def test_a_failure_half_way_drops_the_records_and_the_retry_reads_the_tables() -> None:
    t = tables()
    store = table_store(t)
    decide(document("a1", AUCTION), store, PARAMS, generation=0)
    t["postings"].failing_writes = 1  # the article's assignment is written, then a postings write fails
    with pytest.raises(RuntimeError):
        decide(document("a2", AUCTION_FOLLOW_UP), store, PARAMS, generation=0)
    assert sum(store.cached().values()) == 0
    again = decide(document("a2", AUCTION_FOLLOW_UP), store, PARAMS, generation=0)
    assert again is not None and again.replayed  # its assignment stands, as with the tables alone


def test_the_stage_forgets_its_records_when_partitions_are_revoked_or_assigned() -> None:
    app = faust.App("newsflow-test-stories", store="memory://")
    pipeline = Pipeline(app, Settings(), WorkerMetrics())
    store = stage.register(pipeline)

    async def rebalance(signal: Any) -> None:
        assert store.story("st-x") is None  # read before the rebalance: kept (as absent)
        assert store.cached()["states"] == 1
        app.rebalancing_count += 1
        await signal.send(set())
        assert store.cached()["states"] == 0
        assert store.generation == app.rebalancing_count

    asyncio.run(rebalance(app.on_partitions_revoked))
    asyncio.run(rebalance(app.on_partitions_assigned))


def test_words_that_cannot_make_the_top_are_not_looked_up_and_the_vector_is_the_same() -> None:
    store = MemoryStore()
    docs = stream(30)
    lookups: list[str] = []
    for doc in docs:
        idf = stream_idf(store, PARAMS)
        assert isinstance(idf, StreamIdf)

        def counted(key: str, idf: Any = idf) -> float:
            lookups.append(key)
            return float(idf(key))

        for keep in (3, 10, PARAMS.article_terms):
            full = term_vector(doc.title, doc.body, doc.language, keep, counted)
            everything = len(lookups)
            lookups.clear()
            pruned = term_vector(doc.title, doc.body, doc.language, keep, counted, ceiling=idf.ceiling)
            assert pruned == full
            assert len(lookups) <= everything
            if keep == 3:
                assert len(lookups) < everything
            lookups.clear()
        assign(doc, store, PARAMS, T0)
    plain = term_vector(*AUCTION, "en", 5)
    assert term_vector(*AUCTION, "en", 5, _no_idf, ceiling=1.0) == plain


def test_a_replay_reads_no_frequencies() -> None:
    t = tables()
    store = table_store(t)
    decide(document("a1", AUCTION), store, PARAMS, generation=0)
    store.forget()
    reads = t["frequencies"].reads
    again = decide(document("a1", AUCTION), store, PARAMS, generation=0)
    assert again is not None and again.replayed
    assert t["frequencies"].reads == reads


def test_the_parameters_of_the_stream_idf_do_not_change() -> None:
    # The ceiling is the weight of a key no story has: log of the stories plus the prior.
    store = MemoryStore()
    idf = stream_idf(store, StoryParameters())
    assert isinstance(idf, StreamIdf)
    assert idf("en|t|never") == idf.ceiling


def test_records_written_as_json_objects_by_earlier_versions_are_read() -> None:
    t = tables()
    memory = MemoryStore()
    decisions(stream(6), memory)
    for story_id, state in memory.stories.items():
        t["states"].data[story_id] = json.dumps(state.model_dump(mode="json"))
    for key, postings in memory.posting_lists.items():
        t["postings"].data[key] = json.dumps(postings.model_dump(mode="json"))
    for article_id, assignment in memory.assignments.items():
        t["assignments"].data[article_id] = json.dumps(assignment.model_dump(mode="json"))
    store = table_store(t)
    assert all(store.story(k) == v for k, v in memory.stories.items())
    assert all(store.postings(k) == v for k, v in memory.posting_lists.items())
    assert all(store.assignment(k) == v for k, v in memory.assignments.items())
    first = next(iter(memory.stories))
    store.put_story(memory.stories[first])  # written anew as its JSON text, beside the old records
    assert isinstance(json.loads(t["states"].data[first]), str)
    store.forget()
    assert all(store.story(k) == v for k, v in memory.stories.items())
