"""The soak: an hour of a realistic feed at 70% of the measured capacity, with stories and 1 000 saved searches.

The sustained-load run (bench/sustained.py: sandbox, calibration burst, dropper, samples, plot) fed by
bench/soak_feed.py (about 30% republications of recent wire stories, some 20 times or more, 5% exact copies,
the rest new texts), with the story stage and alerts on and 1 000 saved searches made from the calibration
burst's articles (bench/alerts.py's mix). The calibration burst is the soak's mix too (another seed, no copies);
its capacity leaves out the percolation of the saved searches, made after it (at 1 000 searches about 2% of an
article's cost, docs/benchmarks.md "Alerts"). Besides the sustained run's figures, the JVMs' heap (``jstat``) is
sampled every 30 s, and four verdicts are printed:

    lag bounded        no upward trend of the backlog over the last 40 minutes (articles dropped, not yet
                       searchable: the consumer lag in messages is a saw-tooth of commit intervals)
    freshness held     the p99 of the last 10 minutes within 1.5x that of minutes 5 to 15
    worker memory      the worker's RSS (with its NER child) after minute 10: its lowest reading of each 5 minutes
                       grows less than 20 MB an hour
    JVM heap           each JVM's heap after collections (the lowest used heap of each 5 minutes, one reading of
                       which follows a full collection the bench requests) grows less
                       than 5% of its capacity an hour after minute 10

A shorter run scales the windows with its length (``--minutes 6``: the last 4 minutes, minutes 0.5 to 1.5, ...),
to try the bench, not to judge the system.

    python -m bench.soak [--minutes 60] [--load 0.7]   # or: make bench-soak
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from bench.alerts import saved_search_requests
from bench.soak_feed import SoakFeed
from bench.sustained import RESULTS, load_corpus, percentile, run_sustained, slope, summary_lines
from newsflow.api.saved_search_store import SavedSearchStore
from newsflow.infra.settings import Settings
from newsflow.stack.sandbox import running_infrastructure

LOAD = 0.70
SAVED_SEARCHES = 1_000
WORKER_RSS_MB_PER_HOUR = 20.0
HEAP_SHARE_PER_HOUR = 0.05
FRESHNESS_FACTOR = 1.5
CALIBRATION_SEED = 29
# Backlog growth over the judged window, in seconds of input, beyond which it is a trend (as bench/sustained.py).
BACKLOG_SECONDS_OF_INPUT = 5.0


@dataclass(frozen=True)
class Verdict:
    """One of the soak's four checks: its name, whether it held (None: too few readings to judge), and the
    figures it was decided on."""

    name: str
    held: bool | None
    figures: str

    def line(self) -> str:
        outcome = "NOT JUDGED" if self.held is None else "HELD" if self.held else "FAILED"
        return f"{'  ' + self.name:42} {outcome}  ({self.figures})"


def _minutes(run_minutes: float, at_60: float) -> float:
    """A window's bound given for a 60-minute run, scaled to this run's length."""
    return at_60 * run_minutes / 60.0


def verdicts(series: dict[str, Any]) -> list[Verdict]:
    """The four verdicts of a soak's series (``config``, ``samples``, ``articles`` as bench/sustained.py writes)."""
    config, samples, articles = series["config"], series["samples"], series["articles"]
    minutes = config["seconds"] / 60.0
    rate = config["rate_per_s"]
    return [
        _backlog_verdict(samples, minutes, rate),
        _freshness_verdict(articles, minutes),
        _worker_memory_verdict(samples, minutes),
        *_heap_verdicts(samples, minutes),
    ]


def _backlog_verdict(samples: list[dict[str, Any]], minutes: float, rate: float) -> Verdict:
    start = 60 * (minutes - _minutes(minutes, 40))
    points = [(s["t"], float(s["dropped"] - s["searchable"])) for s in samples if start <= s["t"] <= 60 * minutes]
    growth = slope(points) * (60 * minutes - start)
    limit = BACKLOG_SECONDS_OF_INPUT * rate
    lags = [s["lag"] for s in samples if start <= s["t"] <= 60 * minutes and s["lag"] is not None]
    return Verdict(
        "lag bounded (last 40 min)",
        growth < limit,
        f"backlog trend {growth:+.1f} articles over the window, limit {limit:.0f}; "
        f"consumer lag max {max(lags, default=0)} messages",
    )


def _freshness_verdict(articles: list[dict[str, Any]], minutes: float) -> Verdict:
    def p99(lo: float, hi: float) -> float | None:
        values = [
            a["latency_s"] for a in articles if a["latency_s"] is not None and 60 * lo <= a["dropped_t"] < 60 * hi
        ]
        return percentile(values, 0.99) if values else None

    early = p99(_minutes(minutes, 5), _minutes(minutes, 15))
    late = p99(minutes - _minutes(minutes, 10), minutes)
    held = early is not None and late is not None and late <= FRESHNESS_FACTOR * early
    return Verdict("freshness p99 held (last 10 min)", held, f"minutes 5-15: {early} s, last 10: {late} s")


