"""`newsflow up` facing a missing Java, a taken port, a failing start and a failing download.

Each case must end with one clear error naming the cause (and the log to read)
and leave no process of the stack running.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.infra.settings import Settings
from newsflow.stack import artifacts
from newsflow.stack.errors import StackError
from newsflow.stack.services import kafka_services
from newsflow.stack.stack import LocalStack


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def spare_stack_settings(tmp_path: Path) -> Settings:
    """Settings of a second, not running stack: its own home folder and free ports."""
    return Settings(
        home=tmp_path / "home",
        kafka_bootstrap_servers=f"127.0.0.1:{_free_port()}",
        kafka_controller_port=_free_port(),
        elasticsearch_url=f"http://127.0.0.1:{_free_port()}",
        startup_timeout_s=60,
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on which another program listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def _nothing_running(settings: Settings) -> bool:
    local = LocalStack(settings)
    return all(local.processes.get(s.name) is None for s in local.services())


def test_missing_java_is_reported_before_anything_starts(spare_stack_settings: Settings, tmp_path: Path) -> None:
    settings = spare_stack_settings.model_copy(update={"java_home": tmp_path / "no-jdk"})
    with pytest.raises(StackError, match=r"no bin/java; point it at a JDK"):
        LocalStack(settings).up(with_pipeline=False)
    assert _nothing_running(settings)


def test_taken_port_names_the_port_and_the_setting(spare_stack_settings: Settings, taken_port: int) -> None:
    settings = spare_stack_settings.model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{taken_port}"})
    with pytest.raises(StackError, match=rf"127.0.0.1:{taken_port} is already taken.*NEWSFLOW_KAFKA_BOOTSTRAP"):
        LocalStack(settings).up(with_pipeline=False)
    assert _nothing_running(settings)


def test_failed_start_names_the_log_and_stops_what_was_started(spare_stack_settings: Settings) -> None:
    # Kafka starts fine; Elasticsearch's JVM refuses the heap size and exits at once.
    settings = spare_stack_settings.model_copy(update={"elasticsearch_heap": "lots"})
    with pytest.raises(StackError, match=r"elasticsearch exited during start-up") as failure:
        LocalStack(settings).up(with_pipeline=False)
    assert failure.value.log_file is not None
    assert _nothing_running(settings), "Kafka, started by the failed `up`, must have been stopped"


def test_kafka_storage_formats_with_a_cluster_id_that_starts_with_a_dash(spare_stack_settings: Settings) -> None:
    # A stored id from before ids were drawn like Kafka's own; "-" once made the format step fail in CI.
    (spare_stack_settings.data_dir).mkdir(parents=True)
    (spare_stack_settings.data_dir / "kafka-cluster-id").write_text("-AbCdEfGhIjKlMnOpQrStUv\n")
    (node,) = kafka_services(spare_stack_settings)
    node.prepare()
    meta = (spare_stack_settings.data_dir / "kafka" / "meta.properties").read_text()
    assert "cluster.id=-AbCdEfGhIjKlMnOpQrStUv" in meta.splitlines()


def test_failed_download_names_the_maven_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    poms = tmp_path / "maven" / "missing"
    poms.mkdir(parents=True)
    (poms / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>t</groupId><artifactId>t</artifactId><version>1</version><packaging>pom</packaging>"
        "<dependencies><dependency><groupId>org.newsflow.nonexistent</groupId><artifactId>nothing</artifactId>"
        "<version>0.0.0</version></dependency></dependencies></project>"
    )
    monkeypatch.setattr(artifacts, "MAVEN_DIR", tmp_path / "maven")
    with pytest.raises(StackError, match=r"downloading the missing jars from Maven Central failed") as failure:
        artifacts.ensure_jars("missing", tmp_path / "lib", tmp_path / "logs")
    assert failure.value.log_file == tmp_path / "logs" / "maven-missing.log"
    assert "nothing" in failure.value.log_file.read_text()
    assert not (tmp_path / "lib" / "missing").exists()


def test_status_command_reports_the_running_services(stack_settings: Settings) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "newsflow", "status"], capture_output=True, text=True, check=False, timeout=60
    )
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in result.stdout.splitlines()]
    health = {row[0]: row[3] for row in rows if len(row) == 5 and row[0]}
    assert health["kafka"] == "healthy"
    assert health["elasticsearch"] == "healthy"
    assert "7.10.2" in result.stdout
