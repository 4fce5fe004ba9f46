"""Admin actions over HTTP (replay, reindex): disabled unless a key is configured, one at a time.

The key is compared in constant time. Without ``NEWSFLOW_ADMIN_KEY`` the
routes answer 403, so a deployment that never set a key exposes nothing.
"""

from __future__ import annotations

import hmac
import threading
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from newsflow.api.service import ApiFailureError
from newsflow.infra.settings import Settings
from newsflow.operations.reindex import reindex as run_reindex
from newsflow.operations.replay import replay as run_replay
from newsflow.schemas.admin import ReindexResult, ReplayRequest, ReplayResult
from newsflow.schemas.search import ApiError

_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ApiError, "description": "The request body can't be read, or the action was refused."},
    401: {"model": ApiError, "description": "X-Admin-Key missing or wrong."},
    403: {"model": ApiError, "description": "Admin actions are disabled (no NEWSFLOW_ADMIN_KEY)."},
    409: {"model": ApiError, "description": "Another admin action is running."},
    422: {"model": ApiError, "description": "The request body is invalid; `detail` says why."},
}


def admin_router(settings: Settings) -> APIRouter:
    """The ``/admin`` routes for ``settings``."""
    router = APIRouter(prefix="/admin", tags=["admin"], responses=_RESPONSES)
    busy = threading.Lock()

    def require_key(x_admin_key: Annotated[str | None, Header(description="The configured admin key.")] = None) -> None:
        if settings.admin_key is None:
            raise ApiFailureError(403, "admin disabled", "set NEWSFLOW_ADMIN_KEY on the API to enable admin actions")
        expected = settings.admin_key.get_secret_value().encode()
        if x_admin_key is None or not hmac.compare_digest(x_admin_key.encode(), expected):
            raise ApiFailureError(401, "unauthorized", "send the admin key in the X-Admin-Key header")

    def exclusive() -> threading.Lock:
        if not busy.acquire(blocking=False):
            raise ApiFailureError(409, "busy", "another admin action is running; retry when it has finished")
        return busy

    @router.post("/replay", response_model=ReplayResult, dependencies=[Depends(require_key)])
    def replay(request: ReplayRequest) -> ReplayResult:
        """Publish the raw topic again (documents are rewritten in place, nothing is indexed twice)."""
        lock = exclusive()
        try:
            report = run_replay(settings, from_offset=request.from_offset, since=request.since)
        except ValueError as exc:
            raise ApiFailureError(400, "replay refused", str(exc)) from exc
        finally:
            lock.release()
        return ReplayResult(
            topic=report.topic, records=report.records, partitions=report.partitions, finished_at=datetime.now(UTC)
        )

    @router.post("/reindex", response_model=ReindexResult, dependencies=[Depends(require_key)])
    def reindex() -> ReindexResult:
        """Build the next index version from the current one and move the alias to it."""
        lock = exclusive()
        try:
            report = run_reindex(settings)
        except ValueError as exc:
            raise ApiFailureError(400, "reindex refused", str(exc)) from exc
        finally:
            lock.release()
        return ReindexResult(
            old_index=report.old_index,
            new_index=report.new_index,
            copied=report.copied,
            caught_up=report.caught_up,
            finished_at=datetime.now(UTC),
        )

    return router
