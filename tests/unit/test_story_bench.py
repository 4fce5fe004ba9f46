"""The story benchmark's scoring (bench/stories.py): pairwise scores and the spread over arrival orders."""

from __future__ import annotations

from bench.stories import order_spread, pairwise
from bench.story_cost import cpu_per_article
from newsflow.processors.stories import StoryParameters
from tests.unit.test_stories import AUCTION, AUCTION_FOLLOW_UP, FILM, document


def test_pairwise_counts_the_pairs_predicted_together_that_gold_puts_together() -> None:
    gold = {"a": "s1", "b": "s1", "c": "s1", "d": "s2"}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y"}
    scores = pairwise(gold, predicted)
    assert (scores.true_pairs, scores.predicted_pairs, scores.gold_pairs) == (1, 2, 3)
    assert (scores.precision, round(scores.recall, 3)) == (0.5, 0.333)


def test_the_spread_over_orders_gives_each_part_mean_min_and_max() -> None:
    documents = [document("a", AUCTION), document("b", AUCTION_FOLLOW_UP), document("c", FILM)]
    gold = {"dev": {"a.txt": "auction", "b.txt": "auction", "c.txt": "film"}}
    spread = order_spread(documents, StoryParameters(), gold, orders=3)
    assert set(spread) == {"dev"}
    # The auction's two reports join in any order, and the film stays alone.
    assert spread["dev"] == {
        f"{name}_{stat}": 1.0 for name in ("precision", "recall", "f1") for stat in ("mean", "min", "max")
    }


def test_cpu_per_article_is_each_process_milliseconds_an_article() -> None:
    before = {"worker": 10.0, "kafka": 2.0, "elasticsearch": None}
    after = {"worker": 40.0, "kafka": 3.5, "elasticsearch": 9.0}
    assert cpu_per_article(before, after, 1000) == {"worker": 30.0, "kafka": 1.5}
    assert cpu_per_article(before, after, 0) == {}
