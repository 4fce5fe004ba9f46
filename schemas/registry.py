"""What the entity registry keeps (its Faust tables' values, backed up in their changelog topics).

The registry resolves entities across articles (processors/registry.py); these
records are its memory: one :class:`RegistryEntry` per entity key (the
case- and accent-folded name), one :class:`ArticleResolution` per article.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from newsflow.schemas.articles import Entity, EntityType

REGISTRY_SCHEMA_VERSION: Literal[1] = 1
# A surname keeps at most this many full names (the most frequent); more means it is ambiguous anyway.
MAX_FULL_NAMES = 8


class RegistryEntry(BaseModel):
    """Everything the registry knows about one name key, from all the articles that named it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = REGISTRY_SCHEMA_VERSION
    canonical: str = Field("", description="The spelling ids are made from: the first one seen (stable ids).")
    votes: dict[EntityType, float] = Field(
        default_factory=dict, description="Per type, the summed confidence of the articles that typed the name so."
    )
    articles: int = Field(0, ge=0, description="Articles that named it.")
    full_names: dict[str, int] = Field(
        default_factory=dict,
        description="For a surname: the full names of people that end with it, and in how many articles.",
    )


class ArticleResolution(BaseModel):
    """The registry's answer for one article, kept so that a replay gets the same entities."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = REGISTRY_SCHEMA_VERSION
    input_digest: str = Field(description="Digest of the entities the article came with (a new model re-resolves).")
    entities: list[Entity]
