"""The hand-annotated BBC entity set (bench/data/bbc-entities): its shape, its articles and its selection."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from bench.bbc_gold import DATA, GOLD, load_bbc_gold
from bench.entity_scoring import TYPES
from tests.conftest import BBC_DIR
from tools.select_bbc_entities import DEV_PER_CATEGORY, PER_CATEGORY, select

CATEGORIES = ("business", "entertainment", "politics")


def _gold() -> dict[str, Any]:
    gold: dict[str, Any] = json.loads(GOLD.read_text(encoding="utf-8"))
    return gold


def _body(path: str) -> str:
    # The body is what the pipeline's entity stage reads: everything after the headline line.
    return (BBC_DIR / path).read_text(encoding="utf-8").split("\n", 1)[1]


def test_the_selection_tool_gives_the_annotated_articles() -> None:
    gold = _gold()
    selected = select(BBC_DIR)
    assert sorted(s.path for s in selected) == sorted(gold)
    for item in selected:
        record = gold[item.path]
        assert (record["split"], record["category"], record["sha256"]) == (item.split, item.category, item.sha256)


def test_66_articles_27_dev_and_39_test_22_per_category() -> None:
    gold = _gold()
    assert (PER_CATEGORY, DEV_PER_CATEGORY) == (22, 9)
    assert len(gold) == 66
    assert Counter(d["split"] for d in gold.values()) == {"dev": 27, "test": 39}
    assert Counter((d["category"], d["split"]) for d in gold.values()) == {
        **{(c, "dev"): 9 for c in CATEGORIES},
        **{(c, "test"): 13 for c in CATEGORIES},
    }
    for name in ("GUIDELINES.md", "README.md"):
        assert (DATA / name).is_file()


def test_every_article_is_in_the_corpus_with_its_sha256_and_no_copy() -> None:
    digests = Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in BBC_DIR.glob("*/*.txt"))
    for path, record in _gold().items():
        assert path.split("/", 1)[0] == record["category"], path
        assert hashlib.sha256((BBC_DIR / path).read_bytes()).hexdigest() == record["sha256"], path
        assert digests[record["sha256"]] == 1, path  # the rule leaves out texts with an exact copy


def test_every_entity_is_well_formed() -> None:
    for path, record in _gold().items():
        assert set(record) == {"split", "sha256", "category", "entities"}, path
        assert record["entities"], path
        seen = set()
        for entity in record["entities"]:
            assert set(entity) == {"type", "name", "aliases"}, (path, entity)
            assert entity["type"] in TYPES, (path, entity)
            assert entity["name"] and entity["name"] == entity["name"].strip(), (path, entity)
            assert entity["name"] in entity["aliases"], (path, entity)
            assert entity["aliases"] == sorted(set(entity["aliases"])), (path, entity)
            assert (entity["type"], entity["name"]) not in seen, (path, entity)
            seen.add((entity["type"], entity["name"]))


def test_every_name_and_alias_occurs_in_its_article_body() -> None:
    # Case-sensitive: a typo in the gold, or a form seen only in the headline, fails here.
    missing = [
        (path, alias)
        for path, record in _gold().items()
        for entity in record["entities"]
        for alias in entity["aliases"]
        if alias not in _body(path)
    ]
    assert missing == []


def test_an_alias_belongs_to_one_entity_of_its_type_per_article() -> None:
    for path, record in _gold().items():
        owners = Counter((e["type"], a) for e in record["entities"] for a in e["aliases"])
        assert [key for key, n in owners.items() if n > 1] == [], path


def test_the_loader_gives_parts_gold_and_files() -> None:
    parts, gold, files = load_bbc_gold(BBC_DIR)
    assert set(parts) == set(gold) == set(files) == set(_gold())
    assert files["business/482.txt"] == BBC_DIR / "business" / "482.txt"
    people = {e.name: e.aliases for e in gold["politics/305.txt"] if e.type == "PERSON"}
    assert people["Tony Blair"] == ("Blair", "Tony Blair")
    assert sum(len(entities) for entities in gold.values()) == sum(len(d["entities"]) for d in _gold().values())
