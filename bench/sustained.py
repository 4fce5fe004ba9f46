"""Sustained load: a steady stream of article files through the real producer daemon for minutes.

In a sandbox on the running stack (own topics, index, worker, producer daemon
and API), files are dropped into the sandbox's ingest folder at a fixed rate,
the way a feed fetcher would (written as ``<name>.part``, then renamed, so the
watcher never reads half a file). Every dropped file is a distinct article: a
BBC corpus file with a new numbered headline. The corpus has 1313 files, so a
run longer than that many files starts over, and those later articles are
near-duplicates of earlier ones (indexed too, and linked), as in real feeds.

Measured over time (written to ``bench/results/sustained.json``, plotted to
``bench/results/sustained.png``):

    throughput   files dropped and articles that became searchable, per 10 s
    lag          the processors' consumer lag from the API's ``/metrics`` (committed offsets)
    freshness    each article, from its rename into the folder to its first search hit
    memory, CPU  RSS and CPU of the producer, worker and API, the Kafka and Elasticsearch
                 JVMs (shared with everyone using the stack), this process and the rest of the machine

Without ``--rate``, the worker's capacity is measured first (a burst of files,
articles/s while it works through the backlog) and the run feeds 65% of it.

    python -m bench.sustained --seconds 300            # or: make bench-sustained
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from elasticsearch import Elasticsearch
from prometheus_client.parser import text_string_to_metric_families

from bench.polling import wait_until
from bench.search_latency import free_port
from newsflow.infra.settings import Settings
from newsflow.processors.normalize import raw_article_id
from newsflow.producers.formats import ParsedArticle, parse_file
from newsflow.schemas.topics import BANDS, RAW, UNIQUE
from newsflow.stack.process import ProcessTable
from newsflow.stack.sandbox import (
    drop_sandbox,
    running_infrastructure,
    sandbox_settings,
    start_api,
    start_producer,
    start_worker,
    stop_process,
)

BBC_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"
RESULTS = Path(__file__).parent / "results"

# Share of the measured capacity fed by default: enough headroom that a busy moment can be caught up.
DEFAULT_LOAD = 0.65
CALIBRATION_FILES = 240
# How often the index is asked which dropped articles are searchable: the resolution of freshness.
SEARCH_POLL_S = 0.25
THROUGHPUT_BIN_S = 10.0
MB = 1024 * 1024
# jstat starts a JVM of its own: the heap is read less often than RSS and CPU.
HEAP_SAMPLE_S = 30.0
# The backlog counts as bounded when, over the steady window, neither its trend nor the step from the
# first quarter to the last adds more than this much input (in seconds of the rate fed): beyond it, the
# newest article waits that much longer at the end than at the start, and freshness drifts.
BOUNDED_BACKLOG_SECONDS_OF_INPUT = 5.0
# Other processes using more than this (% of one core) on average make the figures say so.
CONTENDED_CPU_PCT = 50.0
PYTHON_PROCESSES = ("producer", "worker", "api")
JVM_PROCESSES = ("kafka", "elasticsearch")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (as bench/search_latency.py), ``q`` in 0..1."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class CorpusText:
    """One corpus file: where it came from and its lines (the first is the headline)."""

    name: str
    lines: list[str]


def load_corpus() -> list[CorpusText]:
    """The BBC corpus files, category subfolders only (as ``make bench``)."""
    files = sorted(p for p in BBC_DIR.rglob("*.txt") if p.parent != BBC_DIR)
    return [CorpusText(f"{p.parent.name}-{p.name}", p.read_text().splitlines()) for p in files]


def article_id(name: str, data: bytes) -> str:
    """The article_id the pipeline gives this single-article file."""
    (parsed,) = parse_file(name, data)[1]
    assert isinstance(parsed, ParsedArticle)
    return raw_article_id(parsed.title, parsed.body)


# Drop ``n`` of a feed: the file's name, its bytes and its kind ("new", "republished", "copy").
Feed = Callable[[int], tuple[str, bytes, str]]


def numbered_corpus(corpus: list[CorpusText], label: str) -> Feed:
    """The corpus over and over, each file under a numbered headline (a new text; after one pass of the corpus, a
    near-duplicate of an earlier drop)."""

    def drop(n: int) -> tuple[str, bytes, str]:
        source = corpus[n % len(corpus)]
        data = "\n".join([f"{label} {n}: {source.lines[0]}", *source.lines[1:]]).encode()
        return f"{label.lower()}-{n:06d}-{source.name}", data, "new"

    return drop


class Dropper(threading.Thread):
    """Drops ``count`` files of ``feed`` into ``folder`` at ``rate`` per second (all at once if ``rate`` is inf)."""

    def __init__(self, folder: Path, feed: Feed, label: str, count: int, rate: float) -> None:
        super().__init__(name=f"dropper-{label}", daemon=True)
        self.folder, self.feed, self.label, self.count, self.rate = folder, feed, label, count, rate
        # (article_id, monotonic time of the rename) and the drop's kind; appended only by this thread.
        self.drops: list[tuple[str, float]] = []
        self.kinds: list[str] = []
        self.max_late_s = 0.0
        self.stopped = threading.Event()
        self.started_at = 0.0

    def run(self) -> None:
        self.started_at = time.monotonic()
        for n in range(self.count):
            if not math.isinf(self.rate):
                # An absolute schedule, so a slow write does not shift every later file.
                due = self.started_at + n / self.rate
                if self.stopped.wait(max(0.0, due - time.monotonic())):
                    return
                self.max_late_s = max(self.max_late_s, time.monotonic() - due)
            name, data, kind = self.feed(n)
            ident = article_id(name, data)
            part = self.folder / f"{name}.part"
            part.write_bytes(data)
            part.rename(self.folder / name)
            self.kinds.append(kind)
            self.drops.append((ident, time.monotonic()))
        self.stopped.set()


class SearchableWatcher(threading.Thread):
    """Polls the index for the dropped ids; records when each first answers a search.

    No forced refresh: an article counts once the index's own refresh made it
    visible, which is what a person searching sees.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="searchable-watcher", daemon=True)
        self.alias = settings.index_alias
        self.es = Elasticsearch(settings.elasticsearch_url, timeout=30)
        self.droppers: list[Dropper] = []
        self.dropped: dict[str, float] = {}
        self.seen: dict[str, float] = {}
        self._taken: dict[int, int] = {}
        self._halt = threading.Event()

    def watch(self, dropper: Dropper) -> None:
        self.droppers.append(dropper)

    def halt(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.wait(SEARCH_POLL_S):
            try:
                self.poll()
            except Exception as exc:  # a slow or refused search is retried on the next poll
                print(f"  (search poll failed: {exc!r})", flush=True)

    def poll(self) -> None:
        for dropper in list(self.droppers):
            taken = self._taken.get(id(dropper), 0)
            new = dropper.drops[taken:]
            self._taken[id(dropper)] = taken + len(new)
            for ident, at in new:
                self.dropped.setdefault(ident, at)
        pending = [i for i in self.dropped if i not in self.seen]
        for start in range(0, len(pending), 1000):
            chunk = pending[start : start + 1000]
            query = {"bool": {"filter": [{"ids": {"values": chunk}}, {"exists": {"field": "title"}}]}}
            hits = self.es.search(index=self.alias, query=query, size=len(chunk), _source=False)
            now = time.monotonic()
            for hit in hits["hits"]["hits"]:
                self.seen.setdefault(hit["_id"], now)

    def searchable(self, dropper: Dropper) -> int:
        return sum(1 for ident, _ in dropper.drops if ident in self.seen)


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _cpu_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[11]) + int(fields[12])  # utime + stime


