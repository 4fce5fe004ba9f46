"""How many near-duplicate link messages the near-duplicate stage sends for a feed, in process.

The feed is the sustained benchmark's (bench/sustained.py): the BBC corpus
files in order, round after round, each file a new article (a numbered
headline) with the same body, so from the second round on every article is a
near-duplicate of the earlier rounds' copies, as with a wire story
republished by many outlets. Each article's 32 band entries go through the
stage's matching in the order the entities stage sends them, with one table of
buckets (every partition on one worker), and the link messages are counted:

    before   every similar bucket member, once per shared band (the stage until issue 13)
    after    ``match_bucket`` (the original only) and ``SentLinks`` (once per worker)

It also plays the sink (the most similar link wins, ties the smaller
original) to show what each ends with in the index. Two workers: ``--workers 2``
splits the bands over four partitions (a hash of the band key, as a stand-in for
Kafka's partitioner) and gives each worker its own ``SentLinks``.

    python -m bench.near_duplicate_links --rounds 3
"""

from __future__ import annotations

import argparse
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.sustained import load_corpus
from newsflow.processors.dedup import MAX_BUCKET_MEMBERS, SentLinks, SignatureOf, match_bucket, member_record
from newsflow.processors.similarity import band_keys, estimated_jaccard, minhash_signature, shingles
from newsflow.schemas.articles import ArticleBands, NearDuplicateLink
from newsflow.schemas.near_duplicates import BucketMember

THRESHOLD = 0.5  # NEWSFLOW_NEAR_DUPLICATE_THRESHOLD's default
PARTITIONS = 4  # NEWSFLOW_TOPIC_PARTITIONS's default

Matcher = Callable[
    [list[BucketMember], ArticleBands, float, SignatureOf], tuple[list[NearDuplicateLink], list[BucketMember]]
]


def every_member(
    members: list[BucketMember], entry: ArticleBands, threshold: float, signature_of: SignatureOf
) -> tuple[list[NearDuplicateLink], list[BucketMember]]:
    """The matching before issue 13: a link to (or from) every similar member of the bucket."""
    links = []
    for member in members:
        signature = signature_of(member.article_id)
        if member.article_id == entry.article_id or signature is None:
            continue
        similarity = estimated_jaccard(signature, entry.minhash)
        if similarity < threshold:
            continue
        theirs = (member.received_at, member.article_id)
        ours = (entry.received_at, entry.article_id)
        later, earlier = (ours, theirs) if ours > theirs else (theirs, ours)
        links.append(NearDuplicateLink(article_id=later[1], near_duplicate_of=earlier[1], similarity=similarity))
    if any(m.article_id == entry.article_id for m in members) or len(members) >= MAX_BUCKET_MEMBERS:
        return links, members
    return links, [*members, member_record(entry)]


def feed(rounds: int) -> Iterator[tuple[str, datetime, list[int]]]:
    """(article id, received_at, MinHash) of the sustained feed's articles, one a second."""
    corpus = load_corpus()
    signatures = [minhash_signature(shingles("\n".join(text.lines[1:]))) for text in corpus]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(rounds * len(corpus)):
        yield f"{n:08d}", start + timedelta(seconds=n), signatures[n % len(corpus)]


def run(matcher: Matcher, dedupe: bool, rounds: int, workers: int) -> dict[str, Any]:
    """Send the feed through ``matcher``: link messages sent, and what the sink ends with."""
    buckets: dict[str, list[BucketMember]] = {}
    signatures: dict[str, list[int]] = {}
    sent = [SentLinks() for _ in range(workers)]
    messages = 0
    index: dict[str, tuple[float, str]] = {}  # article -> (similarity, original), as the sink keeps it
    started = time.perf_counter()
    for article_id, received_at, minhash in feed(rounds):
        signatures[article_id] = minhash
        for key in band_keys(minhash):
            entry = ArticleBands(band_keys=[key], article_id=article_id, received_at=received_at, minhash=minhash)
            links, buckets[key] = matcher(buckets.get(key, []), entry, THRESHOLD, signatures.get)
            worker = zlib.crc32(key.encode()) % PARTITIONS * workers // PARTITIONS
            for link in links:
                if dedupe and not sent[worker].first_time(link):
                    continue
                sent[worker].remember(link)
                messages += 1
                kept = index.get(link.article_id)
                if kept is None or (link.similarity, -_rank(link.near_duplicate_of)) > (kept[0], -_rank(kept[1])):
                    index[link.article_id] = (link.similarity, link.near_duplicate_of)
    return {"messages": messages, "linked": len(index), "index": index, "seconds": time.perf_counter() - started}


def _rank(article_id: str) -> int:
    return int(article_id)


def main() -> None:
    """Print the link messages before and after, and how the index's links compare."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="times the corpus is fed (default 3)")
    parser.add_argument("--workers", type=int, default=1, choices=(1, 2))
    args = parser.parse_args()
    before = run(every_member, dedupe=False, rounds=args.rounds, workers=args.workers)
    after = run(match_bucket, dedupe=True, rounds=args.rounds, workers=args.workers)
    articles = args.rounds * len(load_corpus())
    for label, result in (("before", before), ("after", after)):
        print(
            f"{label:6}  {result['messages']:>9,} link messages for {articles:,} articles "
            f"({result['messages'] / articles:.2f} an article), {result['linked']:,} articles linked, "
            f"{result['seconds']:.1f} s of matching"
        )
    same = sum(1 for a, kept in after["index"].items() if before["index"].get(a, (None, None))[1] == kept[1])
    print(
        f"linked before and after: {len(set(before['index']) & set(after['index'])):,}; "
        f"only before: {len(set(before['index']) - set(after['index'])):,}; "
        f"only after: {len(set(after['index']) - set(before['index'])):,}; same original: {same:,}"
    )


if __name__ == "__main__":
    main()
