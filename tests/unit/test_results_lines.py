"""Results and standings lines: their names are teams (processors/results_lines.py, processors/entities.py)."""

from __future__ import annotations

import pytest

from newsflow.processors.entities import EntityExtractor, Mention, build_entities
from newsflow.processors.results_lines import team_names
from newsflow.schemas.articles import EntityType

RESULTS_ARTICLE = """Results of English league matches on Saturday :
Barnsley 2 Wolverhampton 1
Manchester United 3 Leeds 0
Bolton 1 Ipswich 2
Standings :
Bolton 20 12 5 3 40 20 41
Barnsley 20 10 6 4 33 25 36
Japan 2 Syria 1
Tiger Woods ( U.S. ) 69 70 71
"""


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor()


def test_results_and_standings_lines_give_their_names() -> None:
    assert team_names(RESULTS_ARTICLE) == [
        "Barnsley", "Wolverhampton", "Manchester United", "Leeds", "Bolton", "Ipswich",
        "Bolton", "Barnsley", "Japan", "Syria",
    ]  # fmt: skip


def test_fixture_lines_give_both_sides() -> None:
    fixtures = "New York at Baltimore\nLeeds v Chelsea\nAjax vs. PSV"
    assert team_names(f"Utah 105 Houston 97\n{fixtures}") == [
        "Utah", "Houston", "New York", "Baltimore", "Leeds", "Chelsea", "Ajax", "PSV",
    ]  # fmt: skip
    assert team_names(fixtures) == []  # no scores: headings, not a sports page
    assert team_names("Utah 105 Houston 97\nTalks at Geneva went on for hours at the hotel.") == ["Utah", "Houston"]


def test_a_score_between_the_sides_gives_both() -> None:
    lines = "Group G \u2014 Belgium 3 \u2013 0 Panama\nChelsea 2-1 Arsenal\nReal Madrid 3-3 Barcelona (aet)"
    assert team_names(lines) == ["Belgium", "Panama", "Chelsea", "Arsenal", "Real Madrid", "Barcelona"]
    assert team_names("Labour won 3-0 in Hull\nThe vote was 52-48 against") == []  # no side after the score


def test_prose_with_numbers_and_bracketed_individuals_give_none() -> None:
    prose = "Japan began the defence of their title with a 2-1 win against Syria on Friday .\nIn 1996 sales rose 5 %"
    assert team_names(prose) == []
    assert team_names("Tiger Woods ( U.S. ) 69 70 71") == []
    assert team_names("A " * 150 + "2 B 1") == []  # a long line is prose


def test_clubs_are_organisations_countries_places_players_people() -> None:
    mentions = [Mention("Hamburg", "GPE"), Mention("Japan", "GPE"), Mention("Alan Shearer", "PERSON")]
    entities = build_entities(mentions, teams=["Hamburg", "Bayern Munich", "Japan", "Alan Shearer"])
    kinds = {e.canonical: e.type for e in entities}
    assert kinds == {
        "Hamburg": EntityType.ORGANIZATION,
        "Bayern Munich": EntityType.ORGANIZATION,
        "Japan": EntityType.PLACE,
        "Alan Shearer": EntityType.PERSON,
    }


def test_a_results_table_through_the_model(extractor: EntityExtractor) -> None:
    (entities,) = extractor.extract([RESULTS_ARTICLE])
    kinds = {e.canonical: e.type for e in entities}
    for club in ("Barnsley", "Wolverhampton", "Manchester United", "Leeds", "Bolton", "Ipswich"):
        assert kinds.get(club) is EntityType.ORGANIZATION, club
    assert kinds.get("Japan") is EntityType.PLACE
    assert not any(any(w.isdigit() for w in name.split()) for name in kinds if kinds[name] is EntityType.PERSON)
