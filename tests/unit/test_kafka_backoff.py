"""The metadata back-off of the workers' aiokafka clients (processors/patches/metadata_backoff.py).

The outage itself, with a real broker stopped, is tests/faults/test_kafka_restart.py.
"""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.client import AIOKafkaClient

from newsflow.processors.patches.metadata_backoff import BackoffClient, MetadataBackoff, with_metadata_backoff


def test_waits_double_up_to_the_maximum_and_a_success_resets_them() -> None:
    backoff = MetadataBackoff(initial_s=0.1, maximum_s=1.0)
    waits = [backoff.failed(now=10.0 + n) for n in range(6)]
    assert waits == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])
    assert backoff.succeeded(now=20.0) == (6, 10.0)
    assert backoff.failed(now=30.0) == pytest.approx(0.1)


def test_a_success_without_failures_reports_no_outage() -> None:
    assert MetadataBackoff().succeeded(now=1.0) is None


def test_a_failed_refresh_of_a_real_client_waits_before_returning() -> None:
    async def refresh_twice() -> tuple[list[bool], MetadataBackoff]:
        # Nothing listens on port 1: the client knows no broker, so every refresh fails.
        client = with_metadata_backoff(AIOKafkaClient(bootstrap_servers="127.0.0.1:1"))
        assert isinstance(client, BackoffClient)
        results = [await client._metadata_update(client.cluster, set()) for _ in range(2)]
        return results, client._metadata_backoff

    results, backoff = asyncio.run(refresh_twice())
    assert results == [False, False]
    assert backoff.failures == 2
