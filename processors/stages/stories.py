"""Stage stories: each article joins the most similar active story or opens one (processors/stories.py).

It reads ``articles.resolved``, which has one partition, for the reason the
registry does: every article meets every active story in one order, whichever
worker recognised it, so the same input order gives the same stories. Its
work is about 6 table writes per article (its postings, queue and frequency
changes one record per table, :class:`LoggedTable`), its reads mostly served
by the records it keeps decoded (:class:`TableStore`); NER stays spread over
all partitions (docs/pipeline.md, "Stories").

Five tables, changelogged like the others: the active stories, the postings
(term or entity key -> stories), each article's assignment (so a redelivery or
a replay gets the same story), the eviction queue with the stage's clock and
each story's place in it, and the story frequencies of terms and entities in
the stream.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar, cast

import faust
from pydantic import BaseModel

from newsflow.processors.logged_table import LoggedTable, LogLayout, Table
from newsflow.processors.pipeline import Pipeline
from newsflow.processors.stories import (
    Postings,
    SharedPostings,
    StoryDecision,
    StoryParameters,
    assign,
    postings_of,
    postings_record,
)
from newsflow.processors.table_records import decoded
from newsflow.schemas.articles import ArticleDocument
from newsflow.schemas.stories import StoryAssignment, StoryClock, StoryPostings, StoryState
from newsflow.schemas.topics import (
    ENRICHED,
    STORIES,
    STORIES_STAGE,
    STORY_ASSIGNMENTS_TABLE,
    STORY_FREQUENCIES_TABLE,
    STORY_POSTINGS_TABLE,
    STORY_QUEUE_TABLE,
    STORY_STATES_TABLE,
)

STAGE = STORIES_STAGE
_CLOCK_KEY = "clock"
_PLACE = "at|"  # queue table: story id -> its place in the eviction queue

_ABSENT = object()  # a key known to have no value in its table
M = TypeVar("M", bound=BaseModel)


def _record(model: type[M], value: object) -> object:
    """A table's value decoded, or ``_ABSENT`` when there is none."""
    return _ABSENT if value is None else decoded(model, value)


def _of_type(kind: type, value: object, absent: object = _ABSENT) -> object:
    """A logged table's plain value when it has the expected type, else ``absent``."""
    return value if isinstance(value, kind) else absent


class _Recent:
    """Decoded records of one table, the least recently used dropped beyond ``limit``.

    ``weight`` is what a record counts towards ``limit`` (one each by default):
    records that grow as the stream goes on (postings lists, stories' keys) are
    counted by their size, so the memory they hold stays bounded as they grow.
    """

    def __init__(self, limit: int, weight: Callable[[object], int] | None = None) -> None:
        self.limit = limit
        self.items: OrderedDict[str, object] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self._weight = weight
        self.size = 0  # the records' weights summed

    def _weigh(self, value: object) -> int:
        return 1 if self._weight is None else max(1, self._weight(value))

    def get(self, key: str) -> object | None:
        """The record (``_ABSENT`` when the table has none), or None when not known here."""
        value = self.items.get(key)
        if value is None:
            self.misses += 1
            return None
        self.items.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: str, value: object) -> None:
        replaced = self.items.get(key)
        if replaced is not None:
            self.size -= self._weigh(replaced)
        self.items[key] = value
        self.items.move_to_end(key)
        self.size += self._weigh(value)
        while self.size > self.limit and len(self.items) > 1:
            _, dropped = self.items.popitem(last=False)
            self.size -= self._weigh(dropped)

    def read(self, key: str, load: Callable[[], object]) -> object:
        """The record of ``key``; on a miss ``load`` reads it from the table (``_ABSENT``: none) and it is kept."""
        known = self.get(key)
        if known is None:
            known = load()
            self.put(key, known)
        return known

    def write(self, key: str, value: object, store: Callable[[], object]) -> None:
        """Keep ``value`` for ``key`` and ``store`` it in the table, unless it is the record known already
        (then nothing is written: no changelog message)."""
        if self.get(key) == value:
            return
        store()
        self.put(key, value)


def _posted_keys(value: object) -> int:
    """A decoded story's weight in its cache: its postings keys (none for a known absence)."""
    return len(value.posted_keys) if isinstance(value, StoryState) else 0


def _postings_count(value: object) -> int:
    """A decoded postings list's weight in its cache: its postings."""
    return len(value) if isinstance(value, tuple) else 0


# 2 048 slots: a fold every 1 024 articles (half the slots) writes each key those articles changed once, and a
# common word's frequency or postings list changes in most of them (session 32; 256 slots, a fold every 256
# articles, until then).
FREQUENCIES_LAYOUT = LogLayout(shards=64, slots=2048)
POSTINGS_LAYOUT = LogLayout(shards=64, slots=2048)
QUEUE_LAYOUT = LogLayout(shards=8, slots=2048)


