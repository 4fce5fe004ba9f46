"""``newsflow ingest``: send files to Kafka once, in place."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from newsflow.cli.console import console, err_console, fail
from newsflow.infra.settings import get_settings
from newsflow.producers.files import FileIngestor, Outcome
from newsflow.producers.publisher import Publisher, PublishError
from newsflow.producers.watcher import candidate_files


def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (read recursively) to send."),
) -> None:
    """Send article files to Kafka once, in place (they are not moved); shows progress and a summary."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += candidate_files(path, ())
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            raise fail(FileNotFoundError(f"{path}: no such file or folder"))
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
        raise fail(exc) from exc
    console.print(
        f"{len(files)} file(s): {counts[Outcome.PROCESSED]} sent ({articles} articles), "
        f"{counts[Outcome.REJECTED]} rejected, {counts[Outcome.VANISHED]} vanished"
    )
