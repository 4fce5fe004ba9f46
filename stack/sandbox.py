"""Throw-away pipelines on a running stack: own topic prefix, index alias, state folder and workers.

Used by the integration tests and by ``make bench`` so that neither touches
the user's data nor each other's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient
from pydantic import SecretStr

from newsflow.infra.settings import Settings
from newsflow.operations.bootstrap import bootstrap
from newsflow.stack.services import infrastructure_services
from newsflow.stack.stack import LocalStack


@contextmanager
def running_infrastructure(base: Settings) -> Iterator[None]:
    """Kafka and Elasticsearch at ``base``'s addresses: reused if they answer, else started and, after, stopped."""
    local = LocalStack(base)
    healthy = all(service.health().healthy for service in infrastructure_services(base))
    started = [] if healthy else local.up(with_pipeline=False)
    try:
        yield
    finally:
        for name in reversed(started):
            local.processes.stop(name)


def sandbox_settings(base: Settings, folder: Path, partitions: int = 2) -> Settings:
    """Settings with a fresh prefix and alias under ``folder``; topics and index are created.

    Its producer, workers and webhook deliverer serve no metrics (ports 0), so that sandboxes never compete
    with each other or with a running stack for the metrics ports; give them ports with ``model_copy`` to
    scrape them.
    """
    tag = f"t{uuid.uuid4().hex[:10]}"
    settings = base.model_copy(
        update={
            "topic_prefix": tag,
            "index_alias": f"{tag}-articles",
            "ingest_dir": folder / "ingest",
            "home": folder / "home",
            # The NER pipeline stays the one `newsflow fetch` put under the base's home.
            "ner_model_dir": base.ner_model_folder.absolute(),
            "topic_partitions": partitions,
            "producer_metrics_port": 0,
            "worker_metrics_port": 0,
            "delivery_metrics_port": 0,
        }
    )
    settings.home.mkdir(parents=True, exist_ok=True)
    bootstrap(settings)
    return settings


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that gives a child process exactly ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"NEWSFLOW_{name.upper()}"] = _env_value(value)
    return {**env, **extra}


def _env_value(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, list | dict):
        return json.dumps(value)  # pydantic-settings reads complex values as JSON
    return str(value)


def start_worker(settings: Settings, worker_id: int = 0) -> subprocess.Popen[bytes]:
    """A Faust worker process on ``settings``, logging to ``<home>/worker-<id>.log``."""
    log_file = settings.home / f"worker-{worker_id}.log"
    with log_file.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "newsflow.processors"],
            env=settings_env(settings, NEWSFLOW_WORKER_ID=str(worker_id)),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def start_producer(settings: Settings) -> subprocess.Popen[bytes]:
    """The producer daemon watching ``settings.ingest_dir``, logging to ``<home>/producer.log``."""
    with (settings.home / "producer.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "newsflow.producers"],
            env=settings_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def start_delivery(settings: Settings) -> subprocess.Popen[bytes]:
    """The webhook deliverer on ``settings``, logging to ``<home>/delivery.log``."""
    with (settings.home / "delivery.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "newsflow.delivery"],
            env=settings_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def start_api(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    """The API on ``settings`` and 127.0.0.1:``port``, logging to ``<home>/api.log``."""
    with (settings.home / "api.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "newsflow.api"],
            env=settings_env(settings, NEWSFLOW_API_HOST="127.0.0.1", NEWSFLOW_API_PORT=str(port)),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def drop_sandbox(settings: Settings) -> None:
    """Delete the sandbox's indices, templates and topics (Faust's changelogs included)."""
    es = Elasticsearch(settings.elasticsearch_url)
    for alias in settings.index_aliases:
        # The cluster refuses wildcard deletes (action.destructive_requires_name), so name each index.
        indices = list(es.indices.get(index=f"{alias}-v*"))
        if indices:
            es.indices.delete(index=",".join(indices))
        es.indices.delete_template(name=alias, ignore=[404])
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        topics = [t for t in admin.list_topics() if t.startswith(settings.topic_prefix)]
        if topics:
            admin.delete_topics(topics)
    finally:
        admin.close()
