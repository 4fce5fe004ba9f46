"""Shared fixtures: the real local stack, and isolated sandboxes (topics, index, workers) on it.

``stack_settings`` reuses a Kafka and Elasticsearch that already answer at the
configured addresses (e.g. after ``make up``); otherwise it starts them with the
same code as ``newsflow up`` and stops, at the end of the session, what it started.
Each test that writes gets its own topic prefix and index alias, removed afterwards,
so tests never see each other's data nor the user's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsflow.infra.settings import Settings
from newsflow.stack.sandbox import drop_sandbox, running_infrastructure, sandbox_settings, start_worker, stop_process

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "shared" / "samples"
BBC_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"


@pytest.fixture(scope="session")
def stack_settings() -> Iterator[Settings]:
    """Settings of a running, healthy Kafka + Elasticsearch (started for the session if needed)."""
    settings = Settings()
    with running_infrastructure(settings):
        yield settings


@pytest.fixture
def isolated_settings(stack_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Settings with a fresh topic prefix, index alias and ingest folder; topics and index are created."""
    settings = sandbox_settings(stack_settings, tmp_path)
    yield settings
    drop_sandbox(settings)


@contextmanager
def running_pipeline(base: Settings, folder: Path) -> Iterator[Settings]:
    """A sandbox of ``base`` in ``folder`` with one Faust worker running on it; both gone afterwards."""
    settings = sandbox_settings(base, folder)
    worker = start_worker(settings)
    try:
        yield settings
    finally:
        stop_process(worker)
        drop_sandbox(settings)


@pytest.fixture(scope="module")
def pipeline_settings(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Isolated settings with one Faust worker running on them (for the module's tests)."""
    with running_pipeline(stack_settings, tmp_path_factory.mktemp("pipeline")) as settings:
        yield settings
