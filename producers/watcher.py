"""Watch the ingest folder and hand each completely written file to the ingestor.

Polling finds every file on every filesystem (network mounts, bind mounts in
containers), including those that arrived while we were down: a file is
complete when its size and mtime have not changed for ``settle_seconds``.
Where the OS sends events (inotify, :mod:`close_events`), a file closed
after writing or renamed into place is complete at once, and an event wakes
the loop, so a dropped file is sent within milliseconds rather than after the
settle time. Dot-files and editors' temporary names are ignored, so writers
can write ``.name.part`` and rename it into place.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from newsflow.infra.settings import Settings
from newsflow.producers.close_events import CloseEvents, open_close_events
from newsflow.producers.files import FileIngestor, FileReport
from newsflow.producers.publisher import PublishError

log = logging.getLogger("newsflow.watcher")

_TEMPORARY_SUFFIXES = (".part", ".tmp", ".crdownload", ".swp", "~")


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    stable_since: float


def candidate_files(root: Path, skip: tuple[Path, ...]) -> list[Path]:
    """Files under ``root`` that may be articles, oldest first.

    Dot-names and the ``skip`` folders are not entered: the processed folder grows by a file an article, and
    listing it on every poll made the daemon's CPU grow with it (a third of a core after 2 000 files). A
    symlink is a candidate, never followed: the ingestor rejects it with a note when it leads out of the
    folder or to something that is not a file.
    """
    skipped = {os.path.abspath(p) for p in skip}
    found: list[tuple[float, Path]] = []
    folders = [str(root)]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except (FileNotFoundError, NotADirectoryError):
            continue  # removed (or replaced) since it was listed
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if os.path.abspath(entry.path) not in skipped:
                        folders.append(entry.path)
                elif not entry.name.endswith(_TEMPORARY_SUFFIXES) and (entry.is_file() or entry.is_symlink()):
                    found.append((entry.stat(follow_symlinks=False).st_mtime, Path(entry.path)))
            except FileNotFoundError:
                continue
    return [p for _, p in sorted(found)]


class DirectoryWatcher:
    """Polls the ingest folder until :meth:`stop` is called."""

    def __init__(self, settings: Settings, ingestor: FileIngestor, poll_seconds: float = 0.5) -> None:
        self.settings = settings
        self.ingestor = ingestor
        self.poll_seconds = poll_seconds
        self._seen: dict[Path, _Seen] = {}
        # Files the OS said were closed after writing or moved in since the last poll.
        self._closed: set[Path] = set()
        self._stop = threading.Event()
        # Set once the folder is watched: a file written after that is seen as soon as it is closed.
        self.watching = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Loop until stopped; Kafka outages and file system errors are waited out, the file is retried."""
        root = self.settings.ingest_dir
        root.mkdir(parents=True, exist_ok=True)
        events = open_close_events(root, self._skipped())
        log.info("watching", extra={"folder": str(root), "events": events is not None})
        self.watching.set()
        try:
            self._loop(events)
        finally:
            if events is not None:
                events.close()

    def _loop(self, events: CloseEvents | None) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except PublishError as exc:
                log.error("Kafka unavailable; retrying the file shortly", extra={"error": str(exc)})
                self.ingestor.metrics.retry("kafka")
                self._stop.wait(5.0)
            except OSError as exc:
                # E.g. the ingest disk is full when moving a file: it stays in the folder and is tried again
                # (re-sent records keep their ids), rather than the daemon dying with the file half-handled.
                log.error("cannot handle a file in the ingest folder; retrying shortly", extra={"error": str(exc)})
                self.ingestor.metrics.retry("filesystem")
                self._stop.wait(5.0)
            if events is None:
                self._stop.wait(self.poll_seconds)
            else:
                self._closed.update(events.wait(self.poll_seconds))

    def _skipped(self) -> tuple[Path, ...]:
        return (self.settings.processed_path, self.settings.rejected_path)

    def poll_once(self) -> list[FileReport]:
        """Ingest every file that has settled since the last poll."""
        now = time.monotonic()
        files = candidate_files(self.settings.ingest_dir, self._skipped())
        present = set(files)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        self._closed &= present
        reports = []
        for path in files:
            if self._stop.is_set():
                break
            if self._settled(path, now):
                reports.append(self.ingestor.ingest(path))
                self._seen.pop(path, None)
        return reports

    def _settled(self, path: Path, now: float) -> bool:
        if path in self._closed:
            self._closed.discard(path)
            return True
        try:
            stat = path.lstat()
        except FileNotFoundError:
            self._seen.pop(path, None)
            return False
        seen = self._seen.get(path)
        if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
            # A file already older than the settle time (e.g. there before we started) is complete.
            return time.time() - stat.st_mtime >= self.settings.settle_seconds and seen is None
        return now - seen.stable_since >= self.settings.settle_seconds
