"""The GUM interview set (bench/data/gum-interviews): what tools/build_gum_entities.py builds, and what it holds."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from bench.entity_quick import annotated_set, set_names
from tools import build_gum_entities
from tools.build_gum_entities import GUM_ARCHIVE, INTERVIEWS, WIKI_QUALIFIER, read_conllu

DATA = INTERVIEWS.data
TYPES = {"PERSON", "ORGANIZATION", "PLACE"}


@pytest.fixture(scope="module")
def interview_build() -> tuple[dict[str, str], str]:
    """What the builder makes of the archive's interviews: article texts by document, and gold.json's text."""
    return build_gum_entities.build(INTERVIEWS)


@pytest.fixture(scope="module")
def interview_gold() -> dict[str, Any]:
    """The committed gold.json of gum-interviews."""
    gold: dict[str, Any] = json.loads((DATA / "gold.json").read_text(encoding="utf-8"))
    return gold


def _article(doc: str) -> str:
    return (DATA / "articles" / f"{doc}.txt").read_text(encoding="utf-8")


def test_the_committed_files_are_what_the_builder_builds(interview_build: tuple[dict[str, str], str]) -> None:
    articles, gold = interview_build
    assert build_gum_entities.differences(articles, gold, DATA) == []
    assert build_gum_entities.main(["--set", "gum-interviews", "--check"]) == 0


def test_the_19_interviews_of_the_archive_all_dev(interview_gold: dict[str, Any]) -> None:
    with tarfile.open(GUM_ARCHIVE) as archive:
        members = {Path(name).stem for name in archive.getnames() if Path(name).name.startswith("GUM_interview_")}
    assert len(members) == 19
    assert {f"GUM_interview_{doc}" for doc in interview_gold} == members
    assert {record["split"] for record in interview_gold.values()} == {"dev"}
    assert (DATA / "LICENSE.md").is_file()
    assert (DATA / "README.md").is_file()


def test_each_article_starts_with_its_title_then_its_date_when_gum_has_one(interview_gold: dict[str, Any]) -> None:
    undated = set()
    for doc, record in interview_gold.items():
        lines = _article(doc).split("\n")
        assert lines[0] == record["title"], doc
        # "Tuesday, September 1, 2015", alone or opening the lead (as GUM paragraphs cocktail)
        if not re.match(rf"[A-Z][a-z]+day, [A-Z][a-z]+ \d{{1,2}}, {record['date'][:4]}\b", lines[1]):
            undated.add(doc)
        assert record["source_url"].startswith("https://en.wikinews.org/wiki/"), doc
        assert "" not in lines[:-1], doc
    assert undated == {"cyclone", "gaming", "hill", "peres"}  # GUM's text of these has no date line


def test_titles_are_spelled_as_the_annotated_text_and_mckenzie_has_the_metadata_one(
    interview_gold: dict[str, Any],
) -> None:
    assert "Simon Ličen" in interview_gold["licen"]["title"]  # meta::title has "Licen"
    # GUM's text of mckenzie opens with its date: the title line is meta::title, outside the annotation.
    assert interview_gold["mckenzie"]["title"].startswith("Wikinews interviews Australian wheelchair")


def test_every_entity_is_well_formed(interview_gold: dict[str, Any]) -> None:
    for doc, record in interview_gold.items():
        for entity in record["entities"]:
            assert entity["type"] in TYPES, (doc, entity)
            assert entity["name"] in entity["aliases"], (doc, entity)
            assert entity["aliases"] == sorted(set(entity["aliases"])), (doc, entity)


def test_every_name_and_alias_is_in_its_article_but_the_wikipedia_title(interview_gold: dict[str, Any]) -> None:
    """A name form is text GUM annotated; the Wikipedia title ("Mikhail Gorbachev" for "Gorbachev") need not be."""
    for doc, record in interview_gold.items():
        text = _article(doc)
        for entity in record["entities"]:
            wikipedia = entity["wikipedia"] and WIKI_QUALIFIER.sub("", entity["wikipedia"].replace("_", " "))
            assert entity["name"] in text, (doc, entity)
            for alias in entity["aliases"]:
                assert alias in text or alias == wikipedia, (doc, entity, alias)


def test_a_sentence_before_the_first_paragraph_mark_opens_a_paragraph() -> None:
    conllu = "# meta::title = T\n# text = Friday\n1\tFriday\tFriday\tPROPN\tNNP\t_\t0\troot\t_\t_\n"
    parsed = read_conllu(conllu)
    assert parsed.paragraphs == [["Friday"]]
    assert parsed.title_sentences == 0


def test_the_quick_tool_reads_the_set_without_a_test_part(tmp_path: Path) -> None:
    assert "gum-interviews" in set_names()
    annotated = annotated_set("gum-interviews", tmp_path)
    assert len(annotated.gold) == 19
    assert set(annotated.parts.values()) == {"dev"}
    assert sorted(annotated.files) == sorted(annotated.gold)
    assert list(tmp_path.iterdir()) == []  # nothing staged: the BBC corpus is not read
