"""Saved searches and alerts: percolation throughput with 10 / 1 000 / 10 000 searches, and alert latency.

    percolation  the indexed corpus percolated as the index stage does it (``Percolator.matches``, in batches
                 of :data:`BATCH`) against N saved searches made from the corpus's own words and entities;
                 articles/s beside the pipeline's end-to-end rate of the same run
    creation     the 10 000 searches created through the API's store in bulk requests of 1 000
    latency      files dropped into the ingest folder at a steady rate, the producer daemon, one worker and
                 the API running, every file matched by a saved search (with the 10 000 others stored):
                 drop -> searchable, drop -> alert on ``/alerts/stream`` (a real SSE client), and alert minus
                 searchable; p50 / p99

``python -m bench --only alerts`` indexes the corpus first, then runs these.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from elasticsearch import Elasticsearch

from bench.end_to_end import corpus_files, end_to_end, expected_id, warm_up
from bench.polling import wait_until
from bench.sandboxed_worker import sandboxed_worker
from bench.search_latency import free_port, percentile
from newsflow.api.saved_search_store import SavedSearchStore
from newsflow.infra.settings import Settings
from newsflow.processors.percolation import Percolator
from newsflow.schemas.alerts import SavedSearchRequest
from newsflow.schemas.articles import ArticleDocument, SourceInfo
from newsflow.stack.sandbox import running_infrastructure, start_api, start_producer, stop_process

SEARCH_COUNTS = (10, 1_000, 10_000)
BATCH = 8  # about what the index stage takes in its 1 s window at the pipeline's rate
BULK = 1_000
PROBE_PHRASE = "alert probe"
_WORD = re.compile(r"[A-Za-z][a-z]{4,}")  # words of five letters or more


def saved_search_requests(documents: list[dict[str, Any]], count: int, seed: int = 7) -> list[SavedSearchRequest]:
    """``count`` searches like people save, selective as theirs are: a rare word, two words together, a phrase
    of a headline, an entity with a word, an entity alone (deterministic for a corpus and ``seed``).

    Words are drawn by how many articles of the corpus carry them, so that a search matches a few in a
    thousand, not a tenth: a monitoring service's searches follow a subject, not a common word.
    """
    rng = random.Random(seed)
    frequency: Counter[str] = Counter()
    for d in documents:
        frequency.update({w.lower() for w in _WORD.findall(f"{d['title']} {d['body']}")})
    rare = sorted(w for w, n in frequency.items() if 2 <= n <= 6)
    middling = sorted(w for w, n in frequency.items() if 7 <= n <= 60)
    entity_frequency = Counter(e for d in documents for e in set(d.get("entity_ids", [])))
    entities = sorted(e for e, n in entity_frequency.items() if 2 <= n <= 20)
    phrases = sorted({" ".join(pair) for d in documents for pair in itertools.pairwise(_WORD.findall(d["title"]))})
    requests = []
    for n in range(count):
        kind = n % 5
        q: str | None
        entity: list[str] = []
        if kind == 0:
            q = rng.choice(rare)
        elif kind == 1:
            q = " ".join(rng.sample(middling, 2))
        elif kind == 2:
            q = f'"{rng.choice(phrases)}"'
        elif kind == 3:
            q, entity = rng.choice(middling), [rng.choice(entities)]
        else:
            q, entity = None, [rng.choice(entities)]
        requests.append(SavedSearchRequest(name=f"bench {n}", q=q, entity=entity))
    return requests


def percolation(settings: Settings, end_to_end_rate: float) -> dict[str, Any]:
    """Percolation throughput over the indexed corpus with each of :data:`SEARCH_COUNTS` saved searches."""
    es = Elasticsearch(settings.elasticsearch_url, timeout=120)
    es.indices.refresh(index=settings.index_alias)
    hits = es.search(index=settings.index_alias, body={"query": {"exists": {"field": "title"}}, "size": 10_000})
    documents = [hit["_source"] for hit in hits["hits"]["hits"]]
    # Received now: a search alerts only on articles newer than itself (processors/percolation.py).
    received = datetime.now(UTC) + timedelta(hours=1)
    articles = [
        ArticleDocument.model_validate(d).model_copy(update={"source": _received(d, received)}) for d in documents
    ]
    store = SavedSearchStore(settings)
    requests = saved_search_requests(documents, max(SEARCH_COUNTS))
    percolator = Percolator(settings.elasticsearch_url, settings.saved_searches_index_alias, settings.index_alias)
    runs: list[dict[str, Any]] = []
    stored = 0
    creation_s = 0.0
    for count in SEARCH_COUNTS:
        started = time.perf_counter()
        for first in range(stored, count, BULK):
            answer = store.create_many(requests[first : min(count, first + BULK)])
            assert answer.failed == 0, f"saved searches refused: {answer.results[:3]}"
        creation_s += time.perf_counter() - started
        stored = count
        percolator.matches(articles[:BATCH], [], datetime.now(UTC))  # warm-up: the searches' first parse
        started = time.perf_counter()
        matches = 0
        for first in range(0, len(articles), BATCH):
            matches += len(percolator.matches(articles[first : first + BATCH], [], datetime.now(UTC)))
        seconds = time.perf_counter() - started
        rate = len(articles) / seconds
        runs.append({
            "saved_searches": count,
            "articles": len(articles),
            "seconds": round(seconds, 2),
            "articles_per_s": round(rate, 1),
            "matches": matches,
            "times_end_to_end_rate": round(rate / end_to_end_rate, 1),
        })  # fmt: skip
    percolator.close()
    return {
        "batch": BATCH,
        "end_to_end_articles_per_s": end_to_end_rate,
        "runs": runs,
        "created": stored,
        "creation_seconds": round(creation_s, 1),
    }


def _received(document: dict[str, Any], at: datetime) -> SourceInfo:
    return SourceInfo.model_validate({**document["source"], "received_at": at})


class _AlertListener:
    """A real SSE client on ``/alerts/stream``: the time each article's first alert arrived."""

    def __init__(self, base_url: str, saved_search_id: str) -> None:
        self.url = f"{base_url}/alerts/stream"
        self.params = {"saved_search_id": saved_search_id}
        self.arrived: dict[str, float] = {}
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _listen(self) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10.0, read=None)) as client,
                client.stream("GET", self.url, params=self.params) as response,
            ):
                response.raise_for_status()
                self.connected.set()
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("data:"):
                        alert = json.loads(line[5:])
                        self.arrived.setdefault(alert["article_id"], time.perf_counter())
        except httpx.TransportError:
            if not self._stop.is_set():
                raise  # the stream broke while measuring: the run's figures would be wrong
            # The API stopped at the end of the run and cut the stream: expected.

    def stop(self) -> None:
        self._stop.set()


