"""Where a consumer group stands on its partitions, as the broker has it (for the API's lag and the watchdog)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition


@dataclass(frozen=True)
class GroupPosition:
    """One partition: the group's next offset to read, and the partition's end offset."""

    done: int
    end: int

    @property
    def lag(self) -> int:
        return max(self.end - self.done, 0)


def group_positions(
    bootstrap_servers: str, group: str, topics: Iterable[str], client_id: str, timeout_ms: int = 5000
) -> dict[tuple[str, int], GroupPosition]:
    """``group``'s position on every partition of ``topics``, keyed by (topic, partition).

    A partition the group never committed on counts from its earliest offset
    (the workers read from there: ``auto_offset_reset=earliest``). Blocking, and
    raises when Kafka does not answer.
    """
    client = {"bootstrap_servers": bootstrap_servers, "client_id": client_id, "request_timeout_ms": timeout_ms}
    consumer = KafkaConsumer(**client, enable_auto_commit=False)  # offsets only: no group, no commits
    admin = KafkaAdminClient(**client)
    try:
        partitions = [
            TopicPartition(topic, p) for topic in topics for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        committed = admin.list_group_offsets(group).get(group, {})
    finally:
        consumer.close()
        admin.close()
    positions = {}
    for tp in partitions:
        done = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else starts[tp]
        positions[(tp.topic, tp.partition)] = GroupPosition(done=done, end=ends[tp])
    return positions
