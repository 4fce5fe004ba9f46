"""What the sink sends to Elasticsearch for a batch: each distinct write once, in arrival order."""

from __future__ import annotations

from newsflow.processors.sink import SinkIndices, bulk_operation, distinct
from newsflow.schemas.articles import NearDuplicateLink


def _link(later: str, earlier: str, similarity: float = 0.9) -> NearDuplicateLink:
    return NearDuplicateLink(article_id=later, near_duplicate_of=earlier, similarity=similarity)


def test_links_found_in_several_bands_are_written_once() -> None:
    # One link per shared LSH band: the same pair up to 32 times.
    batch = [_link("b" * 16, "a" * 16)] * 32 + [_link("c" * 16, "a" * 16), _link("b" * 16, "a" * 16)]
    kept = distinct(batch)
    assert [(m.article_id, m.near_duplicate_of) for m in kept] == [("b" * 16, "a" * 16), ("c" * 16, "a" * 16)]


def test_different_writes_on_the_same_article_are_all_kept() -> None:
    batch = [_link("b" * 16, "a" * 16, 0.9), _link("b" * 16, "c" * 16, 0.95)]
    assert distinct(batch) == batch


def test_a_link_is_an_idempotent_scripted_upsert_on_the_later_article() -> None:
    action, body = bulk_operation(_link("b" * 16, "a" * 16), SinkIndices("articles", "stories", "alerts"))
    assert action == {"update": {"_index": "articles", "_id": "b" * 16, "retry_on_conflict": 5}}
    assert body["scripted_upsert"] is True
    assert body["script"]["params"] == {"original": "a" * 16, "similarity": 0.9, "id": "b" * 16}