def alert_latency(settings: Settings, files: list[Path], count: int, rate: float) -> dict[str, Any]:
    """Drop ``count`` files matched by a saved search at ``rate``/s; time searchability and the SSE alert."""
    probe = SavedSearchStore(settings).create(SavedSearchRequest(name="probe", q=f'"{PROBE_PHRASE}"'))
    port = free_port()
    api = start_api(settings, port)
    producer = start_producer(settings)
    es = Elasticsearch(settings.elasticsearch_url)
    listener = _AlertListener(f"http://127.0.0.1:{port}", probe.saved_search_id)
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/livez"), 60, "the API")
        listener.start()
        wait_until(listener.connected.is_set, 30, "the SSE stream")
        time.sleep(2.0)  # the stream's Kafka tail reaches the topic's end
        staging = Path(tempfile.mkdtemp(prefix="newsflow-bench-alerts-"))
        dropped: dict[str, float] = {}
        searchable: dict[str, float] = {}
        for n, source in enumerate(files[:count]):
            lines = source.read_text().splitlines()
            path = staging / f"alert-probe-{n}.txt"
            path.write_text("\n".join([f"Alert probe {n}: {lines[0]}", *lines[1:]]))
            article = expected_id(path.read_bytes(), path.name)
            # Renamed into the watched folder complete, as a well-behaved feed drops files.
            path.rename(settings.ingest_dir / path.name)
            dropped[article] = time.perf_counter()
            _collect_searchable(es, settings.index_alias, dropped, searchable)
            time.sleep(1.0 / rate)
        wait_until(lambda: _collect_searchable(es, settings.index_alias, dropped, searchable) >= len(dropped),
                   600, "the probes searchable")  # fmt: skip
        wait_until(lambda: len(set(listener.arrived) & set(dropped)) >= len(dropped), 300, "the probes' alerts")
    finally:
        listener.stop()
        stop_process(producer)
        stop_process(api)
    to_alert = [listener.arrived[a] - dropped[a] for a in dropped]
    to_searchable = [searchable[a] - dropped[a] for a in dropped]
    after_searchable = [listener.arrived[a] - searchable[a] for a in dropped]
    return {
        "files": len(dropped),
        "rate_per_s": rate,
        "saved_searches": SavedSearchStore(settings).count(),
        "searchable_p50_s": round(statistics.median(to_searchable), 2),
        "searchable_p99_s": round(percentile(to_searchable, 0.99), 2),
        "alert_p50_s": round(statistics.median(to_alert), 2),
        "alert_p99_s": round(percentile(to_alert, 0.99), 2),
        "alert_minus_searchable_p50_s": round(statistics.median(after_searchable), 2),
        "alert_minus_searchable_p99_s": round(percentile(after_searchable, 0.99), 2),
    }


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _collect_searchable(es: Elasticsearch, alias: str, dropped: dict[str, float], seen: dict[str, float]) -> int:
    """Note when each dropped article first shows in a search (polled without forcing a refresh)."""
    pending = [a for a in dropped if a not in seen]
    if pending:
        hits = es.search(index=alias, query={"ids": {"values": pending}}, size=len(pending), _source=["title"])
        now = time.perf_counter()
        for hit in hits["hits"]["hits"]:
            if "title" in hit["_source"]:
                seen.setdefault(hit["_id"], now)
    return len(seen)


