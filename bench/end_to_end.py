"""The end-to-end measure shared by ``make bench`` and the scale-out run: the BBC corpus through the pipeline."""

from __future__ import annotations

import time
from pathlib import Path

from elasticsearch import Elasticsearch

from bench.polling import wait_until
from newsflow.infra.settings import Settings
from newsflow.processors.normalize import raw_article_id
from newsflow.producers.files import FileIngestor
from newsflow.producers.formats import ParsedArticle, parse_file
from newsflow.producers.publisher import Publisher

BBC_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"


def corpus_files() -> list[Path]:
    """The dev corpus's article files (the top folder's README excluded)."""
    return sorted(p for p in BBC_DIR.rglob("*.txt") if p.parent != BBC_DIR)


def expected_id(data: bytes, name: str) -> str:
    """The article_id the pipeline will give this single-article file."""
    (parsed,) = parse_file(name, data)[1]
    assert isinstance(parsed, ParsedArticle)
    return raw_article_id(parsed.title, parsed.body)


def indexed_count(es: Elasticsearch, alias: str) -> int:
    """Searchable documents under ``alias`` (stubs without a title are not counted)."""
    hits = es.search(index=alias, query={"exists": {"field": "title"}}, size=0, track_total_hits=True)
    return int(hits["hits"]["total"]["value"])


def warm_up(settings: Settings, es: Elasticsearch) -> None:
    """One article through the whole pipeline, so that timing starts with the worker up."""
    warmup = settings.home / "warmup.txt"
    warmup.write_text("Bench warm-up\nThe pipeline is warming up before the measured run starts.")
    with Publisher(settings) as publisher:
        FileIngestor(settings, publisher, move_files=False).ingest(warmup)
    wait_until(lambda: indexed_count(es, settings.index_alias) >= 1, 300, "the warm-up article")


def end_to_end(settings: Settings, files: list[Path], es: Elasticsearch) -> dict[str, float]:
    """Send ``files`` once; seconds from the first send until every distinct article is searchable."""
    expected = len({expected_id(p.read_bytes(), p.name) for p in files})
    already = indexed_count(es, settings.index_alias)  # warm-up articles, not part of the measure
    with Publisher(settings) as publisher:
        ingestor = FileIngestor(settings, publisher, move_files=False)
        started = time.perf_counter()
        for path in files:
            ingestor.ingest(path)
        produced = time.perf_counter() - started
    wait_until(lambda: indexed_count(es, settings.index_alias) >= already + expected, 1800, f"{expected} documents")
    seconds = time.perf_counter() - started
    return {
        "files": len(files),
        "distinct_articles": expected,
        "producer_seconds": round(produced, 2),
        "seconds": round(seconds, 2),
        "articles_per_s": round(expected / seconds, 1),
    }
