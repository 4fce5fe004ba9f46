"""What the deliverer reads and writes in Elasticsearch: saved searches (cached), the delivery log, webhook state.

Blocking calls (the Elasticsearch client is synchronous): the deliverer runs
them in a thread pool. Webhook state changes are painless scripts on the
search's document, so they compose with a concurrent change by the API (a PUT
that re-enables the webhook or changes its URL): each script first checks that
the webhook is still the one that failed, and does nothing otherwise.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from pydantic import ValidationError

from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import DeliveryOutcome, SavedSearch, WebhookDelivery

log = logging.getLogger("newsflow.delivery")

# The client logs whole response bodies at DEBUG: saved searches with their webhook URLs, credentials included.
_client_log = logging.getLogger("elasticsearch")
if _client_log.level < logging.INFO:
    _client_log.setLevel(logging.INFO)

# Highest NEWSFLOW_WEBHOOK_ATTEMPTS the settings allow: the delivery log is read for this many attempts,
# so that lowering the setting between two runs still finds every earlier attempt of an alert.
MAX_ATTEMPTS = 20

_COUNT_GIVEN_UP = """
def w = ctx._source.saved_search.webhook;
if (w == null || w.url != params.url) { ctx.op = 'noop'; return; }
int failures = (w.consecutive_failures == null ? 0 : w.consecutive_failures) + 1;
w.consecutive_failures = failures;
if (w.state != 'disabled' && failures >= params.disable_after) {
  w.state = 'disabled';
  w.disabled_at = params.now;
  w.disabled_reason = params.reason;
}
"""

_RESET_FAILURES = """
def w = ctx._source.saved_search.webhook;
if (w == null || w.url != params.url || w.consecutive_failures == null || w.consecutive_failures == 0) {
  ctx.op = 'noop';
  return;
}
w.consecutive_failures = 0;
"""


class UnreadableSearchError(ValueError):
    """A saved-search document that does not hold a valid SavedSearch (written by hand, or a newer schema)."""


class DeliveryStore:
    """The saved searches (read through a short-lived cache) and the delivery log of one deployment."""

    def __init__(self, settings: Settings, cache_ttl_s: float = 5.0) -> None:
        self.settings = settings
        self.cache_ttl_s = cache_ttl_s
        self._es = Elasticsearch(settings.elasticsearch_url, timeout=30)
        self._cache: dict[str, tuple[float, SavedSearch | None]] = {}
        self._lock = threading.Lock()

    # --- saved searches -----------------------------------------------------------
    def saved_search(self, saved_search_id: str) -> SavedSearch | None:
        """The saved search, None once deleted; read again after ``cache_ttl_s`` (the API may change it)."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(saved_search_id)
        if cached is not None and now - cached[0] < self.cache_ttl_s:
            return cached[1]
        try:
            document = self._es.get(
                index=self.settings.saved_searches_index_alias, id=saved_search_id, _source_includes="saved_search"
            )
        except NotFoundError:
            search = None
        else:
            search = self._parse(saved_search_id, document.get("_source", {}))
        self._remember(saved_search_id, search)
        return search

    def _parse(self, saved_search_id: str, source: dict[str, Any]) -> SavedSearch:
        try:
            return SavedSearch.model_validate(source.get("saved_search"))
        except ValidationError as exc:
            raise UnreadableSearchError(
                f"saved search {saved_search_id} in {self.settings.saved_searches_index_alias} is not a valid "
                f"saved search ({exc.error_count()} errors, first: {exc.errors()[0]['msg']}); save it again "
                "through the API"
            ) from None

    def _remember(self, saved_search_id: str, search: SavedSearch | None) -> None:
        with self._lock:
            self._cache[saved_search_id] = (time.monotonic(), search)

    def forget(self, saved_search_id: str) -> None:
        """Drop the cached copy (its webhook changed under us)."""
        with self._lock:
            self._cache.pop(saved_search_id, None)

    def count_given_up(self, search: SavedSearch, reason: str) -> SavedSearch | None:
        """One more given-up alert in a row; disables the webhook at ``webhook_disable_after``.

        Returns the search as stored afterwards (None when deleted meanwhile).
        Does nothing when the webhook's URL changed meanwhile (the new URL has not failed).
        """
        assert search.webhook is not None
        params = {
            "url": search.webhook.url,
            "disable_after": self.settings.webhook_disable_after,
            "now": datetime.now(UTC).isoformat(),
            "reason": reason,
        }
        return self._script(search.saved_search_id, _COUNT_GIVEN_UP, params)

    def reset_failures(self, search: SavedSearch) -> SavedSearch | None:
        """A delivery ends a run of given-up alerts."""
        assert search.webhook is not None
        return self._script(search.saved_search_id, _RESET_FAILURES, {"url": search.webhook.url})

    def _script(self, saved_search_id: str, source: str, params: dict[str, Any]) -> SavedSearch | None:
        try:
            result = self._es.update(
                index=self.settings.saved_searches_index_alias,
                id=saved_search_id,
                body={"script": {"source": source, "lang": "painless", "params": params}},
                retry_on_conflict=5,
                _source_includes="saved_search",
            )
        except NotFoundError:
            self._remember(saved_search_id, None)
            return None
        source_after = result.get("get", {}).get("_source")
        if source_after is None:
            self.forget(saved_search_id)
            return None
        search = self._parse(saved_search_id, source_after)
        self._remember(saved_search_id, search)
        return search

    # --- the delivery log ------------------------------------------------------------
    def attempts(self, alert_id: str) -> list[WebhookDelivery]:
        """Every attempt logged for ``alert_id``, in attempt order (a real-time read: no refresh needed)."""
        ids = [delivery_id(alert_id, attempt) for attempt in range(1, MAX_ATTEMPTS + 1)]
        answer = self._es.mget(index=self.settings.deliveries_index_alias, body={"ids": ids}, realtime=True)
        found = [WebhookDelivery.model_validate(doc["_source"]) for doc in answer["docs"] if doc.get("found")]
        return sorted(found, key=lambda delivery: delivery.attempt)

    def log_attempt(self, delivery: WebhookDelivery) -> None:
        """Write one attempt to the delivery log (again, harmlessly, when retried)."""
        self._es.index(
            index=self.settings.deliveries_index_alias,
            id=delivery_id(delivery.alert_id, delivery.attempt),
            document=delivery.model_dump(mode="json"),
        )

    def close(self) -> None:
        self._es.close()


def delivery_id(alert_id: str, attempt: int) -> str:
    """The delivery-log document id of one attempt."""
    return f"{alert_id}:{attempt}"


def finished(attempts: list[WebhookDelivery]) -> WebhookDelivery | None:
    """The attempt that ended an alert's delivery for good (delivered or given up), if any."""
    return next((a for a in attempts if a.outcome in (DeliveryOutcome.DELIVERED, DeliveryOutcome.GIVEN_UP)), None)
