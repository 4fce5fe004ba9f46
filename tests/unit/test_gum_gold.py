"""The GUM news benchmark data (bench/data/gum-news): what tools/build_gum_entities.py builds, and what it holds."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from tools import build_gum_entities
from tools.build_gum_entities import ARTICLES, DATA, GOLD, SOURCE, TEST_DOCS

FROZEN_TEST = {
    "homeopathic", "iodine", "nasa", "sensitive", "asylum", "crane", "election",
    "flag", "ie9", "korea", "questionnaire", "stampede", "warhol", "worship",
}  # fmt: skip
TYPES = {"PERSON", "ORGANIZATION", "PLACE"}


@cache
def _built() -> tuple[dict[str, str], str]:
    return build_gum_entities.build()


def _gold() -> dict[str, Any]:
    gold: dict[str, Any] = json.loads(GOLD.read_text(encoding="utf-8"))
    return gold


def _entity(doc: str, name: str) -> dict[str, Any]:
    found = [e for e in _gold()[doc]["entities"] if e["name"] == name]
    assert len(found) == 1, found
    entity: dict[str, Any] = found[0]
    return entity


def test_the_committed_files_are_what_the_converter_builds() -> None:
    articles, gold = _built()
    assert GOLD.read_text(encoding="utf-8") == gold
    assert sorted(p.stem for p in ARTICLES.glob("*.txt")) == sorted(articles)
    for doc, text in articles.items():
        assert (ARTICLES / f"{doc}.txt").read_text(encoding="utf-8") == text, doc
    assert build_gum_entities.differences(articles, gold) == []


def test_24_documents_14_test_and_10_dev() -> None:
    gold = _gold()
    assert len(list(SOURCE.glob("GUM_news_*.conllu"))) == 24
    assert len(gold) == 24
    assert TEST_DOCS == FROZEN_TEST
    assert {doc for doc, d in gold.items() if d["split"] == "test"} == FROZEN_TEST
    assert sum(d["split"] == "dev" for d in gold.values()) == 10
    assert (DATA / "LICENSE.md").is_file()


def test_each_article_starts_with_its_gold_title() -> None:
    for doc, record in _gold().items():
        lines = (ARTICLES / f"{doc}.txt").read_text(encoding="utf-8").split("\n")
        assert lines[0] == record["title"], doc
        assert record["source_url"].startswith("https://en.wikinews.org/wiki/"), doc
        assert "" not in lines[:-1], doc  # one line per paragraph, no blank lines


def test_every_entity_is_well_formed() -> None:
    for doc, record in _gold().items():
        for entity in record["entities"]:
            assert entity["type"] in TYPES, (doc, entity)
            assert entity["name"], (doc, entity)
            assert entity["name"] in entity["aliases"], (doc, entity)
            assert entity["aliases"] == sorted(set(entity["aliases"])), (doc, entity)
            assert entity["wikipedia"] is None or entity["wikipedia"], (doc, entity)


@pytest.mark.parametrize(
    ("doc", "name", "etype", "alias", "wikipedia"),
    [
        ("election", "Eddie Chu", "PERSON", "Eddie", "Eddie_Chu"),
        ("asylum", "John Kerry", "PERSON", "John Kerry", "John_Kerry"),
        ("asylum", "AFP", "ORGANIZATION", "Agence France-Presse", "Agence_France-Presse"),
        ("asylum", "United Nations", "ORGANIZATION", "Untied Nations", "United_Nations"),
        ("nasa", "Kennedy Space Center", "PLACE", "KSC", "Kennedy_Space_Center"),
    ],
)
def test_known_entities(doc: str, name: str, etype: str, alias: str, wikipedia: str) -> None:
    entity = _entity(doc, name)
    assert entity["type"] == etype
    assert alias in entity["aliases"]
    assert entity["wikipedia"] == wikipedia


def test_named_people_without_a_wikipedia_page_are_kept_and_captions_are_not() -> None:
    assert _entity("asylum", "Fuad Basya")["wikipedia"] is None
    # "Image: Nick Moreau" is a photo credit in a figure block of expo: neither text nor gold.
    assert "Nick Moreau" in (SOURCE / "GUM_news_expo.conllu").read_text(encoding="utf-8")
    assert "Nick Moreau" not in (ARTICLES / "expo.txt").read_text(encoding="utf-8")
    assert "Nick Moreau" not in GOLD.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("doc", "name", "etype", "alias"),
    [
        ("nasa", "NASA", "ORGANIZATION", "NASA"),
        ("asylum", "Jeff Rathke", "PERSON", "Rathke"),
        ("asylum", "Aceh", "PLACE", "Aceh"),
        ("afghan", "Taliban", "ORGANIZATION", "Taliban"),
        ("imprisoned", "Clearwater", "PLACE", "Clearwater, Florida"),
    ],
)
def test_the_hand_review_corrects_names_and_types(doc: str, name: str, etype: str, alias: str) -> None:
    entity = _entity(doc, name)
    assert entity["type"] == etype
    assert alias in entity["aliases"]


def test_the_hand_review_drops_groups_nested_names_and_stray_aliases() -> None:
    names = {doc: {e["name"] for e in record["entities"]} for doc, record in _gold().items()}
    assert "Rohingya" not in names["asylum"]  # a people
    assert "World" not in names["soccer"]  # inside "World Cup"
    assert "Colorado State" not in names["warming"]  # inside "Colorado State University"
    assert "Indonesia" not in _entity("asylum", "Aceh")["aliases"]
    assert "Booker" not in _entity("expo", "Margaret Atwood")["aliases"]
    assert [e["name"] for e in _gold()["clock"]["entities"]].count("Amneh Jafari") == 1  # merged


def test_every_correction_has_a_reason_and_a_stale_one_is_an_error() -> None:
    assert all(fix.reason for fix in build_gum_entities.CORRECTIONS)
    entity = build_gum_entities.GoldEntity(type="PLACE", name="World", aliases=["World"], wikipedia=None)
    stale = build_gum_entities.Correction("soccer", "Mars", "no such entity", drop=True)
    with pytest.raises(ValueError, match="no gold entity 'Mars'"):
        build_gum_entities.apply_corrections("soccer", [entity], (stale,))
    fixed = build_gum_entities.Correction("soccer", "World", "inside World Cup", drop=True)
    assert build_gum_entities.apply_corrections("soccer", [entity], (fixed,)) == []
