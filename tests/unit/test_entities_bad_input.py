"""Bad input to the entity stage (issue 10): a clear outcome, no crash, capped lengths, nothing else lost.

These run the real spaCy model: what happens depends on what it tags.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsflow.processors.entities import (
    MAX_ENTITIES_PER_ARTICLE,
    MAX_ENTITY_NAME_CHARS,
    EntityExtractor,
    Mention,
    build_entities,
)
from newsflow.schemas.articles import Entity, EntityType

PERSON, ORG, PLACE = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.PLACE
STORY = "Ukraine's President Volodymyr Zelensky met Antony Blinken in Kyiv on Monday, Reuters reported."


@pytest.fixture(scope="module")
def extractor() -> Iterator[EntityExtractor]:
    yield EntityExtractor()


def _names(entities: list[Entity]) -> dict[str, EntityType]:
    return {e.canonical: e.type for e in entities}


def test_a_10000_character_name_is_cut_to_the_cap_and_the_rest_of_the_article_kept(
    extractor: EntityExtractor,
) -> None:
    huge = " ".join(["Zelenskyvich"] * 900)[:10_000]
    (entities,) = extractor.extract([f"{STORY} Officials named {huge} said so."])
    assert all(len(e.canonical) <= MAX_ENTITY_NAME_CHARS for e in entities)
    assert all(len(form) <= MAX_ENTITY_NAME_CHARS for e in entities for form in e.surface_forms)
    assert {"Volodymyr Zelensky", "Antony Blinken", "Kyiv"} <= set(_names(entities))


def test_a_name_of_10000_characters_from_the_model_is_capped() -> None:
    (entity,) = build_entities([Mention("Alexander " + "Q" * 150 + " " + "Q" * 10_000, "PERSON")])
    assert entity.canonical == "Alexander " + "Q" * 150  # cut at the last space of the first 200 characters
    (unbroken,) = build_entities([Mention("Q" * 10_000, "ORG")])
    assert len(unbroken.canonical) == MAX_ENTITY_NAME_CHARS


def test_control_characters_are_removed_from_names_and_do_not_stop_extraction(extractor: EntityExtractor) -> None:
    text = STORY.replace("Zelensky", "Zel\x00ensky\x07").replace("Blinken", "Blin\u200bken") + "\x1b[31m\x0c"
    (entities,) = extractor.extract([text])
    assert all(c.isprintable() for e in entities for c in e.canonical)
    # Controls are no text: taken out before the model, they do not split the name.
    assert {"Volodymyr Zelensky", "Antony Blinken"} <= set(_names(entities))
    (clean,) = build_entities([Mention("Anto\x00ny\u202e Blinken\x1f", "PERSON")])
    assert clean.canonical == "Anto ny Blinken"


def test_right_to_left_and_mixed_scripts_give_an_outcome(extractor: EntityExtractor) -> None:
    hebrew = "\u05d1\u05e0\u05d9\u05de\u05d9\u05df \u05e0\u05ea\u05e0\u05d9\u05d4\u05d5"
    arabic, mixed = "\u0645\u062d\u0645\u062f", "Kyiv\u041a\u0438\u0457\u0432"
    text = f"{STORY} {hebrew} {arabic} {mixed} \u202bRTL\u202c"
    (entities,) = extractor.extract([text])
    assert {"Volodymyr Zelensky", "Kyiv"} <= set(_names(entities))
    # Names in scripts without case are kept when the model marks them; bidi marks never reach a name.
    (hebrew_entity,) = build_entities([Mention("\u200f\u05e0\u05ea\u05e0\u05d9\u05d4\u05d5\u200f", "PERSON")])
    assert hebrew_entity.canonical == "\u05e0\u05ea\u05e0\u05d9\u05d4\u05d5"
    (mixed_entity,) = build_entities([Mention("Kyiv\u041a\u0438\u0457\u0432", "GPE")])
    assert mixed_entity.type is PLACE


def test_an_article_only_in_capitals_is_truecased_before_the_model(extractor: EntityExtractor) -> None:
    (entities,) = extractor.extract([STORY.upper() + "\nTHE UNITED NATIONS AND NATO MET IN LONDON ON TUESDAY."])
    names = _names(entities)
    assert names.get("Kyiv") is PLACE
    assert names.get("London") is PLACE
    assert not any(name.isupper() and len(name) > 4 for name in names)  # no "VOLODYMYR ZELENSKY" facet


def test_an_article_with_5000_distinct_names_keeps_the_most_mentioned_500() -> None:
    mentions = [Mention(f"Person{n:04d} Smith", "PERSON") for n in range(5000)]
    mentions += [Mention("Volodymyr Zelensky", "PERSON")] * 3 + [Mention("Kyiv", "GPE")] * 2
    entities = build_entities(mentions)
    assert len(entities) == MAX_ENTITIES_PER_ARTICLE
    assert [e.canonical for e in entities[:3]] == ["Volodymyr Zelensky", "Kyiv", "Person0000 Smith"]
    assert entities[-1].canonical == "Person0497 Smith"  # of equals, the first named are kept


def test_5000_distinct_names_through_the_model_do_not_crash(extractor: EntityExtractor) -> None:
    names = ". ".join(f"Mr Qa{n:04d}rin Vol{n:04d}sky said" for n in range(5000))
    (entities,) = extractor.extract([STORY + " " + names])
    assert len(entities) <= MAX_ENTITIES_PER_ARTICLE
    assert "Volodymyr Zelensky" in _names(entities)


def test_empty_and_punctuation_only_articles_have_no_entities(extractor: EntityExtractor) -> None:
    assert extractor.extract(["", "   \n\n", "!!! ... ---", "\x00\x01"]) == [[], [], [], []]
