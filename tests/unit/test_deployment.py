"""docker-compose.yml: a valid Compose file that ships what the local stack tests."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml
from compose_spec import PyOptions

from newsflow.infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
CLUSTER_TEXT = (ROOT / "docker-compose.cluster.yml").read_text()

# Compose's merge rules for `-f base -f override` (compose-spec "merge"): mappings merge key by
# key, sequences append, except commands (replaced) and unique resources (one entry per key).
_REPLACED = {("command",), ("entrypoint",), ("healthcheck", "test")}


def _merge(base: Any, override: Any, path: tuple[str, ...] = ()) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value, (*path, key)) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list) and not {path[-1:], path[-2:]} & _REPLACED:
        if path[-1:] == ("volumes",):  # unique by mount target
            targets = {str(v).split(":")[1] for v in override}
            return [v for v in base if str(v).split(":")[1] not in targets] + override
        return base + [item for item in override if item not in base]
    return override


def merged_compose() -> dict[str, Any]:
    """docker-compose.yml with docker-compose.cluster.yml applied, as `docker compose -f ... -f ...` sees it."""
    merged: dict[str, Any] = _merge(COMPOSE, yaml.safe_load(CLUSTER_TEXT))
    return merged


def _kafka_nodes(compose: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Kafka services and their environment."""
    return {
        name: {k: str(v) for k, v in service["environment"].items()}
        for name, service in compose["services"].items()
        if str(service.get("image", "")).startswith("apache/kafka:")
    }


