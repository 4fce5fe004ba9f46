"""The entity registry's decisions across articles (processors/registry.py), on an in-memory store."""

from __future__ import annotations

import pytest

from newsflow.processors.registry import MemoryStore, input_digest, resolve_article
from newsflow.schemas.articles import Entity, EntityType
from newsflow.schemas.registry import MAX_FULL_NAMES, RegistryEntry

PERSON, ORG, PLACE = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.PLACE


def entity(kind: EntityType, name: str, mentions: int = 2, confidence: float = 0.9) -> Entity:
    return Entity(type=kind, canonical=name, surface_forms=[name], mentions=mentions, confidence=confidence)


@pytest.fixture
def empty_registry() -> MemoryStore:
    return MemoryStore()


def test_a_bare_surname_becomes_the_one_full_name_the_registry_knows(empty_registry: MemoryStore) -> None:
    resolve_article([entity(PERSON, "Vladimir Putin")], empty_registry)
    (putin,) = resolve_article([entity(PERSON, "Putin", mentions=3)], empty_registry)
    assert (putin.canonical, putin.id, putin.mentions) == ("Vladimir Putin", "person:vladimir-putin", 3)
    assert putin.surface_forms == ["Putin"]


def test_a_surname_shared_by_two_people_stays_as_it_is(empty_registry: MemoryStore) -> None:
    resolve_article([entity(PERSON, "George Bush")], empty_registry)
    resolve_article([entity(PERSON, "Jeb Bush")], empty_registry)
    (bush,) = resolve_article([entity(PERSON, "Bush")], empty_registry)
    assert bush.canonical == "Bush"


def test_a_surname_resolves_only_for_a_person(empty_registry: MemoryStore) -> None:
    resolve_article([entity(PERSON, "Henry Ford")], empty_registry)
    (ford,) = resolve_article([entity(ORG, "Ford", mentions=1, confidence=0.5)], empty_registry)
    assert (ford.type, ford.canonical) == (ORG, "Ford")


def test_an_unsure_type_follows_a_clear_majority_of_earlier_articles(empty_registry: MemoryStore) -> None:
    for _ in range(3):
        resolve_article([entity(PLACE, "Balakliya", confidence=1.0)], empty_registry)
    (town,) = resolve_article([entity(ORG, "Balakliya", mentions=1, confidence=0.5)], empty_registry)
    assert (town.type, town.id) == (PLACE, "place:balakliya")
    assert town.confidence == 1.0


def test_a_sure_type_is_kept_whatever_the_registry_says(empty_registry: MemoryStore) -> None:
    for _ in range(3):
        resolve_article([entity(PLACE, "Jordan", confidence=1.0)], empty_registry)
    (person,) = resolve_article([entity(PERSON, "Jordan", mentions=4, confidence=0.8)], empty_registry)
    assert person.type is PERSON


def test_little_or_split_evidence_does_not_overrule(empty_registry: MemoryStore) -> None:
    resolve_article([entity(PLACE, "Hope", mentions=1, confidence=0.5)], empty_registry)
    (one_vote,) = resolve_article([entity(PERSON, "Hope", mentions=1, confidence=0.5)], empty_registry)
    assert one_vote.type is PERSON  # 0.5 of evidence is below MIN_EVIDENCE
    resolve_article([entity(PERSON, "Hope", mentions=1, confidence=0.5)], empty_registry)
    resolve_article([entity(PLACE, "Hope", mentions=1, confidence=0.5)], empty_registry)
    (split,) = resolve_article([entity(ORG, "Hope", mentions=1, confidence=0.5)], empty_registry)
    assert split.type is ORG  # two against two: no clear majority


def test_spelling_variants_take_the_first_spelling_and_one_id(empty_registry: MemoryStore) -> None:
    (first,) = resolve_article([entity(PERSON, "Volodymyr Zelenskyy")], empty_registry)
    (later,) = resolve_article([entity(PERSON, "Volodymyr Zelensky")], empty_registry)
    (accented,) = resolve_article([entity(PERSON, "Volodymyr ZELENSKIY")], empty_registry)
    assert first.id == later.id == accented.id == "person:volodymyr-zelenskyy"
    assert later.canonical == "Volodymyr Zelenskyy"
    assert later.surface_forms == ["Volodymyr Zelensky"]  # what this article wrote


def test_entities_that_resolve_to_one_id_are_merged(empty_registry: MemoryStore) -> None:
    resolve_article([entity(PERSON, "Vladimir Putin")], empty_registry)
    article = [entity(PERSON, "Putin", mentions=2), entity(PERSON, "Vladimir Putin", mentions=1)]
    (putin,) = resolve_article(article, empty_registry)
    assert (putin.mentions, putin.surface_forms) == (3, ["Putin", "Vladimir Putin"])


def test_the_same_input_order_gives_the_same_answers() -> None:
    articles = [
        [entity(PERSON, "Vladimir Putin"), entity(PLACE, "Kyiv", confidence=1.0)],
        [entity(PERSON, "Putin", mentions=1, confidence=0.5), entity(ORG, "Kyiv", mentions=1, confidence=0.5)],
        [entity(ORG, "Reuters", confidence=1.0)],
    ]
    runs = []
    for _ in range(2):
        store = MemoryStore()
        runs.append([resolve_article(list(a), store) for a in articles])
    assert runs[0] == runs[1]
    assert {e.id for e in runs[0][1]} == {"person:vladimir-putin", "place:kyiv"}


def test_a_surname_keeps_only_its_most_frequent_full_names(empty_registry: MemoryStore) -> None:
    for i in range(MAX_FULL_NAMES + 5):
        resolve_article([entity(PERSON, f"Person{i} Smith")], empty_registry)
    resolve_article([entity(PERSON, "Person0 Smith")], empty_registry)
    entry = empty_registry.get("smith")
    assert isinstance(entry, RegistryEntry)
    assert len(entry.full_names) == MAX_FULL_NAMES
    assert entry.full_names["Person0 Smith"] == 2


def test_the_input_digest_ignores_order_but_not_content() -> None:
    a, b = entity(PERSON, "Vladimir Putin"), entity(PLACE, "Kyiv")
    assert input_digest([a, b]) == input_digest([b, a])
    assert input_digest([a, b]) != input_digest([a, entity(ORG, "Kyiv")])
