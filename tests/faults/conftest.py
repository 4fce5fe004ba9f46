"""Fixtures of the fault suite: a dedicated Kafka + Elasticsearch, and one sandbox and pipeline per scenario.

Scenarios stop and restart Kafka and Elasticsearch, so they never use the
shared stack the other tests (and people) use: ``dedicated_stack`` starts one
of their own for the session, on other ports, and stops it at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.infra.settings import Settings
from newsflow.stack.sandbox import drop_sandbox, sandbox_settings
from tests.faults.alerts import WebhookReceiver, save_fault_searches
from tests.faults.dedicated_stack import DedicatedStack
from tests.faults.scenario import CorpusSlice, Pipeline, bbc_slice, drop


@pytest.fixture(scope="session")
def dedicated_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DedicatedStack]:
    """Kafka and Elasticsearch for the fault scenarios only, stopped at the end of the session."""
    stack = DedicatedStack.create(tmp_path_factory.mktemp("fault-stack"))
    try:
        stack.ensure_up()
        yield stack
    finally:
        stack.down()  # also what a failed start left running


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A local HTTP server the fault searches' webhooks point at, counting what it gets."""
    with WebhookReceiver().serving() as receiver:
        yield receiver


@pytest.fixture
def sandbox(dedicated_stack: DedicatedStack, tmp_path: Path, webhook_receiver: WebhookReceiver) -> Iterator[Settings]:
    """Fresh topics (4 partitions), index alias, ingest and state folders on the dedicated stack, and the fault
    searches saved (tests/faults/alerts.py)."""
    dedicated_stack.ensure_up()  # a scenario that failed may have left Kafka or Elasticsearch stopped
    settings = sandbox_settings(dedicated_stack.settings, tmp_path, partitions=4)
    # Files are renamed into place complete, so a short settle time only speeds the producer up; the
    # webhook's retries start small so that an outage's failed attempts are retried within the scenario.
    settings = settings.model_copy(update={"settle_seconds": 0.2, "webhook_max_backoff_s": 5.0, "webhook_attempts": 10})
    save_fault_searches(settings, webhook_receiver.url)
    yield settings
    dedicated_stack.ensure_up()
    drop_sandbox(settings)


@pytest.fixture
def pipeline(sandbox: Settings) -> Iterator[Pipeline]:
    """The scenario's producer, workers and API; all stopped after the test, before its sandbox is dropped."""
    with Pipeline(sandbox) as processes:
        yield processes


@pytest.fixture
def flowing_corpus(sandbox: Settings, pipeline: Pipeline) -> CorpusSlice:
    """The BBC slice dropped into the ingest folder, with one worker, the producer and the webhook deliverer."""
    corpus = bbc_slice()
    drop(corpus.files, sandbox.ingest_dir)
    pipeline.start_worker()
    pipeline.start_producer()
    pipeline.start_delivery()
    return corpus
