"""The three-node local Kafka cluster (``NEWSFLOW_KAFKA_BROKERS=3``): quorum, replication, a node down.

The module runs its own stack, started with the same code as ``newsflow up``
(home folder in tmp, ports away from the shared stack's) and stopped at the
end: three KRaft nodes (broker and controller each) and an Elasticsearch for
the bootstrap. The tests run in order: the cluster as started, the topics the
bootstrap made, then one node stopped, writes and reads going on, and the
node back.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import ConfigResource, ConfigResourceType

from newsflow.infra.settings import Settings
from newsflow.producers.publisher import OutgoingRecord, Publisher
from newsflow.schemas.articles import RawArticle, SourceFormat, SourceInfo
from newsflow.schemas.topics import ALL_TOPICS, RAW
from newsflow.stack.stack import LocalStack
from tests.integration.index_queries import wait_for
from tests.restartable_ports import restartable_block

NODES = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A running three-node stack of its own; everything it started is stopped afterwards."""
    # A node is stopped and started again: its ports must stay out of the kernel's ephemeral range.
    broker_port = restartable_block(21092, [offset + n for offset in (0, 100) for n in range(NODES)])
    controller_port = broker_port + 100
    settings = Settings(
        home=tmp_path_factory.mktemp("cluster") / "home",
        kafka_brokers=NODES,
        kafka_bootstrap_servers=f"127.0.0.1:{broker_port}",
        kafka_controller_port=controller_port,
        elasticsearch_url=f"http://127.0.0.1:{_free_port()}",
        elasticsearch_heap="512m",
        kafka_heap="384m",
        startup_timeout_s=120,
    )
    local = LocalStack(settings)
    try:
        local.up(with_pipeline=False)
        yield local
    finally:
        local.down()
        assert local.processes.records() == [], "down must leave no process of the cluster's home running"


def _admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="test-cluster")


def _partitions(settings: Settings, topic: str) -> list[dict[str, Any]]:
    admin = _admin(settings)
    try:
        (description,) = admin.describe_topics([topic])
    finally:
        admin.close()
    partitions: list[dict[str, Any]] = description["partitions"]
    return partitions


def _quorum(settings: Settings) -> dict[str, Any]:
    admin = _admin(settings)
    try:
        (partition,) = admin.describe_metadata_quorum()["topics"][0]["partitions"]
    finally:
        admin.close()
    quorum: dict[str, Any] = partition
    return quorum


def _raw(tag: str, index: int) -> RawArticle:
    source = SourceInfo(
        path=f"{tag}-{index}.txt",
        file_sha256=uuid.uuid4().hex * 2,
        format=SourceFormat.TEXT,
        record_index=0,
        received_at=datetime.now(UTC),
    )
    return RawArticle(title=f"Headline {tag} {index}", body=f"Body of {tag} article {index}.", source=source)


def _send(settings: Settings, articles: list[RawArticle]) -> int:
    topic = RAW.name(settings.topic_prefix)
    with Publisher(settings) as publisher:  # acks=all, idempotent: the pipeline's own producer
        return publisher.send_all(OutgoingRecord(topic, a.source.source_id, a) for a in articles)


