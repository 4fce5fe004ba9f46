"""The producer's file handling against the real broker: what is sent, moved, rejected and dead-lettered."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from newsflow.infra.settings import Settings
from newsflow.producers.files import FileIngestor, Outcome
from newsflow.producers.publisher import Publisher
from newsflow.producers.watcher import DirectoryWatcher
from newsflow.schemas.articles import RawArticle
from newsflow.schemas.deadletter import DeadLetter
from newsflow.schemas.topics import DEADLETTER, RAW
from tests.conftest import SAMPLES_DIR
from tests.integration.index_queries import wait_for


def consume(settings: Settings, suffix_topic: str) -> list[bytes]:
    consumer = KafkaConsumer(
        suffix_topic, bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest", consumer_timeout_ms=5_000,
    )  # fmt: skip
    values = [m.value for m in consumer]
    consumer.close()
    return values


@pytest.fixture
def ingest_dir(isolated_settings: Settings) -> Path:
    """The sandbox's (empty) ingest folder."""
    isolated_settings.ingest_dir.mkdir(parents=True)
    return isolated_settings.ingest_dir


def run_watcher_once(settings: Settings) -> None:
    with Publisher(settings) as publisher:
        watcher = DirectoryWatcher(
            settings.model_copy(update={"settle_seconds": 0.0}), FileIngestor(settings, publisher)
        )
        watcher.poll_once()


def test_watcher_sends_settled_files_and_moves_them(isolated_settings: Settings, ingest_dir: Path) -> None:
    shutil.copy(SAMPLES_DIR / "000_9ba5c8d2ae63f718.txt", ingest_dir / "a.txt")
    (ingest_dir / ".b.txt.part").write_text("still being written")  # a writer's temporary name: left alone
    run_watcher_once(isolated_settings)

    assert (isolated_settings.processed_path / "a.txt").is_file()
    assert not (ingest_dir / "a.txt").exists()
    assert (ingest_dir / ".b.txt.part").exists()
    (raw,) = [
        RawArticle.model_validate_json(v) for v in consume(isolated_settings, RAW.name(isolated_settings.topic_prefix))
    ]
    assert raw.outlet == "Reuters" and raw.source.path == "a.txt"


def test_the_running_watcher_sends_a_closed_file_without_waiting_for_it_to_settle(
    isolated_settings: Settings, ingest_dir: Path
) -> None:
    """With inotify, a file closed after writing is complete at once: here the settle time is an hour."""
    hour = isolated_settings.model_copy(update={"settle_seconds": 3600.0})
    with Publisher(hour) as publisher:
        watcher = DirectoryWatcher(hour, FileIngestor(hour, publisher, move_files=True))
        running = threading.Thread(target=watcher.run, daemon=True)
        running.start()
        try:
            assert watcher.watching.wait(30), "the watcher starts watching"
            shutil.copy(SAMPLES_DIR / "000_9ba5c8d2ae63f718.txt", ingest_dir / "a.txt")
            wait_for((hour.processed_path / "a.txt").is_file, 60, "the closed file to be sent")
        finally:
            watcher.stop()
            running.join(10)
    assert not running.is_alive()
    (raw,) = [RawArticle.model_validate_json(v) for v in consume(hour, RAW.name(hour.topic_prefix))]
    assert raw.source.path == "a.txt"


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("empty.txt", b"", "EmptyFile"),
        ("bad.json", b'{"title": ', "InvalidJSON"),
        ("binary.txt", bytes(range(256)) * 4, "BinaryFile"),
    ],
)
def test_unusable_file_is_rejected_with_reason_and_dead_letter(
    isolated_settings: Settings, ingest_dir: Path, name: str, content: bytes, error: str
) -> None:
    (ingest_dir / name).write_bytes(content)
    run_watcher_once(isolated_settings)

    rejected = isolated_settings.rejected_path / name
    assert rejected.is_file() and rejected.read_bytes() == content  # nothing lost
    note = json.loads((isolated_settings.rejected_path / f"{name}.error.json").read_text())
    assert note["error"] == error and note["reason"]
    (letter,) = [
        DeadLetter.model_validate_json(v)
        for v in consume(isolated_settings, DEADLETTER.name(isolated_settings.topic_prefix))
    ]
    assert (letter.stage, letter.error, letter.path) == ("producer", error, name)