def run(settings: Settings, files: list[Path], end_to_end_rate: float, probes: int, rate: float) -> dict[str, Any]:
    """Both measures on a sandbox whose worker has indexed the corpus."""
    print("percolation with 10 / 1 000 / 10 000 saved searches ...", flush=True)
    results = {"percolation": percolation(settings, end_to_end_rate)}
    print(f"alert latency, {probes} files at {rate}/s ...", flush=True)
    results["latency"] = alert_latency(settings, files, probes, rate)
    return results


def run_alone(probes: int, rate: float) -> None:
    """``python -m bench --only alerts``: the corpus through one worker, then both measures."""
    base = Settings()
    files = corpus_files()
    with running_infrastructure(base), sandboxed_worker(base) as sandbox:
        settings = sandbox.settings
        settings.ingest_dir.mkdir(parents=True, exist_ok=True)
        warm_up(settings, sandbox.es)
        print("end-to-end on the corpus ...", flush=True)
        timed = end_to_end(settings, files, sandbox.es)
        results = run(settings, files, timed["articles_per_s"], probes, rate)
    print("\n".join(summary_lines(results)))


def summary_lines(results: dict[str, Any]) -> list[str]:
    """The alerts' lines of the bench's table."""
    perc = results["percolation"]
    lines = [
        f"{'saved searches created (bulk of 1 000), s':42} {perc['creation_seconds']} for {perc['created']}",
    ]
    for run_ in perc["runs"]:
        lines.append(
            f"{'percolation, ' + format(run_['saved_searches'], ',') + ' searches, art/s':42} "
            f"{run_['articles_per_s']}  ({run_['times_end_to_end_rate']}x the end-to-end "
            f"{perc['end_to_end_articles_per_s']} art/s; {run_['matches']} matches; batches of {perc['batch']})"
        )
    lat = results["latency"]
    lines += [
        f"{'alert latency p50 / p99, s':42} {lat['alert_p50_s']} / {lat['alert_p99_s']}"
        f"  (file dropped -> alert on the SSE stream; {lat['files']} files at {lat['rate_per_s']}/s, "
        f"{lat['saved_searches']} saved searches)",
        f"{'  searchable p50 / p99, s':42} {lat['searchable_p50_s']} / {lat['searchable_p99_s']}",
        f"{'  alert minus searchable p50 / p99, s':42} {lat['alert_minus_searchable_p50_s']} / "
        f"{lat['alert_minus_searchable_p99_s']}  (target: p99 <= 1)",
    ]
    return lines
