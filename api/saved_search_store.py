"""Saved searches, alerts and webhook deliveries in Elasticsearch, for the ``/saved-searches`` and ``/alerts`` routes.

A saved search is one document of the saved-searches alias, ``_id`` = its id:
``{"saved_search": <SavedSearch>, "query": <percolator query>}``. The query is
built from the same code as ``/search`` (:func:`newsflow.api.search.filters`
and :func:`~newsflow.api.search.words_clause`), so a saved search alerts on
exactly the new articles that ``/search`` with its filters would find (the
near-duplicate collapse aside: the alerts stage decides about duplicates).
Writes wait for a refresh, so a saved search is in force for the next article.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime
from typing import Any, NamedTuple

from elasticsearch import ConflictError, NotFoundError
from pydantic import BaseModel, ConfigDict, ValidationError

from newsflow.api import search
from newsflow.api.service import ApiFailureError, SearchService
from newsflow.infra.settings import Settings
from newsflow.schemas.alert_api import (
    AlertList,
    AlertsParams,
    DeliveryList,
    SavedSearchBulkItem,
    SavedSearchBulkResponse,
    SavedSearchList,
    SavedSearchView,
)
from newsflow.schemas.alerts import (
    Alert,
    SavedSearch,
    SavedSearchPatch,
    SavedSearchRequest,
    Webhook,
    WebhookDelivery,
)
from newsflow.schemas.problems import validation_problems
from newsflow.schemas.search import ApiError, SearchFilters

log = logging.getLogger("newsflow.api.saved_searches")

# Every saved search is percolated against every new article: the count bounds the stream's cost.
MAX_SAVED_SEARCHES = 100_000
# The alerts a reconnecting stream client is sent from the index at most (older ones: GET /alerts).
MAX_BACKFILL = 1_000
# A PATCH read-and-write races the webhook deliverer's failure counts at most this many times.
_UPDATE_ATTEMPTS = 5
_MAX_REASON_CHARS = 300
# What simple_query_string reads as operators: a q made only of these (and spaces) names no word.
_OPERATORS_ONLY = re.compile(r'[\s*"()|+\-~]*')
_LIST_SORT: list[dict[str, Any]] = [{"saved_search.name.keyword": "asc"}, {"saved_search.saved_search_id": "asc"}]
_ALERT_SORT: list[dict[str, Any]] = [{"alerted_at": "desc"}, {"alert_id": "asc"}]


class AlertBackfill(NamedTuple):
    """What a reconnecting stream client missed, from the index: after the alert it last saw, raised at ``since``."""

    since: datetime
    alerts: list[Alert]


class _ListKey(BaseModel):
    """What a page of ``GET /saved-searches`` depends on (a cursor is tied to it)."""

    model_config = ConfigDict(frozen=True)

    listing: str = "saved-searches"


def _refused(detail: str) -> ApiFailureError:
    return ApiFailureError(400, "saved search refused", detail)


def has_words(q: str | None) -> bool:
    """Whether ``q`` names at least one word (``*`` or ``"" -`` alone select everything, not a subject)."""
    return bool(q) and not _OPERATORS_ONLY.fullmatch(q or "")


def percolator_query(filters: SearchFilters) -> dict[str, Any]:
    """The stored query of a saved search: what ``/search`` with ``filters`` selects among new articles.

    Raises :class:`ApiFailureError` (400) for entity filters ``/search`` refuses, and for a search that would
    alert on every article: with no words, nothing but the dates would narrow it (a date range alone still
    lets through every new article dated in it).
    """
    try:
        clauses = search.filters(filters)
    except search.InvalidEntityIdError as exc:
        raise ApiFailureError(400, "invalid entity id", f"entity: {exc}") from exc
    except search.ConflictingFiltersError as exc:
        raise ApiFailureError(400, "conflicting filters", str(exc)) from exc
    narrowing = filters.entity or filters.entity_type or filters.outlet or filters.language
    if not has_words(filters.q) and not narrowing:
        raise _refused(
            "this search would alert on every new article: give words (q) or at least one of entity, "
            "entity_type, outlet or language"
        )
    words = [search.words_clause(filters.q)] if filters.q and filters.q.strip() else [{"match_all": {}}]
    return {"bool": {"must": words, "filter": clauses}}


def _es_reason(error: Any) -> str:
    """The first reason of a bulk item's error, shortened (ES can quote a whole term in it)."""
    reason = str(error.get("reason") or error.get("type") or error) if isinstance(error, dict) else str(error)
    return reason if len(reason) <= _MAX_REASON_CHARS else reason[:_MAX_REASON_CHARS] + "..."


