"""Shared fixtures: the real local stack, and per-test isolated topics and indices on it.

``stack_settings`` reuses a Kafka and Elasticsearch that already answer at the
configured addresses (e.g. after ``make up``); otherwise it starts them with the
same code as ``newsflow up`` and stops, at the end of the session, what it started.
Each test that writes gets its own topic prefix and index alias, removed afterwards,
so tests never see each other's data nor the user's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.settings import Settings
from stack.services import infrastructure_services
from stack.stack import LocalStack

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "shared" / "samples"
BBC_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"


@pytest.fixture(scope="session")
def stack_settings() -> Iterator[Settings]:
    """Settings of a running, healthy Kafka + Elasticsearch (started for the session if needed)."""
    settings = Settings()
    local = LocalStack(settings)
    already_healthy = all(service.health().healthy for service in infrastructure_services(settings))
    started = [] if already_healthy else local.up(with_pipeline=False)
    yield settings
    for name in reversed(started):
        local.processes.stop(name)


@pytest.fixture
def isolated_settings(stack_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Settings with a fresh topic prefix, index alias and ingest folder; topics and index are created."""
    from stack.bootstrap import bootstrap

    tag = f"t{uuid.uuid4().hex[:10]}"
    settings = stack_settings.model_copy(
        update={
            "topic_prefix": tag,
            "index_alias": f"{tag}-articles",
            "ingest_dir": tmp_path / "ingest",
            "topic_partitions": 2,
        }
    )
    bootstrap(settings)
    yield settings
    _delete_topics_and_indices(settings)


def _delete_topics_and_indices(settings: Settings) -> None:
    from elasticsearch import Elasticsearch
    from kafka import KafkaAdminClient

    es = Elasticsearch(settings.elasticsearch_url)
    # The cluster refuses wildcard deletes (action.destructive_requires_name), so name each index.
    ours = list(es.indices.get(index=f"{settings.index_alias}-v*"))
    if ours:
        es.indices.delete(index=",".join(ours))
    es.indices.delete_template(name=settings.index_alias, ignore=[404])
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        ours = [t for t in admin.list_topics() if t.startswith(f"{settings.topic_prefix}.")]
        if ours:
            admin.delete_topics(ours)
    finally:
        admin.close()
