"""The article as it travels: raw (from a producer), normalised, enriched (the indexed document).

Every model carries ``schema_version``; a consumer rejects (to the dead-letter
topic) a version it does not know rather than guessing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ARTICLE_SCHEMA_VERSION: Literal[1] = 1


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    NDJSON = "ndjson"
    FEED = "feed"  # RSS or Atom
    HTML = "html"


class SourceInfo(_Contract):
    """Where one article came from: which file, which record in it, when."""

    path: str = Field(description="File name as dropped, relative to the ingest folder.")
    file_sha256: str = Field(description="Digest of the whole file's bytes.")
    format: SourceFormat
    record_index: int = Field(ge=0, description="Position of the article within its file.")
    received_at: datetime = Field(description="When the producer read the file (UTC).")

    @property
    def source_id(self) -> str:
        """Stable id of this copy: the same file re-sent after a crash gives the same id,
        the same bytes under another name are another copy."""
        digest = hashlib.sha256(f"{self.path}\0{self.file_sha256}".encode()).hexdigest()[:32]
        return f"{digest}:{self.record_index}"


class RawArticle(_Contract):
    """What a producer publishes for each article it parsed (topic ``articles.raw``)."""

    schema_version: Literal[1] = ARTICLE_SCHEMA_VERSION
    title: str | None = None
    body: str
    outlet: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    language: str | None = Field(None, description="Language the source declared, if any.")
    source: SourceInfo


class NormalizedArticle(_Contract):
    """A raw article with clean text, language and fingerprints (topic ``articles.normalized``)."""

    schema_version: Literal[1] = ARTICLE_SCHEMA_VERSION
    article_id: str = Field(description="Exact-content fingerprint: equal ids mean equal normalised title and body.")
    title: str
    body: str
    outlet: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    language: str
    word_count: int = Field(ge=0)
    minhash: list[int] = Field(description="MinHash signature of the body's word shingles (near-duplicate detection).")
    source: SourceInfo


class EntityType(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    PLACE = "place"


MAX_ENTITY_ID_CHARS = 200


def name_words(name: str) -> list[str]:
    """The words of a name, accents off and case-folded: what ids and name comparisons are made of."""
    if not name.isascii():
        name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.findall(r"\w+", name.casefold())


def entity_slug(name: str) -> str:
    """The name part of an entity id: its words joined by ``-`` ("volodymyr-zelensky")."""
    return "-".join(name_words(name))[:MAX_ENTITY_ID_CHARS]


def entity_id(kind: EntityType, canonical: str) -> str:
    """Stable id of an entity, the same in every article and after a replay, e.g. ``person:volodymyr-zelensky``."""
    return f"{kind.value}:{entity_slug(canonical)}"


# The document field of each type's facet keys (:func:`facet_key`): the facets count them, bootstrap fills them in.
FACET_KEY_FIELDS: dict[EntityType, str] = {
    EntityType.PERSON: "facet_people",
    EntityType.ORGANIZATION: "facet_organizations",
    EntityType.PLACE: "facet_places",
}


def facet_key(entity: Entity) -> str:
    """The value an entity facet counts: ``"<id> <canonical name>"`` (an id has no spaces), so that one flat
    keyword field gives both the bucket's id and its name (``facet_people`` and the like)."""
    return f"{entity.id} {entity.canonical}"


def split_facet_key(key: str) -> tuple[str, str]:
    """The id and canonical name of a :func:`facet_key`."""
    entity_id_part, _, name = key.partition(" ")
    return entity_id_part, name or entity_id_part


class Entity(_Contract):
    """One named entity of an article, canonicalised across articles."""

    id: str = Field(
        "",
        description="Stable id from type and canonical name, e.g. 'person:volodymyr-zelensky' (filled in when absent).",
    )
    type: EntityType
    canonical: str = Field(description="Canonical name shared by all articles, e.g. 'Volodymyr Zelensky'.")
    surface_forms: list[str] = Field(description="The spellings found in this article.")
    mentions: int = Field(ge=1)
    confidence: float = Field(
        1.0,
        ge=0,
        le=1,
        description="How sure the type is: 1.0 when knowledge (gazetteer, outlet list, registry) decided it, "
        "else the share of mentions with this type, discounted for few mentions.",
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_id(cls, data: Any) -> Any:
        # Messages written before ids existed (and code that builds entities) leave it to the contract.
        if isinstance(data, dict) and not data.get("id") and "type" in data and "canonical" in data:
            return {**data, "id": entity_id(EntityType(data["type"]), str(data["canonical"]))}
        return data


class CopyRecord(_Contract):
    """An additional copy of an already indexed text (syndication, re-upload)."""

    source_id: str
    path: str
    format: SourceFormat
    outlet: str | None = None
    received_at: datetime


class CopySeen(_Contract):
    """Dedup -> sink (topic ``articles.copies``): record ``copy`` on the original ``article_id``."""

    schema_version: Literal[1] = ARTICLE_SCHEMA_VERSION
    article_id: str
    copy_: CopyRecord = Field(alias="copy")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)