class SavedSearchStore:
    """Reads and writes of saved searches, alerts and deliveries; failures are :class:`ApiFailureError`."""

    def __init__(self, settings: Settings, service: SearchService | None = None) -> None:
        # The search service's ``call`` turns Elasticsearch's failures into the API's errors (503 when down).
        self.service = service or SearchService(settings)
        self.saved_alias = settings.saved_searches_index_alias
        self.alerts_alias = settings.alerts_index_alias
        self.deliveries_alias = settings.deliveries_index_alias

    # --- saved searches ------------------------------------------------------

    def _document(self, saved: SavedSearch, query: dict[str, Any]) -> dict[str, Any]:
        return {"saved_search": saved.model_dump(mode="json"), "query": query}

    def _write(
        self, saved: SavedSearch, query: dict[str, Any], create: bool, if_version: tuple[int, int] | None = None
    ) -> None:
        """Store ``saved``; with ``if_version`` (seq_no, primary_term) only over that version (ConflictError)."""
        concurrency = {"if_seq_no": if_version[0], "if_primary_term": if_version[1]} if if_version else {}
        try:
            self.service.call(
                "index",
                index=self.saved_alias,
                id=saved.saved_search_id,
                body=self._document(saved, query),
                op_type="create" if create else "index",
                refresh="wait_for",
                **concurrency,
            )
        except ApiFailureError as exc:
            if exc.status == 400:
                # Elasticsearch parses a percolator query when it is stored: its refusal is the user's to fix.
                raise _refused(f"Elasticsearch refused the query: {exc.detail.rpartition(': ')[2][:300]}") from exc
            raise

    def count(self) -> int:
        """How many saved searches there are."""
        return int(self.service.call("count", index=self.saved_alias)["count"])

    def _room(self) -> int:
        return MAX_SAVED_SEARCHES - self.count()

    @staticmethod
    def _new(request: SavedSearchRequest, now: datetime, created_at: datetime | None = None) -> SavedSearch:
        return SavedSearch(
            saved_search_id=secrets.token_hex(8),
            name=request.name,
            filters=request.filters(),
            notify_duplicates=request.notify_duplicates,
            # Saving (again) starts the webhook afresh: active, no failures.
            webhook=Webhook(url=request.webhook_url) if request.webhook_url else None,
            created_at=created_at or now,
            updated_at=now,
        )

    def create(self, request: SavedSearchRequest) -> SavedSearchView:
        """Store a new saved search; 400 for a query refused, 409 at :data:`MAX_SAVED_SEARCHES`."""
        query = percolator_query(request.filters())
        if self._room() <= 0:
            raise _full()
        saved = self._new(request, datetime.now(UTC))
        self._write(saved, query, create=True)
        log.info("saved search created", extra={"saved_search_id": saved.saved_search_id})
        return SavedSearchView.of(saved)

    def create_many(self, requests: list[SavedSearchRequest]) -> SavedSearchBulkResponse:
        """Store many saved searches in one bulk write; each gets the outcome a single create would have."""
        results: dict[int, SavedSearchBulkItem] = {}
        accepted: list[tuple[int, SavedSearch, dict[str, Any]]] = []
        now = datetime.now(UTC)
        room = self._room()
        for index, request in enumerate(requests):
            try:
                query = percolator_query(request.filters())
            except ApiFailureError as exc:
                results[index] = SavedSearchBulkItem(
                    index=index, status=exc.status, error=ApiError(error=exc.error, detail=exc.detail)
                )
                continue
            if len(accepted) >= room:
                full = _full()
                results[index] = SavedSearchBulkItem(
                    index=index, status=full.status, error=ApiError(error=full.error, detail=full.detail)
                )
                continue
            accepted.append((index, self._new(request, now), query))
        if accepted:
            actions: list[dict[str, Any]] = []
            for _, saved, query in accepted:
                actions.append({"create": {"_id": saved.saved_search_id}})
                actions.append(self._document(saved, query))
            answer = self.service.call("bulk", index=self.saved_alias, body=actions, refresh="wait_for")
            for (index, saved, _), item in zip(accepted, answer["items"], strict=True):
                outcome = item["create"]
                if outcome.get("status") in (200, 201):
                    results[index] = SavedSearchBulkItem(
                        index=index, status=201, saved_search=SavedSearchView.of(saved)
                    )
                    continue
                status = 400 if outcome.get("status") == 400 else 503
                error = (
                    ApiError(
                        error="saved search refused",
                        detail=f"Elasticsearch refused the query: {_es_reason(outcome.get('error'))}",
                    )
                    if status == 400
                    else ApiError(error="search unavailable", detail=_es_reason(outcome.get("error")))
                )
                results[index] = SavedSearchBulkItem(index=index, status=status, error=error)
        ordered = [results[i] for i in range(len(requests))]
        created = sum(1 for r in ordered if r.status == 201)
        log.info(
            "saved searches created in bulk",
            extra={"searches_created": created, "searches_failed": len(ordered) - created},
        )
        return SavedSearchBulkResponse(created=created, failed=len(ordered) - created, results=ordered)

    def get(self, saved_search_id: str) -> SavedSearch:
        """The saved search with this id; 404 when there is none."""
        return self._versioned(saved_search_id)[0]

    def _versioned(self, saved_search_id: str) -> tuple[SavedSearch, tuple[int, int]]:
        """The saved search and its version (seq_no, primary_term); 404 when there is none."""
        try:
            found = self.service.call("get", index=self.saved_alias, id=saved_search_id)
        except NotFoundError as exc:
            raise _missing(saved_search_id) from exc
        saved = SavedSearch.model_validate(found["_source"]["saved_search"])
        return saved, (found["_seq_no"], found["_primary_term"])

    def replace(self, saved_search_id: str, request: SavedSearchRequest) -> SavedSearchView:
        """Change a saved search (its id and creation time stay; a webhook starts afresh)."""
        query = percolator_query(request.filters())
        current = self.get(saved_search_id)
        changed = self._new(request, datetime.now(UTC), created_at=current.created_at).model_copy(
            update={"saved_search_id": saved_search_id}
        )
        self._write(changed, query, create=False)
        log.info("saved search changed", extra={"saved_search_id": saved_search_id})
        return SavedSearchView.of(changed)

    def update(self, saved_search_id: str, patch: SavedSearchPatch) -> SavedSearchView:
        """Change the fields ``patch`` gives; the webhook keeps its URL and state unless the patch sets them.

        The webhook deliverer updates the stored webhook's failures in place: the write is made only over
        the version read (optimistic concurrency) and tried again from a fresh read on a conflict.
        """
        for _ in range(_UPDATE_ATTEMPTS):
            current, version = self._versioned(saved_search_id)
            try:
                request = patch.applied_to(current.as_request())
            except ValidationError as exc:
                raise ApiFailureError(422, "invalid parameter", validation_problems(exc, "search")) from exc
            query = percolator_query(request.filters())
            changed = self._new(request, datetime.now(UTC), created_at=current.created_at).model_copy(
                update={"saved_search_id": saved_search_id, "webhook": _patched_webhook(current, patch)}
            )
            try:
                self._write(changed, query, create=False, if_version=version)
            except ConflictError:
                continue
            log.info("saved search changed", extra={"saved_search_id": saved_search_id})
            return SavedSearchView.of(changed)
        raise ApiFailureError(
            409, "saved search busy", f"saved search {saved_search_id} kept changing while it was written; retry"
        )

    def delete(self, saved_search_id: str) -> None:
        """Delete a saved search (its alerts and deliveries stay); 404 when there is none."""
        try:
            self.service.call("delete", index=self.saved_alias, id=saved_search_id, refresh="wait_for")
        except NotFoundError as exc:
            raise _missing(saved_search_id) from exc
        log.info("saved search deleted", extra={"saved_search_id": saved_search_id})

    def page(self, size: int, cursor: str | None) -> SavedSearchList:
        """A page of saved searches sorted by name (then id)."""
        key = _ListKey()
        try:
            after = search.decode_after(key, cursor, len(_LIST_SORT))
        except search.InvalidCursorError as exc:
            raise ApiFailureError(400, "invalid cursor", str(exc)) from exc
        body: dict[str, Any] = {"size": size, "sort": _LIST_SORT, "track_total_hits": True, "_source": ["saved_search"]}
        if after is not None:
            body["search_after"] = after
        answer = self.service.call("search", index=self.saved_alias, body=body)
        hits = answer["hits"]["hits"]
        views = [SavedSearchView.of(SavedSearch.model_validate(h["_source"]["saved_search"])) for h in hits]
        next_cursor = search.encode_cursor(key, hits[-1]["sort"]) if len(hits) == size else None
        return SavedSearchList(saved_searches=views, total=answer["hits"]["total"]["value"], next_cursor=next_cursor)

    def deliveries(self, saved_search_id: str, size: int) -> DeliveryList:
        """A saved search's latest webhook attempts, newest first; 404 when the search does not exist."""
        self.get(saved_search_id)
        answer = self.service.call(
            "search",
            index=self.deliveries_alias,
            body={
                "size": size,
                "query": {"term": {"saved_search_id": saved_search_id}},
                "sort": [{"at": "desc"}, {"attempt": "desc"}],
                "track_total_hits": True,
            },
        )
        return DeliveryList(
            deliveries=[WebhookDelivery.model_validate(h["_source"]) for h in answer["hits"]["hits"]],
            total=answer["hits"]["total"]["value"],
        )

    # --- alerts ----------------------------------------------------------------

    def alerts(self, params: AlertsParams) -> AlertList:
        """A page of alerts, newest first (``alerted_at``, then id)."""
        try:
            after = search.decode_after(params, params.cursor, len(_ALERT_SORT))
        except search.InvalidCursorError as exc:
            raise ApiFailureError(400, "invalid cursor", str(exc)) from exc
        clauses: list[dict[str, Any]] = []
        if params.saved_search_id:
            clauses.append({"term": {"saved_search_id": params.saved_search_id}})
        if params.since:
            clauses.append({"range": {"alerted_at": {"gte": params.since.isoformat()}}})
        body: dict[str, Any] = {
            "size": params.size,
            "query": {"bool": {"filter": clauses}},
            "sort": _ALERT_SORT,
            "track_total_hits": True,
        }
        if after is not None:
            body["search_after"] = after
        answer = self.service.call("search", index=self.alerts_alias, body=body)
        hits = answer["hits"]["hits"]
        next_cursor = search.encode_cursor(params, hits[-1]["sort"]) if len(hits) == params.size else None
        return AlertList(
            alerts=[Alert.model_validate(h["_source"]) for h in hits],
            total=answer["hits"]["total"]["value"],
            next_cursor=next_cursor,
        )

    def alerts_after(self, last_alert_id: str, saved_search_id: str | None) -> AlertBackfill | None:
        """The alerts raised after ``last_alert_id``, oldest first (at most :data:`MAX_BACKFILL`).

        None when that alert is not in the index (unknown, or not written yet): the caller can't tell
        what came after it.
        """
        found = self.service.call(
            "search",
            index=self.alerts_alias,
            body={"size": 1, "query": {"term": {"alert_id": last_alert_id}}, "sort": _ALERT_SORT},
        )["hits"]["hits"]
        if not found:
            return None
        last = Alert.model_validate(found[0]["_source"])
        alerted_at, _ = found[0]["sort"]
        # Alerts of the same millisecond come again rather than risk losing one (their order is arbitrary).
        clauses: list[dict[str, Any]] = [{"range": {"alerted_at": {"gte": alerted_at, "format": "epoch_millis"}}}]
        if saved_search_id:
            clauses.append({"term": {"saved_search_id": saved_search_id}})
        answer = self.service.call(
            "search",
            index=self.alerts_alias,
            body={
                "size": MAX_BACKFILL,
                "query": {"bool": {"filter": clauses, "must_not": [{"term": {"alert_id": last_alert_id}}]}},
                "sort": [{"alerted_at": "asc"}, {"alert_id": "asc"}],
            },
        )
        return AlertBackfill(last.alerted_at, [Alert.model_validate(h["_source"]) for h in answer["hits"]["hits"]])


def _patched_webhook(current: SavedSearch, patch: SavedSearchPatch) -> Webhook | None:
    """The webhook after ``patch``: a new URL (or none) starts afresh, a resumed one is active, else as it was."""
    if "webhook_url" in patch.model_fields_set:
        return Webhook(url=patch.webhook_url) if patch.webhook_url else None
    if current.webhook is not None and patch.resume_webhook:
        return Webhook(url=current.webhook.url)
    return current.webhook


def _missing(saved_search_id: str) -> ApiFailureError:
    return ApiFailureError(404, "not found", f"no saved search {saved_search_id!r}; ids come from GET /saved-searches")


def _full() -> ApiFailureError:
    return ApiFailureError(
        409,
        "too many saved searches",
        f"there are already {MAX_SAVED_SEARCHES} saved searches, the most this system percolates; delete some first",
    )
