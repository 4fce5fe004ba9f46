"""Stage near_duplicates: an article's bands on this partition, each compared with its LSH bucket; verified pairs
become links."""

from __future__ import annotations

from collections.abc import AsyncIterator

import faust

from newsflow.processors.dedup import SentLinks, match_bucket
from newsflow.processors.pipeline import Pipeline
from newsflow.schemas.articles import ArticleBands
from newsflow.schemas.topics import LINKS, LSH_BUCKETS_TABLE, NEAR_DUPLICATES_STAGE

STAGE = NEAR_DUPLICATES_STAGE


def register(pipeline: Pipeline) -> None:
    """Add the matching agent and its table (LSH band key -> earliest members of the bucket) to the app."""
    buckets = pipeline.table(LSH_BUCKETS_TABLE, default=list)
    threshold = pipeline.settings.near_duplicate_threshold
    # One memory for all the partitions this worker holds: a pair's bands are spread over them.
    sent = SentLinks()

    async def match_one(value: bytes) -> None:
        bands = await pipeline.parse_or_dead_letter(ArticleBands, value, STAGE)
        if bands is None:
            return
        # Each band's bucket in turn; a message read again (a restart) finds itself in the buckets it was
        # stored in, so makes the same links and no writes.
        for band_key in bands.band_keys:
            stored = list(buckets[band_key])
            links, members = match_bucket(stored, bands, threshold)
            if len(members) != len(stored):
                buckets[band_key] = members  # a full bucket, or a replay, changes nothing: no changelog write
            for link in links:
                if sent.first_time(link):
                    await pipeline.send(LINKS, link.article_id, link)
                    sent.remember(link)  # after the send: a send that failed is tried again

    @pipeline.app.agent(pipeline.topic(*NEAR_DUPLICATES_STAGE.reads), name="match_near_duplicates")
    async def match_near_duplicates(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for _ in pipeline.each_message(stream, STAGE, match_one):
            yield None
