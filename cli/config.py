"""``newsflow config``: the effective configuration, or the README's table of it."""

from __future__ import annotations

import typer

from newsflow.infra.settings import get_settings, settings_markdown_table


def config(markdown: bool = typer.Option(False, "--markdown", help="Print the README's configuration table.")) -> None:
    """Show the effective configuration (or the documented table)."""
    if markdown:
        print(settings_markdown_table())
        return
    for name, value in get_settings().model_dump().items():
        print(f"{name} = {value}")
