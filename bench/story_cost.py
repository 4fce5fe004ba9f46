"""What the story stage costs: end-to-end throughput with and without it, its memory, and a 2 000-article story.

- **throughput**: the corpus through one worker four times (after an unmeasured
  run that warms Kafka and Elasticsearch up, when they have just started), in fresh
  sandboxes, with ``NEWSFLOW_STORIES_ENABLED`` on, off, off, on (off, articles pass
  the stage without a story: the Kafka hop is in both runs, the clustering only in
  one); each mode's figure is over its two runs, so drift through the runs cancels;
- **memory**: the story stage's five tables after the corpus, read back from
  their changelogs (distinct keys and the bytes of their latest values);
- **one big story**: 2 000 reports of one event through the clustering in
  process: milliseconds per article for the first and the last 200, which
  should not grow with the story's size.

    python -m bench --only stories
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.end_to_end import end_to_end, warm_up
from bench.registry_footprint import latest_values, logged_table_sizes
from bench.sandboxed_worker import sandboxed_worker
from bench.sustained import ProcessSampler, jvm_pids
from newsflow.infra.settings import Settings
from newsflow.processors.stages.stories import FREQUENCIES_LAYOUT, POSTINGS_LAYOUT, QUEUE_LAYOUT
from newsflow.processors.stories import MemoryStore, StoryParameters, assign
from newsflow.schemas.articles import ArticleDocument, Entity, EntityType, SourceInfo
from newsflow.schemas.topics import (
    STORY_ASSIGNMENTS_TABLE,
    STORY_FREQUENCIES_TABLE,
    STORY_POSTINGS_TABLE,
    STORY_QUEUE_TABLE,
    STORY_STATES_TABLE,
    changelog_topic,
)

BIG_STORY = 2000
EDGE = 200


def _corpus_run(
    base: Settings, files: list[Path], *, stories: bool
) -> tuple[dict[str, float], dict[str, float], dict[str, Any] | None]:
    """End-to-end figures of one sandboxed run, the CPU each process spent on it (:func:`cpu_per_article`), and
    the story tables' size after it (when on)."""
    with sandboxed_worker(base, prefix="newsflow-bench-stories-", stories_enabled=stories) as sandbox:
        warm_up(sandbox.settings, sandbox.es)
        pids = {"worker": sandbox.process.pid, **jvm_pids(base)}
        before = {name: ProcessSampler.cpu_seconds(pid) for name, pid in pids.items()}
        timed = end_to_end(sandbox.settings, files, sandbox.es)
        after = {name: ProcessSampler.cpu_seconds(pid) for name, pid in pids.items()}
        footprint = story_footprint(sandbox.settings, sandbox.process.pid) if stories else None
    return timed, cpu_per_article(before, after, int(timed["distinct_articles"])), footprint


def cpu_per_article(
    before: Mapping[str, float | None], after: Mapping[str, float | None], articles: int
) -> dict[str, float]:
    """Milliseconds of CPU an article each process spent between two readings (the worker's NER child is in the
    worker's figure); a process that could not be read at either end is left out."""
    return {
        name: round(1000 * (end - start) / articles, 1)
        for name, end in after.items()
        if end is not None and (start := before.get(name)) is not None and articles
    }


def story_footprint(settings: Settings, worker_pid: int) -> dict[str, Any]:
    """Keys and kB of each story table, and the worker's RSS."""
    out: dict[str, Any] = {}
    logged = {
        STORY_POSTINGS_TABLE: POSTINGS_LAYOUT,
        STORY_QUEUE_TABLE: QUEUE_LAYOUT,
        STORY_FREQUENCIES_TABLE: FREQUENCIES_LAYOUT,
    }
    for table in (
        STORY_STATES_TABLE, STORY_POSTINGS_TABLE, STORY_ASSIGNMENTS_TABLE, STORY_QUEUE_TABLE, STORY_FREQUENCIES_TABLE,
    ):  # fmt: skip
        layout = logged.get(table)
        values = (
            latest_values(settings, changelog_topic(settings.topic_prefix, table))
            if layout is None
            else logged_table_sizes(settings, table, layout)
        )
        out[table] = {"keys": len(values), "kb": round(sum(values.values()) / 1024, 1)}
    out["worker_rss_mb"] = ProcessSampler.rss_mb(worker_pid)
    return out


