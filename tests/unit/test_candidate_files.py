"""Which files of the ingest folder the watcher considers, and which folders it never lists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.producers.watcher import candidate_files


@pytest.fixture
def ingest_folder(tmp_path: Path) -> Path:
    """An ingest folder with articles, a sub-folder, dot and temporary names, and a full processed folder."""
    root = tmp_path / "ingest"
    for relative in ["a.txt", "sub/b.json", ".hidden.txt", "c.txt.part", ".cache/d.txt", "sub/e.tmp"]:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("Title\nBody.")
    for n in range(50):
        (root / "processed" / f"{n}.txt").parent.mkdir(parents=True, exist_ok=True)
        (root / "processed" / f"{n}.txt").write_text("Done\nAlready sent.")
    (root / "link-to-sub").symlink_to(root / "sub", target_is_directory=True)
    return root


def test_articles_are_found_and_dot_temporary_and_skipped_names_are_not(ingest_folder: Path) -> None:
    found = candidate_files(ingest_folder, (ingest_folder / "processed",))
    relative = sorted(str(p.relative_to(ingest_folder)) for p in found)
    # The folder symlink is a candidate (the ingestor rejects it with a note) and is not followed.
    assert relative == ["a.txt", "link-to-sub", "sub/b.json"]


def test_the_skipped_folders_and_dot_folders_are_never_listed(
    ingest_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed: list[str] = []
    scandir = os.scandir

    def recording_scandir(path: str) -> Iterator[os.DirEntry[str]]:
        listed.append(os.path.relpath(path, ingest_folder))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", recording_scandir)  # the module the watcher calls
    candidate_files(ingest_folder, (ingest_folder / "processed",))
    assert sorted(listed) == [".", "sub"]
