"""The near-duplicate stage's decisions: one link to the original, once per pair, also past a full bucket."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner

from newsflow.processors.dedup import MAX_BUCKET_MEMBERS, SentLinks, band_messages, match_bucket, member_record
from newsflow.processors.normalize import normalize
from newsflow.processors.similarity import (
    BANDS,
    NUM_PERM,
    ROWS,
    band_keys,
    band_partition,
    estimated_jaccard,
    minhash_signature,
    shingles,
)  # fmt: skip
from newsflow.schemas.articles import (
    ArticleBands,
    NearDuplicateLink,
    NormalizedArticle,
    RawArticle,
    SourceFormat,
    SourceInfo,
)  # fmt: skip

THRESHOLD = 0.5
START = datetime(2026, 1, 1, tzinfo=UTC)
STORY = (
    "The central bank raised its main interest rate by a quarter of a point on Thursday, "
    "the fourth rise this year, and said inflation would stay above its target until next spring."
)


def entry(article_id: str, minhash: list[int], band: int = 0, minutes: int = 0) -> ArticleBands:
    """``article_id``'s message of one band, received ``minutes`` after START."""
    received = START + timedelta(minutes=minutes)
    return ArticleBands(
        band_keys=[band_keys(minhash)[band]], article_id=article_id, received_at=received, minhash=minhash
    )


def variant(base: list[int], changed: range, seed: int) -> list[int]:
    """``base`` with the positions in ``changed`` replaced by values no other signature has."""
    return [1_000_000 * seed + i if i in changed else v for i, v in enumerate(base)]


def run_stage(
    entries: list[ArticleBands], buckets: dict[str, list[dict[str, Any]]], sent: SentLinks
) -> list[NearDuplicateLink]:
    """The stage's loop over ``entries``: match each against its bucket, send each link the first time."""
    messages = []
    for item in entries:
        for band_key in item.band_keys:
            links, buckets[band_key] = match_bucket(buckets.get(band_key, []), item, THRESHOLD)
            for link in links:
                if sent.first_time(link):
                    messages.append(link)
                    sent.remember(link)
    return messages


def test_a_new_copy_links_to_the_earliest_similar_member_only() -> None:
    story = minhash_signature(shingles(STORY))
    members = [member_record(entry(f"copy-{n:02d}", story, minutes=n)) for n in range(40)]

    links, after = match_bucket(members, entry("newest", story, minutes=60), THRESHOLD)

    assert links == [NearDuplicateLink(article_id="newest", near_duplicate_of="copy-00", similarity=1.0)]
    assert [m["article_id"] for m in after] == [*(f"copy-{n:02d}" for n in range(40)), "newest"]


def test_the_original_is_the_earliest_similar_member_not_the_first_member() -> None:
    story = minhash_signature(shingles(STORY))
    other = variant(story, range(ROWS, NUM_PERM), seed=1)  # shares band 0 with the story, nothing else
    members = [member_record(entry("unrelated", other)), member_record(entry("original", story, minutes=1))]

    links, _ = match_bucket(members, entry("republished", story, minutes=2), THRESHOLD)

    assert [(link.article_id, link.near_duplicate_of) for link in links] == [("republished", "original")]


def test_an_original_processed_after_its_copy_becomes_its_original() -> None:
    # Another partition's producer was faster: the later copy reached the bucket first.
    story = minhash_signature(shingles(STORY))
    members = [member_record(entry("copy", story, minutes=5))]

    links, after = match_bucket(members, entry("original", story, minutes=1), THRESHOLD)

    assert [(link.article_id, link.near_duplicate_of) for link in links] == [("copy", "original")]
    assert [m["article_id"] for m in after] == ["copy", "original"]


def test_dissimilar_members_make_no_link() -> None:
    story = minhash_signature(shingles(STORY))
    members = [member_record(entry("unrelated", variant(story, range(ROWS, NUM_PERM), seed=1)))]

    links, after = match_bucket(members, entry("story", story, minutes=1), THRESHOLD)

    assert links == []
    assert len(after) == 2


def test_the_same_entry_again_makes_the_same_links_and_changes_no_bucket() -> None:
    story = minhash_signature(shingles(STORY))
    members: list[dict[str, Any]] = []
    for n in range(3):
        _, members = match_bucket(members, entry(f"copy-{n}", story, minutes=n), THRESHOLD)
    first, _ = match_bucket(members[:1], entry("copy-1", story, minutes=1), THRESHOLD)

    again, unchanged = match_bucket(members, entry("copy-1", story, minutes=1), THRESHOLD)

    assert again == first == [NearDuplicateLink(article_id="copy-1", near_duplicate_of="copy-0", similarity=1.0)]
    assert unchanged == members


def test_a_pair_sharing_every_band_is_sent_once() -> None:
    story = minhash_signature(shingles(STORY))
    edited = list(story)  # the same shingles (another headline): all 32 bands shared
    buckets: dict[str, list[dict[str, Any]]] = {}
    sent = SentLinks()
    run_stage([entry("original", story, band=b) for b in range(BANDS)], buckets, sent)

    messages = run_stage([entry("republished", edited, band=b, minutes=1) for b in range(BANDS)], buckets, sent)

    assert messages == [NearDuplicateLink(article_id="republished", near_duplicate_of="original", similarity=1.0)]


