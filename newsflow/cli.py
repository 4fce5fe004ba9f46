"""The ``newsflow`` command: one entry point, a subcommand per job."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from newsflow.logs import configure_logging
from newsflow.settings import get_settings, settings_markdown_table
from stack.errors import StackError

app = typer.Typer(help="newsflow: streaming news ingest and search.", no_args_is_help=True, add_completion=False)
console = Console()
err_console = Console(stderr=True)


@app.callback()
def _setup() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)


def _fail(exc: Exception) -> typer.Exit:
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
    return typer.Exit(code=1)


@app.command()
def up(
    detach: bool = typer.Option(False, "--detach", "-d", help="Return once everything is healthy."),
    services_only: bool = typer.Option(
        False, "--services-only", help="Start only Kafka and Elasticsearch (with topics and index), not the pipeline."
    ),
) -> None:
    """Start Kafka, Elasticsearch, the pipeline and the API; stay in the foreground unless --detach."""
    from stack.stack import LocalStack

    local = LocalStack(get_settings())
    try:
        started = local.up(with_pipeline=not services_only)
    except StackError as exc:
        raise _fail(exc) from exc
    _print_status(local)
    console.print(f"started: {', '.join(started) or 'nothing (all were running)'}")
    if detach:
        return
    console.print("running in the foreground (processes that exit are restarted); Ctrl-C stops everything")
    try:
        local.wait_foreground(with_pipeline=not services_only)
    except StackError as exc:
        raise _fail(exc) from exc


@app.command()
def down() -> None:
    """Stop every process of the local stack gracefully (data is kept)."""
    from stack.stack import LocalStack

    stopped = LocalStack(get_settings()).down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@app.command()
def status() -> None:
    """Each component with its port, pid and health. Exit code 1 if any is unhealthy."""
    from stack.stack import LocalStack

    local = LocalStack(get_settings())
    if not _print_status(local):
        raise typer.Exit(code=1)


def _print_status(local: object) -> bool:
    from stack.stack import LocalStack

    assert isinstance(local, LocalStack)
    table = Table("component", "port", "pid", "health", "detail")
    healthy = True
    for row in local.status():
        healthy &= row.healthy
        colour = "green" if row.healthy else "red"
        table.add_row(row.name, str(row.port or ""), str(row.pid or ""), f"[{colour}]{row.state}[/]", row.detail)
    console.print(table)
    return healthy


@app.command()
def fetch() -> None:
    """Download the Kafka and Elasticsearch jars from Maven Central (once; later runs are instant)."""
    from stack.artifacts import ensure_jars

    settings = get_settings()
    try:
        for service in ("kafka", "elasticsearch"):
            path = ensure_jars(service, settings.lib_dir, settings.log_dir)
            console.print(f"{service}: {path}")
    except StackError as exc:
        raise _fail(exc) from exc


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (read recursively) to send."),
) -> None:
    """Send article files to Kafka once, in place (they are not moved); shows progress and a summary."""
    from rich.progress import Progress

    from producers.files import FileIngestor, Outcome
    from producers.publisher import Publisher, PublishError
    from producers.watcher import candidate_files

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += candidate_files(path, ())
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            raise _fail(FileNotFoundError(f"{path}: no such file or folder"))
    settings = get_settings()
    counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)
    articles = 0
    try:
        with Publisher(settings) as publisher, Progress(console=err_console) as progress:
            ingestor = FileIngestor(settings, publisher, move_files=False)
            task = progress.add_task("sending", total=len(files))
            for path in files:
                report = ingestor.ingest(path)
                counts[report.outcome] += 1
                articles += report.articles
                if report.outcome is Outcome.REJECTED:
                    progress.console.print(f"[yellow]rejected[/] {path}: {report.error}: {report.reason}")
                progress.advance(task)
    except PublishError as exc:
        raise _fail(exc) from exc
    console.print(
        f"{len(files)} file(s): {counts[Outcome.PROCESSED]} sent ({articles} articles), "
        f"{counts[Outcome.REJECTED]} rejected, {counts[Outcome.VANISHED]} vanished"
    )


@app.command()
def search(  # noqa: PLR0917 - typer turns each parameter into an option
    query: str | None = typer.Argument(None, help='Words to find; "quoted phrases", -exclusion, OR, prefix*.'),
    entity: list[str] = typer.Option([], "--entity", "-e", help="Canonical entity name (repeat: all must match)."),
    outlet: list[str] = typer.Option([], "--outlet", help="Outlet to keep (repeat: any may match)."),
    language: list[str] = typer.Option([], "--language", help="Language code to keep (repeat: any may match)."),
    since: str | None = typer.Option(None, "--since", help="Earliest date, ISO 8601 (e.g. 2022-09-01)."),
    until: str | None = typer.Option(None, "--until", help="Latest date, ISO 8601."),
    sort: str = typer.Option("relevance", "--sort", help="relevance, newest or oldest."),
    size: int = typer.Option(10, "--size", "-n", help="Hits to show (1-100)."),
    expand_duplicates: bool = typer.Option(False, "--expand-duplicates", help="Show republications separately."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON response instead of a table."),
) -> None:
    """Search the index from the terminal: the same search as the API's /search, as a table."""
    from pydantic import ValidationError

    from api.service import ApiFailureError, SearchService
    from schemas.search import SearchParams

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
            }
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'search'}: {e['msg']}" for e in exc.errors())
        raise _fail(ValueError(problems)) from exc
    try:
        result = SearchService(get_settings()).search(params)
    except ApiFailureError as exc:
        raise _fail(RuntimeError(f"{exc.error}: {exc.detail}")) from exc
    if as_json:
        console.print_json(result.model_dump_json())
        return
    table = Table(
        "date", "outlet", "title", "copies", "people", title=f"{result.total} article(s)", title_justify="left"
    )
    for hit in result.hits:
        copies = hit.copy_count + hit.near_duplicate_count
        table.add_row(
            hit.dated_at.date().isoformat(),
            hit.outlet or "-",
            _marked(hit.title_html),
            f"+{copies}" if copies else "",
            ", ".join(hit.people[:3]),
        )
    console.print(table)
    top = [f"{b.value} ({b.count})" for b in result.facets.people[:5]]
    if top:
        console.print(f"top people: {', '.join(top)}")


