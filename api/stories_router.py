"""The ``/stories`` routes: stories listed and searched, and one story's articles in time order."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from newsflow.api.service import SearchService
from newsflow.schemas.search import (
    MAX_STORY_ARTICLES,
    STORY_ID_EXAMPLE,
    ApiError,
    StoriesParams,
    StoriesResponse,
    StoryView,
)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ApiError,
        "description": "A parameter is unusable (a cursor from another query, a malformed entity or story id); "
        "`detail` says what to change.",
    },
    422: {"model": ApiError, "description": "A parameter is invalid; `detail` names it."},
    503: {"model": ApiError, "description": "Elasticsearch is unavailable; retry later."},
}


def stories_router(service: SearchService) -> APIRouter:
    """The ``/stories`` routes, answered by ``service``."""
    router = APIRouter(prefix="/stories", tags=["stories"], responses=_RESPONSES)

    @router.get("", response_model=StoriesResponse)
    def list_stories(params: Annotated[StoriesParams, Query()]) -> StoriesResponse:
        """Stories (every outlet's report of one event), latest or largest first; with ``q``, the stories
        that have an article matching the words."""
        return service.stories(params)

    @router.get(
        "/{story_id}",
        response_model=StoryView,
        responses={404: {"model": ApiError, "description": "No story with this id."}},
    )
    def get_story(
        story_id: Annotated[
            str,
            PathParam(
                max_length=64,
                description="A story id from /stories or a /search?group=story hit.",
                examples=[STORY_ID_EXAMPLE],
            ),
        ],
        size: Annotated[int, Query(ge=1, le=MAX_STORY_ARTICLES, description="Articles to list.")] = 100,
    ) -> StoryView:
        """One story: headline, span, outlets, top entities, and its articles in time order (oldest first)."""
        return service.story(story_id, size)

    return router
