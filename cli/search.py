"""``newsflow search``: the API's search from the terminal, as a table."""

from __future__ import annotations

import html as html_lib

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from newsflow.api.service import ApiFailureError, SearchService
from newsflow.cli.console import console, fail
from newsflow.infra.settings import get_settings
from newsflow.schemas.problems import validation_problems
from newsflow.schemas.search import SearchParams


def search(  # noqa: PLR0917 - typer turns each parameter into an option
    query: str | None = typer.Argument(None, help='Words to find; "quoted phrases", -exclusion, OR, prefix*.'),
    entity: list[str] = typer.Option(
        [], "--entity", "-e", help="Entity id (person:volodymyr-zelensky) or canonical name (repeat: all must match)."
    ),
    outlet: list[str] = typer.Option([], "--outlet", help="Outlet to keep (repeat: any may match)."),
    language: list[str] = typer.Option([], "--language", help="Language code to keep (repeat: any may match)."),
    since: str | None = typer.Option(None, "--since", help="Earliest date, ISO 8601 (e.g. 2022-09-01)."),
    until: str | None = typer.Option(None, "--until", help="Latest date, ISO 8601."),
    sort: str = typer.Option("relevance", "--sort", help="relevance, newest or oldest."),
    size: int = typer.Option(10, "--size", "-n", help="Hits to show (1-100)."),
    expand_duplicates: bool = typer.Option(False, "--expand-duplicates", help="Show republications separately."),
    by_story: bool = typer.Option(False, "--by-story", help="One hit per story, with its other reports."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON response instead of a table."),
) -> None:
    """Search the index from the terminal: the same search as the API's /search, as a table."""
    try:
        params = SearchParams.model_validate(
            {
                "q": query,
                "entity": entity,
                "outlet": outlet,
                "language": language,
                "since": since,
                "until": until,
                "sort": sort,
                "size": size,
                "expand_duplicates": expand_duplicates,
                "group": "story" if by_story else None,
            }
        )
    except ValidationError as exc:
        raise fail(ValueError(validation_problems(exc, "search"))) from exc
    try:
        result = SearchService(get_settings()).search(params)
    except ApiFailureError as exc:
        raise fail(RuntimeError(f"{exc.error}: {exc.detail}")) from exc
    if as_json:
        console.print_json(result.model_dump_json())
        return
    columns = ["date", "outlet", "title", "copies", "people"]
    title = f"{result.total} article(s)"
    if by_story:
        columns.append("story")
        title += f" in {result.total_stories} stories"
    table = Table(*columns, title=title, title_justify="left")
    for hit in result.hits:
        copies = hit.copy_count + hit.near_duplicate_count
        row = [
            hit.dated_at.date().isoformat(),
            hit.outlet or "-",
            _marked(hit.title_html),
            f"+{copies}" if copies else "",
            ", ".join(hit.people[:3]),
        ]
        if by_story:
            story = hit.story
            row.append(
                f"+{story.other_reports} reports from {story.outlet_count} outlet(s)\n{story.id}" if story else ""
            )
        table.add_row(*row)
    console.print(table)
    top = [f"{b.name} ({b.count})" for b in result.facets.people[:5]] if result.facets else []
    if top:
        console.print(f"top people: {', '.join(top)}")


def _marked(html: str) -> str:
    """The API's highlighted, HTML-escaped title as rich markup (matches in bold)."""
    parts = html.split("<mark>")
    out = escape(html_lib.unescape(parts[0]))
    for part in parts[1:]:
        match, _, rest = part.partition("</mark>")
        out += f"[bold yellow]{escape(html_lib.unescape(match))}[/]{escape(html_lib.unescape(rest))}"
    return out
