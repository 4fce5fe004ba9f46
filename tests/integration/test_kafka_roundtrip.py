"""Producing to and consuming from the real Kafka broker, with the pipeline's own contracts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from kafka import KafkaConsumer

from newsflow.infra.settings import Settings
from newsflow.producers.publisher import OutgoingRecord, Publisher
from newsflow.schemas.articles import RawArticle, SourceFormat, SourceInfo
from newsflow.schemas.topics import RAW


def _raw(index: int) -> RawArticle:
    source = SourceInfo(
        path=f"file-{index}.txt",
        file_sha256=hashlib.sha256(str(index).encode()).hexdigest(),
        format=SourceFormat.TEXT,
        record_index=0,
        received_at=datetime.now(UTC),
    )
    return RawArticle(title=f"Headline {index}", body=f"Body of article {index}.", source=source)


def test_published_articles_are_consumed_intact(isolated_settings: Settings) -> None:
    topic = RAW.name(isolated_settings.topic_prefix)
    sent = [_raw(i) for i in range(20)]
    with Publisher(isolated_settings) as publisher:
        acknowledged = publisher.send_all(OutgoingRecord(topic, a.source.source_id, a) for a in sent)
    assert acknowledged == 20

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=isolated_settings.kafka_bootstrap_servers,
        group_id=f"{isolated_settings.topic_prefix}-test",
        auto_offset_reset="earliest",
        consumer_timeout_ms=10_000,
    )
    try:
        received = []
        for message in consumer:
            received.append((message.key.decode(), RawArticle.model_validate_json(message.value)))
            if len(received) == len(sent):
                break
    finally:
        consumer.close()

    assert sorted(a.source.source_id for _, a in received) == sorted(a.source.source_id for a in sent)
    assert all(key == article.source.source_id for key, article in received)
    by_id = {a.source.source_id: a for _, a in received}
    assert all(by_id[a.source.source_id] == a for a in sent)
