"""The articles the integration tests send, and how they send them (shared by the pipeline and API tests)."""

from __future__ import annotations

from pathlib import Path

from newsflow.infra.settings import Settings
from newsflow.producers.files import FileIngestor, Outcome
from newsflow.producers.publisher import Publisher
from tests.conftest import SAMPLES_DIR

REUTERS = SAMPLES_DIR / "000_9ba5c8d2ae63f718.txt"
OTHER = SAMPLES_DIR / "002_265324bba9e778b9.txt"
REPUBLISHED_TITLE = "Zelensky urges faster arms deliveries"


def send_files(settings: Settings, *paths: Path, move: bool = False) -> None:
    """Publish ``paths`` with the real producer code; each must be accepted."""
    with Publisher(settings) as publisher:
        ingestor = FileIngestor(settings, publisher, move_files=move)
        for path in paths:
            assert ingestor.ingest(path).outcome is Outcome.PROCESSED


def write_republication(path: Path) -> Path:
    """An edited republication of the Reuters sample: new headline, a byline, the last paragraph gone."""
    lines = REUTERS.read_text().splitlines()
    path.write_text("\n".join([REPUBLISHED_TITLE, "By a staff writer", *lines[:-3]]))
    return path
