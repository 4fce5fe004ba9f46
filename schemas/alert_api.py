"""The HTTP views of saved searches, alerts and webhook deliveries (``/saved-searches``, ``/alerts``).

The stored records are :mod:`newsflow.schemas.alerts`; these are what clients
see of them. A webhook's URL is only ever shown redacted (no user, password,
query string or fragment), since it may carry a secret.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from newsflow.schemas.alerts import (
    SAVED_SEARCH_ID_PATTERN,
    Alert,
    SavedSearch,
    SavedSearchRequest,
    WebhookDelivery,
    WebhookState,
    redact_url,
)
from newsflow.schemas.search import ApiError, SearchFilters

# One bulk call creates at most this many saved searches (the bench creates 10 000 in ten calls).
MAX_BULK_SAVED_SEARCHES = 1_000
MAX_ALERTS_PAGE = 100
MAX_SAVED_SEARCHES_PAGE = 1_000
MAX_DELIVERIES_PAGE = 100
SAVED_SEARCH_ID_EXAMPLE = "3f2a9c0d1e7b4a56"


class WebhookView(BaseModel):
    """A saved search's webhook as shown: redacted URL and delivery state."""

    url: str = Field(
        description="The URL without user, password, query string or fragment (each shown as ***).",
        examples=["https://example.org/hooks/newsflow?***"],
    )
    state: WebhookState
    consecutive_failures: int = Field(description="Alerts given up in a row; reset by a delivery.")
    disabled_at: datetime | None = None
    disabled_reason: str | None = None


class SavedSearchView(BaseModel):
    """A saved search as the API shows it."""

    saved_search_id: str = Field(pattern=SAVED_SEARCH_ID_PATTERN, examples=[SAVED_SEARCH_ID_EXAMPLE])
    name: str
    filters: SearchFilters = Field(description="What selects articles, with the meaning of /search's parameters.")
    notify_duplicates: bool
    webhook: WebhookView | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, saved: SavedSearch) -> SavedSearchView:
        """The view of a stored search (its webhook URL redacted)."""
        hook = saved.webhook
        return cls(
            saved_search_id=saved.saved_search_id,
            name=saved.name,
            filters=saved.filters,
            notify_duplicates=saved.notify_duplicates,
            webhook=None
            if hook is None
            else WebhookView(
                url=redact_url(hook.url),
                state=hook.state,
                consecutive_failures=hook.consecutive_failures,
                disabled_at=hook.disabled_at,
                disabled_reason=hook.disabled_reason,
            ),
            created_at=saved.created_at,
            updated_at=saved.updated_at,
        )


class SavedSearchList(BaseModel):
    """``GET /saved-searches``: a page of saved searches sorted by name."""

    saved_searches: list[SavedSearchView]
    total: int
    next_cursor: str | None = Field(None, description="Pass as ``cursor`` for the next page; null on the last.")


class SavedSearchBulkRequest(BaseModel):
    """``POST /saved-searches/bulk``: many saved searches in one call."""

    model_config = ConfigDict(extra="forbid")

    searches: list[SavedSearchRequest] = Field(min_length=1, max_length=MAX_BULK_SAVED_SEARCHES)


class SavedSearchBulkItem(BaseModel):
    """The outcome of one search of a bulk request, at its position in the request."""

    index: int = Field(description="Position of the search in the request, from 0.")
    status: int = Field(description="What a single POST would have answered: 201, 400 or 409.", examples=[201])
    saved_search: SavedSearchView | None = None
    error: ApiError | None = None


class SavedSearchBulkResponse(BaseModel):
    """Per-search outcomes of a bulk request; the created ones are searchable for the next article."""

    created: int
    failed: int
    results: list[SavedSearchBulkItem]


class AlertsParams(BaseModel):
    """Query-string parameters of ``GET /alerts``."""

    model_config = ConfigDict(extra="forbid")

    saved_search_id: str | None = Field(
        None, pattern=SAVED_SEARCH_ID_PATTERN, description="Only this saved search's alerts."
    )
    since: datetime | None = Field(None, description="Only alerts raised at or after this time, ISO 8601.")
    size: int = Field(20, ge=1, le=MAX_ALERTS_PAGE, description="Alerts per page.")
    cursor: str | None = Field(None, max_length=2048, description="``next_cursor`` of the previous page.")


class AlertList(BaseModel):
    """``GET /alerts``: alerts newest first (by ``alerted_at``)."""

    alerts: list[Alert]
    total: int
    next_cursor: str | None = None


class DeliveryList(BaseModel):
    """``GET /saved-searches/{id}/deliveries``: webhook attempts newest first."""

    deliveries: list[WebhookDelivery]
    total: int
