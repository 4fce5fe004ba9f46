"""Stories: every outlet's report of one event grouped together (processors/stories.py).

Two kinds of record cross a process boundary here:
- :class:`StoryDocument`, what the story stage publishes (topic ``stories``)
  and the index stage writes to the stories index; the highest ``revision``
  wins, so replays and out-of-order writes converge;
- the story stage's memory (its Faust tables, backed up in changelog topics):
  :class:`StoryState` per active story, :class:`StoryPosting` lists per
  term or entity key, :class:`StoryAssignment` per article.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from newsflow.schemas.articles import EntityType

STORY_SCHEMA_VERSION: Literal[1] = 1

# Bounds that keep a story's record (and the work on it) the same size however many articles it has.
MAX_STORY_TERMS = 200
MAX_STORY_ENTITIES = 60
MAX_STORY_OUTLETS = 100
MAX_POSTED_KEYS = 400
MAX_POSTINGS_PER_KEY = 40
TOP_ENTITIES_SHOWN = 10


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoryEntity(_Record):
    """One of a story's most present entities."""

    id: str = Field(description="Entity id, as in the articles' ``entity_ids``.")
    name: str
    type: EntityType
    articles: int = Field(ge=1, description="Articles of the story that name it.")


class StoryOutlet(_Record):
    """An outlet that reported the story, and how many times."""

    name: str
    articles: int = Field(ge=1)


class StoryDocument(_Record):
    """A story as indexed (topic ``stories``, the stories index; id = ``story_id``)."""

    schema_version: Literal[1] = STORY_SCHEMA_VERSION
    story_id: str = Field(description="Stable id, from the article that opened the story (never changes).")
    revision: int = Field(ge=1, description="Grows with every article the story takes; the index keeps the highest.")
    language: str
    headline: str = Field(description="Title of the story's most representative article.")
    headline_article_id: str
    first_seen: datetime = Field(description="Date of its earliest article (``dated_at``).")
    last_seen: datetime = Field(description="Date of its latest article.")
    article_count: int = Field(ge=1)
    outlet_count: int = Field(ge=0, description="Distinct outlets (an article without an outlet counts for none).")
    outlets: list[StoryOutlet] = Field(description=f"Outlets by articles, at most {MAX_STORY_OUTLETS}.")
    top_entities: list[StoryEntity] = Field(description=f"The {TOP_ENTITIES_SHOWN} entities most of its articles name.")
    updated_at: datetime = Field(description="When the story stage wrote this revision.")


class HeadlineChoice(_Record):
    """The article whose words are closest to the story's centre, and those words."""

    article_id: str
    title: str
    terms: dict[str, float] = Field(description="Its normalised term vector (to re-score it as the centre moves).")


class StoryState(_Record):
    """Everything the story stage keeps of one active story; bounded whatever the story's size."""

    schema_version: Literal[1] = STORY_SCHEMA_VERSION
    story_id: str
    revision: int = Field(ge=1)
    language: str
    sequence: int = Field(
        ge=0,
        description="Its place in the eviction queue when opened. Re-queued while still active, its place is "
        "kept in the queue table (``at|<story_id>``), not here: moving it does not rewrite this record.",
    )
    first_seen: datetime
    last_seen: datetime
    article_count: int = Field(ge=1)
    terms: dict[str, float] = Field(description=f"Sum of its articles' term vectors, the {MAX_STORY_TERMS} largest.")
    entities: dict[str, float] = Field(
        description=f"Sum of its articles' entity vectors, the {MAX_STORY_ENTITIES} largest."
    )
    entity_names: dict[str, tuple[str, EntityType, int]] = Field(
        description="Entity id -> (name, type, articles naming it), for the entities kept in ``entities``."
    )
    outlets: dict[str, int] = Field(description=f"Outlet -> articles, at most {MAX_STORY_OUTLETS} outlets.")
    outlet_count: int = Field(ge=0, description="Distinct outlets, counted also beyond the ones kept.")
    headline: HeadlineChoice
    posted_keys: list[str] = Field(description=f"Postings keys that list this story (at most {MAX_POSTED_KEYS}).")


class StoryPosting(_Record):
    """A story listed under a term or entity key, with when it last took an article."""

    story_id: str
    last_seen: datetime


class StoryPostings(_Record):
    """The stories a key leads to (candidates for an article with that key), latest first."""

    schema_version: Literal[1] = STORY_SCHEMA_VERSION
    stories: list[StoryPosting] = Field(description=f"At most {MAX_POSTINGS_PER_KEY}, the most recently active.")


class StoryAssignment(_Record):
    """The story an article was given: kept so that a redelivery or a replay gets the same one."""

    schema_version: Literal[1] = STORY_SCHEMA_VERSION
    story_id: str
    similarity: float = Field(ge=0, description="Score against the story it joined (0 when it opened one).")


class StoryClock(_Record):
    """The story stage's position: the eviction queue's ends and the latest article date seen."""

    schema_version: Literal[1] = STORY_SCHEMA_VERSION
    head: int = Field(0, ge=0, description="Next queue place to sweep.")
    tail: int = Field(0, ge=0, description="Next free queue place.")
    watermark: datetime | None = Field(
        None, description="Latest article date seen; stories idle a window before it leave."
    )
    stories: int = Field(0, ge=0, description="Stories opened so far (the N of the stream's story frequencies).")
