"""Patch: the workers' Kafka clients wait between failed metadata refreshes, as Kafka's own clients do.

Works around a gap in aiokafka 0.14.0 with no upstream issue of its own
(the same spin was fixed in kafka-python by dpkp/kafka-python#733, and
aio-libs/aiokafka#1155 reports its sibling in the fetcher). Overrides the
private ``AIOKafkaClient._metadata_update`` and reaches the client through
``AIOKafkaConsumer._client`` and Faust's ``Consumer._create_consumer`` /
``Producer._new_producer``. Fails without it:
tests/unit/test_kafka_backoff.py::test_a_failed_refresh_of_a_real_client_waits_before_returning
and the fault scenario tests/faults/test_kafka_restart.py (at most 10 failed
refreshes per second of outage; about 1300 without the patch).

While no broker answers, aiokafka refreshes its cluster metadata again
as soon as a refresh fails: the fetcher, the group coordinator and the sender
wait on the refresh, find the metadata still invalid and ask again at once.
Connection refused comes back in microseconds, so an outage made every worker
refresh about 1300 times a second (docs/faults.md, scenario d).
Java's client and kafka-python back off between failed refreshes
(``retry.backoff.ms`` growing to ``retry.backoff.max.ms``); this module adds
that back-off to the aiokafka clients the Faust worker creates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.client import AIOKafkaClient
from faust.transport.drivers import aiokafka as faust_aiokafka

log = logging.getLogger("newsflow.processors.kafka")


class MetadataBackoff:
    """Waits after consecutive failed refreshes: ``initial_s``, doubling up to ``maximum_s``; a success resets it."""

    def __init__(self, initial_s: float = 0.1, maximum_s: float = 1.0) -> None:
        self.initial_s, self.maximum_s = initial_s, maximum_s
        self.failures = 0
        self.failing_since: float | None = None

    def failed(self, now: float) -> float:
        """Counts a failed refresh; returns how long to wait before the next one."""
        if self.failing_since is None:
            self.failing_since = now
        self.failures += 1
        return min(self.maximum_s, self.initial_s * 2.0 ** (self.failures - 1))

    def succeeded(self, now: float) -> tuple[int, float] | None:
        """Resets the back-off; returns (failed refreshes, seconds failing) if there were any."""
        if self.failing_since is None:
            return None
        outage = (self.failures, now - self.failing_since)
        self.failures, self.failing_since = 0, None
        return outage


class BackoffClient(AIOKafkaClient):  # type: ignore[misc]
    """aiokafka's client, with a :class:`MetadataBackoff` after each failed metadata refresh.

    The wait happens inside the refresh, so everything waiting on it (fetcher,
    coordinator, sender) waits too, instead of asking again at once.
    """

    _metadata_backoff: MetadataBackoff

    async def _metadata_update(self, cluster_metadata: Any, topics: Any) -> bool:
        updated = bool(await super()._metadata_update(cluster_metadata, topics))
        backoff = self._metadata_backoff
        if updated:
            outage = backoff.succeeded(time.monotonic())
            if outage is not None:
                log.warning(
                    "Kafka metadata refresh succeeded after failures  client=%s failed_refreshes=%d since_first_s=%.1f",
                    self._client_id, outage[0], outage[1],
                )  # fmt: skip
        else:
            await asyncio.sleep(backoff.failed(time.monotonic()))
        return updated


def with_metadata_backoff(client: AIOKafkaClient) -> AIOKafkaClient:
    """Gives an aiokafka client, built by aiokafka's consumer or producer, the metadata back-off.

    The consumer and producer build their client themselves and take no class
    for it, so the client's class is switched before it starts: the subclass
    adds one attribute and overrides one method.
    """
    client._metadata_backoff = MetadataBackoff()
    client.__class__ = BackoffClient
    return client


class BackoffConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread, whose aiokafka consumer backs off between failed metadata refreshes."""

    def _create_consumer(self, loop: asyncio.AbstractEventLoop) -> AIOKafkaConsumer:
        consumer = super()._create_consumer(loop)
        with_metadata_backoff(consumer._client)
        return consumer


class BackoffProducer(faust_aiokafka.Producer):
    """Faust's producer, whose aiokafka producer backs off between failed metadata refreshes."""

    def _new_producer(self, transactional_id: str | None = None) -> AIOKafkaProducer:
        producer = super()._new_producer(transactional_id)
        with_metadata_backoff(producer.client)
        return producer
