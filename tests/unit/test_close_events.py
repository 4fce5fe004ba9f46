"""inotify events of the ingest folder: which files count as complete at once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.producers.close_events import CloseEvents, open_close_events


@pytest.fixture
def ingest_events(tmp_path: Path) -> Iterator[tuple[Path, CloseEvents]]:
    """An ingest folder with a ``processed`` folder inside, and its events (skipping ``processed``)."""
    root = tmp_path / "ingest"
    (root / "processed").mkdir(parents=True)
    events = open_close_events(root, (root / "processed",))
    assert events is not None, "this Linux machine has inotify"
    yield root, events
    events.close()


def test_a_file_closed_after_writing_is_complete(ingest_events: tuple[Path, CloseEvents]) -> None:
    root, events = ingest_events
    (root / "a.txt").write_text("Title\n\nBody")
    assert events.wait(5.0) == [root / "a.txt"]


def test_a_file_renamed_into_place_is_complete(ingest_events: tuple[Path, CloseEvents]) -> None:
    root, events = ingest_events
    (root / ".b.txt.part").write_text("Title\n\nBody")
    assert events.wait(5.0) == [root / ".b.txt.part"]  # the watcher ignores dot-files
    os.rename(root / ".b.txt.part", root / "b.txt")
    assert events.wait(5.0) == [root / "b.txt"]


def test_a_file_still_open_is_not_complete(ingest_events: tuple[Path, CloseEvents]) -> None:
    root, events = ingest_events
    with (root / "c.txt").open("w") as writer:
        writer.write("Title\n")
        writer.flush()
        assert events.wait(0.2) == []
    assert events.wait(5.0) == [root / "c.txt"]


def test_a_new_folder_is_watched_and_the_skipped_one_is_not(ingest_events: tuple[Path, CloseEvents]) -> None:
    root, events = ingest_events
    (root / "feed").mkdir()
    assert events.wait(5.0) == []  # the folder's creation adds its watch
    (root / "feed" / "d.txt").write_text("Title\n\nBody")
    (root / "processed" / "e.txt").write_text("moved here by the producer")
    assert events.wait(5.0) == [root / "feed" / "d.txt"]
    assert events.wait(0.2) == []
