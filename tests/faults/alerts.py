"""The alerts' part of the fault suite: saved searches before the corpus, a webhook receiver, the check.

Every scenario's sandbox gets :data:`FAULT_SEARCHES`, saved before any file is
dropped. They all ask for duplicates, so the alerts they must give do not
depend on the order articles arrive in: one per search and matching text, and
one per search and copy of a matching text. :func:`check_alerts` reads that
expectation from the index itself (each search's stored query, run over the
articles) and compares it with the alerts index and, where the webhook
deliverer ran, with what the receiver got: every expected alert exactly once.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from elasticsearch import Elasticsearch

from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import SavedSearchRequest, alert_id
from tests.faults.scenario import wait_until
from tests.saved_searches import save_search

# Broad enough that a slice of a few hundred BBC articles gives dozens of alerts, near-duplicates and copies among them.
FAULT_SEARCHES = (
    SavedSearchRequest(name="government", q="government", notify_duplicates=True),
    SavedSearchRequest(name="film or music", q="film OR music", notify_duplicates=True),
    SavedSearchRequest(name="chief executive", q='"chief executive"', notify_duplicates=True),
)


class WebhookReceiver:
    """A local HTTP server counting the alerts POSTed to it, by ``X-Newsflow-Alert-Id``."""

    def __init__(self) -> None:
        self.received: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.received[self.headers.get("X-Newsflow-Alert-Id", "")] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return  # the test reads the counts, not a log

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/alerts"

    def counts(self) -> collections.Counter[str]:
        with self._lock:
            return collections.Counter(self.received)

    @contextmanager
    def serving(self) -> Iterator[WebhookReceiver]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


def save_fault_searches(settings: Settings, webhook_url: str) -> list[str]:
    """Save :data:`FAULT_SEARCHES` with ``webhook_url`` in the sandbox; their ids."""
    return [
        save_search(settings, request.model_copy(update={"webhook_url": webhook_url})) for request in FAULT_SEARCHES
    ]


def expected_alerts(settings: Settings) -> set[str]:
    """The alert ids the sandbox's index calls for: each search's query run over the articles, copies included."""
    es = Elasticsearch(settings.elasticsearch_url, timeout=30)
    es.indices.refresh(index=settings.index_alias)
    searches = es.search(index=settings.saved_searches_index_alias, body={"size": 100})["hits"]["hits"]
    expected: set[str] = set()
    for search in searches:
        body = {"query": search["_source"]["query"], "size": 10_000, "_source": ["article_id", "copies.source_id"]}
        for hit in es.search(index=settings.index_alias, body=body)["hits"]["hits"]:
            article = hit["_source"]["article_id"]
            expected.add(alert_id(search["_id"], article))
            expected |= {alert_id(search["_id"], article, c["source_id"]) for c in hit["_source"].get("copies", [])}
    return expected


def indexed_alerts(settings: Settings) -> collections.Counter[str]:
    """Alert ids in the alerts index (a document's id is its alert id; the field is checked too)."""
    es = Elasticsearch(settings.elasticsearch_url, timeout=30)
    es.indices.refresh(index=settings.alerts_index_alias)
    body = {"query": {"match_all": {}}, "size": 10_000, "_source": ["alert_id"]}
    hits = es.search(index=settings.alerts_index_alias, body=body)["hits"]["hits"]
    assert all(hit["_id"] == hit["_source"]["alert_id"] for hit in hits)
    return collections.Counter(hit["_id"] for hit in hits)


def check_alerts(settings: Settings, receiver: WebhookReceiver | None = None, timeout_s: float = 180) -> int:
    """Every expected alert in the alerts index, and (with ``receiver``) posted to the webhook, exactly once.

    Alerts follow the index by a batch or two, so this waits for them first. Returns how many there are.
    """
    expected = expected_alerts(settings)
    assert expected, "the fault searches must match some of the slice, or the check proves nothing"

    def indexed_complete() -> bool:
        return set(indexed_alerts(settings)) >= expected

    wait_until(indexed_complete, timeout_s, f"the {len(expected)} expected alerts indexed",
               progress=lambda: f"{len(set(indexed_alerts(settings)) & expected)}/{len(expected)}")  # fmt: skip
    indexed = indexed_alerts(settings)
    extra = set(indexed) - expected
    assert not extra, f"{len(extra)} alerts no search and text calls for: {sorted(extra)[:5]}"
    assert all(n == 1 for n in indexed.values())
    if receiver is not None:
        wait_until(lambda: set(receiver.counts()) >= expected, timeout_s, f"the {len(expected)} alerts posted",
                   progress=lambda: f"{len(set(receiver.counts()) & expected)}/{len(expected)}")  # fmt: skip
        posted = receiver.counts()
        assert set(posted) == expected, f"posted alerts differ: extra {sorted(set(posted) - expected)[:5]}"
        twice = {a: n for a, n in posted.items() if n > 1}
        assert not twice, f"alerts posted more than once: {twice}"
    return len(expected)
