"""SIGKILL of the producer and the worker in the middle of the BBC corpus: restart, same index."""

from __future__ import annotations

import collections
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from newsflow.infra.settings import Settings
from newsflow.processors.normalize import raw_article_id
from newsflow.producers.formats import ParsedArticle, parse_file
from newsflow.stack.sandbox import drop_sandbox, sandbox_settings, start_producer, start_worker, stop_process
from tests.conftest import BBC_DIR
from tests.integration.index_queries import articles, wait_for


def expected_ids(files: list[Path]) -> collections.Counter[str]:
    ids: collections.Counter[str] = collections.Counter()
    for path in files:
        (parsed,) = parse_file(path.name, path.read_bytes())[1]
        assert isinstance(parsed, ParsedArticle)
        ids[raw_article_id(parsed.title, parsed.body)] += 1
    return ids


@pytest.fixture
def crash_sandbox(stack_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A sandbox whose ingest folder holds the whole BBC corpus."""
    settings = sandbox_settings(stack_settings, tmp_path, partitions=4).model_copy(update={"settle_seconds": 0.2})
    settings.ingest_dir.mkdir(parents=True)
    for path in sorted(p for p in BBC_DIR.rglob("*.txt") if p.parent != BBC_DIR):
        shutil.copy(path, settings.ingest_dir / f"{path.parent.name}-{path.name}")
    yield settings
    drop_sandbox(settings)


def test_sigkill_mid_corpus_then_restart_gives_the_same_index(crash_sandbox: Settings) -> None:
    settings = crash_sandbox
    files = sorted(settings.ingest_dir.iterdir())
    expected = expected_ids(files)
    es = Elasticsearch(settings.elasticsearch_url)

    def processed() -> int:
        return len(list(settings.processed_path.glob("*.txt"))) if settings.processed_path.is_dir() else 0

    worker, producer = start_worker(settings), start_producer(settings)
    try:
        # The producer is much faster than the worker: kill each in the middle of its own work.
        wait_for(lambda: processed() >= 200, timeout_s=300, what="200 files sent before the producer crash")
        producer.send_signal(signal.SIGKILL)
        producer.wait()
        assert any(settings.ingest_dir.glob("*.txt")), "the producer crash should come before it finished"
        wait_for(lambda: len(articles(settings)) >= 100, timeout_s=600, what="100 documents before the worker crash")
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert len(articles(settings)) < processed(), "the worker crash should come before it caught up"
    finally:
        for process in (producer, worker):
            if process.poll() is None:
                process.kill()

    worker, producer = start_worker(settings, worker_id=0), start_producer(settings)
    try:
        wait_for(lambda: len(articles(settings)) >= len(expected), timeout_s=900, what=f"{len(expected)} documents")
        wait_for(
            lambda: sum(d.get("copy_count", 0) for d in articles(settings)) >= len(files) - len(expected),
            timeout_s=120,
            what="every copy recorded",
        )
    finally:
        stop_process(producer)
        stop_process(worker)

    docs = articles(settings)
    assert sorted(d["article_id"] for d in docs) == sorted(expected)  # none missing, none twice
    assert es.count(index=settings.index_alias)["count"] == len(expected)  # no stub left behind
    copies = {d["article_id"]: len({c["source_id"] for c in d.get("copies", [])}) for d in docs}
    assert copies == {i: n - 1 for i, n in expected.items()}
    assert not list(settings.ingest_dir.glob("*.txt")), "every file ends in processed/"
    assert len(list(settings.processed_path.iterdir())) == len(files)