def _floors(points: list[tuple[float, float]], start: float, window: float) -> list[tuple[float, float]]:
    """The lowest reading of each ``window`` seconds from ``start`` (what memory returns to between bursts);
    a window with fewer than 3 readings (cut short by the run's end) shows no floor and is left out."""
    by_window: dict[int, list[float]] = {}
    for t, value in points:
        if t >= start:
            by_window.setdefault(int((t - start) // window), []).append(value)
    return [(start + window * w, min(v)) for w, v in sorted(by_window.items()) if len(v) >= 3]


def _worker_memory_verdict(samples: list[dict[str, Any]], minutes: float) -> Verdict:
    # Judged on floors, as the heaps: the worker's readings swing by hundreds of MB with the backlog (full NER
    # batches of long texts in its child), which is working memory, not growth.
    start, window = 60 * _minutes(minutes, 10), 60 * _minutes(minutes, 5)
    points = [(s["t"], s["rss_mb"]["worker"]) for s in samples if s["rss_mb"].get("worker")]
    floors = _floors(points, start, window)
    name = "worker RSS growth after minute 10"
    if len(floors) < 2:
        return Verdict(name, None, f"{len(floors)} window(s) of {window:.0f} s with 3 readings or more")
    per_hour = slope(floors) * 3600
    return Verdict(
        name,
        per_hour < WORKER_RSS_MB_PER_HOUR,
        f"lowest reading of each {window:.0f} s: {per_hour:+.1f} MB/h (limit {WORKER_RSS_MB_PER_HOUR:.0f}); "
        f"floor {floors[0][1]} -> {floors[-1][1]} MB, peak {max(v for _, v in points)} MB",
    )


def worker_memory_parts(samples: list[dict[str, Any]], minutes: float) -> list[str]:
    """Where the worker's memory went after minute 10: each part's floor (as the verdict's) first -> last, MB/h.

    Parts from the worker's own metrics (bench/sustained.py ``scrape_worker_memory``): its main process, the NER
    child, its tables' RocksDB memory by part, the interpreter's blocks (thousands).
    """
    start, window = 60 * _minutes(minutes, 10), 60 * _minutes(minutes, 5)
    parts = sorted({part for s in samples for part in s.get("worker_memory_mb") or {}})
    lines = []
    for part in parts:
        points = [(s["t"], s["worker_memory_mb"][part]) for s in samples if part in (s.get("worker_memory_mb") or {})]
        floors = _floors(points, start, window)
        if len(floors) < 2:
            continue
        unit = "k blocks" if part == "python_blocks_k" else "MB"
        lines.append(
            f"  {part:40} {floors[0][1]:9.1f} -> {floors[-1][1]:9.1f} {unit}  ({slope(floors) * 3600:+.1f} {unit}/h)"
        )
    return lines


def _heap_verdicts(samples: list[dict[str, Any]], minutes: float) -> list[Verdict]:
    start, end = 60 * _minutes(minutes, 10), 60 * minutes
    # The heap after collections: the lowest reading of each window (5 min of an hour: ten jstat readings).
    window = 60 * _minutes(minutes, 5)
    names = sorted({n for s in samples for n in s.get("heap_mb", {})})
    found = []
    for name in names:
        readings = [(s["t"], s["heap_mb"][name]) for s in samples if name in s.get("heap_mb", {}) and s["t"] <= end]
        capacity = max((maximum for t, (_, maximum) in readings if t >= start), default=0.0)
        floors = _floors([(t, used) for t, (used, _) in readings], start, window)
        if len(floors) < 2:
            found.append(
                Verdict(
                    f"{name} heap after GC",
                    None,
                    f"{len(floors)} window(s) of {window:.0f} s with 3 readings or more: the run is too short",
                )
            )
            continue
        per_hour = slope(floors) * 3600
        found.append(
            Verdict(
                f"{name} heap after GC",
                per_hour < HEAP_SHARE_PER_HOUR * capacity,
                f"{per_hour:+.1f} MB/h of {capacity:.0f} MB (limit {HEAP_SHARE_PER_HOUR:.0%}); "
                f"floor {floors[0][1]} -> {floors[-1][1]} MB",
            )
        )
    return found


def jvm_heap_mb(pid: int) -> tuple[float, float] | None:
    """(used, capacity) of a JVM's heap in MB from ``jstat -gc`` (None if it cannot be read)."""
    try:
        out = subprocess.run(["jstat", "-gc", str(pid)], capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    header, values = out.stdout.split("\n")[:2]
    row = dict(zip(header.split(), (float(v) for v in values.split()), strict=False))
    used = sum(row.get(k, 0.0) for k in ("S0U", "S1U", "EU", "OU"))
    capacity = sum(row.get(k, 0.0) for k in ("S0C", "S1C", "EC", "OC"))
    return round(used / 1024, 1), round(capacity / 1024, 1)


class HeapAfterCollection:
    """A JVM's heap as ``read`` gives it (:func:`jvm_heap_mb`), with a full collection requested first
    (:func:`request_full_collection`) once every ``collect_every_s`` per JVM: each verdict window then holds
    one reading of the live heap.

    Without it the lowest reading of a window is wherever the collector's last old-generation cycle left
    the heap, and two runs of the same code gave opposite verdicts (docs/benchmarks.md, "The hour with
    smaller story caches"). The collection pauses the JVM (tens to hundreds of ms) once a window.
    """

    def __init__(
        self,
        collect_every_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[int], None] | None = None,
        read: Callable[[int], tuple[float, float] | None] | None = None,
    ) -> None:
        self.collect_every_s = collect_every_s
        self._clock = clock
        self._collect = collect or request_full_collection
        self._read = read or jvm_heap_mb
        self._collected_at: dict[int, float] = {}

    def __call__(self, pid: int) -> tuple[float, float] | None:
        now = self._clock()
        if now - self._collected_at.get(pid, -math.inf) >= self.collect_every_s:
            self._collected_at[pid] = now
            self._collect(pid)
        return self._read(pid)


def request_full_collection(pid: int) -> None:
    """Ask JVM ``pid`` for a full collection (``jcmd GC.run``); a failure is printed and the reading goes on."""
    try:
        subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        # The reading is then a plain one, as before: the floors still judge, less surely.
        print(f"soak: jcmd {pid} GC.run failed ({exc}); this heap reading follows no collection", flush=True)


def saved_searches(settings: Settings, count: int = SAVED_SEARCHES) -> dict[str, Any]:
    """``count`` saved searches made from the articles indexed so far (the calibration burst), stored in bulk."""
    es = Elasticsearch(settings.elasticsearch_url, timeout=60)
    es.indices.refresh(index=settings.index_alias)
    hits = es.search(index=settings.index_alias, query={"exists": {"field": "title"}}, size=1_000)
    documents = [hit["_source"] for hit in hits["hits"]["hits"]]
    requests = saved_search_requests(documents, count)
    store = SavedSearchStore(settings)
    answer = store.create_many(requests)
    if answer.failed:
        raise RuntimeError(f"{answer.failed} of {count} saved searches refused: {answer.results[:3]}")
    return {"saved_searches": count, "from_articles": len(documents)}


def run_soak(base: Settings, minutes: float, sample_s: float = 5.0, load: float = LOAD) -> dict[str, Any]:
    """The soak in a sandbox; writes ``bench/results/soak.json`` and ``soak.png``; returns the series' summary."""
    corpus = load_corpus()
    feed = SoakFeed(corpus)
    # Capacity is measured on the same mix (its new texts are longer than a corpus article), without copies:
    # the burst waits for an article per file.
    calibration = SoakFeed(corpus, copies=0.0, seed=CALIBRATION_SEED, label="calibration")
    result = run_sustained(
        base,
        seconds=60 * minutes,
        sample_s=sample_s,
        load=load,
        feed=feed,
        calibration_feed=calibration,
        prepare=saved_searches,
        heap=HeapAfterCollection(collect_every_s=60 * _minutes(minutes, 5)),
        name="soak",
    )
    series = json.loads((RESULTS / "soak.json").read_text())
    found = verdicts(series)
    most = sorted(feed.republications.values(), reverse=True)
    result["feed"] = {
        "kinds": {k: series["config"]["kinds"].get(k, 0) for k in ("new", "republished", "copy")},
        "most_republished": most[:5],
        "stories_republished_20_or_more": sum(1 for v in most if v >= 20),
        "median_republications": statistics.median(most) if most else 0,
    }
    result["verdicts"] = found
    result["worker_memory"] = worker_memory_parts(series["samples"], minutes)
    return result


def main() -> None:
    """``python -m bench.soak``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0, help="how long files are dropped (default 60)")
    parser.add_argument("--sample-seconds", type=float, default=5.0, help="sampling interval of lag, memory, CPU")
    parser.add_argument(
        "--load",
        type=float,
        default=LOAD,
        help=f"the rate fed as a share of the burst capacity (default {LOAD}; the burst overestimates what the "
        "pipeline sustains for an hour, docs/benchmarks.md 'The soak')",
    )
    args = parser.parse_args()
    base = Settings()
    with running_infrastructure(base):
        result = run_soak(base, args.minutes, args.sample_seconds, args.load)
    print()
    print("\n".join(summary_lines(result)))
    print(f"{'  feed: new / republished / copies':42} {result['feed']['kinds']}")
    print(
        f"{'  feed: most republished stories':42} {result['feed']['most_republished']}"
        f" ({result['feed']['stories_republished_20_or_more']} republished 20 times or more)"
    )
    print("soak verdicts:")
    for verdict in result["verdicts"]:
        print(verdict.line())
    print("worker memory by part after minute 10 (lowest reading of each window):")
    print("\n".join(result["worker_memory"]) or "  (the worker's metrics could not be read)")
    print(f"\nwritten to {RESULTS / 'soak.json'} and {RESULTS / 'soak.png'}")


if __name__ == "__main__":
    main()