def _children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _with_children(pid: int, exclude: Collection[int]) -> list[int]:
    return [pid, *(child for child in _children(pid) if child not in exclude)]


class ProcessSampler:
    """RSS (``/proc/<pid>/status``) and CPU (``/proc/<pid>/stat``) of named processes and of the machine."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._last: tuple[float, dict[str, int], int, int] | None = None

    @staticmethod
    def rss_mb(pid: int, exclude: Collection[int] = ()) -> float | None:
        """RSS of ``pid`` and its child processes but ``exclude`` together (the worker's NER runs in a child),
        in MB."""
        kilobytes = [kb for p in _with_children(pid, exclude) if (kb := _rss_kb(p)) is not None]
        return round(sum(kilobytes) / 1024, 1) if kilobytes else None

    @staticmethod
    def cpu_ticks(pid: int, exclude: Collection[int] = ()) -> int | None:
        """CPU ticks (user + system) of ``pid`` and its live child processes but ``exclude`` together."""
        ticks = [t for p in _with_children(pid, exclude) if (t := _cpu_ticks(p)) is not None]
        return sum(ticks) if ticks else None

    @staticmethod
    def cpu_seconds(pid: int) -> float | None:
        """CPU seconds (user + system) of ``pid`` and its live child processes."""
        ticks = ProcessSampler.cpu_ticks(pid)
        return None if ticks is None else ticks / _CLOCK_TICKS

    @staticmethod
    def machine_ticks() -> tuple[int, int]:
        """(busy, total) jiffies of all CPUs together."""
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) - idle, sum(values)

    def sample(self) -> tuple[dict[str, float | None], dict[str, float]]:
        """RSS in MB per process, and CPU % (100 = one core) per process since the previous call."""
        now = time.monotonic()
        # A watched process is counted as itself only, not again in its parent's figure: the bench process is
        # the parent of the worker, producer and API.
        watched = set(self.pids.values())
        rss = {name: self.rss_mb(pid, watched) for name, pid in self.pids.items()}
        ticks = {name: t for name, pid in self.pids.items() if (t := self.cpu_ticks(pid, watched)) is not None}
        busy, total = self.machine_ticks()
        cpu: dict[str, float] = {}
        if self._last is not None:
            then, last_ticks, last_busy, last_total = self._last
            seconds = now - then
            for name, value in ticks.items():
                if name in last_ticks:
                    cpu[name] = round(100 * (value - last_ticks[name]) / _CLOCK_TICKS / seconds, 1)
            machine = 100 * (os.cpu_count() or 1) * (busy - last_busy) / max(total - last_total, 1)
            cpu["other"] = round(max(machine - sum(cpu.values()), 0.0), 1)
        self._last = (now, ticks, busy, total)
        return rss, cpu


def scrape(client: httpx.Client) -> dict[str, Any] | None:
    """Consumer lag per topic, indexed articles and produced articles from the API's ``/metrics``."""
    try:
        response = client.get("/metrics")
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    lag: dict[str, int] = {}
    figures: dict[str, Any] = {"lag_by_topic": lag}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "newsflow_consumer_lag":
                lag[sample.labels["topic"]] = int(sample.value)
            elif sample.name == "newsflow_indexed_articles":
                figures["indexed"] = int(sample.value)
            elif sample.name == "newsflow_articles_produced_total":
                figures["produced"] = int(sample.value)
    figures["lag"] = sum(lag.values()) if "newsflow_consumer_lag" in response.text else None
    return figures


def scrape_worker_memory(port: int | None) -> dict[str, float] | None:
    """The worker's memory by part from its own metrics, MB: ``main`` (its RSS), ``ner`` (its child's), each
    table's RocksDB parts summed (``tables:memtables`` ...) and ``python_blocks_k`` (thousands of blocks); None
    when the worker serves no metrics (``port`` None) or does not answer."""
    if port is None:
        return None
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    memory: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "process_resident_memory_bytes":
                memory["main"] = sample.value / MB
            elif sample.name == "newsflow_worker_child_rss_bytes":
                memory[sample.labels["process"]] = sample.value / MB
            elif sample.name == "newsflow_worker_table_memory_bytes":
                key = f"tables:{sample.labels['part']}"
                memory[key] = memory.get(key, 0.0) + sample.value / MB
            elif sample.name == "newsflow_worker_python_allocated_blocks":
                memory["python_blocks_k"] = sample.value / 1000
    return {key: round(value, 1) for key, value in memory.items()}


def _git_revision() -> str:
    """The commit measured, with ``-dirty`` when the working tree had changes (other people's included)."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=True, cwd=RESULTS.parent
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def calibrate(folder: Path, feed: Feed, watcher: SearchableWatcher, client: httpx.Client) -> dict[str, float]:
    """Drop a burst of ``feed``'s files at once; the worker's articles/s while it works through the backlog.

    Every drop of ``feed`` must become an article of its own (no exact copies): the burst waits for them all.
    """
    burst = Dropper(folder, feed, "Calibration", CALIBRATION_FILES, math.inf)
    watcher.watch(burst)
    burst.run()  # in this thread: it only writes the files
    wait_until(lambda: watcher.searchable(burst) >= CALIBRATION_FILES, 900, "the calibration burst")
    seen = sorted(watcher.seen[ident] for ident, _ in burst.drops)
    # Between 20% and 90% searchable: past the start-up of the first batch, before the tail's last partial one.
    low, high = seen[int(0.2 * len(seen))], seen[int(0.9 * len(seen))]
    capacity = (int(0.9 * len(seen)) - int(0.2 * len(seen))) / (high - low)
    # Committed offsets trail the work by Faust's commit interval: give them a moment, not a failure.
    deadline = time.monotonic() + 60
    while (scrape(client) or {}).get("lag") != 0 and time.monotonic() < deadline:
        time.sleep(1.0)
    return {
        "files": CALIBRATION_FILES,
        "seconds_to_searchable": round(seen[-1] - burst.started_at, 1),
        "capacity_articles_per_s": round(capacity, 2),
    }


def run_sustained(
    base: Settings,
    seconds: float = 300.0,
    rate: float | None = None,
    sample_s: float = 2.0,
    *,
    load: float = DEFAULT_LOAD,
    feed: Feed | None = None,
    calibration_feed: Feed | None = None,
    prepare: Callable[[Settings], dict[str, Any]] | None = None,
    heap: Callable[[int], tuple[float, float] | None] | None = None,
    name: str = "sustained",
) -> dict[str, Any]:
    """Run the sustained load in a sandbox; write the JSON series and the PNG; return config and summary.

    ``feed`` makes the files (default: the corpus under numbered headlines), ``calibration_feed`` the burst
    that measures capacity (default: the corpus from its tail, so that the run's first minutes are not
    near-duplicates of it; a feed of other texts than the corpus's should bring its own), ``prepare`` runs after the
    calibration (the soak saves its searches there), ``heap`` reads a JVM's heap (used, capacity MB) every
    :data:`HEAP_SAMPLE_S`; the results go to ``bench/results/<name>.json`` and ``.png``.
    """
    corpus = load_corpus()
    folder = Path(tempfile.mkdtemp(prefix="newsflow-sustained-"))
    # The worker serves its metrics here: its memory by part (tables, NER child, interpreter) each sample.
    settings = sandbox_settings(base, folder, partitions=4).model_copy(update={"worker_metrics_port": free_port()})
    settings.ingest_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": _git_revision(),
        "cpus": os.cpu_count(),
        "seconds": seconds,
        "sample_s": sample_s,
        "search_poll_s": SEARCH_POLL_S,
        "settle_seconds": settings.settle_seconds,
        "batch_size": settings.batch_size,
        "partitions": settings.topic_partitions,
        "corpus_files": len(corpus),
        "stories_enabled": settings.stories_enabled,
        "alerts_enabled": settings.alerts_enabled,
    }
    processes: list[subprocess.Popen[bytes]] = []
    watcher = SearchableWatcher(settings)
    samples: list[dict[str, Any]] = []
    dropper: Dropper | None = None
    try:
        port = free_port()
        worker, producer, api = start_worker(settings), start_producer(settings), start_api(settings, port)
        processes += [producer, worker, api]
        sampler = ProcessSampler(_pids(base, producer, worker, api))
        watcher.start()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            print(f"{name}: starting the worker, producer daemon and API ...", flush=True)
            warmup = Dropper(settings.ingest_dir, numbered_corpus(corpus, "Warm-up"), "Warm-up", 1, math.inf)
            watcher.watch(warmup)
            warmup.run()
            wait_until(lambda: watcher.searchable(warmup) == 1, 300, "the warm-up article")
            wait_until(lambda: scrape(client) is not None, 60, "the API's /metrics")
            if rate is None:
                print(f"{name}: measuring capacity with a burst of {CALIBRATION_FILES} files ...", flush=True)
                config["calibration"] = calibrate(
                    settings.ingest_dir,
                    calibration_feed or numbered_corpus(corpus[::-1], "Calibration"),
                    watcher,
                    client,
                )
                rate = round(load * config["calibration"]["capacity_articles_per_s"], 1)
                config["load_share_of_capacity"] = load
            if prepare is not None:
                config["prepared"] = prepare(settings)
            config["rate_per_s"] = rate
            count = math.ceil(seconds * rate)
            print(f"{name}: {count} files at {rate}/s for {seconds:.0f}s ...", flush=True)
            dropper = Dropper(settings.ingest_dir, feed or numbered_corpus(corpus, "Sustained"), name, count, rate)
            watcher.watch(dropper)
            samples = _sample_until_drained(settings, dropper, watcher, sampler, client, sample_s=sample_s, heap=heap)
    finally:
        if dropper is not None:
            dropper.stopped.set()
        watcher.halt()
        _tear_down(settings, processes, keep_files=not samples)

    assert dropper is not None
    config["kinds"] = dict(Counter(dropper.kinds))
    # An exact copy is its original's article: searchable before it was dropped, no freshness of its own.
    articles = [
        {
            "id": ident,
            "kind": kind,
            "dropped_t": round(at - dropper.started_at, 3),
            "latency_s": _latency(watcher, ident, at),
        }
        for (ident, at), kind in zip(dropper.drops, dropper.kinds, strict=True)
        if kind != "copy"
    ]
    summary = summarize(config, samples, articles, dropper.max_late_s)
    RESULTS.mkdir(exist_ok=True)
    series = {"config": config, "summary": summary, "samples": samples, "articles": articles}
    (RESULTS / f"{name}.json").write_text(json.dumps(series, indent=1) + "\n")
    plot(series, RESULTS / f"{name}.png")
    return {"config": config, "summary": summary}


def _tear_down(settings: Settings, processes: list[subprocess.Popen[bytes]], *, keep_files: bool) -> None:
    """Stop the sandbox's processes, delete its topics and index, and its folder unless ``keep_files``."""
    for process in processes:
        stop_process(process)
    drop_sandbox(settings)
    # Hundreds of megabytes of copies and worker state: kept only when the run failed, for its logs.
    if keep_files:
        print(f"sustained: the logs are kept in {settings.home}", flush=True)
    else:
        shutil.rmtree(settings.home.parent, ignore_errors=True)


def _pids(
    base: Settings, producer: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], api: subprocess.Popen[bytes]
) -> dict[str, int]:
    """The processes watched: the sandbox's own, this one, and the stack's JVMs from their pid files."""
    return {"producer": producer.pid, "worker": worker.pid, "api": api.pid, "bench": os.getpid(), **jvm_pids(base)}


def jvm_pids(base: Settings) -> dict[str, int]:
    """The stack's JVMs by name (kafka, or kafka-1..3 with NEWSFLOW_KAFKA_BROKERS=3; elasticsearch), from their
    pid files. A stack not started by `newsflow up` (docker-compose) has none: its JVMs go unmeasured."""
    return {record.name: record.pid for record in ProcessTable(base.run_dir).records() if _is_jvm(record.name)}


def _is_jvm(name: str) -> bool:
    return name.split("-", maxsplit=1)[0] in JVM_PROCESSES


def _process_names(samples: list[dict[str, Any]]) -> list[str]:
    """The pipeline's processes, then the JVMs, in a stable order."""
    found = {n for s in samples for n in s["rss_mb"]}
    return [n for n in PYTHON_PROCESSES if n in found] + sorted(n for n in found if _is_jvm(n))


def _sample_until_drained(
    settings: Settings,
    dropper: Dropper,
    watcher: SearchableWatcher,
    sampler: ProcessSampler,
    client: httpx.Client,
    *,
    sample_s: float,
    heap: Callable[[int], tuple[float, float] | None] | None = None,
) -> list[dict[str, Any]]:
    """Start ``dropper``; sample every ``sample_s`` until its articles are all searchable and the lag is zero
    (with ``heap``, the JVMs' heap every :data:`HEAP_SAMPLE_S` too)."""
    seconds = dropper.count / dropper.rate
    # Long enough for a backlog of the whole run to clear at half the rate; a stuck run still ends.
    drain_limit = seconds + max(300.0, 2 * seconds)
    samples: list[dict[str, Any]] = []
    sampler.sample()  # CPU is a difference: the first call sets the baseline
    dropper.start()
    next_at = time.monotonic()
    next_heap_at = 0.0
    while True:
        next_at += sample_s
        time.sleep(max(0.0, next_at - time.monotonic()))
        t = time.monotonic() - dropper.started_at
        figures = scrape(client) or {}
        memory = scrape_worker_memory(settings.worker_metrics_port_of(0))
        rss, cpu = sampler.sample()
        samples.append(
            {
                "t": round(t, 2),
                "dropped": len(dropper.drops),
                "searchable": watcher.searchable(dropper),
                "files_sent": _count_files(settings.processed_path),
                "indexed_total": figures.get("indexed"),
                "produced_total": figures.get("produced"),
                "lag": figures.get("lag"),
                "lag_by_topic": figures.get("lag_by_topic"),
                "rss_mb": rss,
                "cpu_pct": cpu,
                "worker_memory_mb": memory,
            }
        )
        if heap is not None and t >= next_heap_at:
            next_heap_at = t + HEAP_SAMPLE_S
            jvms = {n: pid for n, pid in sampler.pids.items() if _is_jvm(n)}
            samples[-1]["heap_mb"] = {n: list(h) for n, pid in jvms.items() if (h := heap(pid)) is not None}
        drained = samples[-1]["searchable"] >= dropper.count and figures.get("lag") == 0
        if (not dropper.is_alive() and drained) or t > drain_limit:
            return samples


def _count_files(folder: Path) -> int:
    try:
        return sum(1 for _ in os.scandir(folder))
    except FileNotFoundError:
        return 0


def _latency(watcher: SearchableWatcher, ident: str, dropped_at: float) -> float | None:
    seen = watcher.seen.get(ident)
    return None if seen is None else round(seen - dropped_at, 3)


def summarize(
    config: dict[str, Any], samples: list[dict[str, Any]], articles: list[dict[str, Any]], max_late_s: float
) -> dict[str, Any]:
    """The figures of the run: throughput and lag over the steady window, freshness, memory, CPU."""
    seconds, rate = config["seconds"], config["rate_per_s"]
    # The first 10% (at most 30 s): the pipeline fills up; before that fewer come out than go in.
    start = min(30.0, 0.1 * seconds)
    window = [s for s in samples if start <= s["t"] <= seconds]
    latencies = [a["latency_s"] for a in articles if a["latency_s"] is not None]
    searchable_at = [a["dropped_t"] + a["latency_s"] for a in articles if a["latency_s"] is not None]
    in_window = sum(1 for t in searchable_at if start <= t <= seconds)
    dropped_in_window = sum(1 for a in articles if start <= a["dropped_t"] <= seconds)

    lags = [(s["t"], s["lag"]) for s in window if s["lag"] is not None]
    lag_slope = slope(lags)
    # Dropped but not yet searchable: the backlog in articles, exact and over every stage. The verdict is taken
    # on it, not on the consumer lag: that is in messages (mostly band records, and up to one link record per
    # matching band for a near-duplicate) and committed offsets make it a saw-tooth.
    in_flight = [(s["t"], s["dropped"] - s["searchable"]) for s in window]
    in_flight_slope = slope(in_flight)
    quarter = (seconds - start) / 4
    first = [v for t, v in in_flight if t <= start + quarter]
    last = [v for t, v in in_flight if t >= seconds - quarter]
    step = statistics.mean(last) - statistics.mean(first) if first and last else 0.0
    growth = max(in_flight_slope * (seconds - start), step)
    # The unique topic's lag is in articles: those waiting for the NER stage (the slow one).
    ner_lags = [v for s in window if (v := topic_lag(s, UNIQUE.suffix)) is not None]
    drain = [s for s in samples if s["t"] > seconds]
    per_minute = []
    for minute in range(math.ceil(seconds / 60)):
        values = [
            a["latency_s"]
            for a in articles
            if a["latency_s"] is not None and minute * 60 <= a["dropped_t"] < minute * 60 + 60
        ]
        if values:
            per_minute.append(
                {
                    "minute": minute + 1,
                    "articles": len(values),
                    "p50_s": round(statistics.median(values), 2),
                    "p99_s": round(percentile(values, 0.99), 2),
                }
            )
    names = [*_process_names(samples), *(["bench"] if any("bench" in s["rss_mb"] for s in samples) else [])]
    return {
        "dropped": len(articles),
        "searchable": len(latencies),
        "not_searchable": len(articles) - len(latencies),
        "steady_window_s": [start, seconds],
        "dropped_per_s": round(dropped_in_window / (seconds - start), 2),
        "sustained_articles_per_s": round(in_window / (seconds - start), 2),
        "dropper_max_late_s": round(max_late_s, 2),
        "lag_max": max((v for _, v in lags), default=None),
        "lag_at_last_drop": lags[-1][1] if lags else None,
        "ner_lag_max": max(ner_lags, default=None),
        "lag_trend_per_min": round(lag_slope * 60, 2),
        "in_flight_max": max((v for _, v in in_flight), default=None),
        "in_flight_trend_per_min": round(in_flight_slope * 60, 2),
        "in_flight_first_to_last_quarter": round(step, 1),
        "backlog_bounded": growth < BOUNDED_BACKLOG_SECONDS_OF_INPUT * rate,
        "drain_s": round(drain[-1]["t"] - seconds, 1) if drain else 0.0,
        "freshness_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "freshness_p99_s": round(percentile(latencies, 0.99), 2) if latencies else None,
        "freshness_max_s": round(max(latencies), 2) if latencies else None,
        "freshness_per_minute": per_minute,
        "rss_mb_peak": {n: max((s["rss_mb"].get(n) or 0.0) for s in samples) for n in names},
        "rss_mb_first": {n: samples[0]["rss_mb"].get(n) for n in names} if samples else {},
        "rss_mb_last": {n: samples[-1]["rss_mb"].get(n) for n in names} if samples else {},
        "cpu_pct_mean": {
            n: round(statistics.mean(s["cpu_pct"].get(n, 0.0) for s in window), 1) for n in [*names, "other"] if window
        },
    }


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two points)."""
    if len(points) < 2:
        return 0.0
    mean_x = statistics.mean(x for x, _ in points)
    mean_y = statistics.mean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def plot(series: dict[str, Any], path: Path) -> None:
    """Stacked panels over time: throughput, backlog, lag, freshness, memory of the processes and JVMs, CPU."""
    import matplotlib  # noqa: PLC0415 - the plot alone needs it, and the Agg backend must be chosen first

    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.pyplot as plt  # noqa: PLC0415 - after matplotlib.use("Agg")

    config, summary, samples, articles = series["config"], series["summary"], series["samples"], series["articles"]
    seconds = config["seconds"]
    end = max([s["t"] for s in samples] + [seconds])
    minutes = [s["t"] / 60 for s in samples]
    fig, axes = plt.subplots(7, 1, sharex=True, figsize=(14, 20), layout="constrained")
    throughput, backlog, lag, fresh, rss_py, rss_jvm, cpu = axes

    _plot_throughput(throughput, config, articles, end)
    backlog.plot(minutes, [s["dropped"] - s["searchable"] for s in samples], label="dropped, not yet searchable")
    backlog.plot(minutes, [topic_lag(s, RAW.suffix) for s in samples], label="raw topic lag (not read yet)")
    backlog.plot(minutes, [topic_lag(s, UNIQUE.suffix) for s in samples], label="unique topic lag (waiting for NER)")
    backlog.set_ylabel("articles")
    backlog.set_title(
        f"Backlog in articles: in flight max {summary['in_flight_max']}, "
        f"trend {summary['in_flight_trend_per_min']}/min, "
        f"first to last quarter {summary['in_flight_first_to_last_quarter']:+} -> "
        f"{'bounded' if summary['backlog_bounded'] else 'GROWING'}"
    )
    lag.plot(minutes, [s["lag"] for s in samples], label="all topics", color="tab:purple")
    lag.plot(
        minutes,
        [None if s["lag"] is None else s["lag"] - (topic_lag(s, BANDS.suffix) or 0) for s in samples],
        label=f"all but {BANDS.suffix} (many band records per article)",
        color="tab:pink",
    )
    topics = sorted({t for s in samples for t in (s["lag_by_topic"] or {})})
    for topic in topics:
        suffix = topic.split(".", 1)[-1]
        lag.plot(minutes, [topic_lag(s, suffix) for s in samples], label=suffix, linewidth=0.8, alpha=0.8)
    lag.set_ylabel("messages")
    lag.set_title(
        f"Consumer lag from /metrics every {config['sample_s']:.0f} s (committed offsets: saw-tooth of the commit "
        f"interval): max {summary['lag_max']}, trend {summary['lag_trend_per_min']}/min"
    )
    _plot_freshness(fresh, articles, summary, seconds)
    _plot_memory(rss_py, rss_jvm, samples, minutes)
    _plot_cpu(cpu, samples, minutes, config["cpus"])

    for n, ax in enumerate(axes):
        ax.axvspan(seconds / 60, end / 60, color="0.88", zorder=0, label="drain (no new files)" if n == 0 else None)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    fig.suptitle(
        f"newsflow sustained load: {summary['dropped']} files at {config['rate_per_s']}/s for {seconds:.0f} s, "
        f"1 worker, {config['cpus']} CPUs ({config['started_at']}, {config['revision']})\n"
        f"{summary['sustained_articles_per_s']} articles/s searchable over the steady window "
        f"{summary['steady_window_s'][0]:.0f}-{summary['steady_window_s'][1]:.0f} s; "
        f"the rest of the machine used {summary['cpu_pct_mean'].get('other', 0):.0f}% CPU on average",
        fontsize=11,
    )
    fig.savefig(path, dpi=80)
    plt.close(fig)


def topic_lag(sample: dict[str, Any], suffix: str) -> int | None:
    """A sample's consumer lag on the topic ``<prefix>.<suffix>``."""
    for topic, value in (sample["lag_by_topic"] or {}).items():
        if topic.endswith(f".{suffix}"):
            return int(value)
    return None


