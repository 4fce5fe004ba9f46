"""The terminal: where commands print, and how a failure reaches the user."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


def fail(exc: Exception) -> typer.Exit:
    """Print ``exc`` as the command's error and return the exit (code 1) to raise."""
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
    return typer.Exit(code=1)