def test_file_over_the_size_limit_is_rejected_unread(isolated_settings: Settings, ingest_dir: Path) -> None:
    settings = isolated_settings.model_copy(update={"max_file_bytes": 1000})
    (ingest_dir / "big.txt").write_text("Big news\n" + "word " * 1000)
    run_watcher_once(settings)
    note = json.loads((settings.rejected_path / "big.txt.error.json").read_text())
    assert note["error"] == "FileTooLarge" and "NEWSFLOW_MAX_FILE_BYTES" in note["reason"]


def test_symlink_out_of_the_ingest_folder_is_rejected(
    isolated_settings: Settings, ingest_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Not for ingest\nThis file lives outside the ingest folder.")
    (ingest_dir / "link.txt").symlink_to(secret)
    run_watcher_once(isolated_settings)
    note = json.loads((isolated_settings.rejected_path / "link.txt.error.json").read_text())
    assert note["error"] == "SymlinkOutsideIngest"
    assert secret.read_text().startswith("Not for ingest")  # the target is untouched
    assert consume(isolated_settings, RAW.name(isolated_settings.topic_prefix)) == []


def test_symlinked_folders_and_special_files_never_leak_or_hang(
    isolated_settings: Settings, ingest_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Not for ingest\nThis file lives outside the ingest folder.")
    (ingest_dir / "escape").symlink_to(outside)  # a folder link: its files must not be read
    os.mkfifo(tmp_path / "pipe")
    (ingest_dir / "pipe.txt").symlink_to(tmp_path / "pipe")  # opening a FIFO would block forever
    (ingest_dir / "sub").mkdir()
    (ingest_dir / "folder-link").symlink_to(ingest_dir / "sub")
    run_watcher_once(isolated_settings)

    rejected = {
        p.name: json.loads(p.read_text())["error"] for p in isolated_settings.rejected_path.glob("*.error.json")
    }
    assert rejected == {
        "escape.error.json": "SymlinkOutsideIngest",
        "pipe.txt.error.json": "SymlinkOutsideIngest",
        "folder-link.error.json": "NotAFile",
    }
    assert (outside / "secret.txt").exists()
    assert consume(isolated_settings, RAW.name(isolated_settings.topic_prefix)) == []


def test_file_deleted_before_it_is_read_is_reported_not_fatal(isolated_settings: Settings, ingest_dir: Path) -> None:
    path = ingest_dir / "gone.txt"
    path.write_text("Gone\nThis file disappears.")
    os.remove(path)
    with Publisher(isolated_settings) as publisher:
        report = FileIngestor(isolated_settings, publisher).ingest(path)
    assert report.outcome is Outcome.VANISHED


def test_ndjson_with_a_broken_line_sends_the_good_ones(isolated_settings: Settings, ingest_dir: Path) -> None:
    lines = [
        json.dumps({"title": "One", "body": "First body."}),
        '{"title": "Two", "bo',
        json.dumps({"body": "Third."}),
    ]
    (ingest_dir / "feed.ndjson").write_text("\n".join(lines))
    run_watcher_once(isolated_settings)
    assert (isolated_settings.processed_path / "feed.ndjson").is_file()
    raws = [
        RawArticle.model_validate_json(v) for v in consume(isolated_settings, RAW.name(isolated_settings.topic_prefix))
    ]
    assert sorted(r.body for r in raws) == ["First body.", "Third."]
    (letter,) = [
        DeadLetter.model_validate_json(v)
        for v in consume(isolated_settings, DEADLETTER.name(isolated_settings.topic_prefix))
    ]
    assert (letter.error, letter.record_index) == ("InvalidJSON", 1)