def _plot_throughput(ax: Any, config: dict[str, Any], articles: list[dict[str, Any]], end: float) -> None:
    rate = config["rate_per_s"]
    bins = [i * THROUGHPUT_BIN_S for i in range(math.ceil(end / THROUGHPUT_BIN_S) + 1)]
    dropped_at = [a["dropped_t"] for a in articles]
    searchable_at = [a["dropped_t"] + a["latency_s"] for a in articles if a["latency_s"] is not None]
    for values, label, colour in (
        (dropped_at, "files dropped", "tab:blue"),
        (searchable_at, "articles searchable", "tab:green"),
    ):
        counts = [sum(1 for v in values if lo <= v < lo + THROUGHPUT_BIN_S) / THROUGHPUT_BIN_S for lo in bins[:-1]]
        ax.stairs(counts, [b / 60 for b in bins], label=label, color=colour, linewidth=1.6)
    ax.axhline(rate, color="tab:blue", linestyle=":", linewidth=1, label=f"rate fed {rate}/s")
    if "calibration" in config:
        capacity = config["calibration"]["capacity_articles_per_s"]
        ax.axhline(capacity, color="tab:red", linestyle="--", linewidth=1, label=f"burst capacity {capacity}/s")
    ax.set_ylabel(f"per second\n(mean over {THROUGHPUT_BIN_S:.0f} s)")
    ax.set_title("Throughput")


