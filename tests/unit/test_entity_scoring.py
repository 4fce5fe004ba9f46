"""The entity benchmark's document-level scoring (bench/entity_scoring.py)."""

from __future__ import annotations

import pytest

from bench.entity_scoring import GoldEntity, score_article, score_corpus

ZELENSKY = GoldEntity("PERSON", "Volodymyr Zelensky", ("Volodymyr Zelensky", "Zelenskyy"))
KYIV = GoldEntity("PLACE", "Kyiv", ("Kyiv", "Kiev"))
REUTERS = GoldEntity("ORGANIZATION", "Reuters", ("Reuters",))


def test_a_name_matches_any_alias_of_the_same_type_ignoring_case_and_accents() -> None:
    score = score_article([ZELENSKY, KYIV], [("PERSON", "volodymyr zelenskyy"), ("PLACE", "Kiev")])
    assert (score.overall.tp, score.overall.fp, score.overall.fn) == (2, 0, 0)
    assert score.overall.f1 == 1.0


def test_the_wrong_type_is_a_false_positive_and_a_miss() -> None:
    score = score_article([KYIV], [("PERSON", "Kyiv")])
    assert (score.by_type["PERSON"].fp, score.by_type["PLACE"].fn, score.overall.tp) == (1, 1, 0)


def test_a_second_name_of_a_matched_entity_is_a_split_not_a_false_positive() -> None:
    score = score_article([ZELENSKY], [("PERSON", "Volodymyr Zelensky"), ("PERSON", "Zelenskyy Volodymyr")])
    assert (score.by_type["PERSON"].tp, score.by_type["PERSON"].fp) == (1, 1)
    score = score_article([ZELENSKY], [("PERSON", "Volodymyr Zelensky"), ("PERSON", "Zelenskyy")])
    assert (score.by_type["PERSON"].tp, score.by_type["PERSON"].split, score.by_type["PERSON"].fp) == (1, 1, 0)


def test_the_same_name_twice_counts_once() -> None:
    score = score_article([REUTERS], [("ORGANIZATION", "Reuters"), ("ORGANIZATION", "REUTERS")])
    assert (score.overall.tp, score.overall.fp) == (1, 0)


def test_the_corpus_sums_articles_and_counts_an_unpredicted_article_as_missed() -> None:
    score = score_corpus({"a": [ZELENSKY, KYIV], "b": [REUTERS]}, {"a": [("PERSON", "Zelenskyy"), ("PLACE", "Lviv")]})
    overall = score.overall
    assert (overall.tp, overall.fp, overall.fn) == (1, 1, 2)
    assert overall.precision == pytest.approx(0.5)
    assert overall.recall == pytest.approx(1 / 3)
    assert overall.f1 == pytest.approx(0.4)
