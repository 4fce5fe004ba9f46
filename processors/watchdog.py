"""Noticing a worker that holds a backlog but has stopped making progress.

faust-streaming has open reports of workers that, after a rebalance, stop
fetching or processing some partitions without any error (docs/scaling.md,
faust-streaming/faust#629); the fault suite saw two workers idle for minutes
with records waiting. Nothing inside the worker recovers from that, but a
restart does (the group rebalances, every partition is sought to its committed
offset). The watchdog decides when: records are waiting on the worker's
partitions, yet none of its committed offsets moved for ``stall_s`` seconds,
while nothing excuses the pause (a rebalance, Elasticsearch or Kafka being
unavailable). The worker then exits and its supervisor (``make up``,
docker-compose's restart policy) starts it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newsflow.infra.kafka_offsets import group_positions


@dataclass
class ProgressWatchdog:
    """Tracks committed offsets over time; says when the worker is stalled."""

    stall_s: float
    _last_committed: dict[Any, int] | None = None
    _stuck_since: float | None = None

    def observe(self, now: float, committed: Mapping[Any, int], backlog: int, excused: bool) -> float | None:
        """Record one look at the worker; the seconds it has been stalled once that reaches ``stall_s``, else None.

        ``committed``: the committed offset of each partition the worker holds;
        ``backlog``: records on those partitions past the committed offsets;
        ``excused``: the worker is waiting for something outside it (a
        rebalance, Elasticsearch or Kafka unavailable), which is not a stall.
        """
        progressed = self._last_committed is None or dict(committed) != self._last_committed
        self._last_committed = dict(committed)
        if progressed or backlog <= 0 or excused:
            self._stuck_since = None
            return None
        if self._stuck_since is None:
            self._stuck_since = now
        stalled = now - self._stuck_since
        return stalled if stalled >= self.stall_s else None


def read_backlog(bootstrap_servers: str, group: str, partitions: list[tuple[str, int]]) -> tuple[dict[Any, int], int]:
    """The group's committed offset of each of ``partitions`` (as the broker has it) and the records past them.

    A partition the group never committed on counts from its earliest offset.
    Raises when Kafka does not answer (blocking: call it off the event loop).
    """
    topics = sorted({topic for topic, _ in partitions})
    positions = group_positions(bootstrap_servers, group, topics, client_id=f"{group}-watchdog", timeout_ms=10_000)
    held = {tp: positions[tp] for tp in partitions if tp in positions}
    return {tp: position.done for tp, position in held.items()}, sum(position.lag for position in held.values())
