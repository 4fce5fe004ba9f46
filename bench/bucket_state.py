"""What the near-duplicate stage reads and writes of its LSH buckets as the soak's feed goes on, in process.

The soak's feed (bench/soak_feed.py: new texts, republications of recent ones, some 20 times or more; its exact
copies are left out, as the exact stage takes them out first) goes, one article at a time, through the stage's
matching (``match_bucket``) with one table of buckets held as the Faust table holds them (JSON). For every
thousand articles it prints, per article, the bucket bytes decoded and encoded, the bucket writes (each a
changelog message of the encoded bucket) and the CPU time; at the end, the buckets' sizes and the articles
linked. A cost that grows with the thousands is one the soak's worker pays more of as the hour goes on.

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
from newsflow.processors.dedup import MAX_BUCKET_MEMBERS, match_bucket
from newsflow.processors.normalize import clean_text
from newsflow.processors.similarity import band_keys, minhash_signature, shingles
from newsflow.schemas.articles import ArticleBands

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
    """Send the feed through the stage's matching, printing each thousand articles' bucket traffic and, at the
    end, the buckets' sizes and how many articles got a link."""
    buckets: dict[str, bytes] = {}
    linked: set[str] = set()
    read = written = writes = 0
    started = time.process_time()
    for number, (article_id, received_at, minhash) in enumerate(feed, start=1):
        for key in band_keys(minhash):
            raw = buckets.get(key, b"[]")
            read += len(raw)
            stored = json.loads(raw)
            entry = ArticleBands(band_keys=[key], article_id=article_id, received_at=received_at, minhash=minhash)
            links, members = match_bucket(stored, entry, THRESHOLD)
            if len(members) != len(stored):
                buckets[key] = json.dumps(members).encode()
                written += len(buckets[key])
                writes += 1
            linked.update(link.article_id for link in links)
        if number % 1000 == 0 or number == len(feed):
            share = 1000 if number % 1000 == 0 else number % 1000
            cpu = time.process_time() - started
            print(
                f"articles {number:6,}  per article: bucket kB decoded {read / share / 1000:6.1f}, "
                f"encoded {written / share / 1000:5.1f}, writes {writes / share:4.1f}, CPU {1000 * cpu / share:5.1f} ms"
            )
            read = written = writes = 0
            started = time.process_time()
    sizes = [len(json.loads(value)) for value in buckets.values()]
    print(
        f"{len(buckets):,} buckets, {sum(sizes) / len(sizes):.1f} members on average, "
        f"{sum(s >= MAX_BUCKET_MEMBERS for s in sizes):,} full; {len(linked):,} articles linked"
    )


def main() -> None:
    """Run the soak feed's first ``--articles`` drops through the matching."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=13_000, help="drops of the soak feed (default 13 000)")
    args = parser.parse_args()
    run(list(articles(args.articles)))


if __name__ == "__main__":
    main()
