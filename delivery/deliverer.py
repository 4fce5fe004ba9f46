"""The webhook deliverer: alerts from Kafka to each saved search's webhook, once as far as a receiver can tell.

How it keeps its promises:

- **Never slows the pipeline**: it is a process of its own with its own
  consumer group (:func:`webhooks_group`); the stream processors never wait for it.
- **One slow webhook never slows another**: each saved search has its own
  asyncio task, so its alerts go out in order while other searches' go out
  concurrently; POSTs are asynchronous (httpx), Elasticsearch and Kafka calls
  run in threads.
- **No alert lost**: Kafka offsets are committed only up to the lowest alert of
  each partition still in flight (:class:`~newsflow.delivery.bookkeeping.OffsetBook`).
- **No alert delivered twice**: before POSTing, the delivery log is read (a
  real-time read); an alert it shows delivered or given up is skipped. After a
  restart, an alert that was mid-retry continues with its next attempt, once
  the rest of its back-off has passed. When partitions go to another deliverer
  (a rebalance), their alerts are released first: queued ones dropped, a
  back-off cut short, and a POST under way waited for until its outcome is in
  the log, so that the next owner reads it (:meth:`Deliverer.release`).
  The gap left: a process killed between a receiver's 2xx and the log write
  POSTs that alert again, with the same ``X-Newsflow-Alert-Id`` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import httpx
from elasticsearch import ElasticsearchException
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata
from pydantic import ValidationError

from newsflow.delivery.bookkeeping import OffsetBook, backoff_delay
from newsflow.delivery.metrics import DeliveryMetrics
from newsflow.delivery.store import DeliveryStore, UnreadableSearchError, finished
from newsflow.delivery.webhook import AttemptResult, post_alert
from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import Alert, DeliveryOutcome, SavedSearch, WebhookDelivery, WebhookState, redact_url
from newsflow.schemas.topics import ALERTS, webhooks_group

log = logging.getLogger("newsflow.delivery")

T = TypeVar("T")

# Elasticsearch unreachable: wait this long before reading or writing again (the alert stays in flight).
STORE_RETRY_S = 2.0
# A stopping deliverer lets attempts under way finish; this long past the webhook timeout it stops waiting.
STOP_GRACE_S = 5.0
# What a store call returns when the deliverer stopped before Elasticsearch answered.
_STOPPED: Final = object()


@dataclass(frozen=True)
class _Job:
    partition: TopicPartition
    offset: int
    alert: Alert


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python is untyped
    """Releases the alerts of partitions going to another deliverer, commits what is finished, forgets them."""

    def __init__(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer
        self.resume_at: dict[TopicPartition, int] = {}

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        deliverer = self.deliverer
        deliverer.release(revoked)
        deliverer._commit_finished()
        # A partition assigned back to this deliverer keeps its fetch position, past the alerts just released.
        self.resume_at = {tp: offset for tp in revoked if (offset := deliverer.book.resume_offset(tp)) is not None}
        deliverer.book.forget(revoked)
        log.info("partitions revoked", extra={"partitions": [tp.partition for tp in revoked]})

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        consumer = self.deliverer._consumer
        for tp in assigned:
            if tp in self.resume_at and consumer is not None:
                consumer.seek(tp, self.resume_at[tp])
        self.resume_at = {}
        log.info("partitions assigned", extra={"partitions": [tp.partition for tp in assigned]})


class Deliverer:
    """Reads the alerts topic and delivers each alert to its saved search's webhook until :meth:`stop`.

    ``metrics`` collects its figures (a registry of its own when not given);
    ``cache_ttl_s`` is how long a saved search read from Elasticsearch is
    trusted; ``initial_backoff_s`` is the first wait after a failed attempt
    (it doubles up to ``settings.webhook_max_backoff_s``); ``max_in_flight``
    bounds the alerts held in memory (Kafka fetching pauses above it).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        metrics: DeliveryMetrics | None = None,
        cache_ttl_s: float = 5.0,
        initial_backoff_s: float = 1.0,
        max_in_flight: int = 1000,
        commit_interval_s: float = 1.0,
        store_threads: int = 16,
        client_id: str = "newsflow-delivery",
    ) -> None:
        self.settings = settings
        self.metrics = metrics if metrics is not None else DeliveryMetrics()
        self.initial_backoff_s = initial_backoff_s
        self.max_in_flight = max_in_flight
        self.commit_interval_s = commit_interval_s
        self.client_id = client_id
        self.store = DeliveryStore(settings, cache_ttl_s=cache_ttl_s)
        self.book = OffsetBook()
        self.topic = ALERTS.name(settings.topic_prefix)
        self._store_threads = store_threads
        self._stopped = threading.Event()
        self._consumer: KafkaConsumer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._queues: dict[str, deque[_Job]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        # The attempt under way per saved search (a POST and the write of its outcome): a rebalance waits for it.
        self._attempting: dict[str, asyncio.Task[DeliveryOutcome | None]] = {}
        self._paused = False
        # Set when a delivery task failed unexpectedly (the process then exits with an error).
        self.failed = False
        # Set once the consumer has joined the group and holds partitions (tests wait for it).
        self.assigned = threading.Event()

    # --- life cycle -------------------------------------------------------------------
    def run(self) -> None:
        """Deliver until :meth:`stop`; then finish attempts under way, commit and close."""
        asyncio.run(self._main())

    def stop(self) -> None:
        """Ask :meth:`run` to return (from any thread, or a signal handler)."""
        self._stopped.set()
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            # The loop may close between the check and the call: then there is nothing left to wake.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    @property
    def stopping(self) -> bool:
        return self._stopped.is_set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if self.stopping:
            self._wake.set()
        kafka = ThreadPoolExecutor(1, thread_name_prefix="delivery-kafka")  # the consumer is not thread-safe
        self._store_pool = ThreadPoolExecutor(self._store_threads, thread_name_prefix="delivery-store")
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=32)
        try:
            self._consumer = await self._loop.run_in_executor(kafka, self._make_consumer)
            log.info(
                "delivering webhooks",
                extra={"topic": self.topic, "group": webhooks_group(self.settings.topic_prefix)},
            )
            async with httpx.AsyncClient(limits=limits, timeout=self.settings.webhook_timeout_s) as client:
                self._client = client
                await self._consume(kafka)
                await self._drain()
        finally:
            if self._consumer is not None:
                await self._loop.run_in_executor(kafka, self._close_consumer)
            kafka.shutdown(wait=True)
            self._store_pool.shutdown(wait=True)
            self.store.close()
            log.info("deliverer stopped")

    def _make_consumer(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=webhooks_group(self.settings.topic_prefix),
            client_id=self.client_id,
            enable_auto_commit=False,
            # A new group starts at the beginning: alerts written before the first deliverer ran are delivered.
            auto_offset_reset="earliest",
            max_poll_records=500,
        )
        consumer.subscribe([self.topic], listener=_Listener(self))
        return consumer

    def _close_consumer(self) -> None:
        assert self._consumer is not None
        self._commit_finished()
        self._consumer.close(autocommit=False)

    async def _consume(self, kafka: ThreadPoolExecutor) -> None:
        assert self._loop is not None
        last_commit = time.monotonic()
        while not self.stopping:
            records = await self._loop.run_in_executor(kafka, self._poll)
            for record in records:
                self._accept(record)
            self.metrics.in_flight.set(self.book.in_flight)
            if time.monotonic() - last_commit >= self.commit_interval_s:
                await self._loop.run_in_executor(kafka, self._commit_finished)
                last_commit = time.monotonic()

    def _poll(self) -> list[Any]:
        """One poll (in the Kafka thread); pauses fetching while too many alerts are in flight."""
        consumer = self._consumer
        assert consumer is not None
        full = self.book.in_flight >= self.max_in_flight
        if full != self._paused:
            # Paused partitions still let poll() keep the group membership alive.
            (consumer.pause if full else consumer.resume)(*consumer.assignment())
            self._paused = full
        try:
            batches = consumer.poll(timeout_ms=200)
        except KafkaError as exc:
            log.warning("Kafka poll failed; trying again", extra={"error": str(exc)})
            time.sleep(1.0)
            return []
        if consumer.assignment():
            self.assigned.set()
        return [record for batch in batches.values() for record in batch]

    def _commit_finished(self) -> None:
        """Commit, per partition, up to the lowest alert still in flight (in the Kafka thread)."""
        consumer = self._consumer
        offsets = self.book.committable()
        if consumer is None or not offsets:
            return
        try:
            consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})
        except KafkaError as exc:
            # Not fatal: the next commit covers these offsets; a crash before it redelivers finished alerts,
            # which the delivery log recognises.
            log.warning("offset commit failed; the next one covers it", extra={"error": str(exc)})
            return
        self.book.committed(offsets)

    # --- alerts in, per saved search ------------------------------------------------
    def _accept(self, record: Any) -> None:
        partition = TopicPartition(record.topic, record.partition)
        try:
            alert = Alert.model_validate_json(record.value)
        except ValidationError as exc:
            log.error(
                "unreadable alert record skipped",
                extra={"partition": record.partition, "offset": record.offset, "error": str(exc.errors()[0]["msg"])},
            )
            self.metrics.alerts.labels("unreadable").inc()
            self.book.add(partition, record.offset)
            self.book.finish(partition, record.offset)
            return
        self.book.add(partition, record.offset)
        queue = self._queues.get(alert.saved_search_id)
        if queue is None:
            queue = self._queues[alert.saved_search_id] = deque()
            self._start_worker(alert.saved_search_id, queue)
        queue.append(_Job(partition, record.offset, alert))

    def _start_worker(self, saved_search_id: str, queue: deque[_Job]) -> None:
        task = asyncio.get_running_loop().create_task(self._search_worker(saved_search_id, queue))
        self._workers[saved_search_id] = task
        task.add_done_callback(lambda done: self._forget_worker(saved_search_id, done))

    def _forget_worker(self, saved_search_id: str, task: asyncio.Task[None]) -> None:
        if self._workers.get(saved_search_id) is task:
            del self._workers[saved_search_id]

    def _forget_attempt(self, saved_search_id: str, task: asyncio.Task[DeliveryOutcome | None]) -> None:
        if self._attempting.get(saved_search_id) is task:
            del self._attempting[saved_search_id]

    def release(self, partitions: list[TopicPartition]) -> None:
        """Stop delivering the alerts of ``partitions`` before another deliverer reads them (Kafka thread).

        Queued alerts are dropped and an alert waiting out a back-off is left; an attempt under way is
        waited for until its outcome is in the delivery log. The next owner starts at the last commit and
        finds in the log what was done (a back-off goes on from the logged attempt's time).
        """
        loop = self._loop
        if loop is None or loop.is_closed() or not partitions:
            return
        released = asyncio.run_coroutine_threadsafe(self._release(set(partitions)), loop)
        bound = self.settings.webhook_timeout_s + STOP_GRACE_S
        try:
            released.result(timeout=bound)
        except TimeoutError:
            released.cancel()
            log.warning(
                "an attempt under way did not end within %.0f s of a rebalance; the next owner may POST it again",
                bound,
                extra={"partitions": sorted(tp.partition for tp in partitions)},
            )

    async def _release(self, partitions: set[TopicPartition]) -> None:
        stopped: list[asyncio.Task[None]] = []
        stopped_ids: list[str] = []
        restart: list[tuple[str, deque[_Job]]] = []
        for saved_search_id, queue in list(self._queues.items()):
            if not any(job.partition in partitions for job in queue):
                continue
            head_released = queue[0].partition in partitions
            kept = [job for job in queue if job.partition not in partitions]
            queue.clear()
            queue.extend(kept)
            worker = self._workers.get(saved_search_id)
            if head_released and worker is not None:
                worker.cancel()
                stopped.append(worker)
                stopped_ids.append(saved_search_id)
                if kept:
                    restart.append((saved_search_id, queue))
        if stopped:
            attempts = [self._attempting[w] for w in stopped_ids if w in self._attempting]
            await asyncio.wait([*stopped, *attempts])
        for saved_search_id, queue in restart:
            self._start_worker(saved_search_id, queue)
        log.info(
            "alerts of revoked partitions released",
            extra={"partitions": sorted(tp.partition for tp in partitions), "searches_stopped": len(stopped)},
        )

    async def _search_worker(self, saved_search_id: str, queue: deque[_Job]) -> None:
        """Deliver one saved search's alerts in order; ends when its queue is empty (or on stop)."""
        try:
            while queue and not self.stopping:
                job = queue[0]
                if not await self._handle(job.alert):
                    break  # stopping: the alert stays unfinished and its offset uncommitted
                queue.popleft()
                self.book.finish(job.partition, job.offset)
                self.metrics.in_flight.set(self.book.in_flight)
        except Exception:
            # A bug, not an outage (those are retried): stop the process, whose supervisor restarts it;
            # this search's unfinished alerts are uncommitted and come again.
            log.exception("delivering a saved search's alerts failed", extra={"saved_search_id": saved_search_id})
            self.failed = True
            self.stop()
            raise
        finally:
            # A worker cancelled by a rebalance keeps a queue with alerts of other partitions: it is restarted.
            if self._queues.get(saved_search_id) is queue and (not queue or self.stopping):
                del self._queues[saved_search_id]

    async def _drain(self) -> None:
        """After stop: let attempts under way end (back-off waits end at once), within a bound."""
        running = {*self._workers.values(), *self._attempting.values()}
        if running:
            grace = self.settings.webhook_timeout_s + STOP_GRACE_S
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    # --- one alert ------------------------------------------------------------------------
    async def _handle(self, alert: Alert) -> bool:
        """Deliver, skip or give up ``alert``; False when stopping left it unfinished."""
        try:
            search = await self._store_call(self.store.saved_search, alert.saved_search_id)
        except UnreadableSearchError as exc:
            log.error("alert not delivered: %s", exc, extra={"alert_id": alert.alert_id})
            self.metrics.alerts.labels("unreadable").inc()
            return True
        if search is _STOPPED:
            return False
        if search is None:
            log.info(
                "alert not delivered: its saved search was deleted",
                extra={"alert_id": alert.alert_id, "saved_search_id": alert.saved_search_id},
            )
            self.metrics.alerts.labels("search_deleted").inc()
            return True
        assert isinstance(search, SavedSearch)
        if search.webhook is None:
            self.metrics.alerts.labels("no_webhook").inc()
            return True
        earlier = await self._store_call(self.store.attempts, alert.alert_id)
        if earlier is _STOPPED:
            return False
        assert isinstance(earlier, list)
        done = finished(earlier)
        if done is not None:
            log.info(
                "alert already handled; not sent again",
                extra={"alert_id": alert.alert_id, "outcome": done.outcome.value, "attempt": done.attempt},
            )
            self.metrics.alerts.labels("already_done").inc()
            return True
        attempt = max((a.attempt for a in earlier), default=0) + 1
        if not await self._rest_of_backoff(earlier):
            return False
        if search.webhook.state == WebhookState.DISABLED:
            if not any(a.outcome == DeliveryOutcome.SKIPPED for a in earlier):
                skipped = self._record(
                    alert, search, attempt, DeliveryOutcome.SKIPPED, result=None, error="the webhook is disabled"
                )
                if not await self._log(skipped):
                    return False
            self.metrics.alerts.labels("skipped").inc()
            return True
        return await self._attempts(alert, search, attempt)

    async def _rest_of_backoff(self, earlier: list[WebhookDelivery]) -> bool:
        """Wait what is left of the back-off after the last logged attempt, if it failed (a restart, a
        rebalance); False when stopping cut it short."""
        last = max(earlier, key=lambda a: a.attempt, default=None)
        if last is None or last.outcome != DeliveryOutcome.FAILED:
            return True
        wait_s = backoff_delay(last.attempt, self.settings.webhook_max_backoff_s, self.initial_backoff_s)
        left_s = wait_s - (datetime.now(UTC) - last.at).total_seconds()
        return left_s <= 0 or await self._sleep(left_s)

    async def _attempts(self, alert: Alert, search: SavedSearch, attempt: int) -> bool:
        assert self._loop is not None and search.webhook is not None
        while True:
            under_way = self._loop.create_task(self._attempt(alert, search, attempt))
            self._attempting[search.saved_search_id] = under_way
            under_way.add_done_callback(lambda done: self._forget_attempt(search.saved_search_id, done))
            # A rebalance cancels this worker, but never between a POST and the write of its outcome:
            # another deliverer would find no record of it and POST the alert again.
            outcome = await asyncio.shield(under_way)
            if outcome is None:
                return False
            if outcome == DeliveryOutcome.DELIVERED:
                if search.webhook.consecutive_failures:
                    await self._store_call(self.store.reset_failures, search)
                return True
            if outcome == DeliveryOutcome.GIVEN_UP:
                return True
            wait_s = backoff_delay(attempt, self.settings.webhook_max_backoff_s, self.initial_backoff_s)
            if not await self._sleep(wait_s):
                return False
            attempt += 1

    async def _attempt(self, alert: Alert, search: SavedSearch, attempt: int) -> DeliveryOutcome | None:
        """One POST, its logged outcome and the alert's ending counted (shielded from a rebalance's cancel);
        None when stopping cut the log."""
        assert search.webhook is not None
        result = await post_alert(self._client, search.webhook.url, alert, self.settings.webhook_timeout_s)
        if result.delivered:
            outcome = DeliveryOutcome.DELIVERED
        elif attempt >= self.settings.webhook_attempts:
            outcome = DeliveryOutcome.GIVEN_UP
        else:
            outcome = DeliveryOutcome.FAILED
        self.metrics.attempt_seconds.labels(outcome.value).observe(result.seconds)
        if not await self._log(self._record(alert, search, attempt, outcome, result=result, error=result.error)):
            return None
        if outcome == DeliveryOutcome.DELIVERED:
            self.metrics.alerts.labels("delivered").inc()
        elif outcome == DeliveryOutcome.GIVEN_UP:
            self.metrics.alerts.labels("given_up").inc()
            await self._given_up(search, result.error or "")
        return outcome

    async def _given_up(self, search: SavedSearch, reason: str) -> None:
        after = await self._store_call(self.store.count_given_up, search, reason)
        if not isinstance(after, SavedSearch) or after.webhook is None:
            return
        was_active = search.webhook is not None and search.webhook.state == WebhookState.ACTIVE
        if was_active and after.webhook.state == WebhookState.DISABLED:
            self.metrics.webhooks_disabled.inc()
            log.warning(
                "webhook disabled after %d given-up alerts in a row; save the search again to re-enable it",
                after.webhook.consecutive_failures,
                extra={
                    "saved_search_id": search.saved_search_id,
                    "url": after.webhook.display_url,
                    "reason": after.webhook.disabled_reason,
                },
            )

    def _record(
        self,
        alert: Alert,
        search: SavedSearch,
        attempt: int,
        outcome: DeliveryOutcome,
        *,
        result: AttemptResult | None,
        error: str | None,
    ) -> WebhookDelivery:
        assert search.webhook is not None
        return WebhookDelivery(
            alert_id=alert.alert_id,
            saved_search_id=alert.saved_search_id,
            url=redact_url(search.webhook.url),
            attempt=attempt,
            outcome=outcome,
            status_code=result.status_code if result else None,
            error=error,
            at=datetime.now(UTC),
            duration_ms=round(result.seconds * 1000, 1) if result else None,
        )

    async def _log(self, delivery: WebhookDelivery) -> bool:
        """Write the attempt to the delivery log and the process log; False when stopping interrupted it."""
        if await self._store_call(self.store.log_attempt, delivery) is _STOPPED:
            return False
        self.metrics.deliveries.labels(delivery.outcome.value).inc()
        quiet = delivery.outcome in (DeliveryOutcome.DELIVERED, DeliveryOutcome.SKIPPED)
        level = logging.INFO if quiet else logging.WARNING
        log.log(
            level,
            "webhook %s",
            delivery.outcome.value.replace("_", " "),
            extra={
                "alert_id": delivery.alert_id,
                "saved_search_id": delivery.saved_search_id,
                "url": delivery.url,
                "attempt": delivery.attempt,
                "status": delivery.status_code,
                "error": delivery.error,
                "ms": delivery.duration_ms,
            },
        )
        return True

    # --- waiting ----------------------------------------------------------------------------
    async def _store_call(self, call: Callable[..., T], *args: Any) -> T | object:
        """``call(*args)`` in the store's threads, again every few seconds while Elasticsearch fails.

        Returns ``_STOPPED`` when the deliverer stops before it succeeded.
        """
        assert self._loop is not None
        while True:
            try:
                return await self._loop.run_in_executor(self._store_pool, call, *args)
            except ElasticsearchException as exc:
                log.warning(
                    "Elasticsearch call failed; trying again in %.0f s",
                    STORE_RETRY_S,
                    extra={"call": getattr(call, "__name__", str(call)), "error": str(exc)[:300]},
                )
            if not await self._sleep(STORE_RETRY_S):
                return _STOPPED

    async def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; False (at once) when the deliverer stops meanwhile."""
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False