BANDS_SCHEMA_VERSION: Literal[2] = 2
# An article has 32 LSH bands (processors/similarity.py); room for a wider signature.
MAX_BANDS_PER_MESSAGE = 64


class ArticleBands(_Contract):
    """Entities stage -> band matcher (topic ``articles.bands``): an article's LSH bands that live on one partition.

    A band's bucket lives on one partition (processors/similarity.py ``band_partition``); the stage sends one
    message per partition its bands fall on (at most 4 of 32 bands' messages with 4 partitions), keyed by
    ``<article_id>:<partition>``. Version 1 was one message per band (``band_key``); such a message still in
    the topic after an upgrade reads as a message of that one band.
    """

    schema_version: Literal[2] = BANDS_SCHEMA_VERSION
    band_keys: list[str] = Field(min_length=1, max_length=MAX_BANDS_PER_MESSAGE)
    article_id: str
    received_at: datetime
    minhash: list[int]

    @model_validator(mode="before")
    @classmethod
    def _from_version_1(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("schema_version") == 1 and "band_key" in data:
            rest = {k: v for k, v in data.items() if k != "band_key"}
            return {**rest, "schema_version": BANDS_SCHEMA_VERSION, "band_keys": [data["band_key"]]}
        return data


class NearDuplicateLink(_Contract):
    """Band matcher -> sink (topic ``articles.links``): ``article_id`` republishes ``near_duplicate_of``."""

    schema_version: Literal[1] = ARTICLE_SCHEMA_VERSION
    article_id: str
    near_duplicate_of: str
    similarity: float = Field(ge=0, le=1, description="Estimated Jaccard similarity of the bodies' shingles.")


class ArticleDocument(_Contract):
    """The enriched article as indexed in Elasticsearch (topic ``articles.enriched``); id = ``article_id``."""

    schema_version: Literal[1] = ARTICLE_SCHEMA_VERSION
    article_id: str
    title: str
    body: str
    outlet: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    ingested_at: datetime
    dated_at: datetime = Field(
        description="``published_at`` when the source gave one, else the date the article's first lines give "
        '(a dateline such as "ROME 1996-12-06"), else when the file was received: '
        "the date that search filters, sorts and charts on."
    )
    date_note: str | None = Field(
        None,
        description="Why ``dated_at`` is not ``published_at``: the date came from the article's first lines "
        "(which ones), or the date found was out of range and the receipt time replaced it.",
    )
    language: str
    word_count: int
    entities: list[Entity] = []
    entity_ids: list[str] = Field([], description="Ids of the entities (filters; facets show their canonical names).")
    people: list[str] = Field([], description="Canonical names of the people (facet).")
    organizations: list[str] = Field([], description="Canonical names of the organisations (facet).")
    places: list[str] = Field([], description="Canonical names of the places (facet).")
    facet_people: list[str] = Field(
        [], description="'<id> <canonical name>' of each person: the people facet counts these (no nested join)."
    )
    facet_organizations: list[str] = Field([], description="The same for the organisations.")
    facet_places: list[str] = Field([], description="The same for the places.")
    source: SourceInfo
    copies: list[CopyRecord] = []
    copy_count: int = 0
    near_duplicate_of: str | None = None
    near_duplicate_similarity: float | None = None
    dedup_group: str = Field(description="Id shared by an original and its near-duplicates (collapse key).")
    story_id: str | None = Field(None, description="The story the article belongs to (the stories index's id).")

    def with_entities(self, entities: list[Entity]) -> ArticleDocument:
        """This document with ``entities`` and the fields derived from them (ids, the facets' names)."""

        def names(kind: EntityType) -> list[str]:
            return [e.canonical for e in entities if e.type is kind]

        return self.model_copy(
            update={
                "entities": entities,
                "entity_ids": [e.id for e in entities],
                "people": names(EntityType.PERSON),
                "organizations": names(EntityType.ORGANIZATION),
                "places": names(EntityType.PLACE),
                **{
                    field: [facet_key(e) for e in entities if e.type is kind]
                    for kind, field in FACET_KEY_FIELDS.items()
                },
            }
        )
