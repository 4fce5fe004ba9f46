"""The Faust application: one worker runs every stage; add workers to share the partitions.

    articles.raw --normalize--> articles.normalized --dedup--> articles.unique --enrich--> articles.enriched
                                        |                               |
                                        +--> articles.copies            +--> articles.bands --match--> articles.links
    articles.enriched + articles.copies + articles.links --index--> Elasticsearch

State lives in RocksDB tables backed by Kafka changelog topics, so a worker
that dies is replaced by another that restores the tables and resumes from the
last committed offsets (at-least-once; every write downstream is idempotent).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import faust
from faust.exceptions import PartitionsMismatch
from faust.types import EventT, TableT
from pydantic import BaseModel, ValidationError

from newsflow.logs import logging_config
from newsflow.settings import Settings, get_settings
from processors.dedup import ExactVerdict, exact_verdict, match_bucket
from processors.entities import EntityExtractor
from processors.kafka_consumer import PipelineApp
from processors.normalize import normalize
from processors.similarity import band_keys
from processors.sink import ElasticsearchSink, SinkMessage
from processors.table_memory import rocksdb_options
from processors.watchdog import ProgressWatchdog, read_backlog
from schemas.articles import (
    ArticleDocument,
    BandEntry,
    CopyRecord,
    CopySeen,
    Entity,
    EntityType,
    NearDuplicateLink,
    NormalizedArticle,
    RawArticle,
)
from schemas.deadletter import MAX_PAYLOAD_CHARS, DeadLetter, Stage
from schemas.topics import (
    BANDS,
    COPIES,
    DEADLETTER,
    ENRICHED,
    FIRST_SOURCES_TABLE,
    LINKS,
    LSH_BUCKETS_TABLE,
    NORMALIZED,
    RAW,
    UNIQUE,
    TopicSpec,
    processors_group,
)

log = logging.getLogger("newsflow.processors")


def create_app(settings: Settings) -> faust.App:
    """A Faust app for ``settings``; the worker's state folder is per worker id."""
    worker_id = os.environ.get("NEWSFLOW_WORKER_ID", "0")
    datadir = (settings.data_dir / "faust" / f"worker-{worker_id}").absolute()
    datadir.mkdir(parents=True, exist_ok=True)
    brokers = [f"kafka://{server.strip()}" for server in settings.kafka_bootstrap_servers.split(",")]
    return PipelineApp(
        processors_group(settings.topic_prefix),
        broker=brokers,
        store="rocksdb://",
        datadir=str(datadir),
        topic_replication_factor=settings.topic_replication_factor,
        topic_partitions=settings.topic_partitions,
        processing_guarantee="at_least_once",
        # A partition the group never committed on is read from its start (the API's lag assumes so).
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=8 * 1024 * 1024,
        web_enabled=False,
        # The worker replaces the root logger's handlers at start: it gets newsflow's format and limiter.
        logging_config=logging_config(settings.log_format, settings.log_level),
        # Recovery and rebalancing must outlast a long NER batch.
        broker_session_timeout=30.0,
        broker_heartbeat_interval=3.0,
        stream_wait_empty=False,
    )


settings = get_settings()
app = create_app(settings)


def _topic(spec: TopicSpec) -> faust.TopicT:
    return app.topic(spec.name(settings.topic_prefix), key_serializer="raw", value_serializer="raw")


raw_topic = _topic(RAW)
normalized_topic = _topic(NORMALIZED)
unique_topic = _topic(UNIQUE)
enriched_topic = _topic(ENRICHED)
copies_topic = _topic(COPIES)
bands_topic = _topic(BANDS)
links_topic = _topic(LINKS)
deadletter_topic = _topic(DEADLETTER)


TABLES = (FIRST_SOURCES_TABLE, LSH_BUCKETS_TABLE)


def _table(name: str, default: Any) -> TableT[Any, Any]:
    """One of the worker's two tables, its RocksDB memory bounded by ``NEWSFLOW_WORKER_TABLE_MEMORY_MB``."""
    partitions = settings.topic_partitions
    options = rocksdb_options(settings.worker_table_memory_mb, tables=len(TABLES), partitions=partitions)
    return app.Table(name, default=default, partitions=partitions, options=options)


