"""Stage near_duplicates: an article's bands on this partition, each compared with its LSH bucket; verified pairs
become links."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

import faust

from newsflow.processors.dedup import RecentSignatures, SentLinks, match_bucket
from newsflow.processors.pipeline import Pipeline
from newsflow.processors.table_records import decoded
from newsflow.schemas.articles import ArticleBands
from newsflow.schemas.near_duplicates import BucketMember, LshBucket, LshSignature
from newsflow.schemas.topics import LINKS, LSH_BUCKETS_TABLE, LSH_SIGNATURES_TABLE, NEAR_DUPLICATES_STAGE

STAGE = NEAR_DUPLICATES_STAGE
log = logging.getLogger("newsflow.processors")


def register(pipeline: Pipeline) -> None:
    """Add the matching agent and its tables (LSH band key -> earliest members of the bucket; article id -> its
    signature, once per partition) to the app."""
    buckets = pipeline.table(LSH_BUCKETS_TABLE, default=None)
    signatures = pipeline.table(LSH_SIGNATURES_TABLE, default=None)
    threshold = pipeline.settings.near_duplicate_threshold
    # One memory for all the partitions this worker holds: a pair's bands are spread over them.
    sent = SentLinks()
    recent = RecentSignatures()

    def signature_of(article_id: str) -> Sequence[int] | None:
        found = recent.read_through(article_id, signatures.get)
        if found is None:
            # Written with the article's first band message of this partition, before its buckets: only a table
            # changed by hand (or lost) gets here. The member is left out of the comparisons.
            log.warning("a bucket member without its signature", extra={"article_id": article_id})
        return found

    def keep_signature(article_id: str, minhash: Sequence[int]) -> None:
        # Looked up in this partition's table, not in ``recent`` (which spans the worker's partitions): each
        # partition keeps the signatures its buckets name. Read before written: a message read again writes nothing.
        if signatures.get(article_id) is None:
            signatures[article_id] = LshSignature.of(minhash).model_dump_json()
        recent.put(article_id, minhash)

    def stored_members(members: list[BucketMember]) -> list[BucketMember]:
        # Version 1 members carry their signature: it moves to the signature table as the bucket is rewritten.
        for member in members:
            if member.minhash is not None:
                keep_signature(member.article_id, member.minhash)
        return [m if m.minhash is None else m.model_copy(update={"minhash": None}) for m in members]

    async def match_one(value: bytes) -> None:
        bands = await pipeline.parse_or_dead_letter(ArticleBands, value, STAGE)
        if bands is None:
            return
        keep_signature(bands.article_id, bands.minhash)
        # Each band's bucket in turn; a message read again (a restart) finds itself in the buckets it was
        # stored in, so makes the same links and no writes.
        for band_key in bands.band_keys:
            raw = buckets.get(band_key)
            stored = [] if raw is None else decoded(LshBucket, raw).members
            links, members = match_bucket(stored, bands, threshold, signature_of)
            if len(members) != len(stored):  # a full bucket, or a replay, changes nothing: no changelog write
                bucket = LshBucket(members=stored_members(members))
                buckets[band_key] = bucket.model_dump_json(exclude_none=True)
            for link in links:
                if sent.first_time(link):
                    await pipeline.send(LINKS, link.article_id, link)
                    sent.remember(link)  # after the send: a send that failed is tried again

    @pipeline.app.agent(pipeline.topic(*NEAR_DUPLICATES_STAGE.reads), name="match_near_duplicates")
    async def match_near_duplicates(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for _ in pipeline.each_message(stream, STAGE, match_one):
            yield None
