"""Duplicate decisions, as pure functions the Faust agents call.

Exact duplicates share an ``article_id`` (the fingerprint of the normalised
body), so the decision is local to one partition of ``articles.normalized``.
Near duplicates are found through LSH buckets: ``articles.bands`` is keyed by
bucket, so each bucket lives on one partition and the search scales with the
partitions. A pair is linked from the later article to the earlier one
(``received_at``, then id), whatever order the workers see them in.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from newsflow.processors.similarity import estimated_jaccard
from newsflow.schemas.articles import BandEntry, NearDuplicateLink, NormalizedArticle

# A bucket keeps its earliest members; beyond this, new arrivals are compared but not stored,
# which bounds the state of a hot bucket (boilerplate shared by many articles).
MAX_BUCKET_MEMBERS = 64


class ExactVerdict(StrEnum):
    NEW = "new"  # first time this text is seen
    SAME_SOURCE = "same_source"  # the same copy again (replay, producer re-send): process again, idempotently
    COPY = "copy"  # the same text from another file: record the copy on the original


def exact_verdict(first_source_id: str | None, article: NormalizedArticle) -> ExactVerdict:
    """What to do with a normalised article, given the source id that first brought its text."""
    if first_source_id is None:
        return ExactVerdict.NEW
    if first_source_id == article.source.source_id:
        return ExactVerdict.SAME_SOURCE
    return ExactVerdict.COPY


def member_record(entry: BandEntry) -> dict[str, Any]:
    """What a bucket stores of an article (JSON-serialisable for the table's changelog)."""
    return {"article_id": entry.article_id, "received_at": entry.received_at.isoformat(), "minhash": entry.minhash}


def match_bucket(
    members: list[dict[str, Any]], entry: BandEntry, threshold: float
) -> tuple[list[NearDuplicateLink], list[dict[str, Any]]]:
    """Links between ``entry`` and the bucket's members, and the bucket's new member list."""
    links = []
    for member in members:
        if member["article_id"] == entry.article_id:
            continue
        similarity = estimated_jaccard(member["minhash"], entry.minhash)
        if similarity < threshold:
            continue
        theirs = (datetime.fromisoformat(member["received_at"]), member["article_id"])
        ours = (entry.received_at, entry.article_id)
        later, earlier = (ours, theirs) if ours > theirs else (theirs, ours)
        links.append(NearDuplicateLink(article_id=later[1], near_duplicate_of=earlier[1], similarity=similarity))
    present = any(m["article_id"] == entry.article_id for m in members)
    if present or len(members) >= MAX_BUCKET_MEMBERS:
        return links, members
    return links, [*members, member_record(entry)]
