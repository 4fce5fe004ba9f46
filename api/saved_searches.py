"""The ``/saved-searches`` routes: saved searches created, listed, changed and deleted, and their webhook log.

Reading is open like ``/search``; writing needs the admin key (``X-Admin-Key``),
as ``/admin`` does: 403 when the API has none configured, 401 when it is wrong.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi import Path as PathParam

from newsflow.api.saved_search_store import MAX_SAVED_SEARCHES, SavedSearchStore
from newsflow.api.service import ApiFailureError
from newsflow.infra.settings import Settings
from newsflow.schemas.alert_api import (
    MAX_DELIVERIES_PAGE,
    MAX_SAVED_SEARCHES_PAGE,
    SAVED_SEARCH_ID_EXAMPLE,
    DeliveryList,
    SavedSearchBulkRequest,
    SavedSearchBulkResponse,
    SavedSearchList,
    SavedSearchView,
)
from newsflow.schemas.alerts import SAVED_SEARCH_ID_PATTERN, SavedSearchPatch, SavedSearchRequest
from newsflow.schemas.search import ApiError

_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ApiError, "description": "A parameter or the body is invalid; `detail` names it."},
    503: {"model": ApiError, "description": "Elasticsearch is unavailable; retry later."},
}
_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ApiError,
        "description": "The search can't be saved: Elasticsearch refused its query, it would alert on every "
        "article, or an entity id is malformed; `detail` says what to change.",
    },
    401: {"model": ApiError, "description": "X-Admin-Key missing or wrong."},
    403: {"model": ApiError, "description": "Writing saved searches is disabled (no NEWSFLOW_ADMIN_KEY)."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ApiError, "description": "No saved search with this id."}}
_FULL: dict[int | str, dict[str, Any]] = {
    409: {"model": ApiError, "description": f"There are already {MAX_SAVED_SEARCHES} saved searches."}
}
_BUSY: dict[int | str, dict[str, Any]] = {
    409: {"model": ApiError, "description": "The saved search kept changing while it was written; retry."}
}

SavedSearchId = Annotated[
    str,
    PathParam(
        pattern=SAVED_SEARCH_ID_PATTERN,
        description="A saved search's id (16 hex digits).",
        examples=[SAVED_SEARCH_ID_EXAMPLE],
    ),
]


def admin_key_check(settings: Settings) -> Callable[[str | None], None]:
    """A dependency refusing requests without ``settings``' admin key (compared in constant time)."""

    def require_key(x_admin_key: Annotated[str | None, Header(description="The configured admin key.")] = None) -> None:
        if settings.admin_key is None:
            raise ApiFailureError(
                403, "admin disabled", "set NEWSFLOW_ADMIN_KEY on the API to enable writing saved searches"
            )
        expected = settings.admin_key.get_secret_value().encode()
        if x_admin_key is None or not hmac.compare_digest(x_admin_key.encode(), expected):
            raise ApiFailureError(401, "unauthorized", "send the admin key in the X-Admin-Key header")

    return require_key


def saved_searches_router(settings: Settings, store: SavedSearchStore) -> APIRouter:
    """The ``/saved-searches`` routes on ``store``, writes guarded by ``settings``' admin key."""
    router = APIRouter(prefix="/saved-searches", tags=["alerts"], responses=_RESPONSES)
    admin = [Depends(admin_key_check(settings))]

    @router.post(
        "",
        status_code=201,
        response_model=SavedSearchView,
        dependencies=admin,
        responses={**_WRITE_RESPONSES, **_FULL},
    )
    def create_saved_search(request: SavedSearchRequest) -> SavedSearchView:
        """Save a search (the filters of /search, a name, optionally a webhook): from the next indexed article
        on, each one it matches raises an alert."""
        return store.create(request)

    @router.post(
        "/bulk",
        response_model=SavedSearchBulkResponse,
        dependencies=admin,
        responses=_WRITE_RESPONSES,
    )
    def create_saved_searches(request: SavedSearchBulkRequest) -> SavedSearchBulkResponse:
        """Save up to 1000 searches in one call; each gets the status a single POST would
        have had (201, 400 or 409) in ``results``, in the order sent."""
        return store.create_many(request.searches)

    @router.get(
        "",
        response_model=SavedSearchList,
        responses={400: {"model": ApiError, "description": "A cursor the API did not issue for this list."}},
    )
    def list_saved_searches(
        size: Annotated[int, Query(ge=1, le=MAX_SAVED_SEARCHES_PAGE, description="Saved searches per page.")] = 100,
        cursor: Annotated[
            str | None, Query(max_length=2048, description="``next_cursor`` of the previous page.")
        ] = None,
    ) -> SavedSearchList:
        """Saved searches sorted by name, with their webhooks' state (URLs redacted)."""
        return store.page(size, cursor)

    @router.get("/{saved_search_id}", response_model=SavedSearchView, responses=_NOT_FOUND)
    def get_saved_search(saved_search_id: SavedSearchId) -> SavedSearchView:
        """One saved search."""
        return SavedSearchView.of(store.get(saved_search_id))

    @router.put(
        "/{saved_search_id}",
        response_model=SavedSearchView,
        dependencies=admin,
        responses={**_WRITE_RESPONSES, **_NOT_FOUND},
    )
    def replace_saved_search(saved_search_id: SavedSearchId, request: SavedSearchRequest) -> SavedSearchView:
        """Change a saved search. Saving it again also re-enables a disabled webhook and resets its failures."""
        return store.replace(saved_search_id, request)

    @router.patch(
        "/{saved_search_id}",
        response_model=SavedSearchView,
        dependencies=admin,
        responses={**_WRITE_RESPONSES, **_NOT_FOUND, **_BUSY},
    )
    def update_saved_search(saved_search_id: SavedSearchId, patch: SavedSearchPatch) -> SavedSearchView:
        """Change some of a saved search's fields (the others stay). The webhook keeps its URL and state
        unless ``webhook_url`` is given (null removes it); ``resume_webhook`` re-enables a disabled one."""
        return store.update(saved_search_id, patch)

    @router.delete(
        "/{saved_search_id}",
        status_code=204,
        response_class=Response,
        dependencies=admin,
        responses={401: _WRITE_RESPONSES[401], 403: _WRITE_RESPONSES[403], **_NOT_FOUND},
    )
    def delete_saved_search(saved_search_id: SavedSearchId) -> Response:
        """Delete a saved search: it raises no more alerts (those it raised stay)."""
        store.delete(saved_search_id)
        return Response(status_code=204)

    @router.get("/{saved_search_id}/deliveries", response_model=DeliveryList, responses=_NOT_FOUND)
    def list_deliveries(
        saved_search_id: SavedSearchId,
        size: Annotated[int, Query(ge=1, le=MAX_DELIVERIES_PAGE, description="Attempts to list.")] = 20,
    ) -> DeliveryList:
        """The saved search's webhook log: each POST attempt of an alert, newest first."""
        return store.deliveries(saved_search_id, size)

    return router
