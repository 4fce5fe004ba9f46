"""`newsflow replay` and `newsflow reindex` on the real stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaConsumer

from newsflow.infra.settings import Settings
from newsflow.operations.reindex import reindex
from newsflow.operations.replay import replay
from newsflow.producers.files import FileIngestor
from newsflow.producers.publisher import Publisher
from newsflow.schemas.index import INDEX_VERSION, index_name
from newsflow.schemas.topics import RAW
from tests.conftest import SAMPLES_DIR


def raw_count(settings: Settings) -> int:
    consumer = KafkaConsumer(
        RAW.name(settings.topic_prefix), bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest", consumer_timeout_ms=5_000,
    )  # fmt: skip
    count = sum(1 for _ in consumer)
    consumer.close()
    return count


def test_replay_republishes_the_raw_records_once(isolated_settings: Settings) -> None:
    with Publisher(isolated_settings) as publisher:
        ingestor = FileIngestor(isolated_settings, publisher, move_files=False)
        for path in sorted(SAMPLES_DIR.iterdir()):
            ingestor.ingest(path)
    report = replay(isolated_settings, from_offset=0)
    assert report.records == 2
    assert raw_count(isolated_settings) == 4
    assert replay(isolated_settings, since=datetime.now(UTC) + timedelta(hours=1)).records == 0


def test_reindex_moves_the_alias_to_a_new_version_with_every_document(isolated_settings: Settings) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    alias = isolated_settings.index_alias
    for n in range(3):
        es.index(index=alias, id=f"doc{n}", document={"article_id": f"doc{n}", "title": f"Title {n}"})
    es.indices.refresh(index=alias)

    report = reindex(isolated_settings)

    old, new = index_name(alias, INDEX_VERSION), index_name(alias, INDEX_VERSION + 1)
    assert (report.old_index, report.new_index, report.copied) == (old, new, 3)
    assert list(es.indices.get_alias(name=alias)) == [new]
    assert es.count(index=alias)["count"] == 3
    es.index(index=alias, id="doc3", document={"article_id": "doc3", "title": "After"}, refresh=True)
    assert es.count(index=new)["count"] == 4  # writes follow the alias
    with pytest.raises(ValueError, match="a later one"):
        reindex(isolated_settings, INDEX_VERSION)