def test_a_full_first_shared_band_still_yields_the_link() -> None:
    # Band 0 of the story is full of unrelated articles (boilerplate they share), so it holds
    # neither the original nor its republication; band 1 holds the original and finds the pair.
    story = minhash_signature(shingles(STORY))
    republished = variant(story, range(NUM_PERM - 8, NUM_PERM), seed=3)  # bands 0..29 shared
    buckets: dict[str, list[dict[str, Any]]] = {}
    sent = SentLinks()
    boilerplate = [
        entry(f"other-{n:02d}", variant(story, range(ROWS, NUM_PERM), seed=10 + n)) for n in range(MAX_BUCKET_MEMBERS)
    ]
    run_stage(boilerplate, buckets, sent)
    run_stage([entry("original", story, band=b, minutes=1) for b in range(BANDS)], buckets, sent)

    messages = run_stage([entry("republished", republished, band=b, minutes=2) for b in range(BANDS)], buckets, sent)

    first_band = band_keys(story)[0]
    assert len(buckets[first_band]) == MAX_BUCKET_MEMBERS
    assert all(m["article_id"].startswith("other-") for m in buckets[first_band])
    assert [(m.article_id, m.near_duplicate_of) for m in messages] == [("republished", "original")]


def test_sent_links_forgets_the_oldest_beyond_its_capacity() -> None:
    sent = SentLinks(capacity=2)
    links = [NearDuplicateLink(article_id=f"a{n}", near_duplicate_of="o", similarity=0.9) for n in range(3)]

    assert [sent.first_time(link) for link in links] == [True, True, True]
    assert sent.first_time(links[0]) is True  # looked at, not sent: still to be sent
    for link in links:
        sent.remember(link)
    assert sent.first_time(links[2]) is False
    assert sent.first_time(links[0]) is True  # forgotten: sent again (the sink's write is idempotent)


def normalized(article_id: str, body: str, minutes: int = 0) -> NormalizedArticle:
    source = SourceInfo(
        path=f"{article_id}.txt", file_sha256="f" * 64, format=SourceFormat.TEXT, record_index=0,
        received_at=START + timedelta(minutes=minutes),
    )  # fmt: skip
    return normalize(RawArticle(title=article_id, body=body, source=source)).model_copy(
        update={"article_id": article_id}
    )


@pytest.mark.parametrize("partitions", [1, 2, 4, 12])
def test_an_articles_bands_go_once_each_to_the_partition_of_their_bucket(partitions: int) -> None:
    article = normalized("a", STORY)

    messages = band_messages(article, partitions)

    assert sorted(key for _, bands in messages for key in bands.band_keys) == sorted(band_keys(article.minhash))
    assert [partition for partition, _ in messages] == sorted({partition for partition, _ in messages})
    for partition, bands in messages:
        assert {band_partition(key, partitions) for key in bands.band_keys} == {partition}
        assert (bands.article_id, bands.minhash) == ("a", article.minhash)
    assert len(messages) <= partitions


def test_a_republication_sent_as_grouped_bands_links_to_its_original_once() -> None:
    edited = STORY.replace("fourth rise", "fourth increase")
    buckets: dict[str, list[dict[str, Any]]] = {}
    sent = SentLinks()
    original, republished = normalized("original", STORY), normalized("republished", edited, minutes=1)
    assert estimated_jaccard(original.minhash, republished.minhash) >= THRESHOLD

    run_stage([bands for _, bands in band_messages(original, 4)], buckets, sent)
    messages = run_stage([bands for _, bands in band_messages(republished, 4)], buckets, sent)
    again = run_stage([bands for _, bands in band_messages(republished, 4)], buckets, SentLinks())  # read again

    assert [(m.article_id, m.near_duplicate_of) for m in messages] == [("republished", "original")]
    assert [(m.article_id, m.near_duplicate_of) for m in again] == [("republished", "original")]  # same link
    assert all(len(members) <= 2 for members in buckets.values())  # a message read again stores nothing twice


def test_a_version_1_message_of_one_band_reads_as_that_band() -> None:
    received = START.isoformat()
    version_1 = {
        "schema_version": 1,
        "band_key": "07:abc",
        "article_id": "a",
        "received_at": received,
        "minhash": [1, 2],
    }

    bands = ArticleBands.model_validate_json(json.dumps(version_1))

    assert (bands.schema_version, bands.band_keys, bands.article_id) == (2, ["07:abc"], "a")


def test_a_bucket_stays_on_the_partition_version_1_messages_keyed_by_band_put_it_on() -> None:
    keys = band_keys(minhash_signature(shingles(STORY)))

    for partitions in (1, 3, 4, 12):
        everything = list(range(partitions))
        kafka_default = [DefaultPartitioner()(key.encode(), everything, everything) for key in keys]
        assert [band_partition(key, partitions) for key in keys] == kafka_default
