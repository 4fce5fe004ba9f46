"""What the near-duplicate stage reads and writes of its LSH buckets as the soak's feed goes on, in process.

The soak's feed (bench/soak_feed.py: new texts, republications of recent ones, some 20 times or more; its exact
copies are left out, as the exact stage takes them out first) goes, one article at a time, through the stage's
matching (``match_bucket``) with its two tables held as the Faust tables hold them (JSON text): the buckets
and the signatures, every band on one partition. For every thousand articles it prints, per article, the
table bytes read and written (each write a changelog message), what version 1 buckets (every member's whole
signature in the bucket) would have written instead, and the CPU time; at the end, the buckets' sizes and the
articles linked. A cost that grows with the thousands is one the soak's worker pays more of as the hour goes on.

    python -m bench.bucket_state --articles 13000
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from bench.soak_feed import SoakFeed
from bench.sustained import load_corpus
from newsflow.processors.dedup import MAX_BUCKET_MEMBERS, RecentSignatures, match_bucket
from newsflow.processors.normalize import clean_text
from newsflow.processors.similarity import band_keys, minhash_signature, shingles
from newsflow.schemas.articles import ArticleBands
from newsflow.schemas.near_duplicates import BucketMember, LshBucket, LshSignature

THRESHOLD = 0.5  # NEWSFLOW_NEAR_DUPLICATE_THRESHOLD's default
RATE = 3.9  # files a second: the hour of session 19


def articles(count: int) -> Iterator[tuple[str, datetime, list[int]]]:
    """(id, received_at, MinHash) of the soak feed's first ``count`` drops that are not exact copies."""
    feed = SoakFeed(load_corpus())
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(count):
        drop = feed.drop(n)
        if drop.kind != "copy":
            body = clean_text(drop.data.decode("utf-8").split("\n\n", 1)[1])
            yield f"{n:08d}", start + timedelta(seconds=n / RATE), minhash_signature(shingles(body))


def run(feed: list[tuple[str, datetime, list[int]]]) -> None:
    """Send the feed through the stage's matching, printing each thousand articles' table traffic and, at the
    end, the buckets' sizes and how many articles got a link."""
    buckets: dict[str, str] = {}
    signatures: dict[str, str] = {}
    linked: set[str] = set()
    recent = RecentSignatures()
    read = written = writes = version_1 = 0
    aside = 0.0  # CPU spent on the version 1 figure, not the stage's
    started = time.process_time()
    for number, (article_id, received_at, minhash) in enumerate(feed, start=1):
        # One partition's worth of the stage's work: the signature kept once, then each band's bucket.
        if article_id not in signatures:
            signatures[article_id] = LshSignature.of(minhash).model_dump_json()
            recent.put(article_id, minhash)
            written += len(signatures[article_id])
            writes += 1
        for key in band_keys(minhash):
            raw = buckets.get(key)
            read += 0 if raw is None else len(raw)
            stored = [] if raw is None else LshBucket.model_validate_json(raw).members
            entry = ArticleBands(band_keys=[key], article_id=article_id, received_at=received_at, minhash=minhash)
            links, members = match_bucket(stored, entry, THRESHOLD, lambda i: recent.read_through(i, signatures.get))
            if len(members) != len(stored):
                buckets[key] = LshBucket(members=members).model_dump_json(exclude_none=True)
                written += len(buckets[key])
                writes += 1
                counting = time.process_time()
                version_1 += len(json.dumps([_version_1(m, signatures) for m in members]))
                aside += time.process_time() - counting
            linked.update(link.article_id for link in links)
        if number % 1000 == 0 or number == len(feed):
            share = 1000 if number % 1000 == 0 else number % 1000
            cpu = time.process_time() - started - aside
            print(
                f"articles {number:6,}  per article: table kB read {read / share / 1000:5.1f}, "
                f"written {written / share / 1000:5.1f} (version 1 buckets: {version_1 / share / 1000:6.1f}), "
                f"writes {writes / share:4.1f}, CPU {1000 * cpu / share:5.1f} ms"
            )
            read = written = writes = version_1 = 0
            aside = 0.0
            started = time.process_time()
    sizes = [len(LshBucket.model_validate_json(value).members) for value in buckets.values()]
    print(
        f"{len(buckets):,} buckets, {sum(sizes) / len(sizes):.1f} members on average, "
        f"{sum(s >= MAX_BUCKET_MEMBERS for s in sizes):,} full; {len(linked):,} articles linked"
    )


def _version_1(member: BucketMember, signatures: dict[str, str]) -> dict[str, object]:
    """The member as a version 1 bucket stored it, with its whole signature."""
    minhash = list(LshSignature.model_validate_json(signatures[member.article_id]).values())
    return {"article_id": member.article_id, "received_at": member.received_at.isoformat(), "minhash": minhash}


def main() -> None:
    """Run the soak feed's first ``--articles`` drops through the matching."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=13_000, help="drops of the soak feed (default 13 000)")
    args = parser.parse_args()
    run(list(articles(args.articles)))


if __name__ == "__main__":
    main()