@dataclass(frozen=True)
class CacheLimits:
    """How much decoded :class:`TableStore` keeps per table: records, or for the records that grow as the
    stream goes on, their parts.

    Frequencies are read for most words of each article; the common words,
    read again and again, stay here (about 200 bytes each). The hour's soak
    chose the sizes: with 1 000 stories and 50 000 frequencies the worker's
    memory grew 71.5 MB/h, with these 47.4 MB/h (Python's blocks +650 k/h ->
    +233 k/h), for about 1.5 ms more CPU an article (stories read back from
    RocksDB: docs/benchmarks.md, "The hour with smaller story caches").
    Stories and postings lists were counted as records until session 26; the
    lists kept filling towards 40 postings each, so the cache kept growing for
    hours (docs/benchmarks.md, "Session 25"): they are counted by their postings
    and postings keys now.
    """

    # States by their postings keys (up to 400 a story): stories grow for days.
    state_keys: int = 30_000
    # Postings lists by their postings (up to 40 a list): lists fill as the stream goes on.
    postings: int = 30_000
    frequencies: int = 20_000
    assignments: int = 1000
    queue: int = 1000
    # Distinct postings the decoded postings lists share (:class:`SharedPostings`).
    shared_postings: int = 4096


class TableStore:
    """The story stage's memory in Faust tables (records as their JSON text, validated on the way out).

    The stage is its tables' only writer (one partition, one worker at a time),
    so the records it read or wrote last are kept decoded (write-through, the
    least recently used dropped beyond :class:`CacheLimits`): a story, a
    postings list or a frequency read again costs a dictionary lookup instead
    of a RocksDB get, a JSON decode and a pydantic validation, and a record
    written unchanged is not written (no changelog message). :meth:`forget`
    drops them all: the stage calls it when the worker's partitions are revoked
    or assigned (another worker may have written the tables meanwhile; Faust
    restores them from their changelogs) and when handling an article failed
    half-way (its postings, queue and frequency changes, not written yet, are
    dropped with them).

    Stories and assignments are one value per key; postings, queue places and
    frequencies change by dozens an article, so they go through
    :class:`LoggedTable`: one record of changes per table and article, written
    by :meth:`flush` (the stage flushes after each article, and before each
    story or assignment write, to keep the order of the changes).
    """

    def __init__(
        self,
        states: Table,
        postings: Table,
        assignments: Table,
        queue: Table,
        frequencies: Table,
        *,
        limits: CacheLimits | None = None,
        layouts: tuple[LogLayout, LogLayout, LogLayout] = (POSTINGS_LAYOUT, QUEUE_LAYOUT, FREQUENCIES_LAYOUT),
    ) -> None:
        self._states = states
        self._assignments = assignments
        # Many small values an article: one record of changes per article each (LoggedTable).
        self._postings = LoggedTable(postings, layouts[0])
        self._queue = LoggedTable(queue, layouts[1])
        self._frequencies = LoggedTable(frequencies, layouts[2])
        self.limits = limits or CacheLimits()
        self.generation = 0
        self.forget()

    def forget(self, generation: int | None = None) -> None:
        """Drop every decoded record: the next reads go to the tables (``generation``: the rebalance it follows)."""
        limits = self.limits
        self._recent_states = _Recent(limits.state_keys, _posted_keys)
        self._recent_postings = _Recent(limits.postings, _postings_count)
        self._recent_assignments = _Recent(limits.assignments)
        self._recent_queue = _Recent(limits.queue)
        self._recent_frequencies = _Recent(limits.frequencies)
        self._shared_postings = SharedPostings(limits.shared_postings)
        self._clock: StoryClock | None = None
        for logged in (self._postings, self._queue, self._frequencies):
            logged.forget()  # with the changes of an article that failed half-way: never written
        if generation is not None:
            self.generation = generation

    def follow(self, generation: int) -> None:
        """Forget everything if the worker rebalanced since the records were read (``app.rebalancing_count``)."""
        if generation != self.generation:
            self.forget(generation)

    def cached(self) -> dict[str, int]:
        """Records kept per table (for tests and the profile bench)."""
        return {
            "states": len(self._recent_states.items),
            "postings": len(self._recent_postings.items),
            "assignments": len(self._recent_assignments.items),
            "queue": len(self._recent_queue.items),
            "frequencies": len(self._recent_frequencies.items),
        }

    def flush(self) -> None:
        """Write the postings, queue and frequency changes made so far, one record per table.

        The stage calls it at the end of each article; the story and assignment
        writes call it first, so the tables are written in the order the
        clustering made its changes (the postings of an article before its story).
        """
        for logged in (self._frequencies, self._postings, self._queue):
            logged.commit()

    def story(self, story_id: str) -> StoryState | None:
        known = self._recent_states.read(story_id, lambda: _record(StoryState, self._states.get(story_id)))
        return None if known is _ABSENT else cast(StoryState, known)

    def put_story(self, state: StoryState) -> None:
        self.flush()
        self._states[state.story_id] = state.model_dump_json()
        self._recent_states.put(state.story_id, state)

    def delete_story(self, story_id: str) -> None:
        self.flush()
        self._states.pop(story_id, None)
        self._recent_states.put(story_id, _ABSENT)

    def postings(self, key: str) -> Postings:
        def load() -> Postings:
            stored = self._postings.get(key)
            return () if stored is None else postings_of(decoded(StoryPostings, stored), self._shared_postings)

        return cast(Postings, self._recent_postings.read(key, load))

    def put_postings(self, key: str, postings: Postings) -> None:
        self._recent_postings.write(
            key,
            postings,
            lambda: self._postings.put(key, postings_record(postings).model_dump_json() if postings else None),
        )

    def assignment(self, article_id: str) -> StoryAssignment | None:
        known = self._recent_assignments.read(
            article_id, lambda: _record(StoryAssignment, self._assignments.get(article_id))
        )
        return None if known is _ABSENT else cast(StoryAssignment, known)

    def put_assignment(self, article_id: str, assignment: StoryAssignment) -> None:
        self.flush()
        self._assignments[article_id] = assignment.model_dump_json()
        self._recent_assignments.put(article_id, assignment)

    def clock(self) -> StoryClock:
        if self._clock is None:
            value = self._queue.get(_CLOCK_KEY)
            self._clock = StoryClock() if value is None else StoryClock.model_validate(value)
        return self._clock

    def put_clock(self, clock: StoryClock) -> None:
        if clock == self._clock:
            return
        self._queue.put(_CLOCK_KEY, clock.model_dump(mode="json"))
        self._clock = clock

    def queued(self, sequence: int) -> str | None:
        key = str(sequence)
        known = self._recent_queue.read(key, lambda: _of_type(str, self._queue.get(key)))
        return None if known is _ABSENT else cast(str, known)

    def put_queued(self, sequence: int, story_id: str | None) -> None:
        key = str(sequence)
        self._recent_queue.write(key, _ABSENT if story_id is None else story_id, lambda: self._queue.put(key, story_id))

    def place(self, story_id: str) -> int | None:
        key = f"{_PLACE}{story_id}"
        known = self._recent_queue.read(key, lambda: _of_type(int, self._queue.get(key)))
        return None if known is _ABSENT else cast(int, known)

    def put_place(self, story_id: str, sequence: int | None) -> None:
        key = f"{_PLACE}{story_id}"
        self._recent_queue.write(key, _ABSENT if sequence is None else sequence, lambda: self._queue.put(key, sequence))

    def frequency(self, key: str) -> int:
        return cast(int, self._recent_frequencies.read(key, lambda: _of_type(int, self._frequencies.get(key), 0)))

    def put_frequency(self, key: str, count: int) -> None:
        self._recent_frequencies.write(key, count, lambda: self._frequencies.put(key, count))


