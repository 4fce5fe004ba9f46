"""The near-duplicate stage's decisions: one link to the original, once per pair, also past a full bucket."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka.partitioner import DefaultPartitioner

from newsflow.processors.dedup import (
    MAX_BUCKET_MEMBERS,
    RecentSignatures,
    SentLinks,
    band_messages,
    match_bucket,
    member_record,
)  # fmt: skip
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
from newsflow.schemas.near_duplicates import BucketMember, LshBucket, LshSignature

THRESHOLD = 0.5
START = datetime(2026, 1, 1, tzinfo=UTC)
STORY = (
    "The central bank raised its main interest rate by a quarter of a point on Thursday, "
    "the fourth rise this year, and said inflation would stay above its target until next spring."
)


# Every signature an entry was made with, as the stage's signature table holds them.
SIGNATURES: dict[str, list[int]] = {}


def entry(article_id: str, minhash: list[int], band: int = 0, minutes: int = 0) -> ArticleBands:
    """``article_id``'s message of one band, received ``minutes`` after START (its signature kept in SIGNATURES)."""
    received = START + timedelta(minutes=minutes)
    SIGNATURES[article_id] = minhash
    return ArticleBands(
        band_keys=[band_keys(minhash)[band]], article_id=article_id, received_at=received, minhash=minhash
    )


def match(members: list[BucketMember], item: ArticleBands) -> tuple[list[NearDuplicateLink], list[BucketMember]]:
    """``match_bucket`` with the signatures of every entry made so far."""
    return match_bucket(members, item, THRESHOLD, SIGNATURES.get)


def variant(base: list[int], changed: range, seed: int) -> list[int]:
    """``base`` with the positions in ``changed`` replaced by values no other signature has."""
    return [1_000_000 * seed + i if i in changed else v for i, v in enumerate(base)]


def run_stage(
    entries: list[ArticleBands], buckets: dict[str, list[BucketMember]], sent: SentLinks
) -> list[NearDuplicateLink]:
    """The stage's loop over ``entries``: match each against its bucket, send each link the first time."""
    messages = []
    for item in entries:
        for band_key in item.band_keys:
            links, buckets[band_key] = match(buckets.get(band_key, []), item)
            for link in links:
                if sent.first_time(link):
                    messages.append(link)
                    sent.remember(link)
    return messages


def test_a_new_copy_links_to_the_earliest_similar_member_only() -> None:
    story = minhash_signature(shingles(STORY))
    members = [member_record(entry(f"copy-{n:02d}", story, minutes=n)) for n in range(40)]

    links, after = match(members, entry("newest", story, minutes=60))

    assert links == [NearDuplicateLink(article_id="newest", near_duplicate_of="copy-00", similarity=1.0)]
    assert [m.article_id for m in after] == [*(f"copy-{n:02d}" for n in range(40)), "newest"]


def test_the_original_is_the_earliest_similar_member_not_the_first_member() -> None:
    story = minhash_signature(shingles(STORY))
    other = variant(story, range(ROWS, NUM_PERM), seed=1)  # shares band 0 with the story, nothing else
    members = [member_record(entry("unrelated", other)), member_record(entry("original", story, minutes=1))]

    links, _ = match(members, entry("republished", story, minutes=2))

    assert [(link.article_id, link.near_duplicate_of) for link in links] == [("republished", "original")]


def test_an_original_processed_after_its_copy_becomes_its_original() -> None:
    # Another partition's producer was faster: the later copy reached the bucket first.
    story = minhash_signature(shingles(STORY))
    members = [member_record(entry("copy", story, minutes=5))]

    links, after = match(members, entry("original", story, minutes=1))

    assert [(link.article_id, link.near_duplicate_of) for link in links] == [("copy", "original")]
    assert [m.article_id for m in after] == ["copy", "original"]


def test_dissimilar_members_make_no_link() -> None:
    story = minhash_signature(shingles(STORY))
    members = [member_record(entry("unrelated", variant(story, range(ROWS, NUM_PERM), seed=1)))]

    links, after = match(members, entry("story", story, minutes=1))

    assert links == []
    assert len(after) == 2


def test_the_same_entry_again_makes_the_same_links_and_changes_no_bucket() -> None:
    story = minhash_signature(shingles(STORY))
    members: list[BucketMember] = []
    for n in range(3):
        _, members = match(members, entry(f"copy-{n}", story, minutes=n))
    first, _ = match(members[:1], entry("copy-1", story, minutes=1))

    again, unchanged = match(members, entry("copy-1", story, minutes=1))

    assert again == first == [NearDuplicateLink(article_id="copy-1", near_duplicate_of="copy-0", similarity=1.0)]
    assert unchanged == members


