"""The shipped person names (processors/data/given_names.txt.gz, surnames.txt.gz): what tools/build_given_names.py
makes, what they hold, and how the entity stage uses them."""

from __future__ import annotations

import gzip

from newsflow.processors import entity_knowledge as knowledge
from newsflow.processors.entities import Mention, build_entities
from newsflow.schemas.articles import EntityType
from tools import build_given_names


def test_the_shipped_files_are_what_the_builder_makes() -> None:
    # faker is pinned in the dev extra: after upgrading it, `make person-names` and review the difference.
    for target, data in build_given_names.files().items():
        assert gzip.decompress(target.read_bytes()) == gzip.decompress(data), target.name


def test_the_files_are_small_and_licensed() -> None:
    notice = (build_given_names.DATA / "README.md").read_text()
    assert "Faker" in notice and "MIT" in notice
    for target in build_given_names.files():
        assert target.stat().st_size < 100_000
        assert "(MIT)" in gzip.decompress(target.read_bytes()).decode().splitlines()[0]


def test_given_names_of_many_languages_and_no_places_or_company_words() -> None:
    for name in ("Christos", "Oleksandr", "Vadim", "Hiroshi", "Istvan", "Kevin", "Trond", "Dries"):
        assert knowledge.is_given_name(name), name
    for word in ("Georgia", "General", "Royal", "French", "Union"):
        assert not knowledge.is_given_name(word), word
    assert knowledge.could_be_surname("Vlachakis") and knowledge.could_be_surname("Brown")
    assert not knowledge.could_be_surname("Capital")


def test_a_given_name_and_a_surname_the_model_called_an_organisation_is_a_person() -> None:
    entities = build_entities(
        [
            Mention("Christos Vlachakis", "ORG"),
            Mention("Kevin Durham", "GPE"),
            Mention("Atticus Capital", "ORG"),  # a common word is no surname
            Mention("Morgan Stanley", "ORG"),  # two given names: a firm named after its founders
            Mention("James Capel", "ORG", before="an analyst at "),  # a broker
        ]
    )
    kinds = {e.canonical: e.type for e in entities}
    assert kinds == {
        "Christos Vlachakis": EntityType.PERSON,
        "Kevin Durham": EntityType.PERSON,
        "Atticus Capital": EntityType.ORGANIZATION,
        "Morgan Stanley": EntityType.ORGANIZATION,
        "James Capel": EntityType.ORGANIZATION,
    }


def test_a_row_or_a_chess_side_opening_with_a_given_name_is_a_player() -> None:
    entities = build_entities(
        [Mention("Luna Park", "GPE")],
        teams=["Kevin Durham", "Istvan Farago", "Bolton"],
        rows=["Kevin Durham", "Istvan Farago"],
    )
    kinds = {e.canonical: e.type for e in entities}
    assert kinds == {
        "Kevin Durham": EntityType.PERSON,
        "Istvan Farago": EntityType.PERSON,
        "Bolton": EntityType.ORGANIZATION,
        "Luna Park": EntityType.PLACE,  # a park, though Luna is a given name
    }