def _consume_all(settings: Settings, expected: int) -> list[str]:
    """Source ids of ``expected`` records of the raw topic, read by a new consumer group from the start."""
    consumer = KafkaConsumer(
        RAW.name(settings.topic_prefix),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    received: list[str] = []
    try:

        def read_all() -> bool:
            for records in consumer.poll(timeout_ms=1000).values():
                received.extend(RawArticle.model_validate_json(r.value).source.source_id for r in records)
            return len(received) >= expected

        wait_for(read_all, timeout_s=90, what=f"{expected} records of the raw topic")
        consumer.commit()  # the group's offsets go to __consumer_offsets, replicated like the rest
    finally:
        consumer.close()
    return received


def _all_in_sync(settings: Settings, replicas: int) -> bool:
    """Every partition of every pipeline topic has a leader and ``replicas`` in-sync replicas."""
    return all(
        p["leader_id"] >= 0 and len(p["isr_nodes"]) == replicas
        for spec in ALL_TOPICS
        for p in _partitions(settings, spec.name(settings.topic_prefix))
    )


def test_three_nodes_form_one_cluster_with_a_controller_quorum(cluster: LocalStack) -> None:
    settings = cluster.settings
    assert len(settings.kafka_bootstrap_servers.split(",")) == NODES
    kafka_rows = [row for row in cluster.status() if row.name.startswith("kafka")]
    assert [(row.name, row.state) for row in kafka_rows] == [(f"kafka-{n}", "healthy") for n in (1, 2, 3)]
    assert [row.port for row in kafka_rows] == [node.port for node in settings.kafka_nodes]

    admin = _admin(settings)
    try:
        brokers = admin.describe_cluster()["brokers"]
    finally:
        admin.close()
    assert sorted(b["broker_id"] for b in brokers if not b["is_fenced"]) == [1, 2, 3]

    quorum = _quorum(settings)
    assert sorted(v["replica_id"] for v in quorum["current_voters"]) == [1, 2, 3]
    assert quorum["leader_id"] in (1, 2, 3)


def test_bootstrap_made_topics_with_three_replicas_and_min_isr_two(cluster: LocalStack) -> None:
    settings = cluster.settings
    assert settings.topic_replication_factor == NODES  # derived from NEWSFLOW_KAFKA_BROKERS=3
    names = [spec.name(settings.topic_prefix) for spec in ALL_TOPICS]
    for spec, name in zip(ALL_TOPICS, names, strict=True):
        partitions = _partitions(settings, name)
        assert len(partitions) == spec.partition_count(settings.topic_partitions), name
        assert all(sorted(p["replica_nodes"]) == [1, 2, 3] for p in partitions), name

    admin = _admin(settings)
    try:
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name, ["min.insync.replicas"]) for name in names],
            config_filter="all",
        )["topic"]
    finally:
        admin.close()
    assert {name: configs[name]["min.insync.replicas"]["value"] for name in names} == dict.fromkeys(names, "2")


def test_with_one_node_down_writes_and_reads_go_on_and_the_node_comes_back(cluster: LocalStack) -> None:
    settings = cluster.settings
    wait_for(lambda: _all_in_sync(settings, 3), what="all partitions with 3 in-sync replicas")
    before = [_raw("before", n) for n in range(50)]
    assert _send(settings, before) == len(before)

    # Stop the node that leads the controller quorum: the hardest one to lose.
    leader = _quorum(settings)["leader_id"]
    victim = f"kafka-{leader}"
    assert cluster.processes.stop(victim), f"{victim} was not running"  # SIGTERM through the process table
    wait_for(lambda: _all_in_sync(settings, 2), what="all partitions led by the two nodes left, ISR 2 of 3")
    assert _quorum(settings)["leader_id"] not in (leader, -1)
    states = {row.name: row.state for row in cluster.status()}
    assert states[victim] == "stopped"
    assert [states[f"kafka-{n}"] for n in (1, 2, 3) if n != leader] == ["healthy", "healthy"]

    during = [_raw("during", n) for n in range(50)]
    assert _send(settings, during) == len(during)  # acks=all is met by 2 in-sync replicas (min ISR 2)
    received = _consume_all(settings, len(before) + len(during))
    assert sorted(received) == sorted(a.source.source_id for a in before + during)

    # `up` again starts just the missing node; it catches up and rejoins every ISR.
    assert cluster.up(with_pipeline=False) == [victim]
    wait_for(lambda: _all_in_sync(settings, 3), what=f"{victim} back in every ISR")
    assert {row.name: row.state for row in cluster.status()}[victim] == "healthy"
    assert sorted(v["replica_id"] for v in _quorum(settings)["current_voters"]) == [1, 2, 3]
