"""``newsflow stories``: stories from the terminal (``GET /stories``), or one story's timeline."""

from __future__ import annotations

import re

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from newsflow.api.service import ApiFailureError, SearchService
from newsflow.cli.console import console, fail
from newsflow.infra.settings import get_settings
from newsflow.schemas.problems import validation_problems
from newsflow.schemas.search import MAX_STORY_ARTICLES, STORY_ID_PATTERN, StoriesParams, StorySummary

_STORY_ID = re.compile(STORY_ID_PATTERN)


def stories(  # noqa: PLR0917 - typer turns each parameter into an option
    query: str | None = typer.Argument(
        None, help="Words to find in the stories' articles, or a story id (st-...) to show that story's timeline."
    ),
    entity: list[str] = typer.Option(
        [], "--entity", "-e", help="Entity id or canonical name among a story's top entities (repeat: all)."
    ),
    outlet: list[str] = typer.Option([], "--outlet", help="Outlet that reported the story (repeat: any)."),
    language: list[str] = typer.Option([], "--language", help="Language code (repeat: any)."),
    since: str | None = typer.Option(None, "--since", help="Latest article on or after this date, ISO 8601."),
    until: str | None = typer.Option(None, "--until", help="Latest article on or before this date, ISO 8601."),
    min_articles: int = typer.Option(1, "--min-articles", help="Only stories with at least this many articles."),
    sort: str = typer.Option("latest", "--sort", help="latest (last article first) or size (most articles first)."),
    size: int = typer.Option(10, "--size", "-n", help="Stories to show (1-100); with a story id, articles (1-1000)."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON response instead of a table."),
) -> None:
    """List or search stories (every outlet's report of one event); with a story id, that story's timeline."""
    service = SearchService(get_settings())
    if query is not None and _STORY_ID.fullmatch(query):
        _show_story(service, query, size, as_json)
        return
    try:
        params = StoriesParams.model_validate(
            {
                "q": query,
                "entity": entity,
                "outlet": outlet,
                "language": language,
                "since": since,
                "until": until,
                "min_articles": min_articles,
                "sort": sort,
                "size": size,
            }
        )
    except ValidationError as exc:
        raise fail(ValueError(validation_problems(exc, "stories"))) from exc
    try:
        result = service.stories(params)
    except ApiFailureError as exc:
        raise fail(RuntimeError(f"{exc.error}: {exc.detail}")) from exc
    if as_json:
        console.print_json(result.model_dump_json())
        return
    columns = ["story", "last seen", "articles", "outlets", "headline"]
    if params.q:
        columns.insert(3, "matching")
    table = Table(*columns, title=f"{result.total} stories", title_justify="left")
    for story in result.stories:
        row = [
            story.story_id,
            story.last_seen.date().isoformat(),
            str(story.article_count),
            _outlets(story),
            escape(story.headline),
        ]
        if params.q:
            row.insert(3, str(story.matching_articles or 0))
        table.add_row(*row)
    console.print(table)


def _outlets(story: StorySummary) -> str:
    names = ", ".join(o.name for o in story.outlets[:3])
    more = story.outlet_count - min(len(story.outlets), 3)
    return escape(f"{names} +{more}" if more > 0 else names or "-")


def _show_story(service: SearchService, story_id: str, size: int, as_json: bool) -> None:
    if not 1 <= size <= MAX_STORY_ARTICLES:
        raise fail(ValueError(f"size: articles to list must be between 1 and {MAX_STORY_ARTICLES}"))
    try:
        view = service.story(story_id, size)
    except ApiFailureError as exc:
        raise fail(RuntimeError(f"{exc.error}: {exc.detail}")) from exc
    if as_json:
        console.print_json(view.model_dump_json())
        return
    console.print(f"[bold]{escape(view.headline)}[/]")
    span = f"{view.first_seen:%Y-%m-%d %H:%M} to {view.last_seen:%Y-%m-%d %H:%M}"
    outlets = ", ".join(f"{o.name} ({o.articles})" for o in view.outlets) or "none named"
    console.print(f"{view.story_id} · {view.article_count} article(s) · {span} · outlets: {escape(outlets)}")
    if view.top_entities:
        console.print("entities: " + escape(", ".join(e.name for e in view.top_entities)))
    table = Table("date", "outlet", "title", "", title=f"timeline ({len(view.articles)} of {view.articles_total})")
    for article in view.articles:
        table.add_row(
            f"{article.dated_at:%Y-%m-%d %H:%M}",
            escape(article.outlet or "-"),
            escape(article.title),
            "republication" if article.near_duplicate_of else "",
        )
    console.print(table)
