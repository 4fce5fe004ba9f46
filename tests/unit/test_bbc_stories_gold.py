"""The hand-labelled BBC story set (bench/data/bbc-stories): its shape, its counts, its splits and its articles."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bench.bbc_story_gold import DATA, SINGLETON_PREFIX, load_bbc_story_gold, read_gold, split_of
from tests.conftest import BBC_DIR

SLUG = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")
PATH = re.compile(r"^(business|entertainment|politics)/\d{3}\.txt$")


def _stories() -> dict[str, list[str]]:
    stories: dict[str, list[str]] = defaultdict(list)
    for path, record in read_gold().items():
        if record["story"] is not None:
            stories[record["story"]].append(path)
    return stories


def test_every_record_is_well_formed() -> None:
    gold = read_gold()
    assert list(gold) == sorted(gold)
    for path, record in gold.items():
        assert PATH.match(path), path
        assert set(record) == {"sha256", "story", "split"}, path
        assert re.fullmatch(r"[0-9a-f]{64}", record["sha256"]), path
        assert record["split"] in ("dev", "test"), path
        assert record["story"] is None or SLUG.match(record["story"]), (path, record["story"])
    for name in ("GUIDELINES.md", "README.md"):
        assert (DATA / name).is_file()


def test_at_least_150_articles_in_40_stories_and_60_singletons() -> None:
    gold = read_gold()
    stories = _stories()
    assert all(len(paths) >= 2 for paths in stories.values())  # a story label on one article would be a singleton
    assert len(stories) >= 40
    assert sum(len(paths) for paths in stories.values()) >= 150
    assert sum(record["story"] is None for record in gold.values()) >= 60
    # The figures README.md gives.
    assert (len(gold), len(stories), sum(record["story"] is None for record in gold.values())) == (496, 85, 196)


def test_each_story_is_wholly_in_the_split_its_hash_gives() -> None:
    gold = read_gold()
    for story, paths in _stories().items():
        assert {gold[path]["split"] for path in paths} == {split_of(story)}, story
    for path, record in gold.items():
        if record["story"] is None:
            assert record["split"] == split_of(SINGLETON_PREFIX + path), path
    assert Counter(record["split"] for record in gold.values()) == {"dev": 211, "test": 285}


def test_no_two_labelled_paths_hold_the_same_text() -> None:
    digests = Counter(record["sha256"] for record in read_gold().values())
    assert [digest for digest, n in digests.items() if n > 1] == []


@pytest.mark.skipif(not BBC_DIR.is_dir(), reason="the dev corpus is not beside the checkout")
def test_every_sha256_matches_the_corpus() -> None:
    for path, record in read_gold().items():
        assert hashlib.sha256((BBC_DIR / path).read_bytes()).hexdigest() == record["sha256"], path


@pytest.mark.skipif(not BBC_DIR.is_dir(), reason="the dev corpus is not beside the checkout")
def test_the_loader_gives_titles_bodies_and_labels() -> None:
    articles = load_bbc_story_gold(BBC_DIR)
    assert [a.path for a in articles] == list(read_gold())
    by_path = {a.path: a for a in articles}
    auction = by_path["business/314.txt"]
    assert (auction.story, auction.title) == ("yukos-yugansk-sale", "Yukos unit fetches $9bn at auction")
    assert auction.body.lstrip().startswith("A little-known Russian company has bought")
    single = by_path["business/145.txt"]
    assert single.story == "singleton:business/145.txt" and single.is_singleton
    assert len({a.story for a in articles if a.is_singleton}) == sum(a.is_singleton for a in articles)
    dev, test = load_bbc_story_gold(BBC_DIR, "dev"), load_bbc_story_gold(BBC_DIR, "test")
    assert {a.split for a in dev} == {"dev"} and {a.split for a in test} == {"test"}
    assert sorted(a.path for a in dev + test) == sorted(by_path)
    with pytest.raises(ValueError, match="split"):
        load_bbc_story_gold(BBC_DIR, "train")


@pytest.mark.skipif(not BBC_DIR.is_dir(), reason="the dev corpus is not beside the checkout")
def test_the_loader_refuses_a_changed_or_missing_file(tmp_path: Path) -> None:
    for path in read_gold():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BBC_DIR / path, tmp_path / path)
    assert len(load_bbc_story_gold(tmp_path)) == len(read_gold())
    changed = tmp_path / "business" / "314.txt"
    changed.write_bytes(changed.read_bytes() + b"\n")
    with pytest.raises(ValueError, match=r"business/314\.txt: sha256"):
        load_bbc_story_gold(tmp_path)
    changed.unlink()
    with pytest.raises(ValueError, match=r"business/314\.txt: labelled article missing"):
        load_bbc_story_gold(tmp_path)