def _assert_replication_consistent(compose: dict[str, Any]) -> int:
    """Nodes, quorum, replication and the app's settings agree; returns the node count."""
    nodes = _kafka_nodes(compose)
    count = len(nodes)
    ids = {env["KAFKA_NODE_ID"]: name for name, env in nodes.items()}
    assert sorted(ids) == [str(n) for n in range(1, count + 1)], "node ids 1..N, each once"
    voters = {f"{node_id}@{name}:9093" for node_id, name in ids.items()}
    for name, env in nodes.items():
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller", name
        assert set(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == voters, name
        assert f"INTERNAL://{name}:9092" in env["KAFKA_ADVERTISED_LISTENERS"], name
        replication = int(env.get("KAFKA_DEFAULT_REPLICATION_FACTOR", "1"))
        min_isr = int(env.get("KAFKA_MIN_INSYNC_REPLICAS", "1"))
        assert replication == count, f"{name}: every node holds a copy"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]
        assert int(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == replication, name
        assert int(env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"]) == min_isr == max(1, replication - 1), name
    if count > 1:
        assert len({env["CLUSTER_ID"] for env in nodes.values()}) == 1, "one cluster id: formatted as one cluster"
        volumes = [v for name in nodes for v in compose["services"][name]["volumes"]]
        assert len({str(v).split(":")[0] for v in volumes}) == count, "each node its own data volume"
    bootstrap = {f"{name}:9092" for name in nodes}
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        if "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS" in env:
            assert set(env["NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"].split(",")) == bootstrap, name
            assert int(env["NEWSFLOW_TOPIC_REPLICATION_FACTOR"]) == count, name
    for name in nodes:  # topics get N replicas: the bootstrap waits for every broker
        assert compose["services"]["setup"]["depends_on"][name]["condition"] == "service_healthy", name
    return count


def _pom_property(service: str, pattern: str) -> str:
    pom = (ROOT / "stack" / "maven" / service / "pom.xml").read_text()
    match = re.search(pattern, pom)
    assert match, f"no version in {service} pom"
    return match.group(1)


def test_compose_file_is_valid_compose_spec() -> None:
    # apply_merge: the file shares settings between services with YAML merge keys (<<: *anchor).
    PyOptions(apply_merge=True).from_yaml(COMPOSE_TEXT).validate()


def test_images_pin_the_versions_the_local_stack_runs() -> None:
    kafka = _pom_property("kafka", r"<kafka.version>([^<]+)</kafka.version>")
    es = _pom_property(
        "elasticsearch", r"<artifactId>elasticsearch-cluster-runner</artifactId>\s*<version>(\d+\.\d+\.\d+)"
    )
    services = COMPOSE["services"]
    assert services["kafka"]["image"] == f"apache/kafka:{kafka}"
    assert services["elasticsearch"]["image"].endswith(f"/elasticsearch:{es}")
    assert services["kibana"]["image"].endswith(f"/kibana:{es}")


def test_published_ports_are_bound_to_loopback() -> None:
    for compose in (COMPOSE, merged_compose()):
        published = []
        for name, service in compose["services"].items():
            for port in service.get("ports", []):
                assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this host"
                published.append(str(port).split(":")[1])
        assert len(published) == len(set(published)), f"a host port published twice: {published}"


def test_cluster_override_is_valid_compose_spec_once_merged() -> None:
    merged = merged_compose()
    PyOptions(apply_merge=True).from_yaml(yaml.safe_dump(merged)).validate()
    assert sorted(_kafka_nodes(merged)) == ["kafka", "kafka-2", "kafka-3"]
    for name in ("kafka-2", "kafka-3"):
        assert "healthcheck" in merged["services"][name], name
        assert name in merged["services"][name]["healthcheck"]["test"][1], f"{name} checks itself"


def test_replication_is_consistent_with_one_broker_and_with_three() -> None:
    assert _assert_replication_consistent(COMPOSE) == 1  # the default stays a single broker
    merged = merged_compose()
    assert _assert_replication_consistent(merged) == 3
    for env in _kafka_nodes(merged).values():
        assert (env["KAFKA_DEFAULT_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == ("3", "2")
    # The app side: what these variables give the code (bootstrap list, replication 3).
    api = merged["services"]["api"]["environment"]
    settings = Settings(
        kafka_bootstrap_servers=api["NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"],
        topic_replication_factor=api["NEWSFLOW_TOPIC_REPLICATION_FACTOR"],
    )
    assert settings.topic_replication_factor == 3
    assert settings.kafka_bootstrap_servers.count(",") == 2


def test_infrastructure_and_api_have_health_checks_and_workers_scale() -> None:
    services = COMPOSE["services"]
    for name in ("kafka", "elasticsearch", "kibana", "api"):
        assert "healthcheck" in services[name], name
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert services["setup"]["restart"] == "no"


def test_environment_uses_only_documented_settings() -> None:
    known = {f"NEWSFLOW_{name.upper()}" for name in Settings.model_fields}
    for text in (COMPOSE_TEXT, CLUSTER_TEXT):
        used = set(re.findall(r"\b(NEWSFLOW_[A-Z_]+):", text))
        assert used and used <= known, used - known


def test_kibana_setup_imports_the_saved_objects_baked_into_the_image() -> None:
    service = COMPOSE["services"]["kibana-setup"]
    command = service["command"]
    assert command[:2] == ["newsflow", "kibana-setup"]
    assert service["restart"] == "no"
    assert service["depends_on"]["kibana"]["condition"] == "service_healthy"
    assert service["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert service["environment"]["NEWSFLOW_KIBANA_URL"] == "http://kibana:5601"
    # The file it imports must be the project's, copied into the image at that path.
    in_image = Path(command[command.index("--file") + 1])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile
    assert "COPY kibana ./kibana" in dockerfile
    assert (ROOT / in_image.relative_to("/app")).is_file()


def test_the_image_copies_every_layer_folder_of_the_package() -> None:
    """The image builds the wheel from the folders pyproject maps into `newsflow`; a missing one breaks it."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    folders = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"].values()
    copied = set(re.findall(r"^COPY ([\w./-]+) \./\1/?$", dockerfile, flags=re.MULTILINE))
    assert set(folders) <= copied, set(folders) - copied


def test_the_services_run_the_package_modules() -> None:
    for name, module in (("producer", "producers"), ("worker", "processors"), ("delivery", "delivery"), ("api", "api")):
        assert COMPOSE["services"][name]["command"] == ["python", "-m", f"newsflow.{module}"]


def test_the_image_holds_the_ner_pipeline_outside_the_home_volume() -> None:
    """The workers' pipeline is fetched at build time into a folder the compose file's home volume does not hide."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    model_dir = re.search(r"^ENV NEWSFLOW_NER_MODEL_DIR=(\S+)$", dockerfile, flags=re.MULTILINE)
    assert model_dir is not None
    assert dockerfile.index(model_dir.group(0)) < dockerfile.index("RUN newsflow fetch --ner-model-only")
    home = Path(COMPOSE["x-newsflow-env"]["NEWSFLOW_HOME"])
    assert not Path(model_dir.group(1)).is_relative_to(home)
