"""Kafka from the tests' side: alerts published as the alert stage publishes them, a topic read to its end."""

from __future__ import annotations

from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import Alert
from newsflow.schemas.topics import ALERTS, TopicSpec


def publish_alerts(settings: Settings, *alerts: Alert) -> None:
    """``alerts`` on the sandbox's alerts topic, keyed by saved search, acknowledged by every replica."""
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    try:
        for alert in alerts:
            producer.send(
                ALERTS.name(settings.topic_prefix),
                key=alert.saved_search_id.encode(),
                value=alert.model_dump_json().encode(),
            )
        producer.flush(timeout=30)
    finally:
        producer.close()


def topic_records(settings: Settings, spec: TopicSpec) -> list[ConsumerRecord]:
    """Every record on the sandbox's ``spec`` topic so far, in the order they were written (by timestamp)."""
    consumer = KafkaConsumer(
        spec.name(settings.topic_prefix), bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest", consumer_timeout_ms=3_000,
    )  # fmt: skip
    try:
        return sorted(consumer, key=lambda record: record.timestamp)
    finally:
        consumer.close()