def _plot_freshness(fresh: Any, articles: list[dict[str, Any]], summary: dict[str, Any], seconds: float) -> None:
    fresh.scatter(
        [a["dropped_t"] / 60 for a in articles if a["latency_s"] is not None],
        [a["latency_s"] for a in articles if a["latency_s"] is not None],
        s=4,
        alpha=0.35,
        color="tab:gray",
        label="one article",
    )
    for n, row in enumerate(summary["freshness_per_minute"]):
        lo, hi = row["minute"] - 1, min(row["minute"], seconds / 60)
        fresh.hlines(row["p50_s"], lo, hi, color="tab:green", linewidth=2, label="p50 per minute" if n == 0 else None)
        fresh.hlines(row["p99_s"], lo, hi, color="tab:red", linewidth=2, label="p99 per minute" if n == 0 else None)
    fresh.set_ylabel("seconds")
    fresh.set_ylim(bottom=0)
    fresh.set_title(
        f"Freshness (file renamed into the folder -> first search hit): p50 {summary['freshness_p50_s']} s, "
        f"p99 {summary['freshness_p99_s']} s, by time dropped"
    )


def _plot_memory(rss_py: Any, rss_jvm: Any, samples: list[dict[str, Any]], minutes: list[float]) -> None:
    names = _process_names(samples)
    for ax, group, title in (
        (rss_py, [n for n in names if not _is_jvm(n)], "Memory (RSS) of the pipeline's processes"),
        (
            rss_jvm,
            [n for n in names if _is_jvm(n)],
            "Memory (RSS) of the JVMs (the shared stack; heap fixed by -Xms/-Xmx)",
        ),
    ):
        for name in group:
            if any(s["rss_mb"].get(name) is not None for s in samples):
                ax.plot(minutes, [s["rss_mb"].get(name) for s in samples], label=name)
        ax.set_ylabel("MB")
        ax.set_ylim(bottom=0)
        ax.set_title(title)


