"""The entity registry: one article's entities resolved with what all earlier articles said of the same names.

An article alone often cannot tell: "Putin" without "Vladimir", "Jordan" said
once as a person. The registry remembers, per name key (:func:`entity_key`),
the types articles gave it (weighted by their confidence), the spelling first
seen, and, for a surname, the full names that end with it. For each article:

1. an entity whose type the article was unsure of (confidence below
   :data:`UNSURE_BELOW`) takes the registry's type when a clear majority of
   earlier evidence (:data:`MAJORITY`, at least :data:`MIN_EVIDENCE`) says otherwise;
2. a one-word person becomes the full name the
   registry knows for that surname, when one full name has :data:`DOMINANT`
   of that surname's articles ("Putin" -> "Vladimir Putin");
3. every entity takes the registry's spelling of its key, so spelling
   variants ("Zelenskyy", "Zelensky") share one canonical name and id;
4. then the article's own evidence is added (its types as it saw them).

Pure logic over a :class:`RegistryStore`; the registry stage keeps the store
in Faust tables (processors/stages/registry.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from newsflow.processors.entities import entity_key
from newsflow.schemas.articles import Entity, EntityType, entity_slug
from newsflow.schemas.registry import MAX_FULL_NAMES, RegistryEntry

UNSURE_BELOW = 0.75  # the model's type of one unanimous mention is 0.5, of three 0.75 (processors/entities.py)
MAJORITY = 2 / 3
MIN_EVIDENCE = 1.0  # summed confidence: one article sure by knowledge, or two that were unsure
DOMINANT = 0.9


class RegistryStore(Protocol):
    """Where registry entries live, by name key."""

    def get(self, key: str) -> RegistryEntry | None:
        """The entry of ``key``, if any article named it."""
        ...

    def put(self, key: str, entry: RegistryEntry) -> None:
        """Store ``entry`` under ``key``."""
        ...


class MemoryStore:
    """A registry store in a dict (tests, benchmarks)."""

    def __init__(self) -> None:
        self.entries: dict[str, RegistryEntry] = {}

    def get(self, key: str) -> RegistryEntry | None:
        """The entry of ``key``, if any."""
        return self.entries.get(key)

    def put(self, key: str, entry: RegistryEntry) -> None:
        """Store ``entry`` under ``key``."""
        self.entries[key] = entry


@dataclass(frozen=True)
class _Resolved:
    entity: Entity
    key: str
    seen_as: EntityType  # the article's own type: the registry's evidence
    seen_confidence: float


def input_digest(entities: Iterable[Entity]) -> str:
    """A digest of an article's entities as recognised (a stored resolution is reused only for the same input)."""
    text = "\n".join(sorted(f"{e.type.value}\t{e.canonical}\t{e.mentions}\t{e.confidence}" for e in entities))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def majority_type(entry: RegistryEntry) -> tuple[EntityType, float] | None:
    """The type a clear majority of the evidence gives, with its share; None when there is no clear one."""
    total = sum(entry.votes.values())
    if total < MIN_EVIDENCE:
        return None
    kind, weight = max(entry.votes.items(), key=lambda item: (item[1], item[0].value))
    share = weight / total
    return (kind, share) if share >= MAJORITY else None


def dominant_full_name(entry: RegistryEntry) -> str | None:
    """The full name a surname stands for, when one has :data:`DOMINANT` of its articles."""
    if not entry.full_names:
        return None
    name, count = max(entry.full_names.items(), key=lambda item: (item[1], item[0]))
    return name if count / sum(entry.full_names.values()) >= DOMINANT else None


def _resolve(entity: Entity, store: RegistryStore) -> _Resolved:
    key = entity_key(entity.canonical)
    kind, canonical, confidence = entity.type, entity.canonical, entity.confidence
    entry = store.get(key)
    unsure = confidence < UNSURE_BELOW
    if entry is not None and unsure and (majority := majority_type(entry)) is not None and majority[0] is not kind:
        kind, confidence = majority[0], round(majority[1], 3)
    if entry is not None and len(key.split()) == 1 and kind is EntityType.PERSON:
        full = dominant_full_name(entry)
        if full is not None:
            kind, canonical, key = EntityType.PERSON, full, entity_key(full)
            entry = store.get(key)
    if entry is not None and entry.canonical:
        canonical = entry.canonical
    changed = kind is not entity.type or entity_slug(canonical) != entity_slug(entity.canonical)
    # A new type or name makes a new id; otherwise the article's id stays (a known place's id is its
    # gazetteer name whatever spelling the article used).
    resolved = Entity.model_validate(
        {
            **entity.model_dump(),
            "type": kind,
            "canonical": canonical,
            "confidence": confidence,
            "id": "" if changed else entity.id,
        }
    )
    return _Resolved(resolved, key, entity.type, entity.confidence)


def _merge(resolved: list[_Resolved]) -> list[Entity]:
    """Entities that resolved to one id become one (mentions added, spellings joined)."""
    by_id: dict[str, Entity] = {}
    for item in resolved:
        entity = item.entity
        if (seen := by_id.get(entity.id)) is None:
            by_id[entity.id] = entity
            continue
        by_id[entity.id] = seen.model_copy(
            update={
                "mentions": seen.mentions + entity.mentions,
                "surface_forms": sorted({*seen.surface_forms, *entity.surface_forms}),
                "confidence": max(seen.confidence, entity.confidence),
            }
        )
    return sorted(by_id.values(), key=lambda e: (-e.mentions, e.canonical))


def _record(resolved: list[_Resolved], store: RegistryStore) -> None:
    """Add one article's evidence: a vote per name key (its strongest), and full names under their surnames."""
    strongest: dict[str, _Resolved] = {}
    for item in resolved:
        if item.key not in strongest or item.seen_confidence > strongest[item.key].seen_confidence:
            strongest[item.key] = item
    for key, item in strongest.items():
        entry = store.get(key) or RegistryEntry(canonical=item.entity.canonical)
        votes = dict(entry.votes)
        votes[item.seen_as] = votes.get(item.seen_as, 0.0) + item.seen_confidence
        store.put(key, entry.model_copy(update={"votes": votes, "articles": entry.articles + 1}))
    surnames = {
        entity_key(item.entity.canonical.split()[-1]): item.entity.canonical
        for item in strongest.values()
        if item.entity.type is EntityType.PERSON and len(item.key.split()) >= 2
    }
    for surname, full in surnames.items():
        entry = store.get(surname) or RegistryEntry(canonical=full.split()[-1])
        names = dict(entry.full_names)
        names[full] = names.get(full, 0) + 1
        kept = dict(sorted(names.items(), key=lambda item: (-item[1], item[0]))[:MAX_FULL_NAMES])
        store.put(surname, entry.model_copy(update={"full_names": kept}))


def resolve_article(entities: list[Entity], store: RegistryStore) -> list[Entity]:
    """``entities`` of one article resolved against ``store``, whose evidence then includes this article."""
    resolved = [_resolve(entity, store) for entity in entities]
    _record(resolved, store)
    return _merge(resolved)