def decide(
    document: ArticleDocument, store: TableStore, params: StoryParameters, generation: int
) -> StoryDecision | None:
    """:func:`assign` over the stage's tables, ``generation`` the worker's rebalance count.

    The records ``store`` keeps decoded are dropped first if the worker
    rebalanced since they were read (even one the signals did not report), and
    after a failure half-way (a write retried, say): the next article reads
    everything from the tables again.
    """
    store.follow(generation)
    try:
        decision = assign(document, store, params, datetime.now(UTC))
        store.flush()
        return decision
    except BaseException:
        store.forget()
        raise


def register(pipeline: Pipeline) -> TableStore:
    """Add the story agent and its five tables to the app; the store is returned for tests."""
    store = TableStore(
        pipeline.table(STORY_STATES_TABLE, default=None),
        pipeline.table(STORY_POSTINGS_TABLE, default=None),
        pipeline.table(STORY_ASSIGNMENTS_TABLE, default=None),
        pipeline.table(STORY_QUEUE_TABLE, default=None),
        pipeline.table(STORY_FREQUENCIES_TABLE, default=None),
    )
    params = StoryParameters(window=timedelta(days=pipeline.settings.story_window_days))
    app = pipeline.app

    pipeline.on_rebalance(store.forget)

    async def place_one(value: bytes) -> None:
        document = await pipeline.parse_or_dead_letter(ArticleDocument, value, STAGE)
        if document is None:
            return
        if not pipeline.settings.stories_enabled:
            await pipeline.send(ENRICHED, document.article_id, document)
            return
        decision = decide(document, store, params, app.rebalancing_count)
        if decision is None:
            # Seen before, and its story has left the window: the article keeps the story it was given.
            earlier = store.assignment(document.article_id)
            story_id = earlier.story_id if earlier else None
        else:
            story_id = decision.assignment.story_id
            await pipeline.send(STORIES, decision.story.story_id, decision.story)
        await pipeline.send(ENRICHED, document.article_id, document.model_copy(update={"story_id": story_id}))

    @pipeline.app.agent(pipeline.topic(*STORIES_STAGE.reads), name="place_in_story")
    async def place_in_story(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for _ in pipeline.each_message(stream, STAGE, place_one):
            yield None

    return store
