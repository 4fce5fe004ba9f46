"""The ``newsflow`` command: one entry point, a subcommand per job (each in the module named for it)."""

from __future__ import annotations

import sys

import typer

import newsflow
from newsflow.cli import alerts, config, ingest, local_stack, operations, schemas, search, stories
from newsflow.cli.console import console
from newsflow.infra.logs import configure_logging
from newsflow.infra.settings import get_settings

app = typer.Typer(help="newsflow: streaming news ingest and search.", no_args_is_help=True, add_completion=False)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"newsflow {newsflow.__version__}")
        raise typer.Exit


@app.callback()
def _setup(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
    ),
) -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)


app.command()(local_stack.up)
app.command()(local_stack.down)
app.command()(local_stack.status)
app.command()(local_stack.fetch)
app.command("clean-data")(local_stack.clean_data)
app.command()(ingest.ingest)
app.command()(search.search)
app.command()(stories.stories)
app.command()(operations.replay)
app.command()(operations.reindex)
app.command()(operations.bootstrap)
app.command("kibana-setup")(operations.kibana_setup)
app.command()(config.config)
app.add_typer(schemas.app, name="schemas")
app.add_typer(alerts.app, name="alerts")


def main() -> None:
    """Entry point for ``python -m newsflow``."""
    sys.exit(app())
