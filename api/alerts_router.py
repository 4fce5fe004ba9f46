"""The ``/alerts`` routes: past alerts from the alerts index, and live ones as server-sent events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from newsflow.api.alert_stream import AlertStream, Subscription
from newsflow.api.saved_search_store import SavedSearchStore
from newsflow.api.saved_searches import saved_searches_router
from newsflow.api.service import ApiFailureError, SearchService
from newsflow.infra.settings import Settings
from newsflow.schemas.alert_api import AlertList, AlertsParams
from newsflow.schemas.alerts import SAVED_SEARCH_ID_PATTERN, Alert
from newsflow.schemas.search import ApiError

_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ApiError, "description": "A parameter is invalid; `detail` names it."},
}
_LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ApiError, "description": "A cursor from another query, or not one the API issued."},
    503: {"model": ApiError, "description": "Elasticsearch is unavailable; retry later."},
}
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def event(alert: Alert) -> str:
    """One alert as a server-sent event (its id lets a reconnecting client say where it stopped)."""
    return f"id: {alert.alert_id}\nevent: alert\ndata: {alert.model_dump_json()}\n\n"


async def _missed(
    stream: AlertStream, store: SavedSearchStore, subscription: Subscription, last_event_id: str
) -> tuple[list[str], list[Alert]]:
    """What a client that last saw ``last_event_id`` missed, oldest first, and comments on what is unknown.

    The client is subscribed before this runs, so an alert raised meanwhile is in its queue. What came
    before is in the alerts index, or only in the tail's memory when the sink has not written it yet.
    """
    notes: list[str] = []
    try:
        backfill = await asyncio.to_thread(store.alerts_after, last_event_id, subscription.saved_search_id)
    except ApiFailureError as exc:
        backfill = None
        notes.append(f": no backfill from the index: {exc.error}\n\n")
    recent = stream.recent_after(last_event_id, backfill.since if backfill else None, subscription.saved_search_id)
    if backfill is None and not recent and not notes:
        notes.append(": no backfill: the last event id is not in the alerts index\n\n")
    missed = {a.alert_id: a for a in (backfill.alerts if backfill else [])}
    missed.update((a.alert_id, a) for a in recent)
    return notes, sorted(missed.values(), key=lambda a: (a.alerted_at, a.alert_id))


async def _events(
    stream: AlertStream,
    store: SavedSearchStore,
    subscription: Subscription,
    last_event_id: str | None,
) -> AsyncIterator[str]:
    try:
        yield ": connected\n\n"
        sent: set[str] = set()
        if last_event_id:
            notes, missed = await _missed(stream, store, subscription, last_event_id)
            for note in notes:
                yield note
            for alert in missed:
                sent.add(alert.alert_id)
                yield event(alert)
        while True:
            try:
                live = await asyncio.wait_for(subscription.queue.get(), timeout=stream.heartbeat_s)
            except TimeoutError:
                # Keeps proxies from closing an idle connection, and finds clients that went away.
                yield ": keep-alive\n\n"
                continue
            if live is None:
                return
            if live.alert_id not in sent:
                yield event(live)
    finally:
        stream.unsubscribe(subscription)


def alerts_router(store: SavedSearchStore, stream: AlertStream) -> APIRouter:
    """The ``/alerts`` routes: ``store`` for the index, ``stream`` for the live tail."""
    router = APIRouter(prefix="/alerts", tags=["alerts"], responses=_RESPONSES)

    @router.get("", response_model=AlertList, responses=_LIST_RESPONSES)
    def list_alerts(params: Annotated[AlertsParams, Query()]) -> AlertList:
        """Alerts newest first (when they were raised), optionally of one saved search and since a time."""
        return store.alerts(params)

    @router.get(
        "/stream",
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "Server-sent events: `event: alert` with the Alert as JSON in `data` and its id "
                "in `id`; a `: keep-alive` comment every 15 s.",
            }
        },
    )
    async def stream_alerts(
        saved_search_id: Annotated[
            str | None, Query(pattern=SAVED_SEARCH_ID_PATTERN, description="Only this saved search's alerts.")
        ] = None,
        last_event_id: Annotated[
            str | None,
            Query(max_length=64, description="Send first the alerts raised after this one (as Last-Event-ID)."),
        ] = None,
        last_event_id_header: Annotated[
            str | None,
            Header(
                alias="Last-Event-ID",
                max_length=64,
                description="Set by a reconnecting EventSource: the id of the last alert it got.",
            ),
        ] = None,
    ) -> StreamingResponse:
        """Alerts as they are raised, as server-sent events (for EventSource). With ``Last-Event-ID`` (or
        ``last_event_id``), first those raised after that alert, from the alerts index (at most 1000)."""
        subscription = stream.subscribe(saved_search_id)
        return StreamingResponse(
            _events(stream, store, subscription, last_event_id_header or last_event_id),
            media_type="text/event-stream",
            headers=_SSE_HEADERS,
        )

    return router


def alert_routes(settings: Settings, service: SearchService) -> APIRouter:
    """``/saved-searches`` and ``/alerts``, with the alerts topic's tail running in the app's lifespan."""
    store = SavedSearchStore(settings, service)
    stream = AlertStream(settings)
    router = APIRouter(lifespan=stream.lifespan)
    router.include_router(saved_searches_router(settings, store))
    router.include_router(alerts_router(store, stream))
    return router
