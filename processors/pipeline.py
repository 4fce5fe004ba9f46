"""What every stage shares: the topics of the graph, sending, decoding, dead letters, acknowledgement, metrics.

A stage module gets a :class:`Pipeline` and adds its agent to the app with
it; nothing here knows about a particular stage. The helpers count what passes
through them in :attr:`Pipeline.metrics` (records in and out, dead letters).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import faust
from faust.exceptions import PartitionsMismatch
from faust.types import EventT, TableT
from pydantic import BaseModel, ValidationError

from newsflow.infra.settings import Settings
from newsflow.processors.metrics import WorkerMetrics
from newsflow.processors.table_memory import rocksdb_options
from newsflow.schemas.deadletter import MAX_PAYLOAD_CHARS, DeadLetter
from newsflow.schemas.topics import ALL_TOPICS, DEADLETTER, STAGES, TABLE_PARTITIONS, TABLES, StageSpec, TopicSpec

log = logging.getLogger("newsflow.processors")

M = TypeVar("M", bound=BaseModel)
_TABLE_WAIT_ATTEMPTS = 60


class Pipeline:
    """The app, its topics (one per :class:`TopicSpec`) and the helpers every stage uses.

    ``metrics`` are the worker's.
    """

    def __init__(self, app: faust.App, settings: Settings, metrics: WorkerMetrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        # Keyed by suffix: a spec holds its config dict, so it is not hashable.
        self.topics: dict[str, faust.TopicT] = {spec.suffix: self._faust_topic(spec) for spec in ALL_TOPICS}
        # Looked up for every message: built once, full topic names as the messages carry them.
        self._specs_by_name = {spec.name(settings.topic_prefix): spec for spec in ALL_TOPICS}
        # Each topic of the graph is written by one stage: records sent to it count as that stage's output.
        self._writers = {
            topic.suffix: (stage.name, topic.name(settings.topic_prefix)) for stage in STAGES for topic in stage.writes
        }

    def _faust_topic(self, spec: TopicSpec) -> faust.TopicT:
        return self.app.topic(spec.name(self.settings.topic_prefix), key_serializer="raw", value_serializer="raw")

    def topic(self, *specs: TopicSpec) -> faust.TopicT:
        """The Faust topic of one spec, or one channel over several (a stage that reads many)."""
        if len(specs) == 1:
            return self.topics[specs[0].suffix]
        names = [spec.name(self.settings.topic_prefix) for spec in specs]
        return self.app.topic(*names, key_serializer="raw", value_serializer="raw")

    def spec_of(self, topic_name: str) -> TopicSpec:
        """The spec of a message's topic (its value model decodes the message)."""
        try:
            return self._specs_by_name[topic_name]
        except KeyError:
            prefix = self.settings.topic_prefix
            raise KeyError(f"{topic_name} is not a topic of the pipeline (prefix {prefix!r})") from None

    def on_rebalance(self, forget: Callable[[int], None]) -> None:
        """Call ``forget`` with the worker's rebalance count whenever its partitions are revoked or assigned: a stage
        that keeps a table's records in memory drops them (revoked: another worker may write the table next;
        assigned: Faust restores it from its changelog)."""
        app = self.app

        def on_partitions_changed(sender: object, /, *args: object, signal: object, **kwargs: object) -> None:
            forget(app.rebalancing_count)

        app.on_partitions_revoked.connect(on_partitions_changed)
        app.on_partitions_assigned.connect(on_partitions_changed)

    def table(self, name: str, default: Any) -> TableT[Any, Any]:
        """One of the worker's tables, its RocksDB memory bounded by ``NEWSFLOW_WORKER_TABLE_MEMORY_MB``."""
        partitions = TABLE_PARTITIONS.get(name, self.settings.topic_partitions)
        # Split by the widest table: a table of fewer partitions then stays under its share.
        widest = self.settings.topic_partitions
        options = rocksdb_options(self.settings.worker_table_memory_mb, tables=len(TABLES), partitions=widest)
        return self.app.Table(name, default=default, partitions=partitions, options=options)

    async def send(self, spec: TopicSpec, key: str, value: BaseModel, *, partition: int | None = None) -> None:
        """Publish ``value`` (as JSON by alias) on ``spec``'s topic under ``key`` (on ``partition`` if given, else
        where Kafka's hash of the key puts it)."""
        await self.topics[spec.suffix].send(
            key=key.encode(), value=value.model_dump_json(by_alias=True).encode(), partition=partition
        )
        if (writer := self._writers.get(spec.suffix)) is not None:
            self.metrics.sent(*writer)

    def took(self, stage: StageSpec, events: list[EventT[bytes]]) -> None:
        """Count a batch a batching stage took: its records, by topic, and its size."""
        for event in events:
            self.metrics.received(stage.name, event.message.topic)
        self.metrics.batch(stage.name, len(events))

    async def dead_letter(self, stage: StageSpec, error: str, reason: str, payload: object, **where: Any) -> None:
        """Record a failed message on the dead-letter topic (the stream goes on)."""
        text = payload.decode(errors="replace") if isinstance(payload, bytes) else str(payload)
        letter = DeadLetter(
            stage=stage.dead_letter_stage,
            error=error,
            reason=reason,
            payload=text[:MAX_PAYLOAD_CHARS],
            failed_at=datetime.now(UTC),
            **where,
        )
        log.warning("dead letter", extra={"stage": stage.name, "error": error, "reason": reason[:300]})
        key = f"{stage.dead_letter_stage.value}:{where.get('article_id') or where.get('path')}"
        await self.send(DEADLETTER, key, letter)
        self.metrics.dead_letter(stage.name, error)

    async def parse_or_dead_letter(self, model: type[M], value: bytes, stage: StageSpec) -> M | None:
        """The message as ``model``, or None after dead-lettering a message that is not one."""
        try:
            return model.model_validate_json(value)
        except ValidationError as exc:
            await self.dead_letter(stage, "InvalidMessage", f"not a {model.__name__} v1: {exc}", value)
            return None

    async def set_aside(self, stage: StageSpec, exc: Exception, payload: object) -> None:
        """A bug or unexpected input must not crash the agent (Faust would skip the message): log it, dead-letter it."""
        log.exception("unexpected error; message sent to the dead-letter topic", extra={"stage": stage.name})
        reason = f"{exc!r} while processing; fix the cause, then `newsflow replay` the message's topic"
        await self.dead_letter(stage, type(exc).__name__, reason, payload)

    async def each_message(
        self, stream: faust.StreamT[bytes], stage: StageSpec, handle: Callable[[bytes], Awaitable[None]]
    ) -> AsyncIterator[None]:
        """Apply ``handle`` to every message's value (see :meth:`each_record`)."""

        async def value_only(value: bytes, _position: str) -> None:
            await handle(value)

        async for _ in self.each_record(stream, stage, value_only):
            yield None

    async def each_record(
        self, stream: faust.StreamT[bytes], stage: StageSpec, handle: Callable[[bytes, str], Awaitable[None]]
    ) -> AsyncIterator[None]:
        """Apply ``handle`` to every message's value and position (``"<partition>:<offset>"``); an unexpected
        error sets that message aside, the stream goes on.

        A message is acknowledged (its offset may be committed) only once handled:
        a worker stopped in the middle (SIGTERM, a rebalance) reads it again, at the same position.
        """
        manual = cast(faust.Stream[bytes], stream).noack()
        async for event in manual.events():
            self.metrics.received(stage.name, event.message.topic)
            position = f"{event.message.partition}:{event.message.offset}"
            for attempt in range(1, _TABLE_WAIT_ATTEMPTS + 1):
                try:
                    await handle(event.value, position)
                except PartitionsMismatch:
                    # Right after start or a rebalance, a table's changelog topic can be missing from the
                    # client's metadata for a moment: the write is retried, not dead-lettered (nothing was
                    # sent yet, the handlers write their table before sending).
                    if attempt == _TABLE_WAIT_ATTEMPTS:
                        error = RuntimeError("table changelog still unknown after waiting")
                        await self.set_aside(stage, error, event.value)
                        break
                    log.warning(
                        "table changelog not known yet; retrying", extra={"stage": stage.name, "attempt": attempt}
                    )
                    await asyncio.sleep(1.0)
                except Exception as exc:
                    await self.set_aside(stage, exc, event.value)
                    break
                else:
                    break
            await manual.ack(event)
            yield None
