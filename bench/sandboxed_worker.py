"""The opening most measures share: a sandbox (own topics, index, folder) with one worker process in it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import Any

from elasticsearch import Elasticsearch

from newsflow.infra.settings import Settings
from newsflow.stack.sandbox import drop_sandbox, sandbox_settings, start_worker, stop_process


@dataclass(frozen=True)
class SandboxedWorker:
    """A running worker in its sandbox: the sandbox's settings, a client of its Elasticsearch, the process."""

    settings: Settings
    es: Elasticsearch
    process: Popen[bytes]


@contextmanager
def sandboxed_worker(
    base: Settings, *, partitions: int = 4, prefix: str = "newsflow-bench-", **overrides: Any
) -> Iterator[SandboxedWorker]:
    """A sandbox made from ``base`` (``overrides`` applied to its settings) with one worker started in it; the
    worker is stopped and the sandbox's topics, index and folder dropped on leaving, whatever happened."""
    settings = sandbox_settings(base, Path(tempfile.mkdtemp(prefix=prefix)), partitions=partitions)
    if overrides:
        settings = settings.model_copy(update=overrides)
    process = start_worker(settings)
    try:
        yield SandboxedWorker(settings, Elasticsearch(settings.elasticsearch_url), process)
    finally:
        stop_process(process)
        drop_sandbox(settings)
