"""``newsflow up``, ``down``, ``status``, ``fetch``, ``clean-data``: the local stack on this machine."""

from __future__ import annotations

import typer
from rich.table import Table

from newsflow.cli.console import console, fail
from newsflow.infra.settings import get_settings
from newsflow.stack.admin_key import admin_key_path
from newsflow.stack.artifacts import ensure_jars
from newsflow.stack.errors import StackError
from newsflow.stack.ner_model_fetch import ensure_ner_model
from newsflow.stack.stack import LocalStack


def up(
    detach: bool = typer.Option(False, "--detach", "-d", help="Return once everything is healthy."),
    services_only: bool = typer.Option(
        False, "--services-only", help="Start only Kafka and Elasticsearch (with topics and index), not the pipeline."
    ),
) -> None:
    """Start Kafka, Elasticsearch, the pipeline and the API; stay in the foreground unless --detach."""
    local = LocalStack(get_settings())
    try:
        started = local.up(with_pipeline=not services_only)
    except StackError as exc:
        raise fail(exc) from exc
    print_status(local)
    console.print(f"started: {', '.join(started) or 'nothing (all were running)'}")
    if not services_only and local.settings.admin_key is None:
        console.print(f"admin key (saving searches, replay, reindex): in {admin_key_path(local.settings)}")
    if detach:
        return
    console.print("running in the foreground (processes that exit are restarted); Ctrl-C stops everything")
    try:
        local.wait_foreground(with_pipeline=not services_only)
    except StackError as exc:
        raise fail(exc) from exc


def down() -> None:
    """Stop every process of the local stack gracefully (data is kept)."""
    stopped = LocalStack(get_settings()).down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


def status() -> None:
    """Each component with its port, pid and health. Exit code 1 if any is unhealthy."""
    if not print_status(LocalStack(get_settings())):
        raise typer.Exit(code=1)


def print_status(local: LocalStack) -> bool:
    """Print the stack's components as a table; True when all are healthy."""
    table = Table("component", "port", "pid", "health", "detail")
    healthy = True
    for row in local.status():
        healthy &= row.healthy
        colour = "green" if row.healthy else "red"
        table.add_row(row.name, str(row.port or ""), str(row.pid or ""), f"[{colour}]{row.state}[/]", row.detail)
    console.print(table)
    return healthy


def fetch(
    ner_model_only: bool = typer.Option(
        False, "--ner-model-only", help="Only the NER pipeline (NEWSFLOW_NER_MODEL), not the jars (an image build)."
    ),
) -> None:
    """Download the Kafka and Elasticsearch jars from Maven Central and the NER pipeline (once; later runs are
    instant)."""
    settings = get_settings()
    try:
        if not ner_model_only:
            for service in ("kafka", "elasticsearch"):
                path = ensure_jars(service, settings.lib_dir, settings.log_dir)
                console.print(f"{service}: {path}")
        console.print(f"NER pipeline {settings.ner_model}: {ensure_ner_model(settings)}")
    except StackError as exc:
        raise fail(exc) from exc


def clean_data() -> None:
    """Delete the local Kafka, Elasticsearch and state data (only while the stack is down)."""
    try:
        removed = LocalStack(get_settings()).clean_data()
    except StackError as exc:
        raise fail(exc) from exc
    console.print(f"removed {removed}" if removed else "no data to remove")
