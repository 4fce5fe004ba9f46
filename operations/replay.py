"""``newsflow replay``: run articles through the pipeline again (e.g. after improving the enrichment).

The records of ``articles.raw`` from a given offset or time are published
again onto ``articles.raw``. The running workers process them like new ones;
their ids are unchanged, so every document is rewritten in place (idempotent
writes) and no duplicate appears. Workers keep running; nothing is reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from newsflow.infra.settings import Settings
from newsflow.schemas.topics import RAW


@dataclass(frozen=True)
class ReplayReport:
    topic: str
    records: int
    partitions: dict[int, tuple[int, int]]  # partition -> (first offset, end offset)


def replay(
    settings: Settings,
    *,
    from_offset: int | None = None,
    since: datetime | None = None,
    on_record: Callable[[], None] | None = None,
) -> ReplayReport:
    """Re-publish the raw topic from ``from_offset`` (every partition) or from ``since``; up to now."""
    if (from_offset is None) == (since is None):
        raise ValueError("give exactly one of from_offset and since")
    topic = RAW.name(settings.topic_prefix)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", enable_idempotence=True)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not partitions:
            raise ValueError(f"topic {topic} does not exist; check NEWSFLOW_TOPIC_PREFIX")
        consumer.assign(partitions)
        # Snapshot the end: records we publish now must not be replayed again.
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        if since is not None:
            found = consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
            first = {tp: (found[tp].offset if found[tp] is not None else ends[tp]) for tp in partitions}
        else:
            first = {tp: max(int(from_offset or 0), starts[tp]) for tp in partitions}
        for tp in partitions:
            consumer.seek(tp, first[tp])
        remaining = {tp for tp in partitions if first[tp] < ends[tp]}
        count = 0
        while remaining:
            for tp, messages in consumer.poll(timeout_ms=1000).items():
                for message in messages:
                    if message.offset >= ends[tp]:
                        remaining.discard(tp)
                        break
                    producer.send(topic, key=message.key, value=message.value)
                    count += 1
                    if on_record is not None:
                        on_record()
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        producer.flush()
    finally:
        producer.close()
        consumer.close()
    return ReplayReport(topic, count, {tp.partition: (first[tp], ends[tp]) for tp in partitions})
