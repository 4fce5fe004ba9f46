"""The live part of ``GET /alerts/stream``: one tail of the alerts topic per API process, fanned out to clients.

One background thread reads the ``alerts`` topic with kafka-python: no
consumer group (nothing to commit, no rebalance between API replicas), every
partition assigned at its end, so a client sees the alerts raised while it is
connected (what came before is the alerts index's: ``Last-Event-ID``).

Each client has a bounded asyncio queue. The thread hands a polled batch to
the event loop, which puts each alert in the queues of the clients that want
it; a client whose queue is full is behind by that many alerts and is
disconnected (it reconnects with ``Last-Event-ID`` and is sent what it missed),
so one slow reader never holds up the others or the tail. The topic is
at-least-once: alert ids seen recently are dropped when they come again.

What a reconnecting client missed comes from two places: the alerts index,
and the tail's own memory of the latest alerts (:meth:`AlertStream.recent_after`).
The index alone is not enough: an alert is on the topic before the alerts
stage's sink has written it, so one raised just before the reconnection would
be in neither the index nor the new subscription's queue.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI
from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import Alert
from newsflow.schemas.topics import ALERTS

log = logging.getLogger("newsflow.api.alert_stream")

QUEUE_SIZE = 1_000
HEARTBEAT_S = 15.0
# Alert ids remembered to drop a redelivery (a producer retry or a replayed batch comes soon after the first).
DEDUP_MEMORY = 20_000
# Latest alerts kept for reconnecting clients (about 1 kB each): minutes of alerts at any rate the pipeline makes.
RECENT_MEMORY = 5_000
_POLL_MS = 500
# How often the tail looks for partitions added to the topic (or for the topic itself, before it exists).
_PARTITION_CHECK_S = 30.0
_RETRY_S = 2.0


@dataclass(eq=False)
class Subscription:
    """One client of the stream: its filter and queue. ``None`` in the queue means: disconnect now."""

    saved_search_id: str | None
    queue: asyncio.Queue[Alert | None]
    dropped: bool = field(default=False)

    def wants(self, alert: Alert) -> bool:
        """Whether this client asked for ``alert``'s saved search (or for all)."""
        return self.saved_search_id is None or alert.saved_search_id == self.saved_search_id


