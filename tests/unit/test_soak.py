"""The soak bench's feed (the issue's mix of new texts, republications and copies) and its four verdicts."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from bench.soak import HeapAfterCollection, verdicts
from bench.soak_feed import SoakFeed
from bench.sustained import CorpusText, load_corpus
from newsflow.processors.similarity import estimated_jaccard, minhash_signature, shingles

NEAR_DUPLICATE = 0.5  # Settings().near_duplicate_threshold


@pytest.fixture(scope="module")
def corpus() -> list[CorpusText]:
    return load_corpus()


def _body(data: bytes) -> str:
    return data.decode().split("\n", 1)[1]


def _signature(data: bytes) -> list[int]:
    return minhash_signature(shingles(_body(data)))


def test_the_feed_has_the_issues_mix_and_is_the_same_for_a_seed(corpus: list[CorpusText]) -> None:
    feed, again = SoakFeed(corpus), SoakFeed(corpus)
    drops = [feed.drop(n) for n in range(4000)]

    kinds = Counter(d.kind for d in drops)
    assert 0.27 < kinds["republished"] / 4000 < 0.33
    assert 0.035 < kinds["copy"] / 4000 < 0.065
    assert [again.drop(n).data for n in range(50)] == [d.data for d in drops[:50]]
    assert len({d.name for d in drops}) == 4000


def test_copies_repeat_earlier_bytes_and_republications_are_near_duplicates_of_their_story(
    corpus: list[CorpusText],
) -> None:
    feed = SoakFeed(corpus)
    drops = [feed.drop(n) for n in range(1500)]

    for drop in drops:
        if drop.kind == "copy":
            assert drop.of is not None and drop.of < drops.index(drop)
            assert drop.data == drops[drop.of].data
        elif drop.kind == "republished":
            assert drop.of is not None
            original = drops[drop.of]
            assert original.kind == "new" and drop.data != original.data
            similarity = estimated_jaccard(_signature(drop.data), _signature(original.data))
            assert similarity >= NEAR_DUPLICATE, f"{drop.name} is not a near-duplicate of {original.name}"


def test_new_texts_are_rarely_near_duplicates_of_each_other(corpus: list[CorpusText]) -> None:
    feed = SoakFeed(corpus)
    new = [d for d in (feed.drop(n) for n in range(600)) if d.kind == "new"][:300]
    signatures = [_signature(d.data) for d in new]

    close = sum(1 for a, b in itertools.combinations(signatures, 2) if estimated_jaccard(a, b) >= NEAR_DUPLICATE)

    assert close / (len(new) * (len(new) - 1) / 2) < 0.001


def test_an_hour_of_the_feed_republishes_some_stories_20_times_or_more(corpus: list[CorpusText]) -> None:
    feed = SoakFeed(corpus)
    for n in range(int(3.5 * 3600)):  # an hour at 3.5 files/s
        feed.drop(n)

    assert max(feed.republications.values()) >= 20
    assert sum(1 for v in feed.republications.values() if v >= 20) >= 3


def test_drops_are_asked_for_in_order(corpus: list[CorpusText]) -> None:
    feed = SoakFeed(corpus)
    feed.drop(0)

    with pytest.raises(ValueError, match="in order"):
        feed.drop(5)


def _series(
    *,
    minutes: float = 60,
    backlog_per_min: float = 0.0,
    late_latency: float = 1.0,
    rss_mb_per_hour: float = 0.0,
    heap_mb_per_hour: float = 0.0,
) -> dict[str, Any]:
    rate = 4.0
    samples = []
    for k in range(int(minutes * 60 / 5) + 1):
        t = 5.0 * k
        dropped = int(rate * t)
        backlog = int(10 + backlog_per_min * t / 60)
        samples.append(
            {
                "t": t,
                "dropped": dropped,
                "searchable": max(0, dropped - backlog),
                "lag": 200 + (k % 6) * 40,
                "rss_mb": {"worker": 600 + rss_mb_per_hour * t / 3600 + (k % 3)},
                "heap_mb": {
                    "kafka": [300 + heap_mb_per_hour * t / 3600 + 100 * (k % 4), 1024.0],
                    "elasticsearch": [400 + 150 * (k % 5), 1024.0],
                },
            }
        )
    articles = [
        {
            "dropped_t": n / rate,
            "latency_s": (late_latency if n / rate > 60 * (minutes - 10) else 1.0) + 0.1 * (n % 7),
        }
        for n in range(int(rate * minutes * 60))
    ]
    return {"config": {"seconds": minutes * 60, "rate_per_s": rate}, "samples": samples, "articles": articles}


def _held(series: dict[str, Any]) -> dict[str, bool | None]:
    return {v.name: v.held for v in verdicts(series)}


def test_a_steady_run_holds_every_verdict() -> None:
    held = _held(_series())

    assert held == {
        "lag bounded (last 40 min)": True,
        "freshness p99 held (last 10 min)": True,
        "worker RSS growth after minute 10": True,
        "elasticsearch heap after GC": True,
        "kafka heap after GC": True,
    }


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        ({"backlog_per_min": 2.0}, "lag bounded (last 40 min)"),
        ({"late_latency": 3.0}, "freshness p99 held (last 10 min)"),
        ({"rss_mb_per_hour": 40.0}, "worker RSS growth after minute 10"),
        ({"heap_mb_per_hour": 120.0}, "kafka heap after GC"),
    ],
)
def test_each_verdict_fails_on_its_own_drift(change: dict[str, float], failed: str) -> None:
    held = _held(_series(**change))

    assert [name for name, ok in held.items() if not ok] == [failed]


def test_a_short_run_scales_its_windows() -> None:
    held = _held(_series(minutes=6))

    assert all(held.values())


def test_heap_readings_too_sparse_for_two_windows_are_not_judged() -> None:
    series = _series(minutes=6)
    # One jstat reading every 30 s, as the run takes them: a 6-minute run's 30 s windows hold one each.
    for sample in series["samples"]:
        if sample["t"] % 30:
            del sample["heap_mb"]

    held = _held(series)

    assert held["kafka heap after GC"] is None
    assert held["elasticsearch heap after GC"] is None
    assert held["worker RSS growth after minute 10"] is True


def test_a_calibration_feed_has_other_names_and_no_copies(corpus: list[CorpusText]) -> None:
    soak, calibration = SoakFeed(corpus), SoakFeed(corpus, copies=0.0, seed=29, label="calibration")
    drops = [calibration.drop(n) for n in range(300)]

    assert {d.kind for d in drops} == {"new", "republished"}
    assert all(d.name.startswith("calibration-") for d in drops)
    assert not {d.name for d in drops} & {soak.drop(n).name for n in range(300)}


def test_worker_memory_swinging_with_the_backlog_but_returning_to_its_floor_holds() -> None:
    series = _series()
    # Full NER batches in the second half hold 400 MB more for half of each minute: working memory, not growth.
    for sample in series["samples"]:
        if sample["t"] > 1800 and sample["t"] % 60 < 30:
            sample["rss_mb"]["worker"] += 400

    held = _held(series)

    assert held["worker RSS growth after minute 10"] is True


def test_heap_readings_follow_a_requested_collection_once_a_window() -> None:
    clock = iter([0.0, 10.0, 299.0, 300.0, 310.0, 0.5])
    collected: list[int] = []
    heap = HeapAfterCollection(
        collect_every_s=300.0, clock=lambda: next(clock), collect=collected.append, read=lambda pid: (100.0, 512.0)
    )
    readings = [heap(41) for _ in range(5)] + [heap(42)]
    assert readings == [(100.0, 512.0)] * 6
    # JVM 41 at 0 s and 300 s (not at 10 or 299, nor again at 310); JVM 42 on its first reading.
    assert collected == [41, 41, 42]
