"""Kafka -> Elasticsearch: bulk writes that are idempotent and independent of arrival order.

Every write is a scripted upsert keyed by ``article_id`` (a story's by
``story_id``, in the stories index), so replaying any message changes nothing,
and the five kinds of message (enriched article, duplicate copy,
near-duplicate link, story revision, alert) may arrive in any order:
- an article merges its fields and leaves copies and links alone;
- a copy is added once per ``source_id``;
- a link is kept when it is more similar than the one already recorded
  (ties: the smaller original id), so the result does not depend on order;
- a story revision replaces the story unless a later revision is already there;
- an alert is written once (its id is made of its search and article).

Transient failures (429, 5xx, connection errors) are retried with backoff
for as long as it takes: the agent waits, lag grows, nothing is lost. Other
failures (mapping, validation) are returned for the dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import Elasticsearch, TransportError
from pydantic import BaseModel

from newsflow.processors.es_backoff import Backoff, is_transient
from newsflow.processors.metrics import WorkerMetrics
from newsflow.schemas.alerts import Alert
from newsflow.schemas.articles import ArticleDocument, CopySeen, NearDuplicateLink
from newsflow.schemas.stories import StoryDocument

_MERGE_ARTICLE = """
for (entry in params.doc.entrySet()) { ctx._source[entry.getKey()] = entry.getValue(); }
if (ctx._source.dedup_group == null) { ctx._source.dedup_group = params.doc.article_id; }
if (ctx._source.copies == null) { ctx._source.copies = []; ctx._source.copy_count = 0; }
"""

_ADD_COPY = """
if (ctx._source.copies == null) { ctx._source.copies = []; }
for (c in ctx._source.copies) { if (c.source_id == params.copy.source_id) { ctx.op = 'none'; return; } }
ctx._source.copies.add(params.copy);
ctx._source.copy_count = ctx._source.copies.size();
if (ctx._source.article_id == null) { ctx._source.article_id = params.id; }
"""

_SET_LINK = """
double current = ctx._source.near_duplicate_similarity == null ? -1.0 : ctx._source.near_duplicate_similarity;
boolean better = params.similarity > current
    || (params.similarity == current && params.original.compareTo(ctx._source.near_duplicate_of) < 0);
