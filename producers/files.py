"""One file's journey: read, parse, publish, then move to processed/ or rejected/.

The order is what makes a crash harmless: a file leaves the ingest folder only
after Kafka acknowledged every record made from it. A crash before the move
means the file is sent again on restart; its records carry the same ids
(file digest + position), so the pipeline recognises them and indexes nothing twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from newsflow.infra.settings import Settings
from newsflow.producers.formats import FileRejected, ParsedArticle, RecordError, parse_file
from newsflow.producers.metrics import ProducerMetrics
from newsflow.producers.publisher import OutgoingRecord, Publisher, PublishError
from newsflow.schemas.articles import RawArticle, SourceInfo
from newsflow.schemas.deadletter import MAX_PAYLOAD_CHARS, DeadLetter, Stage
from newsflow.schemas.files import FileOutcome, FileReceipt
from newsflow.schemas.topics import DEADLETTER, FILES, RAW

log = logging.getLogger("newsflow.producer")


class Outcome(StrEnum):
    PROCESSED = "processed"
    REJECTED = "rejected"
    VANISHED = "vanished"  # deleted before we could read it: nothing left to lose


@dataclass
class FileReport:
    path: Path
    outcome: Outcome
    articles: int = 0
    record_errors: list[RecordError] = field(default_factory=list)
    error: str | None = None
    reason: str | None = None


class FileIngestor:
    """Turns files into Kafka records; in ``move_files`` mode it also empties the ingest folder.

    ``metrics`` counts what it does (the daemon serves them); by default they go to a registry nobody reads.
    """

    def __init__(
        self,
        settings: Settings,
        publisher: Publisher,
        move_files: bool = True,
        metrics: ProducerMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.publisher = publisher
        self.move_files = move_files
        self.metrics = metrics if metrics is not None else ProducerMetrics()
        self.raw_topic = RAW.name(settings.topic_prefix)
        self.deadletter_topic = DEADLETTER.name(settings.topic_prefix)
        self.files_topic = FILES.name(settings.topic_prefix)

    def _display_name(self, path: Path) -> str:
        try:
            return str(path.absolute().relative_to(self.settings.ingest_dir.absolute()))
        except ValueError:
            return str(path)

    def ingest(self, path: Path) -> FileReport:
        """Process one file completely; never raises for bad input, only for Kafka being unavailable."""
        started = time.perf_counter()
        try:
            report = self._ingest(path)
        except PublishError:
            self.metrics.publish_failed()
            raise
        self.metrics.file_handled(report, time.perf_counter() - started)
        return report

    def _ingest(self, path: Path) -> FileReport:
        name = self._display_name(path)
        try:
            data = self._read(path)
            fmt, results = parse_file(path.name, data)
        except FileRejected as rejected:
            return self._reject(path, name, rejected)
        except FileNotFoundError:
            log.warning("file vanished before it was read", extra={"file": name})
            return FileReport(path, Outcome.VANISHED)

        received_at = datetime.now(UTC)
        digest = hashlib.sha256(data).hexdigest()
        records: list[OutgoingRecord] = []
        errors: list[RecordError] = []
        for position, result in enumerate(results):
            if isinstance(result, RecordError):
                errors.append(result)
                records.append(self._deadletter(name, result.error, result.reason, result.record_index, result.payload))
                continue
            source = SourceInfo(
                path=name, file_sha256=digest, format=fmt, record_index=position, received_at=received_at
            )
            records.append(OutgoingRecord(self.raw_topic, source.source_id, _raw_article(result, source)))
        articles = len(records) - len(errors)
        if articles == 0:
            first = errors[0]
            return self._reject(path, name, FileRejected(first.error, f"no usable article in the file: {first.reason}"))
        receipt = FileReceipt(
            path=name,
            file_sha256=digest,
            format=fmt,
            outcome=FileOutcome.PROCESSED,
            articles=articles,
            record_errors=len(errors),
            handled_at=received_at,
        )
        self.publisher.send_all([*records, OutgoingRecord(self.files_topic, name, receipt)])
        if self.move_files:
            _move(path, self.settings.processed_path / name)
        log.info("file sent", extra={"file": name, "format": fmt.value, "articles": articles, "errors": len(errors)})
        return FileReport(path, Outcome.PROCESSED, articles=articles, record_errors=errors)

    def _read(self, path: Path) -> bytes:
        # Resolve every file, not only symlinks: a symlinked folder on the way out counts too.
        target = path.resolve()
        root = self.settings.ingest_dir.resolve()
        if not target.is_relative_to(root) and path.absolute().is_relative_to(self.settings.ingest_dir.absolute()):
            raise FileRejected(
                "SymlinkOutsideIngest",
                f"the path leads outside the ingest folder ({target}); copy the file in instead",
            )
        if target.exists() and not target.is_file():
            raise FileRejected("NotAFile", f"{target} is not a regular file (a folder, device or pipe); remove it")
        size = path.stat().st_size
        if size > self.settings.max_file_bytes:
            raise FileRejected(
                "FileTooLarge",
                f"the file has {size:,} bytes, more than NEWSFLOW_MAX_FILE_BYTES={self.settings.max_file_bytes:,}; "
                "split it or raise the limit",
            )
        with path.open("rb") as handle:
            # Read at most one byte past the limit: the file may grow while we read.
            data = handle.read(self.settings.max_file_bytes + 1)
        if len(data) > self.settings.max_file_bytes:
            raise FileRejected("FileTooLarge", "the file grew past NEWSFLOW_MAX_FILE_BYTES while being read")
        return data

    def _deadletter(self, name: str, error: str, reason: str, index: int | None, payload: str = "") -> OutgoingRecord:
        letter = DeadLetter(
            stage=Stage.PRODUCER,
            error=error,
            reason=reason,
            path=name,
            record_index=index,
            payload=payload[:MAX_PAYLOAD_CHARS],
            failed_at=datetime.now(UTC),
        )
        return OutgoingRecord(self.deadletter_topic, f"{name}:{index}", letter)

    def _reject(self, path: Path, name: str, rejected: FileRejected) -> FileReport:
        log.warning("file rejected", extra={"file": name, "error": rejected.error, "reason": rejected.reason})
        receipt = FileReceipt(
            path=name, outcome=FileOutcome.REJECTED, error=rejected.error, handled_at=datetime.now(UTC)
        )
        self.publisher.send_all(
            [
                self._deadletter(name, rejected.error, rejected.reason, None),
                OutgoingRecord(self.files_topic, name, receipt),
            ]
        )
        if self.move_files and (path.exists() or path.is_symlink()):
            dest = _move(path, self.settings.rejected_path / name)
            note = {"file": name, "error": rejected.error, "reason": rejected.reason, "rejected_at": _now()}
            _write_note(dest.with_name(dest.name + ".error.json"), note)
        return FileReport(path, Outcome.REJECTED, error=rejected.error, reason=rejected.reason)


def _raw_article(parsed: ParsedArticle, source: SourceInfo) -> RawArticle:
    return RawArticle(
        title=parsed.title,
        body=parsed.body,
        outlet=parsed.outlet,
        url=parsed.url,
        published_at=parsed.published_at,
        language=parsed.language,
        source=source,
    )


def _write_note(path: Path, note: dict[str, str]) -> None:
    """Write the .error.json beside a rejected file; a failure (e.g. a full disk) is logged, not raised.

    The file itself is already safe in rejected/ and the reason is on the dead-letter
    and files topics: a missing note must not stop the producer (it would stop ingesting altogether).
    """
    try:
        path.write_text(json.dumps(note, indent=2) + "\n")
    except OSError as exc:
        log.error(
            "could not write the rejection note; the file is kept in the rejected folder, the reason is on the "
            "dead-letter topic",
            extra={"file": note["file"], "note": str(path), "error": str(exc)},
        )
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)  # no half-written note that a reader would take for the whole reason


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _move(src: Path, dest: Path) -> Path:
    """Move without overwriting: a second file of the same name gets a numbered suffix."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = dest, 1
    while candidate.exists() or candidate.is_symlink():
        candidate = dest.with_name(f"{dest.stem}.{n}{dest.suffix}")
        n += 1
    os.replace(src, candidate)
    return candidate
