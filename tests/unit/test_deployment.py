"""docker-compose.yml: a valid Compose file that ships what the local stack tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from compose_spec import PyOptions

from newsflow.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)


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
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this host"


def test_infrastructure_and_api_have_health_checks_and_workers_scale() -> None:
    services = COMPOSE["services"]
    for name in ("kafka", "elasticsearch", "kibana", "api"):
        assert "healthcheck" in services[name], name
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert services["setup"]["restart"] == "no"


def test_environment_uses_only_documented_settings() -> None:
    known = {f"NEWSFLOW_{name.upper()}" for name in Settings.model_fields}
    used = set(re.findall(r"\b(NEWSFLOW_[A-Z_]+):", COMPOSE_TEXT))
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
