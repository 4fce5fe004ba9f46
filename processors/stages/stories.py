"""Stage stories: each article joins the most similar active story or opens one (processors/stories.py).

It reads ``articles.resolved``, which has one partition, for the reason the
registry does: every article meets every active story in one order, whichever
worker recognised it, so the same input order gives the same stories. Its
work is a few dozen table reads and writes per article; NER stays spread over
all partitions (docs/pipeline.md, "Stories").

Five tables, changelogged like the others: the active stories, the postings
(term or entity key -> stories), each article's assignment (so a redelivery or
a replay gets the same story), the eviction queue with the stage's clock, and
the document frequencies of terms and entities in the stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import faust
from faust.types import TableT

from newsflow.processors.pipeline import Pipeline
from newsflow.processors.stories import StoryParameters, assign
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

Table = TableT[str, dict[str, object] | str | int | None]


class TableStore:
    """The story stage's memory in Faust tables (values as JSON-ready dicts, validated on the way out)."""

    def __init__(self, states: Table, postings: Table, assignments: Table, queue: Table, frequencies: Table) -> None:
        self._states = states
        self._postings = postings
        self._assignments = assignments
        self._queue = queue
        self._frequencies = frequencies

    def story(self, story_id: str) -> StoryState | None:
        value = self._states.get(story_id)
        return None if value is None else StoryState.model_validate(value)

    def put_story(self, state: StoryState) -> None:
        self._states[state.story_id] = state.model_dump(mode="json")

    def delete_story(self, story_id: str) -> None:
        self._states.pop(story_id, None)

    def postings(self, key: str) -> StoryPostings | None:
        value = self._postings.get(key)
        return None if value is None else StoryPostings.model_validate(value)

    def put_postings(self, key: str, postings: StoryPostings | None) -> None:
        if postings is None:
            self._postings.pop(key, None)
        else:
            self._postings[key] = postings.model_dump(mode="json")

    def assignment(self, article_id: str) -> StoryAssignment | None:
        value = self._assignments.get(article_id)
        return None if value is None else StoryAssignment.model_validate(value)

    def put_assignment(self, article_id: str, assignment: StoryAssignment) -> None:
        self._assignments[article_id] = assignment.model_dump(mode="json")

    def clock(self) -> StoryClock:
        value = self._queue.get(_CLOCK_KEY)
        return StoryClock() if value is None else StoryClock.model_validate(value)

    def put_clock(self, clock: StoryClock) -> None:
        self._queue[_CLOCK_KEY] = clock.model_dump(mode="json")

    def queued(self, sequence: int) -> str | None:
        value = self._queue.get(str(sequence))
        return value if isinstance(value, str) else None

    def put_queued(self, sequence: int, story_id: str | None) -> None:
        if story_id is None:
            self._queue.pop(str(sequence), None)
        else:
            self._queue[str(sequence)] = story_id

    def frequency(self, key: str) -> int:
        value = self._frequencies.get(key)
        return value if isinstance(value, int) else 0

    def put_frequency(self, key: str, count: int) -> None:
        self._frequencies[key] = count


def register(pipeline: Pipeline) -> None:
    """Add the story agent and its five tables to the app."""
    store = TableStore(
        pipeline.table(STORY_STATES_TABLE, default=None),
        pipeline.table(STORY_POSTINGS_TABLE, default=None),
        pipeline.table(STORY_ASSIGNMENTS_TABLE, default=None),
        pipeline.table(STORY_QUEUE_TABLE, default=None),
        pipeline.table(STORY_FREQUENCIES_TABLE, default=None),
    )
    params = StoryParameters(window=timedelta(days=pipeline.settings.story_window_days))

    async def place_one(value: bytes) -> None:
        document = await pipeline.parse_or_dead_letter(ArticleDocument, value, STAGE)
        if document is None:
            return
        if not pipeline.settings.stories_enabled:
            await pipeline.send(ENRICHED, document.article_id, document)
            return
        decision = assign(document, store, params, datetime.now(UTC))
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