class AlertStream:
    """The alerts topic's tail and its subscribers (start once per process, on the serving event loop)."""

    def __init__(
        self,
        settings: Settings,
        queue_size: int = QUEUE_SIZE,
        heartbeat_s: float = HEARTBEAT_S,
        recent_memory: int = RECENT_MEMORY,
    ) -> None:
        self.settings = settings
        self.topic = ALERTS.name(settings.topic_prefix)
        self.queue_size = queue_size
        self.heartbeat_s = heartbeat_s
        self.ready = threading.Event()
        self._subscribers: set[Subscription] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        # Touched on the event loop only (fan_out and the clients' backfill), so it needs no lock.
        self._recent: deque[Alert] = deque(maxlen=recent_memory)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- lifecycle -------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the tail (idempotent); alerts are fanned out on ``loop``."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._loop = loop
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="alert-stream-tail", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the tail (blocks until its thread has closed its consumer; call off the event loop)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None
        self.ready.clear()

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        """The app's lifespan: the tail runs while the app serves (one per process, for every client)."""
        app.state.alert_stream = self
        self.start(asyncio.get_running_loop())
        try:
            yield
        finally:
            self.end_clients()
            await asyncio.to_thread(self.stop)

    def end_clients(self) -> None:
        """End every client's stream (call on the event loop)."""
        for subscription in list(self._subscribers):
            self._drop(subscription, reason=None)

    # --- clients ---------------------------------------------------------------

    def subscribe(self, saved_search_id: str | None) -> Subscription:
        """A new client's subscription (call on the event loop); starts the tail if the app's lifespan did not."""
        if self._thread is None:
            self.start(asyncio.get_running_loop())
        subscription = Subscription(saved_search_id, asyncio.Queue(maxsize=self.queue_size))
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a client (its stream ended)."""
        self._subscribers.discard(subscription)

    @property
    def clients(self) -> int:
        """Connected clients."""
        return len(self._subscribers)

    def recent_after(self, last_alert_id: str, since: datetime | None, saved_search_id: str | None) -> list[Alert]:
        """The remembered alerts a client that last saw ``last_alert_id`` missed, in arrival order (event loop).

        If that alert is remembered, all that came after it; if not, those raised at or after ``since``
        (the last alert's time, from the index), or none when that is unknown too. Called after
        :meth:`subscribe`, the two together leave no gap (the client drops what both hold).
        """
        recent = list(self._recent)
        position = next((i for i, a in enumerate(recent) if a.alert_id == last_alert_id), None)
        if position is not None:
            missed = recent[position + 1 :]
        elif since is not None:
            missed = [a for a in recent if a.alerted_at >= since and a.alert_id != last_alert_id]
        else:
            missed = []
        return [a for a in missed if saved_search_id is None or a.saved_search_id == saved_search_id]

    def fan_out(self, alerts: list[Alert]) -> None:
        """Put ``alerts`` in each wanting client's queue and in the recent memory; runs on the event loop."""
        self._recent.extend(alerts)
        for subscription in list(self._subscribers):
            for alert in alerts:
                if subscription.dropped or not subscription.wants(alert):
                    continue
                try:
                    subscription.queue.put_nowait(alert)
                except asyncio.QueueFull:
                    self._drop(subscription, reason=f"{self.queue_size} alerts behind")

    def _drop(self, subscription: Subscription, reason: str | None) -> None:
        subscription.dropped = True
        self._subscribers.discard(subscription)
        if reason is not None:
            log.warning(
                "alert stream client disconnected: too slow",
                extra={"reason": reason, "saved_search_id": subscription.saved_search_id or "-"},
            )
        # Its backlog is of no use any more; the marker ends its stream at once.
        while not subscription.queue.empty():
            subscription.queue.get_nowait()
        subscription.queue.put_nowait(None)

    # --- the tail ----------------------------------------------------------------

    def fresh(self, alerts: list[Alert]) -> list[Alert]:
        """``alerts`` without those seen recently (the topic may deliver one twice)."""
        kept = []
        for alert in alerts:
            if alert.alert_id in self._seen:
                self._seen.move_to_end(alert.alert_id)
                continue
            self._seen[alert.alert_id] = None
            if len(self._seen) > DEDUP_MEMORY:
                self._seen.popitem(last=False)
            kept.append(alert)
        return kept

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tail()
            except Exception:  # the tail must outlive Kafka outages and bad records alike
                log.exception("alert stream tail failed; starting again", extra={"topic": self.topic})
                self.ready.clear()
                self._stop.wait(_RETRY_S)

    def _assign(self, consumer: KafkaConsumer, assigned: set[TopicPartition]) -> set[TopicPartition]:
        """Assign the topic's partitions: the first time at their end, ones added later from their start."""
        partitions = consumer.partitions_for_topic(self.topic) or set()
        # Partitions are never removed from a topic: an answer without some (metadata not yet refreshed) is stale.
        current = assigned | {TopicPartition(self.topic, p) for p in partitions}
        if current == assigned:
            return assigned
        added = current - assigned
        consumer.assign(sorted(current))
        if assigned:
            consumer.seek_to_beginning(*added)
        else:
            consumer.seek_to_end(*added)
        # Resolve the positions now, so that "ready" means every alert published from here on is seen.
        for partition in added:
            consumer.position(partition)
        return current

    def _tail(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            client_id="newsflow-api-alert-stream",
        )
        try:
            assigned: set[TopicPartition] = set()
            next_check = 0.0
            while not self._stop.is_set():
                now = time.monotonic()
                if now >= next_check:
                    assigned = self._assign(consumer, assigned)
                    next_check = now + _PARTITION_CHECK_S
                    if not assigned:
                        log.info("alerts topic not there yet; waiting", extra={"topic": self.topic})
                        next_check = now + _RETRY_S
                        self._stop.wait(_RETRY_S)
                        continue
                    self.ready.set()
                batches = consumer.poll(timeout_ms=_POLL_MS)
                alerts = []
                for records in batches.values():
                    for record in records:
                        try:
                            alerts.append(Alert.model_validate_json(record.value))
                        except (ValidationError, TypeError):
                            log.warning(
                                "unreadable alert record skipped",
                                extra={"topic": self.topic, "partition": record.partition, "offset": record.offset},
                            )
                kept = self.fresh(alerts)
                if kept and self._loop is not None and not self._loop.is_closed():
                    self._loop.call_soon_threadsafe(self.fan_out, kept)
        finally:
            consumer.close()