def big_story() -> dict[str, float]:
    """Milliseconds per article at the start and at the end of a 2 000-article story (in process)."""
    at = datetime(2024, 5, 1, tzinfo=UTC)
    store = MemoryStore()
    params = StoryParameters()
    body = (
        "Firefighters battled a wildfire near Canyonville overnight as evacuation orders widened across "
        "Douglas County. The Canyonville blaze has burned 12,000 acres, officials of the Oregon forestry "
        "department said."
    )
    times = []
    for i in range(BIG_STORY):
        source = SourceInfo(path=f"r{i}.txt", file_sha256="0" * 64, format="text", record_index=0, received_at=at)
        doc = ArticleDocument(
            article_id=f"{i:032x}", title=f"Canyonville wildfire update {i}",
            body=f"{body} Update {i}: reporter{i} spoke to resident{i} in the shelter.",
            outlet=f"Outlet {i % 150}", ingested_at=at, dated_at=at + timedelta(minutes=i), language="en",
            word_count=40, source=source, dedup_group=f"{i:032x}",
        ).with_entities([
            Entity(type=EntityType.PLACE, canonical="Canyonville", surface_forms=["Canyonville"], mentions=2),
            Entity(type=EntityType.PERSON, canonical=f"Resident Number{i}", surface_forms=["x"], mentions=1),
        ])  # fmt: skip
        start = time.perf_counter()
        assign(doc, store, params, at)
        times.append(time.perf_counter() - start)
    (state,) = store.stories.values()
    return {
        "articles": state.article_count,
        "first_ms": round(1000 * sum(times[:EDGE]) / EDGE, 2),
        "last_ms": round(1000 * sum(times[-EDGE:]) / EDGE, 2),
    }


def run_story_cost(base: Settings, files: list[Path], *, warm_jvms: bool = True) -> dict[str, Any]:
    """Throughput on and off, the CPU each process spent an article in each, the tables after the corpus, the big
    story. The corpus runs four times, on, off, off, on, and each figure is the mean of its two runs: the JVMs
    keep warming up and their heaps filling through the runs, and a fixed order gave that drift to one side.
    ``warm_jvms``: a first, unmeasured corpus run, for a stack that has just started (``make bench`` has run the
    corpus through it already)."""
    # Kafka's and Elasticsearch's first corpus after they start costs them about twice the CPU of the next
    # (their JVMs compile their hot paths; docs/benchmarks.md, session 27): whichever run came first paid it.
    if warm_jvms:
        print("a corpus run to warm Kafka and Elasticsearch up (not measured) ...", flush=True)
        _corpus_run(base, files, stories=True)
    runs: dict[bool, list[tuple[dict[str, float], dict[str, float]]]] = {True: [], False: []}
    in_order = []
    footprint = None
    for stories in (True, False, False, True):
        print(f"end-to-end {'with the story stage' if stories else 'without it'} ...", flush=True)
        timed, cpu, tables = _corpus_run(base, files, stories=stories)
        runs[stories].append((timed, cpu))
        in_order.append(timed["articles_per_s"])
        footprint = tables or footprint
    on, off = mean_run([t for t, _ in runs[True]]), mean_run([t for t, _ in runs[False]])
    return {
        "with_stories": on,
        "without_stories": off,
        "runs_articles_per_s": in_order,  # on, off, off, on
        "cpu_ms_per_article": {
            "with_stories": mean_cpu([c for _, c in runs[True]]),
            "without_stories": mean_cpu([c for _, c in runs[False]]),
        },
        "share": round(on["articles_per_s"] / off["articles_per_s"], 2),
        "tables": footprint,
        "big_story": big_story(),
    }


def mean_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """One mode's runs as one: their articles over their seconds."""
    articles = sum(r["distinct_articles"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    return {"distinct_articles": articles, "seconds": round(seconds, 2), "articles_per_s": round(articles / seconds, 1)}


def mean_cpu(runs: list[dict[str, float]]) -> dict[str, float]:
    """The mean CPU ms an article of each process read in every run."""
    names = set.intersection(*(set(r) for r in runs)) if runs else set()
    return {name: round(sum(r[name] for r in runs) / len(runs), 1) for name in sorted(names)}


def summary_lines(cost: dict[str, Any]) -> list[str]:
    """Lines for the bench's table."""
    tables = cost["tables"] or {}
    sizes = ", ".join(f"{name} {t['keys']} keys/{t['kb']} kB" for name, t in tables.items() if isinstance(t, dict))
    big = cost["big_story"]
    cpu = cost.get("cpu_ms_per_article", {})
    on, off = cpu.get("with_stories", {}), cpu.get("without_stories", {})
    spent = ", ".join(f"{name} {on[name]} / {off[name]}" for name in on if name in off)
    return [
        f"{'end-to-end with / without stories, art/s':42} {cost['with_stories']['articles_per_s']} / "
        f"{cost['without_stories']['articles_per_s']} ({cost['share']:.0%}; runs on, off, off, on: "
        f"{' / '.join(str(r) for r in cost['runs_articles_per_s'])})",
        f"{'CPU ms an article, with / without stories':42} {spent or 'not measured'}",
        f"{'story tables after the corpus':42} {sizes}; worker RSS {tables.get('worker_rss_mb')} MB",
        f"{'a 2 000-article story, ms per article':42} first {EDGE}: {big['first_ms']}, last {EDGE}: {big['last_ms']}",
    ]