# article_id -> source_id of the copy that first brought the text.
first_sources = _table(FIRST_SOURCES_TABLE, default=None)
# LSH band key -> earliest members of the bucket.
buckets = _table(LSH_BUCKETS_TABLE, default=list)


async def _send(topic: faust.TopicT, key: str, value: BaseModel) -> None:
    await topic.send(key=key.encode(), value=value.model_dump_json(by_alias=True).encode())


async def dead_letter(stage: Stage, error: str, reason: str, payload: object, **where: Any) -> None:
    """Record a failed message on the dead-letter topic (the stream goes on)."""
    text = payload.decode(errors="replace") if isinstance(payload, bytes) else str(payload)
    letter = DeadLetter(
        stage=stage, error=error, reason=reason, payload=text[:MAX_PAYLOAD_CHARS], failed_at=datetime.now(UTC), **where
    )
    log.warning("dead letter", extra={"stage": stage.value, "error": error, "reason": reason[:300]})
    await _send(deadletter_topic, f"{stage.value}:{where.get('article_id') or where.get('path')}", letter)


M = TypeVar("M", bound=BaseModel)
_TABLE_WAIT_ATTEMPTS = 60


async def parse_or_dead_letter(model: type[M], value: bytes, stage: Stage) -> M | None:
    """The message as ``model``, or None after dead-lettering a message that is not one."""
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        await dead_letter(stage, "InvalidMessage", f"not a {model.__name__} v1: {exc}", value)
        return None


async def each_message(
    stream: faust.StreamT[bytes], stage: Stage, handle: Callable[[bytes], Awaitable[None]]
) -> AsyncIterator[None]:
    """Apply ``handle`` to every message; an unexpected error sets that message aside, the stream goes on.

    A message is acknowledged (its offset may be committed) only once handled:
    a worker stopped in the middle (SIGTERM, a rebalance) reads it again.
    """
    manual = cast(faust.Stream[bytes], stream).noack()
    async for event in manual.events():
        for attempt in range(1, _TABLE_WAIT_ATTEMPTS + 1):
            try:
                await handle(event.value)
            except PartitionsMismatch:
                # Right after start or a rebalance, a table's changelog topic can be missing from the
                # client's metadata for a moment: the write is retried, not dead-lettered (nothing was
                # sent yet, the handlers write their table before sending).
                if attempt == _TABLE_WAIT_ATTEMPTS:
                    await set_aside(stage, RuntimeError("table changelog still unknown after waiting"), event.value)
                    break
                log.warning("table changelog not known yet; retrying", extra={"stage": stage.value, "attempt": attempt})
                await asyncio.sleep(1.0)
            except Exception as exc:
                await set_aside(stage, exc, event.value)
                break
            else:
                break
        await manual.ack(event)
        yield None


async def set_aside(stage: Stage, exc: Exception, payload: object) -> None:
    """A bug or unexpected input must not crash the agent (Faust would skip the message): log it, dead-letter it."""
    log.exception("unexpected error; message sent to the dead-letter topic", extra={"stage": stage.value})
    reason = f"{exc!r} while processing; fix the cause, then `newsflow replay` the message's topic"
    await dead_letter(stage, type(exc).__name__, reason, payload)


async def _normalize_one(value: bytes) -> None:
    raw = await parse_or_dead_letter(RawArticle, value, Stage.NORMALIZE)
    if raw is None:
        return
    article = normalize(raw)
    if not article.body:
        await dead_letter(
            Stage.NORMALIZE, "EmptyArticle", "no text left after cleaning", value,
            path=raw.source.path, record_index=raw.source.record_index,
        )  # fmt: skip
        return
    await _send(normalized_topic, article.article_id, article)