def _plot_cpu(cpu: Any, samples: list[dict[str, Any]], minutes: list[float], cpus: int | None) -> None:
    order = [n for n in (*_process_names(samples), "bench", "other") if any(n in s["cpu_pct"] for s in samples)]
    labels = {"bench": "bench (load + probes)", "other": "rest of the machine"}
    cpu.stackplot(
        minutes,
        [[s["cpu_pct"].get(n, 0.0) for s in samples] for n in order],
        labels=[labels.get(n, n) for n in order],
        alpha=0.8,
    )
    cpu.axhline(100 * (cpus or 1), color="black", linestyle="--", linewidth=1, label="all cores")
    cpu.set_ylabel("% of one core")
    cpu.set_title("CPU (stacked)")
    cpu.set_xlabel("minutes since the first file was dropped")


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The run in a few table lines, in the format ``make bench`` prints."""
    config, summary = result["config"], result["summary"]
    lines = []
    if "calibration" in config:
        lines.append(f"{'sustained: burst capacity, articles/s':42} {config['calibration']['capacity_articles_per_s']}")
    rss = summary["rss_mb_peak"]
    lines += [
        f"{'sustained: rate fed, files/s':42} {config['rate_per_s']}  ({summary['dropped']} files, "
        f"{config['seconds']:.0f} s)",
        f"{'  articles searchable/s (steady window)':42} {summary['sustained_articles_per_s']}",
        f"{'  consumer lag max / at last file':42} {summary['lag_max']} / {summary['lag_at_last_drop']}"
        f"  (trend {summary['lag_trend_per_min']}/min)",
        f"{'  articles in flight max, trend, step':42} {summary['in_flight_max']}, "
        f"{summary['in_flight_trend_per_min']}/min, {summary['in_flight_first_to_last_quarter']:+}"
        f"  ({'bounded' if summary['backlog_bounded'] else 'GROWING'})",
        f"{'  freshness p50 / p99 / max, s':42} {summary['freshness_p50_s']} / {summary['freshness_p99_s']} / "
        f"{summary['freshness_max_s']}",
        f"{'  freshness p99 per minute, s':42} " + " ".join(str(m["p99_s"]) for m in summary["freshness_per_minute"]),
        f"{'  peak RSS MB':42} " + ", ".join(f"{n} {v:.0f}" for n, v in rss.items() if n != "bench"),
        f"{'  not searchable at the end':42} {summary['not_searchable']}",
    ]
    other = summary["cpu_pct_mean"].get("other", 0.0)
    if other > CONTENDED_CPU_PCT:
        lines.append(
            f"  note: the rest of the machine used {other:.0f}% CPU (100 = one core) meanwhile: contended figures"
        )
    return lines


def main() -> None:
    """``python -m bench.sustained``: the sustained-load run alone."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300.0, help="how long files are dropped (default 300)")
    parser.add_argument(
        "--rate", type=float, default=None, help="files per second (default: 65%% of the measured capacity)"
    )
    parser.add_argument("--sample-seconds", type=float, default=2.0, help="sampling interval of lag, memory, CPU")
    parser.add_argument(
        "--replot",
        action="store_true",
        help="only recompute the summary and redraw the PNG from the last sustained.json",
    )
    args = parser.parse_args()
    if args.replot:
        series = json.loads((RESULTS / "sustained.json").read_text())
        series["summary"] = summarize(
            series["config"], series["samples"], series["articles"], series["summary"]["dropper_max_late_s"]
        )
        (RESULTS / "sustained.json").write_text(json.dumps(series, indent=1) + "\n")
        plot(series, RESULTS / "sustained.png")
        print("\n".join(summary_lines(series)))
        return
    run_alone(args.seconds, args.rate, args.sample_seconds)


def run_alone(seconds: float, rate: float | None, sample_s: float = 2.0) -> None:
    """The sustained run on its own (stack reused if it answers, else started and stopped), with its summary."""
    base = Settings()
    with running_infrastructure(base):
        result = run_sustained(base, seconds, rate, sample_s)
    print()
    print("\n".join(summary_lines(result)))
    print(f"\nwritten to {RESULTS / 'sustained.json'} and {RESULTS / 'sustained.png'}")


if __name__ == "__main__":
    main()
