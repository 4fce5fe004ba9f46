"""Where a fresh article's time goes: each topic hop's share of file-dropped -> searchable.

Every record on the pipeline's topics carries the time its producer sent it
(Kafka's CreateTime: the producer daemon for ``articles.raw``, the worker's
stages for the others). Read back after the freshness bench, they split each
probe's latency into hops: the producer (rename -> raw), each stage (raw ->
normalized -> unique -> recognized -> resolved -> enriched), and the index
stage with Elasticsearch's refresh (enriched -> the first search that finds
it). The clocks are the same machine's, so the hops add up to the whole.
"""

from __future__ import annotations

import itertools
import json
import statistics
from dataclasses import dataclass

from bench.topic_records import topic_records
from newsflow.infra.settings import Settings
from newsflow.schemas.topics import ENRICHED, NORMALIZED, RAW, RECOGNIZED, RESOLVED, UNIQUE, TopicSpec

# The article's path, in order; each record's key is its article id (the raw topic's is the source id).
PATH: tuple[TopicSpec, ...] = (RAW, NORMALIZED, UNIQUE, RECOGNIZED, RESOLVED, ENRICHED)


@dataclass(frozen=True)
class Probe:
    """One file of the freshness bench: its name in the ingest folder and its article's id, with wall-clock
    times (seconds since the epoch) of its rename into the folder and the first search that found it."""

    file_name: str
    article_id: str
    dropped_at: float
    searchable_at: float


def send_times(settings: Settings, spec: TopicSpec) -> dict[str, float]:
    """Each record's key (the raw topic: its source file's name) with its first CreateTime, in seconds."""
    times: dict[str, float] = {}
    for record in topic_records(settings, spec.name(settings.topic_prefix)):
        key = json.loads(record.value)["source"]["path"] if spec is RAW else record.key.decode()
        times.setdefault(key, record.timestamp / 1000)
    return times


def hop_latencies(settings: Settings, probes: list[Probe]) -> dict[str, list[float]]:
    """Per hop, each probe's seconds in it (probes missing from a topic are left out of that hop)."""
    sent = {spec.suffix: send_times(settings, spec) for spec in PATH}
    hops: dict[str, list[float]] = {}
    for probe in probes:
        marks = [("dropped", probe.dropped_at)]
        for spec in PATH:
            key = probe.file_name if spec is RAW else probe.article_id
            at = sent[spec.suffix].get(key)
            if at is not None:
                marks.append((spec.suffix, at))
        marks.append(("searchable", probe.searchable_at))
        for (before, start), (after, end) in itertools.pairwise(marks):
            hops.setdefault(f"{before} -> {after}", []).append(end - start)
    return hops


def hop_summary(hops: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Per hop, in path order: p50, p99 and max in seconds, and how many files."""
    summary = {}
    for hop, seconds in hops.items():
        ordered = sorted(seconds)
        summary[hop] = {
            "p50_s": round(statistics.median(ordered), 3),
            "p99_s": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 3),
            "max_s": round(ordered[-1], 3),
            "files": len(ordered),
        }
    return summary


def hop_lines(summary: dict[str, dict[str, float]]) -> str:
    """The hops as lines of the bench's table."""
    return "\n".join(
        f"{'  ' + hop:42} {h['p50_s']:.3f} / {h['p99_s']:.3f} / {h['max_s']:.3f}" for hop, h in summary.items()
    )
