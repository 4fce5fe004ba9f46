"""The story stage's TableStore (processors/stages/stories.py): decoded records kept, dropped on rebalance or failure.

The tables here stand in for Faust's: values go through JSON on the way in and
out, as Faust's codec does, and every read and write is counted.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import faust
import pytest

from newsflow.infra.settings import Settings
from newsflow.processors.logged_table import LogLayout, Table
from newsflow.processors.metrics import WorkerMetrics
from newsflow.processors.pipeline import Pipeline
from newsflow.processors.stages import stories as stage
from newsflow.processors.stages.stories import CacheLimits, TableStore, decide
from newsflow.processors.stories import (
    MemoryStore,
    Posting,
    SharedPostings,
    StoryParameters,
    StreamIdf,
    _no_idf,
    assign,
    postings_record,
    stream_idf,
    term_vector,
)
from newsflow.schemas.stories import StoryState
from tests.unit.test_stories import AUCTION, AUCTION_FOLLOW_UP, FILM, PARAMS, T0, document, made_up_word, person


class JsonTable:
    """A dict of JSON texts, like a Faust table over its codec; counts reads and writes, can fail writes."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.reads = 0
        self.writes = 0
        self.failing_writes = 0
        self.ops: list[tuple[str, str | None]] = []  # every write in order: (key, JSON text or None when removed)

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
        self.ops.append((key, self.data[key]))

    def pop(self, key: str, default: Any = None) -> Any:
        raw = self.data.pop(key, None)
        if raw is not None:  # as Faust's table: removing a key it does not have writes nothing
            self.writes += 1
            self.ops.append((key, None))
        return default if raw is None else json.loads(raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def replayed(self, writes: int) -> JsonTable:
        """The table as restored from a changelog that kept only its first ``writes`` writes."""
        table = JsonTable()
        for key, raw in self.ops[:writes]:
            if raw is None:
                table.data.pop(key, None)
            else:
                table.data[key] = raw
        return table


def tables() -> dict[str, JsonTable]:
    return {name: JsonTable() for name in ("states", "postings", "assignments", "queue", "frequencies")}


# Few slots, so that a short stream folds its changes into their keys many times (tables of an earlier version too).
TINY = (
    LogLayout(shards=3, slots=2, earlier_slots=2),
    LogLayout(shards=2, slots=3, earlier_slots=3),
    LogLayout(shards=4, slots=2, earlier_slots=2),
)


def table_store(
    t: dict[str, JsonTable], limits: CacheLimits | None = None, layouts: tuple[LogLayout, ...] | None = None
) -> TableStore:
    tables = (cast(Table, table) for table in t.values())
    if layouts is None:
        return TableStore(*tables, limits=limits)
    postings, queue, frequencies = layouts
    return TableStore(*tables, limits=limits, layouts=(postings, queue, frequencies))


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


def staged_decisions(docs: list[Any], store: TableStore) -> list[tuple[str, float, int]]:
    """:func:`decisions` as the stage makes them (through :func:`decide`, which writes each article's changes)."""
    out = []
    for doc in docs:
        decision = decide(doc, store, PARAMS, generation=0)
        assert decision is not None
        out.append((decision.assignment.story_id, decision.assignment.similarity, decision.story.revision))
    return out


def assert_reads_as(store: TableStore, memory: MemoryStore, removed: set[str]) -> None:
    """``store`` holds what ``memory`` holds (and nothing under the ``removed`` postings keys)."""
    assert all(store.story(k) == v for k, v in memory.stories.items())
    assert all(store.frequency(k) == v for k, v in memory.frequencies.items())
    assert all(store.postings(k) == v for k, v in memory.posting_lists.items())
    assert all(store.postings(k) == () for k in removed - set(memory.posting_lists))
    assert all(store.queued(k) == v for k, v in memory.queue.items())
    assert all(store.place(k) == v for k, v in memory.places.items())
    assert store.clock() == memory.clock()


@pytest.mark.parametrize("layouts", [None, TINY])
@pytest.mark.parametrize("limits", [CacheLimits(), CacheLimits(state_keys=2, postings=3, frequencies=5, queue=1)])
def test_the_tables_give_the_same_stories_as_memory_with_large_or_tiny_caches(
    limits: CacheLimits, layouts: tuple[LogLayout, ...] | None
) -> None:
    docs = stream(40)
    memory = MemoryStore()
    t = tables()
    posted: set[str] = set()
    memory_decisions = []
    for doc in docs:
        memory_decisions += decisions([doc], memory)
        posted |= set(memory.posting_lists)
    assert staged_decisions(docs, table_store(t, limits, layouts)) == memory_decisions
    assert {k: StoryState.model_validate_json(json.loads(v)) for k, v in t["states"].data.items()} == memory.stories
    # What a worker taking the partition over reads from the tables alone:
    assert_reads_as(table_store(t, layouts=layouts), memory, removed=posted)


def test_an_article_writes_one_record_of_changes_to_each_logged_table() -> None:
    t = tables()
    store = table_store(t)
    decide(document("a1", AUCTION), store, PARAMS, generation=0)
    writes = {name: table.writes for name, table in t.items()}
    decide(document("a2", AUCTION_FOLLOW_UP), store, PARAMS, generation=0)  # joins a1's story: ~60 keys change
    assert {name: table.writes - writes[name] for name, table in t.items()} == {
        "states": 1, "postings": 1, "assignments": 1, "queue": 1, "frequencies": 1,
    }  # fmt: skip
    assert len(json.loads(json.loads(t["frequencies"].data["~log|1"]))["changes"]) > 10


@pytest.mark.parametrize("table", ["frequencies", "postings", "queue"])
def test_a_changelog_cut_after_any_write_reads_as_the_articles_whose_records_it_kept(table: str) -> None:
    """A worker killed after any write (a fold cut half-way included): the next one reads whole articles' changes."""
    t = tables()
    staged_decisions(stream(30), table_store(t, layouts=TINY))
    logged = t[table]
    expected: dict[str, Any] = {}  # the values after the records seen so far, one article's changes each
    assert sum(key == "~folded" for key, _ in logged.ops) > 3  # the changes were folded, many times
    for cut in range(len(logged.ops) + 1):
        if cut and logged.ops[cut - 1][0].startswith("~log|"):
            raw = logged.ops[cut - 1][1]
            assert raw is not None
            expected.update(json.loads(json.loads(raw))["changes"])
        restored = {**t, table: logged.replayed(cut)}
        store = table_store(restored, layouts=TINY)
        for key, value in expected.items():
            got: Any
            if table == "frequencies":
                got = store.frequency(key)
            elif table == "postings":
                postings = store.postings(key)
                got = postings_record(postings).model_dump_json() if postings else None
            elif key == "clock":
                got = store.clock().model_dump(mode="json")
            elif key.startswith("at|"):
                got = store.place(key.removeprefix("at|"))
            else:
                got = store.queued(int(key))
            assert got == value, (cut, key)


def test_records_read_again_come_from_memory_and_the_limits_bound_them() -> None:
    t = tables()
    store = table_store(t, CacheLimits(state_keys=2, postings=2, frequencies=3))
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
    store.put_postings("en|t|yukos", (Posting("st-1", T0),))
    store.put_postings("en|t|yukos", (Posting("st-1", T0),))
    store.put_clock(store.clock())
    assert store.queued(3) is None
    store.put_queued(3, None)  # known to be empty already
    store.flush()
    assert [key for key, _ in t["postings"].ops] == ["~slots", "~log|0"]  # the slot count, with the first record
    assert t["queue"].writes == 0


def test_forget_drops_the_records_so_a_change_made_elsewhere_is_read() -> None:
    t = tables()
    store = table_store(t, layouts=TINY)
    docs = stream(12)
    staged_decisions(docs[:6], store)
    assignment = store.assignment(docs[0].article_id)
    assert assignment is not None
    story_id = assignment.story_id
    before = store.story(story_id)
    frequencies = {key: store.frequency(key) for key in ("en|t|auction", "en|t|aviator", "en|e|person:person-lqvaxxa")}
    clock = store.clock()
    # Another worker had the partition meanwhile (its writes are in the tables, as Faust restores them).
    other = table_store(t, layouts=TINY)
    staged_decisions(docs[6:], other)
    assert other.story(story_id) != before and other.clock() != clock
    assert store.story(story_id) == before and store.clock() == clock  # still the records it kept
    assert {key: store.frequency(key) for key in frequencies} == frequencies
    store.forget()
    assert store.story(story_id) == other.story(story_id)
    assert {key: store.frequency(key) for key in frequencies} == {key: other.frequency(key) for key in frequencies}
    assert {key: store.frequency(key) for key in frequencies} != frequencies
    assert store.clock() == other.clock()
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
        t["postings"].data[key] = json.dumps(postings_record(postings).model_dump(mode="json"))
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


def test_tables_an_earlier_version_wrote_one_value_per_key_are_read_and_carried_on() -> None:
    """Frequencies, postings, queue entries and the clock one per key, as before change records: read, then replaced."""
    docs = stream(30)
    memory = MemoryStore()
    decisions(docs[:10], memory)
    t = tables()
    for story_id, state in memory.stories.items():  # the place was kept in the record
        record = state.model_copy(update={"sequence": memory.places.get(story_id, state.sequence)})
        t["states"].data[story_id] = json.dumps(record.model_dump_json())
        memory.stories[story_id] = record  # the same record on both sides (the place is read from either)
    for key, postings in memory.posting_lists.items():
        t["postings"].data[key] = json.dumps(postings_record(postings).model_dump_json())
    for article_id, assignment in memory.assignments.items():
        t["assignments"].data[article_id] = json.dumps(assignment.model_dump_json())
    for sequence, story_id in memory.queue.items():
        t["queue"].data[str(sequence)] = json.dumps(story_id)
    t["queue"].data["clock"] = json.dumps(memory.clock().model_dump(mode="json"))
    for key, count in memory.frequencies.items():
        t["frequencies"].data[key] = json.dumps(count)
    old_postings = set(memory.posting_lists)
    store = table_store(t, layouts=TINY)
    assert all(store.frequency(k) == v for k, v in memory.frequencies.items())
    assert all(store.postings(k) == v for k, v in memory.posting_lists.items())
    # Then articles a window later, so that the stories of the earlier version leave, with their postings.
    late = [
        document(
            f"late{i:03d}",
            ("Volcano erupts again", f"Lava from the volcano {made_up_word(i + 20, 3)} reached the coast road."),
            at=T0 + 2 * PARAMS.window + timedelta(hours=i),
        )
        for i in range(12)
    ]
    later = docs[10:] + late
    posted = set(old_postings)
    expected = []
    for doc in later:
        expected += decisions([doc], memory)
        posted |= set(memory.posting_lists)
    assert staged_decisions(later, store) == expected
    assert_reads_as(table_store(t, layouts=TINY), memory, removed=posted)
    # A postings list an earlier version wrote and the stream has since removed is gone from the table too.
    assert old_postings - set(memory.posting_lists)
    assert all(key in memory.posting_lists for key in old_postings & set(t["postings"].data))


def shard_layout(values: dict[str, Any], layout: LogLayout, folded: int) -> dict[str, str]:
    """``values`` as the versions of sessions 9 to 14 stored them: folded into ``~shard|<n>`` records (by CRC-32)."""
    shards: dict[int, dict[str, Any]] = {}
    for key, value in values.items():
        shards.setdefault(zlib.crc32(key.encode()) % layout.shards, {})[key] = value
    data = {f"~shard|{n}": json.dumps(json.dumps(shard)) for n, shard in shards.items()}
    data["~folded"] = json.dumps(folded)
    return data


def test_tables_an_earlier_version_folded_into_shards_are_read_and_moved_to_their_keys() -> None:
    """Shards of sessions 9 to 14, with a change record after them: read beneath it, then written key by key."""
    docs = stream(30)
    memory = MemoryStore()
    decisions(docs[:10], memory)
    t = tables()
    postings, queue, frequencies = TINY
    for story_id, state in memory.stories.items():
        t["states"].data[story_id] = json.dumps(state.model_dump_json())
    for article_id, assignment in memory.assignments.items():
        t["assignments"].data[article_id] = json.dumps(assignment.model_dump_json())
    t["postings"].data = shard_layout(
        {k: postings_record(v).model_dump_json() for k, v in memory.posting_lists.items()}, postings, 7
    )
    t["queue"].data = shard_layout(
        {
            **{str(sequence): story_id for sequence, story_id in memory.queue.items()},
            **{f"at|{story_id}": place for story_id, place in memory.places.items()},
            "clock": memory.clock().model_dump(mode="json"),
        },
        queue,
        7,
    )
    # One frequency is stale in its shard; the change record after the last fold has its value.
    stale, count = next(iter(memory.frequencies.items()))
    t["frequencies"].data = shard_layout({**memory.frequencies, stale: count + 5}, frequencies, 7)
    t["frequencies"].data[f"~log|{7 % frequencies.slots}"] = json.dumps(
        json.dumps({"seq": 7, "changes": {stale: count}})
    )
    store = table_store(t, layouts=TINY)
    assert_reads_as(store, memory, removed=set())
    later = docs[10:]
    expected = []
    posted = set(memory.posting_lists)
    for doc in later:
        expected += decisions([doc], memory)
        posted |= set(memory.posting_lists)
    assert staged_decisions(later, store) == expected
    for name in ("postings", "queue", "frequencies"):
        assert not [key for key in t[name].data if key.startswith("~shard|")], name  # moved to their keys
    assert_reads_as(table_store(t, layouts=TINY), memory, removed=posted)


def test_postings_are_stored_as_the_contracts_record_and_read_back_in_their_compact_form() -> None:
    t = tables()
    later = T0 + timedelta(hours=1)
    writer = table_store(t)
    writer.put_postings("en|t|yukos", (Posting("st-2", later), Posting("st-1", T0)))
    writer.flush()
    reader = table_store(t)
    assert reader.postings("en|t|yukos") == (Posting("st-2", later), Posting("st-1", T0))
    assert reader.postings("en|t|nothing") == ()


def test_postings_decoded_from_different_lists_are_one_object_each() -> None:
    t = tables()
    store = table_store(t)
    staged_decisions(stream(12), store)
    store.forget()  # the next reads decode every list from the table
    states = [StoryState.model_validate_json(json.loads(raw)) for raw in t["states"].data.values()]
    keys = {key for state in states for key in state.posted_keys}
    lists = [store.postings(key) for key in keys]
    postings = [posting for listed in lists for posting in listed]
    assert len({id(p) for p in postings}) == len(set(postings)) < len(postings)  # equal postings: one object


def test_postings_lists_and_stories_are_kept_within_their_postings_and_keys() -> None:
    """The cache bounds what grows with the stream (postings, stories' keys), not only how many lists or stories."""
    t = tables()
    store = table_store(t, CacheLimits(state_keys=150, postings=40))
    staged_decisions(stream(20), store)
    kept_postings = store._recent_postings.items.values()
    kept_states = store._recent_states.items.values()
    assert 0 < sum(len(cast(tuple[Posting, ...], listed)) for listed in kept_postings) <= 40
    assert 0 < sum(len(cast(StoryState, state).posted_keys) for state in kept_states) <= 150
    # A record heavier than the whole limit is still kept (alone): the article in hand needs it.
    store = table_store(tables(), CacheLimits(state_keys=1, postings=1))
    staged_decisions(stream(3), store)
    assert store.cached()["states"] == 1 and store.cached()["postings"] == 1


def test_the_shared_postings_pool_starts_again_beyond_its_limit() -> None:
    shared = SharedPostings(limit=2)
    first = shared.one(Posting("st-1", T0))
    assert shared.one(Posting("st-1", T0)) is first
    shared.one(Posting("st-2", T0))
    shared.one(Posting("st-3", T0))  # beyond the limit: the pool restarts
    again = Posting("st-1", T0)
    assert shared.one(again) is again


def test_a_story_is_posted_under_all_its_keys_as_one_object() -> None:
    store = MemoryStore()
    decisions(stream(3), store)
    postings = [p for listed in store.posting_lists.values() for p in listed]
    assert len({id(p) for p in postings}) == len(set(postings))
