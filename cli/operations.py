"""``newsflow replay``, ``reindex``, ``bootstrap``, ``kibana-setup``: jobs against a running deployment."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.progress import Progress

from newsflow.cli.console import console, err_console, fail
from newsflow.infra.settings import get_settings
from newsflow.operations.bootstrap import bootstrap as run_bootstrap
from newsflow.operations.errors import OperationError
from newsflow.operations.kibana import SAVED_OBJECTS_PATH, import_saved_objects, index_pattern_titles
from newsflow.operations.reindex import reindex as run_reindex
from newsflow.operations.replay import replay as run_replay


def replay(
    from_offset: int | None = typer.Option(None, "--from-offset", help="Replay every partition from this offset."),
    since: datetime | None = typer.Option(None, "--since", help="Replay records written at or after this time."),
) -> None:
    """Run articles.raw through the pipeline again from an offset or a time (documents are rewritten in place)."""
    if (from_offset is None) == (since is None):
        raise fail(ValueError("give exactly one of --from-offset and --since"))
    when = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    with Progress(console=err_console) as progress:
        task = progress.add_task("replaying", total=None)
        try:
            report = run_replay(
                get_settings(), from_offset=from_offset, since=when, on_record=lambda: progress.advance(task)
            )
        except ValueError as exc:
            raise fail(exc) from exc
    console.print(f"re-published {report.records} record(s) of {report.topic}: {report.partitions}")


def reindex() -> None:
    """Build the next version of the index from the current one and move the alias to it (no downtime)."""
    try:
        report = run_reindex(get_settings())
    except ValueError as exc:
        raise fail(exc) from exc
    console.print(
        f"{report.old_index} -> {report.new_index}: {report.copied} copied, {report.caught_up} caught up; alias moved"
    )


def bootstrap() -> None:
    """Create the topics and the index template/alias on the configured Kafka and Elasticsearch."""
    try:
        run_bootstrap(get_settings())
    except OperationError as exc:
        raise fail(exc) from exc
    console.print("topics and index ready")


def kibana_setup(
    file: Path | None = typer.Option(
        None, "--file", help="Saved objects to import (default: kibana/saved_objects.ndjson of the project)."
    ),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds to wait for Kibana to answer."),
) -> None:
    """Import the data views, saved searches, visualizations and dashboard into Kibana (overwriting them)."""
    settings = get_settings()
    source = file or SAVED_OBJECTS_PATH
    try:
        # The data views follow NEWSFLOW_INDEX_ALIAS and the stories alias, whatever aliases the file names.
        titles = index_pattern_titles(settings)
        count = import_saved_objects(settings.kibana_url, source, index_titles=titles, timeout_s=timeout)
    except (OperationError, OSError, ValueError) as exc:
        raise fail(exc) from exc
    console.print(f"{count} saved object(s) imported into Kibana at {settings.kibana_url}")
