"""Health probes of the stack's services, each answering healthy or not and why."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import httpx
from kafka import KafkaAdminClient
from kafka.errors import KafkaError


@dataclass(frozen=True)
class Health:
    healthy: bool
    detail: str


def elasticsearch_health(url: str, timeout_s: float = 2.0) -> Health:
    """Healthy when the cluster answers and its status is green or yellow."""
    try:
        root = httpx.get(url, timeout=timeout_s).json()
        health = httpx.get(f"{url}/_cluster/health", timeout=timeout_s).json()
    except (httpx.HTTPError, ValueError) as exc:
        return Health(False, f"no answer from {url}: {exc.__class__.__name__}")
    status = health.get("status", "unknown")
    version = root.get("version", {}).get("number", "?")
    return Health(status in ("green", "yellow"), f"Elasticsearch {version}, cluster {status}")


def kafka_health(bootstrap_servers: str, timeout_s: float = 3.0, node_id: int | None = None) -> Health:
    """Healthy when the broker answers a metadata request (and, given ``node_id``, that broker is registered)."""
    # A plain TCP connect first: the client would log every refused connection while the broker starts.
    host, _, port = bootstrap_servers.split(",", maxsplit=1)[0].strip().rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s).close()
    except (OSError, ValueError) as exc:
        return Health(False, f"no answer from {bootstrap_servers}: {exc}")
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            request_timeout_ms=int(timeout_s * 1000),
            client_id="newsflow-health",
        )
    except (KafkaError, ValueError, OSError) as exc:
        return Health(False, f"no answer from {bootstrap_servers}: {exc}")
    try:
        cluster = admin.describe_cluster()
        topics = admin.list_topics()
    except (KafkaError, OSError) as exc:
        return Health(False, f"metadata request failed: {exc.__class__.__name__}")
    finally:
        admin.close()
    brokers = cluster.get("brokers", [])
    if node_id is not None:
        # A node that answers is not yet serving until the quorum has registered and unfenced it.
        live = {b["broker_id"] for b in brokers if not b.get("is_fenced")}
        if node_id not in live:
            return Health(False, f"broker {node_id} not (yet) registered in the cluster; live brokers: {sorted(live)}")
    return Health(True, f"{len(brokers)} broker(s), {len(topics)} topic(s)")


def http_health(url: str, timeout_s: float = 2.0) -> Health:
    """Healthy when ``url`` answers 200."""
    try:
        response = httpx.get(url, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return Health(False, f"no answer from {url}: {exc.__class__.__name__}")
    return Health(response.status_code == 200, f"HTTP {response.status_code}")
