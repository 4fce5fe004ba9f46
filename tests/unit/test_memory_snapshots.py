"""The worker's memory snapshots, and their comparison by allocation site (bench/memory_growth.py)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.memory_growth import growth_by_site, report
from newsflow.processors.memory_snapshots import MemorySnapshots


@pytest.fixture
def tracing_snapshots(tmp_path: Path) -> Iterator[MemorySnapshots]:
    """Snapshots of this test process into a fresh folder; tracing stops after the test."""
    snapshots = MemorySnapshots(tmp_path / "snapshots", "7")
    snapshots.start()
    yield snapshots
    tracemalloc.stop()


def _kept_texts() -> list[str]:
    return [f"text {n}" * 3 for n in range(5_000)]


def test_the_growth_between_two_snapshots_is_named_by_the_line_that_kept_it(
    tracing_snapshots: MemorySnapshots,
) -> None:
    before = tracing_snapshots.write()
    kept = _kept_texts()
    after = tracing_snapshots.write()

    keeping_line = f"test_memory_snapshots.py:{_kept_texts.__code__.co_firstlineno + 1}"
    sites = growth_by_site(before, after, depth=1)
    site, growth = max(sites.items(), key=lambda item: item[1].blocks)

    assert len(kept) == 5_000
    assert site[0].endswith(keeping_line)
    assert growth.blocks >= 5_000
    assert growth.size >= 5_000 * len("text 0" * 3)
    assert before.name.startswith("worker-7-") and before.suffix == ".tracemalloc"
    assert keeping_line in "\n".join(report(sites, top=3))