def test_a_pair_sharing_every_band_is_sent_once() -> None:
    story = minhash_signature(shingles(STORY))
    edited = list(story)  # the same shingles (another headline): all 32 bands shared
    buckets: dict[str, list[BucketMember]] = {}
    sent = SentLinks()
    run_stage([entry("original", story, band=b) for b in range(BANDS)], buckets, sent)

    messages = run_stage([entry("republished", edited, band=b, minutes=1) for b in range(BANDS)], buckets, sent)

    assert messages == [NearDuplicateLink(article_id="republished", near_duplicate_of="original", similarity=1.0)]


def test_a_full_first_shared_band_still_yields_the_link() -> None:
    # Band 0 of the story is full of unrelated articles (boilerplate they share), so it holds
    # neither the original nor its republication; band 1 holds the original and finds the pair.
    story = minhash_signature(shingles(STORY))
    republished = variant(story, range(NUM_PERM - 8, NUM_PERM), seed=3)  # bands 0..29 shared
    buckets: dict[str, list[BucketMember]] = {}
    sent = SentLinks()
    boilerplate = [
        entry(f"other-{n:02d}", variant(story, range(ROWS, NUM_PERM), seed=10 + n)) for n in range(MAX_BUCKET_MEMBERS)
    ]
    run_stage(boilerplate, buckets, sent)
    run_stage([entry("original", story, band=b, minutes=1) for b in range(BANDS)], buckets, sent)

    messages = run_stage([entry("republished", republished, band=b, minutes=2) for b in range(BANDS)], buckets, sent)

    first_band = band_keys(story)[0]
    assert len(buckets[first_band]) == MAX_BUCKET_MEMBERS
    assert all(m.article_id.startswith("other-") for m in buckets[first_band])
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
    buckets: dict[str, list[BucketMember]] = {}
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


def test_a_bucket_names_its_members_and_keeps_no_signature() -> None:
    story = minhash_signature(shingles(STORY))
    _, members = match([], entry("original", story))

    stored = LshBucket(members=members).model_dump_json(exclude_none=True)

    assert json.loads(stored) == {
        "schema_version": 2,
        "members": [{"article_id": "original", "received_at": START.isoformat().replace("+00:00", "Z")}],
    }


def test_a_version_1_bucket_is_read_with_its_members_signatures() -> None:
    story = minhash_signature(shingles(STORY))
    version_1 = [{"article_id": "original", "received_at": START.isoformat(), "minhash": story}]
    bucket = LshBucket.model_validate(version_1)

    links, after = match_bucket(bucket.members, entry("republished", story, minutes=1), THRESHOLD, lambda _: None)

    assert [(link.article_id, link.near_duplicate_of) for link in links] == [("republished", "original")]
    assert after[0].minhash == story and after[1].minhash is None


def test_a_member_whose_signature_is_unknown_is_not_compared() -> None:
    story = minhash_signature(shingles(STORY))
    members = [BucketMember(article_id="lost", received_at=START)]

    links, after = match_bucket(members, entry("story", story, minutes=1), THRESHOLD, lambda _: None)

    assert links == []
    assert [m.article_id for m in after] == ["lost", "story"]


def test_a_signature_record_keeps_every_value_in_half_the_characters() -> None:
    story = minhash_signature(shingles(STORY))

    text = LshSignature.of(story).model_dump_json()

    assert LshSignature.model_validate_json(text).values() == tuple(story)
    assert len(text) < len(json.dumps(story)) * 0.6


@pytest.mark.parametrize("minhash", ["", "AAAAAAA=", "not base64!"])
def test_a_signature_record_that_is_not_whole_words_is_refused(minhash: str) -> None:
    with pytest.raises(ValueError):
        LshSignature.model_validate({"minhash": minhash})


def test_recent_signatures_forget_the_least_recently_used() -> None:
    recent = RecentSignatures(capacity=2)
    recent.put("a", [1, 2])
    recent.put("b", [3, 4])

    assert recent.get("a") is not None  # used: "b" is now the oldest
    recent.put("c", [5, 6])

    assert recent.get("b") is None
    assert list(recent.get("a") or []) == [1, 2]
    assert list(recent.get("c") or []) == [5, 6]


def test_recent_signatures_read_a_forgotten_signature_from_the_table_once() -> None:
    table = {"a": LshSignature.of([7, 8]).model_dump_json(), "legacy": LshSignature.of([9]).model_dump(mode="json")}
    reads: list[str] = []

    def stored(article_id: str) -> object | None:
        reads.append(article_id)
        return table.get(article_id)

    recent = RecentSignatures()

    assert list(recent.read_through("a", stored) or []) == [7, 8]
    assert list(recent.read_through("a", stored) or []) == [7, 8]
    assert list(recent.read_through("legacy", stored) or []) == [9]  # a record Faust decoded as an object
    assert recent.read_through("missing", stored) is None
    assert reads == ["a", "legacy", "missing"]