@app.agent(raw_topic)
async def normalize_articles(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
    """Raw article -> clean text, language, fingerprints; re-keyed by article_id."""
    async for _ in each_message(stream, Stage.NORMALIZE, _normalize_one):
        yield None


_extractor: EntityExtractor | None = None


def _extract_entities(texts: list[str]) -> list[list[Entity]]:
    global _extractor  # noqa: PLW0603 - one spaCy model per worker process, loaded on first use
    if _extractor is None:
        _extractor = EntityExtractor()
    return _extractor.extract(texts)


def _document(article: NormalizedArticle, entities: list[Entity]) -> ArticleDocument:
    def names(kind: EntityType) -> list[str]:
        return [e.canonical for e in entities if e.type is kind]

    return ArticleDocument(
        article_id=article.article_id,
        title=article.title,
        body=article.body,
        outlet=article.outlet,
        url=article.url,
        published_at=article.published_at,
        ingested_at=datetime.now(UTC),
        dated_at=article.published_at or article.source.received_at,
        language=article.language,
        word_count=article.word_count,
        entities=entities,
        people=names(EntityType.PERSON),
        organizations=names(EntityType.ORGANIZATION),
        places=names(EntityType.PLACE),
        source=article.source,
        dedup_group=article.article_id,
    )


async def _deduplicate_one(value: bytes) -> None:
    article = await parse_or_dead_letter(NormalizedArticle, value, Stage.DEDUP)
    if article is None:
        return
    verdict = exact_verdict(first_sources.get(article.article_id), article)
    if verdict is ExactVerdict.COPY:
        copy = CopyRecord(
            source_id=article.source.source_id, path=article.source.path, format=article.source.format,
            outlet=article.outlet, received_at=article.source.received_at,
        )  # fmt: skip
        await _send(copies_topic, article.article_id, CopySeen(article_id=article.article_id, copy_=copy))
        return
    if verdict is ExactVerdict.NEW:
        first_sources[article.article_id] = article.source.source_id
    await _send(unique_topic, article.article_id, article)


@app.agent(normalized_topic)
async def deduplicate(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
    """Exact duplicates become copy records on the original; first sightings (and replays) go on."""
    async for _ in each_message(stream, Stage.DEDUP, _deduplicate_one):
        yield None


async def _enrich_batch(values: list[bytes]) -> None:
    articles: list[NormalizedArticle] = []
    for value in values:
        article = await parse_or_dead_letter(NormalizedArticle, value, Stage.ENRICH)
        if article is None:
            continue
        articles.append(article)
    if not articles:
        return
    # spaCy is CPU-bound: run it off the event loop so heartbeats keep flowing.
    all_entities = await asyncio.to_thread(_extract_entities, [a.body for a in articles])
    for article, entities in zip(articles, all_entities, strict=True):
        await _send(enriched_topic, article.article_id, _document(article, entities))
        for key in band_keys(article.minhash):
            entry = BandEntry(
                band_key=key, article_id=article.article_id,
                received_at=article.source.received_at, minhash=article.minhash,
            )  # fmt: skip
            await _send(bands_topic, key, entry)


@app.agent(unique_topic)
async def enrich(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
    """Named entities for a batch of new texts (spaCy's nlp.pipe), then into the LSH buckets."""
    # noack_take: a batch is acknowledged only once its documents are sent, so a worker stopped
    # in the middle of NER (SIGTERM) reads the batch again (take() would acknowledge it on the way out).
    manual = cast(faust.Stream[bytes], stream)
    async for batch in manual.noack_take(settings.batch_size, within=1.0):
        events = cast(list[EventT[bytes]], batch)  # noack_take yields events, whatever its annotation says
        values = [cast(bytes, event.value) for event in events]
        try:
            await _enrich_batch(values)
        except Exception as exc:
            for value in values:
                await set_aside(Stage.ENRICH, exc, value)
        for event in events:
            await manual.ack(event)
        yield None


async def _match_one(value: bytes) -> None:
    entry = await parse_or_dead_letter(BandEntry, value, Stage.DEDUP)
    if entry is None:
        return
    links, members = match_bucket(list(buckets[entry.band_key]), entry, settings.near_duplicate_threshold)
    buckets[entry.band_key] = members
    for link in links:
        await _send(links_topic, link.article_id, link)


@app.agent(bands_topic)
async def match_near_duplicates(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
    """Compare each new band member with its bucket; verified pairs become links."""
    async for _ in each_message(stream, Stage.DEDUP, _match_one):
        yield None


_SINK_MODELS: dict[str, type[SinkMessage]] = {
    ENRICHED.name(settings.topic_prefix): ArticleDocument,
    COPIES.name(settings.topic_prefix): CopySeen,
    LINKS.name(settings.topic_prefix): NearDuplicateLink,
}
sink_channel = app.topic(*_SINK_MODELS, key_serializer="raw", value_serializer="raw")
_sink: ElasticsearchSink | None = None


def _write(messages: list[SinkMessage]) -> list[Any]:
    global _sink  # noqa: PLW0603 - one client per worker process
    if _sink is None:
        _sink = ElasticsearchSink(settings.elasticsearch_url, settings.index_alias)
    return _sink.write(messages)


@app.agent(sink_channel)
async def index_documents(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
    """Bulk-apply articles, copies and links; offsets advance only after Elasticsearch acknowledged."""
    # noack_take yields events (the sink needs each one's topic to know its model) and leaves the
    # acknowledgement to us: after the bulk write, never on the way out of a stopping worker.
    manual = cast(faust.Stream[bytes], stream)
    async for batch in manual.noack_take(settings.batch_size * 4, within=1.0):
        events = cast(list[EventT[bytes]], batch)  # noack_take yields events, whatever its annotation says
        await _index_batch(events)
        for event in events:
            await manual.ack(event)
        yield None


async def _index_batch(events: list[EventT[bytes]]) -> None:
    messages: list[SinkMessage] = []
    for event in events:
        model = _SINK_MODELS[event.message.topic]
        message = await parse_or_dead_letter(model, event.value, Stage.SINK)
        if message is not None:
            messages.append(message)
    try:
        failures = await asyncio.to_thread(_write, messages)
    except Exception as exc:
        # Elasticsearch refused the whole request (not a transient error): set the batch aside.
        for message in messages:
            await set_aside(Stage.SINK, exc, message.model_dump_json(by_alias=True))
        return
    for failure in failures:
        await dead_letter(
            Stage.SINK, failure.error, failure.reason, failure.message.model_dump_json(by_alias=True),
            article_id=failure.message.article_id,
        )  # fmt: skip


_watchdog = ProgressWatchdog(settings.worker_stall_timeout_s)
WATCHDOG_INTERVAL_S = 30.0
EXIT_STALLED = 75  # EX_TEMPFAIL: try again (the supervisor restarts the worker)


@app.timer(WATCHDOG_INTERVAL_S)  # type: ignore[untyped-decorator]  # faust's timer decorator is untyped
async def watch_progress() -> None:
    """Exit when this worker holds a backlog but has committed nothing for a while (processors/watchdog.py)."""
    if settings.worker_stall_timeout_s <= 0:
        return
    changelogs = app.tables.changelog_topics
    held = sorted((tp.topic, tp.partition) for tp in app.consumer.assignment() if tp.topic not in changelogs)
    excused = app.rebalancing or (_sink is not None and _sink.waiting)
    try:
        committed, backlog = await asyncio.to_thread(
            read_backlog, settings.kafka_bootstrap_servers, processors_group(settings.topic_prefix), held
        )
    except Exception as exc:  # Kafka unavailable: not a stall of this worker (the log says so)
        log.warning("watchdog could not read offsets", extra={"error": repr(exc)})
        committed, backlog, excused = {}, 0, True
    stalled_s = _watchdog.observe(time.monotonic(), committed, backlog, excused)
    if stalled_s is None:
        return
    log.error(
        "worker stalled: records waiting but nothing committed; exiting to be restarted",
        extra={"stalled_s": round(stalled_s), "backlog": backlog, "partitions": len(held)},
    )
    # A stalled Faust consumer does not stop cleanly (it waits for the stuck streams): leave at once,
    # as a crash would. Offsets not committed are read again by whoever gets the partitions.
    logging.shutdown()
    os._exit(EXIT_STALLED)
