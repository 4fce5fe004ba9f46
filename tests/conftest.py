"""Shared fixtures: the real local stack, and per-test isolated topics and indices on it.

``stack_settings`` reuses a Kafka and Elasticsearch that already answer at the
configured addresses (e.g. after ``make up``); otherwise it starts them with the
same code as ``newsflow up`` and stops, at the end of the session, what it started.
Each test that writes gets its own topic prefix and index alias, removed afterwards,
so tests never see each other's data nor the user's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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


def _isolated(stack_settings: Settings, folder: Path) -> Settings:
    from stack.bootstrap import bootstrap

    tag = f"t{uuid.uuid4().hex[:10]}"
    settings = stack_settings.model_copy(
        update={
            "topic_prefix": tag,
            "index_alias": f"{tag}-articles",
            "ingest_dir": folder / "ingest",
            "home": folder / "home",
            "topic_partitions": 2,
        }
    )
    bootstrap(settings)
    return settings


@pytest.fixture
def isolated_settings(stack_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Settings with a fresh topic prefix, index alias and ingest folder; topics and index are created."""
    settings = _isolated(stack_settings, tmp_path)
    yield settings
    _delete_topics_and_indices(settings)


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process exactly ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"NEWSFLOW_{name.upper()}"] = str(value)
    return env


@pytest.fixture(scope="module")
def pipeline_settings(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Isolated settings with one Faust worker running on them (for the module's tests)."""
    settings = _isolated(stack_settings, tmp_path_factory.mktemp("pipeline"))
    settings.home.mkdir(parents=True)
    log_file = settings.home / "worker.log"
    with log_file.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "processors"], env=settings_env(settings), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield settings
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
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
        ours = [t for t in admin.list_topics() if t.startswith(settings.topic_prefix)]  # incl. Faust changelogs
        if ours:
            admin.delete_topics(ours)
    finally:
        admin.close()
