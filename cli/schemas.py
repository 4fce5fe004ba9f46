"""``newsflow schemas export``: the Kafka messages' JSON Schemas, for consumers in other languages."""

from __future__ import annotations

from pathlib import Path

import typer

from newsflow.cli.console import console, fail
from newsflow.schemas.json_schema import exported_files

app = typer.Typer(help="The message contracts as JSON Schema.", no_args_is_help=True)


@app.command()
def export(
    folder: Path = typer.Argument(Path("schemas/json"), help="Where to write the files (created if missing)."),
) -> None:
    """Write one JSON Schema per topic's message model and version, and topics.json naming them."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files = exported_files()
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8")
    except OSError as exc:
        raise fail(OSError(f"writing the schemas to {folder} failed: {exc}")) from exc
    console.print(f"{len(files)} file(s) written to {folder}")
