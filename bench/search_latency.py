"""Search latency through the API over loopback HTTP, on an index holding the BBC corpus.

Typical requests a person makes on the page: words, a phrase, a prefix, an
exclusion, entity and outlet filters, a date range, browsing newest first,
and deep pages reached by following cursors. Each request carries the facets
and highlights the page shows, as the page asks for them (its next pages ask
for no facets: it keeps the first page's).
"""

from __future__ import annotations

import socket
import statistics
import time
from typing import Any

import httpx

from newsflow.infra.settings import Settings
from newsflow.stack.sandbox import start_api, stop_process

TYPICAL_QUERIES: list[dict[str, Any]] = [
    {"q": "election"},
    {"q": "oil prices"},
    {"q": '"prime minister"'},
    {"q": "mobile phon*"},
    {"q": "champions -football"},
    {"q": "economy", "entity": "Gordon Brown"},
    {"entity": "Tony Blair", "sort": "newest"},
    {"q": "film", "since": "2000-01-01", "until": "2100-01-01"},
    {"sort": "newest"},
    {"q": "government", "expand_duplicates": "true", "size": "50"},
]
DEEP_PAGES = 20


def free_port() -> int:
    """A TCP port free on the loopback interface now (for a process the benchmark starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_api(client: httpx.Client, settings: Settings) -> None:
    """Return once the API process answers ``/livez``; RuntimeError naming its log after 60 s."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/livez").status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API did not start; see {settings.home / 'api.log'}")
        time.sleep(0.2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def search_latency(settings: Settings, rounds: int = 30) -> dict[str, Any]:
    """p50/p99 of typical searches and of deep pages, in milliseconds, through a real API process."""
    port = free_port()
    api = start_api(settings, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            wait_for_api(client, settings)
            for params in TYPICAL_QUERIES:  # warm-up: caches, JIT of the query paths
                client.get("/search", params=params).raise_for_status()
            timings: list[float] = []
            for _ in range(rounds):
                for params in TYPICAL_QUERIES:
                    started = time.perf_counter()
                    client.get("/search", params=params).raise_for_status()
                    timings.append((time.perf_counter() - started) * 1000)
            deep: list[float] = []
            params = {"q": "said", "size": "10", "sort": "relevance"}
            for _ in range(DEEP_PAGES):
                started = time.perf_counter()
                page = client.get("/search", params=params)
                page.raise_for_status()
                deep.append((time.perf_counter() - started) * 1000)
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    break
                params = {**params, "cursor": cursor, "facets": "false"}  # the page keeps the first page's facets
    finally:
        stop_process(api)
    return {
        "requests": len(timings),
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
        "max_ms": round(max(timings), 1),
        "deep_pages": len(deep),
        "deep_page_p50_ms": round(statistics.median(deep), 1),
        "deep_page_last_ms": round(deep[-1], 1),
    }