def _marked(html: str) -> str:
    """The API's highlighted, HTML-escaped title as rich markup (matches in bold)."""
    import html as html_lib

    from rich.markup import escape

    parts = html.split("<mark>")
    out = escape(html_lib.unescape(parts[0]))
    for part in parts[1:]:
        match, _, rest = part.partition("</mark>")
        out += f"[bold yellow]{escape(html_lib.unescape(match))}[/]{escape(html_lib.unescape(rest))}"
    return out


@app.command()
def replay(
    from_offset: int | None = typer.Option(None, "--from-offset", help="Replay every partition from this offset."),
    since: datetime | None = typer.Option(None, "--since", help="Replay records written at or after this time."),
) -> None:
    """Run articles.raw through the pipeline again from an offset or a time (documents are rewritten in place)."""
    from rich.progress import Progress

    from processors.replay import replay as run_replay

    if (from_offset is None) == (since is None):
        raise _fail(ValueError("give exactly one of --from-offset and --since"))
    when = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    with Progress(console=err_console) as progress:
        task = progress.add_task("replaying", total=None)
        try:
            report = run_replay(
                get_settings(), from_offset=from_offset, since=when, on_record=lambda: progress.advance(task)
            )
        except ValueError as exc:
            raise _fail(exc) from exc
    console.print(f"re-published {report.records} record(s) of {report.topic}: {report.partitions}")


@app.command()
def reindex() -> None:
    """Build the next version of the index from the current one and move the alias to it (no downtime)."""
    from processors.reindex import reindex as run_reindex

    try:
        report = run_reindex(get_settings())
    except ValueError as exc:
        raise _fail(exc) from exc
    console.print(
        f"{report.old_index} -> {report.new_index}: {report.copied} copied, {report.caught_up} caught up; alias moved"
    )


@app.command("bootstrap")
def bootstrap_command() -> None:
    """Create the topics and the index template/alias on the configured Kafka and Elasticsearch."""
    from stack.bootstrap import bootstrap

    try:
        bootstrap(get_settings())
    except StackError as exc:
        raise _fail(exc) from exc
    console.print("topics and index ready")


@app.command("clean-data")
def clean_data() -> None:
    """Delete the local Kafka, Elasticsearch and state data (only while the stack is down)."""
    from stack.stack import LocalStack

    try:
        removed = LocalStack(get_settings()).clean_data()
    except StackError as exc:
        raise _fail(exc) from exc
    console.print(f"removed {removed}" if removed else "no data to remove")


@app.command()
def config(markdown: bool = typer.Option(False, "--markdown", help="Print the README's configuration table.")) -> None:
    """Show the effective configuration (or the documented table)."""
    if markdown:
        print(settings_markdown_table())
        return
    for name, value in get_settings().model_dump().items():
        print(f"{name} = {value}")


@app.command("kibana-setup")
def kibana_setup(
    file: Path | None = typer.Option(
        None, "--file", help="Saved objects to import (default: kibana/saved_objects.ndjson of the project)."
    ),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds to wait for Kibana to answer."),
) -> None:
    """Import the data view, saved search, visualizations and dashboard into Kibana (overwriting them)."""
    from stack.kibana import SAVED_OBJECTS_PATH, import_saved_objects

    settings = get_settings()
    try:
        # The data view follows NEWSFLOW_INDEX_ALIAS, whatever alias the file names.
        count = import_saved_objects(
            settings.kibana_url, file or SAVED_OBJECTS_PATH, index_alias=settings.index_alias, timeout_s=timeout
        )
    except (StackError, OSError, ValueError) as exc:
        raise _fail(exc) from exc
    console.print(f"{count} saved object(s) imported into Kibana at {settings.kibana_url}")


def main() -> None:
    """Entry point for ``python -m newsflow``."""
    sys.exit(app())
