"""NEWSFLOW_KAFKA_BROKERS: what one and three local Kafka nodes are given (ports, names, replication).

The cluster itself runs in tests/integration/test_kafka_cluster.py; these pin the derivations it relies on.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError

from newsflow.infra.settings import Settings, local_kafka_ports
from newsflow.stack.errors import StackError
from newsflow.stack.services import KafkaService, kafka_services, new_cluster_id
from newsflow.stack.stack import LocalStack


@pytest.fixture(autouse=True)
def default_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No NEWSFLOW_ variable of the caller's shell: these tests pin the derivations from the defaults."""
    for name in [n for n in os.environ if n.startswith("NEWSFLOW_")]:
        monkeypatch.delenv(name)


def test_one_node_keeps_the_configured_ports_and_the_name_kafka() -> None:
    settings = Settings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.topic_replication_factor == 1
    (node,) = kafka_services(settings)
    assert isinstance(node, KafkaService)
    assert (node.name, node.port, node.extra_ports) == ("kafka", 9092, [9093])
    assert (node.replication, node.min_insync_replicas) == (1, 1)
    assert node.diagnostic_log == settings.log_dir / "kafka" / "server.log"


def test_three_nodes_next_to_the_default_ports_take_the_next_pairs() -> None:
    settings = Settings(kafka_brokers=3)
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"
    assert [(n.port, n.controller_port) for n in settings.kafka_nodes] == [(9092, 9093), (9094, 9095), (9096, 9097)]
    assert settings.topic_replication_factor == 3
    nodes = kafka_services(settings)
    assert [n.name for n in nodes] == ["kafka-1", "kafka-2", "kafka-3"]
    assert all(isinstance(n, KafkaService) and (n.replication, n.min_insync_replicas) == (3, 2) for n in nodes)


def test_three_nodes_count_up_from_ports_set_apart() -> None:
    settings = Settings(kafka_brokers=3, kafka_bootstrap_servers="127.0.0.1:39092", kafka_controller_port=39192)
    assert settings.kafka_bootstrap_servers == "127.0.0.1:39092,127.0.0.1:39093,127.0.0.1:39094"
    assert local_kafka_ports(39092, 39192, 3) == [(39092, 39192), (39093, 39193), (39094, 39194)]


def test_explicit_values_win_over_the_derived_ones() -> None:
    settings = Settings(kafka_brokers=3, topic_replication_factor=2)
    assert settings.topic_replication_factor == 2
    listed = "127.0.0.1:9092,127.0.0.1:9094"
    assert Settings(kafka_brokers=3, kafka_bootstrap_servers=listed).kafka_bootstrap_servers == listed


def test_the_environment_derives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_KAFKA_BROKERS", "3")
    assert Settings().topic_replication_factor == 3
    monkeypatch.setenv("NEWSFLOW_TOPIC_REPLICATION_FACTOR", "1")
    assert Settings().topic_replication_factor == 1


def test_two_brokers_and_overlapping_ports_are_refused() -> None:
    with pytest.raises(ValidationError, match="must be 1 or 3"):
        Settings(kafka_brokers=2)
    with pytest.raises(ValidationError, match="ports overlap"):
        Settings(kafka_brokers=3, kafka_controller_port=9094)


def test_up_refuses_more_replicas_than_local_brokers(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, topic_replication_factor=3)
    with pytest.raises(StackError, match=r"REPLICATION_FACTOR=3 needs as many brokers.*KAFKA_BROKERS=1"):
        LocalStack(settings).up(with_pipeline=False)


def test_up_refuses_bootstrap_servers_that_are_not_the_local_nodes(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, kafka_brokers=3, kafka_bootstrap_servers="127.0.0.1:9092,elsewhere:9092")
    with pytest.raises(StackError, match="lists elsewhere:9092, which is not one of the local Kafka nodes"):
        LocalStack(settings).up(with_pipeline=False)


def test_a_new_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xF8 encodes to "-" in URL-safe base64: the first draw must be refused, the second kept.
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=b"\x10" + bytes(15))])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    cluster_id = new_cluster_id()
    assert cluster_id == "EAAAAAAAAAAAAAAAAAAAAA"
    assert len(cluster_id) == 22
