"""Fault (f): the disk of the ingest folder fills up mid-stream.

The ingest folder is a 2 MiB tmpfs of its own (``mount -t tmpfs``, the suite
runs as root), so ``ENOSPC`` is real and touches nothing else. What must hold:
- a file written as ``<name>.part`` and renamed into place is ingested, disk
  full or not (a rename needs no space);
- a write that fails with ``ENOSPC`` leaves a partial ``.part`` file, which is
  never ingested;
- the producer's own writes that fail (the ``.error.json`` beside a rejected
  file) are logged as a clear error, the file is kept, the producer goes on;
- once space is freed, everything dropped afterwards is ingested.
"""

from __future__ import annotations

import collections
import errno
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.infra.settings import Settings
from tests.conftest import BBC_DIR
from tests.faults.alerts import check_alerts
from tests.faults.scenario import (
    CorpusSlice,
    Pipeline,
    article_id,
    bbc_slice,
    check_index,
    dead_letters,
    drop,
    indexed_count,
    ingest_name,
    log_lines,
    processed_files,
    record_recovery,
    wait_for_index,
    wait_until,
)

pytestmark = pytest.mark.faults

DISK_SIZE = "2m"
PAGE = 4096  # tmpfs hands out space in pages


@pytest.fixture
def small_ingest_disk(sandbox: Settings) -> Iterator[Path]:
    """The sandbox's ingest folder as a 2 MiB tmpfs, unmounted afterwards."""
    folder = sandbox.ingest_dir
    folder.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.fail(f"this scenario mounts a small tmpfs and needs root (CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)


def fill(path: Path) -> int:
    """Write ``path`` until the disk is full (``ENOSPC``); return its size."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while True:
            os.write(fd, b"\0" * 64 * 1024)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)
    return path.stat().st_size


def write_part(src: Path, part: Path) -> None:
    """Copy ``src`` to ``part`` chunk by chunk, as a writer that dies with the disk full leaves it."""
    data = src.read_bytes()
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for start in range(0, len(data), 1024):
            os.write(fd, data[start : start + 1024])
    finally:
        os.close(fd)


def outside(corpus: CorpusSlice, count: int) -> list[Path]:
    """The ``count`` largest BBC files whose text is not in ``corpus`` (nor in each other)."""
    taken = set(corpus.expected)
    chosen = []
    for path in sorted(BBC_DIR.rglob("*/*.txt"), key=lambda p: p.stat().st_size, reverse=True):
        text = article_id(path)
        if text not in taken:
            taken.add(text)
            chosen.append(path)
        if len(chosen) == count:
            return chosen
    raise AssertionError("not enough distinct texts in the corpus")


def test_full_ingest_disk_loses_no_complete_file_and_ingests_no_partial_one(
    sandbox: Settings, small_ingest_disk: Path, pipeline: Pipeline
) -> None:
    """Complete files are ingested, partial ones never; the producer's failed writes are logged, nothing lost."""
    ingest = small_ingest_disk
    corpus = bbc_slice(size=120, pairs=4)
    big, late = outside(corpus, 2)  # big: the write cut short by ENOSPC; late: renamed in while the disk is full
    assert big.stat().st_size > 3 * PAGE, "the cut-short write must span several pages"
    # Staged before the disk fills, renamed into place while it is full.
    late_part = ingest / f"{ingest_name(late)}.part"
    shutil.copyfile(late, late_part)
    binary_part = ingest / "binary.txt.part"
    binary_part.write_bytes(b"\0\1\2" * 100)  # a file the producer rejects: it must write a .error.json

    first_wave, second_wave = corpus.files[:60], corpus.files[60:]
    drop(first_wave, ingest)
    pipeline.start_worker()
    pipeline.start_producer()
    wait_until(lambda: len(processed_files(sandbox)) >= 30, 300, "30 files sent")

    # The disk fills up mid-stream; then free exactly enough for the start of the big file.
    filler = ingest / ".filler.part"
    size = fill(filler)
    os.truncate(filler, (size // PAGE - 1) * PAGE)
    partial = ingest / f"{ingest_name(big)}.part"
    with pytest.raises(OSError) as cut_short:
        write_part(big, partial)
    assert cut_short.value.errno == errno.ENOSPC
    assert 0 < partial.stat().st_size < big.stat().st_size, "the failed write left a partial .part file"

    # Disk full: renames still work, so a complete file arrives, and a file to reject.
    os.replace(late_part, ingest / ingest_name(late))
    os.replace(binary_part, ingest / "binary.txt")
    rejected = sandbox.rejected_path / "binary.txt"
    wait_until((sandbox.processed_path / ingest_name(late)).is_file, 300, "the late file sent, disk full")
    wait_until(rejected.is_file, 300, "the binary file moved to rejected/, disk full")
    errors = wait_until(
        lambda: list(log_lines(sandbox.home / "producer.log", "binary.txt", "No space left on device")),
        60, "the producer's error about the note it could not write",
    )  # fmt: skip
    assert rejected.read_bytes() == b"\0\1\2" * 100, "the rejected file is kept whole"
    assert not rejected.with_name("binary.txt.error.json").exists(), "no half-written note is left behind"
    assert pipeline.running("producer"), "a full disk is not a reason for the producer to die"

    filler.unlink()
    freed = time.monotonic()
    drop(second_wave, ingest)
    expected = CorpusSlice((*corpus.files, late), collections.Counter({**corpus.expected, article_id(late): 1}))
    recovery_s = wait_for_index(sandbox, expected, since=freed)

    check_index(sandbox, expected)  # includes: nothing from the partial file
    check_alerts(sandbox)  # every expected alert indexed exactly once
    assert partial.is_file(), "the partial file stays where it was, never picked up"
    assert indexed_count(sandbox) == expected.documents
    letters = dead_letters(sandbox)
    assert [(letter.path, letter.error) for letter in letters] == [("binary.txt", "BinaryFile")]
    assert pipeline.running("producer")
    record_recovery(
        "ingest_disk_full", recovery_s, meaning="space freed -> index complete",
        disk=DISK_SIZE, partial_bytes=partial.stat().st_size, producer_error=errors[0].split(": ", 1)[-1][:300],
        documents=expected.documents, copies=expected.copies,
    )  # fmt: skip
