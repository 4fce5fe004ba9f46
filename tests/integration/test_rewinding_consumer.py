"""Against the real broker: when the fetch position jumps past records, the workers' consumer reads them anyway.

Faust's own consumer acknowledges such a jump as a "gap" and commits past it;
that lost documents when a worker took over another's partitions
(docs/faults.md). ``skipping_worker.py`` makes the jump happen on purpose.
Run with ``SKIP_APP=faust`` in the environment to see Faust's plain consumer
fail it: ``offsets committed without being processed: [6, 7, ..., 24]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from newsflow.infra.settings import Settings

MESSAGES = 40
SKIP_AT, SKIP_TO = 5, 25
WORKER = Path(__file__).with_name("skipping_worker.py")


@pytest.fixture
def filled_topic(isolated_settings: Settings) -> str:
    """A one-partition topic holding ``MESSAGES`` records (offsets 0 to MESSAGES - 1)."""
    name = f"{isolated_settings.topic_prefix}.skipping"
    admin = KafkaAdminClient(bootstrap_servers=isolated_settings.kafka_bootstrap_servers)
    try:
        admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=isolated_settings.kafka_bootstrap_servers, acks="all")
    try:
        for index in range(MESSAGES):
            # One record batch each: the worker's small fetches then return a few records at a time.
            producer.send(name, key=str(index).encode(), value=f"record {index}".encode()).get(timeout=30)
    finally:
        producer.close()
    return name


@pytest.fixture
def skipping_worker(isolated_settings: Settings, filled_topic: str, tmp_path: Path) -> Iterator[dict[str, Path | str]]:
    """The worker process reading ``filled_topic``; yields its group, output file and log."""
    group = f"{isolated_settings.topic_prefix}-skipping"
    out, log = tmp_path / "processed.txt", tmp_path / "worker.log"
    env = {
        **os.environ,
        "SKIP_BOOTSTRAP": isolated_settings.kafka_bootstrap_servers,
        "SKIP_TOPIC": filled_topic,
        "SKIP_GROUP": group,
        "SKIP_OUT": str(out),
        "SKIP_DATADIR": str(tmp_path / "faust"),
        "SKIP_AT": str(SKIP_AT),
        "SKIP_TO": str(SKIP_TO),
    }
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, str(WORKER), "worker", "--without-web"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parents[2],
        )
    try:
        yield {"group": group, "out": out, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _committed(settings: Settings, group: str, topic: str) -> int | None:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    committed = offsets.get(TopicPartition(topic, 0))
    return None if committed is None else committed.offset


def test_records_jumped_over_are_processed_before_their_offsets_are_committed(
    isolated_settings: Settings, filled_topic: str, skipping_worker: dict[str, Path | str]
) -> None:
    group, out, log = str(skipping_worker["group"]), Path(skipping_worker["out"]), Path(skipping_worker["log"])
    deadline = time.monotonic() + 180
    while _committed(isolated_settings, group, filled_topic) != MESSAGES:
        assert time.monotonic() < deadline, f"the group never committed offset {MESSAGES}; see {log}"
        time.sleep(0.5)
    processed = {int(line) for line in out.read_text().split()}
    missing = sorted(set(range(MESSAGES)) - processed)
    assert not missing, f"offsets committed without being processed: {missing}"
    assert "records skipped by the fetcher; rewinding" in log.read_text()
