"""Sending records to Kafka and waiting until the broker has them all.

``acks=all`` with idempotence: a record counts as sent only once every in-sync
replica has it, and retries never write it twice. :meth:`Publisher.send_all`
returns only after every record of a batch was acknowledged, which is what
lets the producer move a file out of the ingest folder safely.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType

from kafka import KafkaProducer
from kafka.errors import KafkaError
from pydantic import BaseModel

from newsflow.infra.settings import Settings


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: str
    value: BaseModel


class PublishError(RuntimeError):
    """Kafka did not acknowledge a record; the file stays in the ingest folder and is retried."""


class Publisher:
    """A kafka-python producer configured for at-least-once, duplicate-free sends."""

    def __init__(self, settings: Settings, client_id: str = "newsflow-producer") -> None:
        self._producer = KafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=20,
            compression_type="gzip",
            max_request_size=8 * 1024 * 1024,
            # Back-pressure: when the buffer is full, send() blocks instead of dropping.
            max_block_ms=120_000,
            request_timeout_ms=30_000,
            delivery_timeout_ms=120_000,
        )

    def send_all(self, records: Iterable[OutgoingRecord], timeout_s: float = 120.0) -> int:
        """Send and wait for every acknowledgement; raise :class:`PublishError` if any failed."""
        futures = [
            self._producer.send(r.topic, key=r.key.encode(), value=r.value.model_dump_json().encode()) for r in records
        ]
        self._producer.flush(timeout=timeout_s)
        try:
            for future in futures:
                future.get(timeout=timeout_s)
        except KafkaError as exc:
            raise PublishError(f"Kafka did not acknowledge a record: {exc}") from exc
        return len(futures)

    def close(self) -> None:
        self._producer.close(timeout=30)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
