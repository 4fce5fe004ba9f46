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
def sandbox(dedicated_stack: DedicatedStack, tmp_path: Path) -> Iterator[Settings]:
    """Fresh topics (4 partitions), index alias, ingest and state folders on the dedicated stack."""
    dedicated_stack.ensure_up()  # a scenario that failed may have left Kafka or Elasticsearch stopped
    settings = sandbox_settings(dedicated_stack.settings, tmp_path, partitions=4)
    # Files are renamed into place complete, so a short settle time only speeds the producer up.
    settings = settings.model_copy(update={"settle_seconds": 0.2})
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
    """The BBC slice dropped into the ingest folder, with one worker and the producer started on it."""
    corpus = bbc_slice()
    drop(corpus.files, sandbox.ingest_dir)
    pipeline.start_worker()
    pipeline.start_producer()
    return corpus