if (!better) { ctx.op = 'none'; return; }
ctx._source.near_duplicate_of = params.original;
ctx._source.near_duplicate_similarity = params.similarity;
ctx._source.dedup_group = params.original;
if (ctx._source.article_id == null) { ctx._source.article_id = params.id; }
"""

_SET_STORY = """
if (ctx._source.revision != null && ctx._source.revision >= params.doc.revision) { ctx.op = 'none'; return; }
ctx._source.clear();
ctx._source.putAll(params.doc);
"""

_CREATE_ALERT = """
if (ctx._source.alert_id != null) { ctx.op = 'none'; return; }
ctx._source.putAll(params.doc);
"""

# Fields an enriched article must not overwrite: they belong to the copy and link writes.
_KEPT_FIELDS = {"copies", "copy_count", "near_duplicate_of", "near_duplicate_similarity", "dedup_group"}

SinkMessage = ArticleDocument | CopySeen | NearDuplicateLink | StoryDocument | Alert


class SinkIndices(NamedTuple):
    """Where the sink writes: the aliases of the articles, the stories and the alerts."""

    articles: str
    stories: str
    alerts: str


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class SinkFailure:
    """A message Elasticsearch refused for good (not a transient error)."""

    message: SinkMessage
    error: str
    reason: str

    @property
    def where(self) -> dict[str, str]:
        """What the dead letter names: the article (or the story) the message was about."""
        if isinstance(self.message, StoryDocument):
            return {"path": f"story:{self.message.story_id}"}
        if isinstance(self.message, Alert):
            return {"path": f"alert:{self.message.alert_id}", "article_id": self.message.article_id}
        return {"article_id": self.message.article_id}


def bulk_operation(message: SinkMessage, indices: SinkIndices) -> list[dict[str, Any]]:
    """The two bulk lines (action and body) that apply ``message`` to its index."""
    if isinstance(message, StoryDocument):
        story = {"source": _SET_STORY, "params": {"doc": message.model_dump(mode="json")}}
        action = {"update": {"_index": indices.stories, "_id": message.story_id, "retry_on_conflict": 5}}
        return [action, {"script": {"lang": "painless", **story}, "scripted_upsert": True, "upsert": {}}]
    if isinstance(message, Alert):
        alert = {"source": _CREATE_ALERT, "params": {"doc": message.model_dump(mode="json")}}
        action = {"update": {"_index": indices.alerts, "_id": message.alert_id, "retry_on_conflict": 5}}
        return [action, {"script": {"lang": "painless", **alert}, "scripted_upsert": True, "upsert": {}}]
    if isinstance(message, ArticleDocument):
        doc = message.model_dump(mode="json", exclude=_KEPT_FIELDS)
        script = {"source": _MERGE_ARTICLE, "params": {"doc": doc}}
    elif isinstance(message, CopySeen):
        copy = message.copy_.model_dump(mode="json")
        script = {"source": _ADD_COPY, "params": {"copy": copy, "id": message.article_id}}
    else:
        script = {
            "source": _SET_LINK,
            "params": {
                "original": message.near_duplicate_of,
                "similarity": message.similarity,
                "id": message.article_id,
            },
        }
    action = {"update": {"_index": indices.articles, "_id": message.article_id, "retry_on_conflict": 5}}
    return [action, {"script": {"lang": "painless", **script}, "scripted_upsert": True, "upsert": {}}]


def distinct(messages: Sequence[M]) -> list[M]:
    """``messages`` without exact repeats, and with only the latest revision of each story, in order.

    A near-duplicate pair is sent once per worker holding its bands (two workers
    may both send it, a restarted one may send it again); a story gets a revision
    for every article it takes, and the index keeps only the highest. Every write
    is idempotent, so the others in one batch are only wasted work.
    """
    latest: dict[str, int] = {}
    for message in messages:
        if isinstance(message, StoryDocument):
            latest[message.story_id] = max(latest.get(message.story_id, 0), message.revision)
    seen: set[tuple[str, str]] = set()
    kept: list[M] = []
    for message in messages:
        if isinstance(message, StoryDocument) and message.revision < latest[message.story_id]:
            continue
        key = (type(message).__name__, message.model_dump_json())
        if key not in seen:
            seen.add(key)
            kept.append(message)
    return kept


class ElasticsearchSink:
    """Bulk-applies sink messages to the index alias, retrying transient failures (timed and counted in ``metrics``)."""

    def __init__(
        self, url: str, indices: SinkIndices, max_backoff_s: float = 30.0, metrics: WorkerMetrics | None = None
    ) -> None:
        self.indices = indices
        self.metrics = metrics if metrics is not None else WorkerMetrics()
        self._backoff = Backoff("bulk write", max_backoff_s, self.metrics)
        self._es = Elasticsearch(url, timeout=60, max_retries=0)

    def write(self, messages: list[SinkMessage], *, refresh: bool = False) -> list[SinkFailure]:
        """Apply all messages; return those refused permanently. Blocks while Elasticsearch is unavailable.

        With ``refresh``, the written indices are refreshed with the request, so the documents are
        searchable when it returns rather than at the next scheduled refresh (up to 1 s later).
        """
        with self.metrics.sink_timer():
            return self._write(messages, refresh)

    def refresh(self) -> None:
        """Make what was written searchable now: refresh the articles, stories and alerts indices."""
        self._es.indices.refresh(index=",".join(self.indices), ignore_unavailable=True, allow_no_indices=True)

    def _write(self, messages: list[SinkMessage], refresh: bool) -> list[SinkFailure]:
        pending = distinct(messages)
        failures: list[SinkFailure] = []
        while pending:
            body = [line for m in pending for line in bulk_operation(m, self.indices)]
            try:
                response = self._es.bulk(body=body, refresh="true" if refresh else None)
            except (EsConnectionError, TransportError) as exc:
                if not is_transient(exc):
                    raise
                self._backoff.wait("unavailable", str(exc))
                continue
            retry = []
            for message, item in zip(pending, response["items"], strict=True):
                result = item["update"]
                status = result["status"]
                if status < 300:
                    continue
                if status == 429 or status >= 500:
                    retry.append(message)
                    continue
                error = result.get("error", {})
                reason = error.get("reason", "unknown")
                caused = error.get("caused_by", {}).get("reason")
                kind = error.get("type", f"HTTP {status}")
                failures.append(SinkFailure(message, kind, f"{reason}: {caused}" if caused else reason))
            if retry:
                self._backoff.wait("items", f"{len(retry)} items refused for now (429 or 5xx)")
            pending = retry
        self._backoff.succeeded()
        return failures

    @property
    def waiting(self) -> bool:
        """True while a write waits for Elasticsearch (the worker's stall watchdog excuses that)."""
        return self._backoff.waiting

    def close(self) -> None:
        self._es.close()
