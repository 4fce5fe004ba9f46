"""The worker's memory snapshots, and their comparison by allocation site (bench/memory_growth.py)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.memory_growth import census_growth, census_report, growth_by_site, report
from newsflow.processors.memory_snapshots import MemorySnapshots


@pytest.fixture
def tracing_snapshots(tmp_path: Path) -> Iterator[MemorySnapshots]:
    """Snapshots of this test process into a fresh folder; tracing stops after the test."""
    snapshots = MemorySnapshots(tmp_path / "snapshots", "7", kind="tracemalloc")
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


class _Keeper:
    """Holds a growing list and a dict of strings (which the collector does not track) as attributes."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.counts: dict[str, int] = {}


def test_the_growth_between_two_censuses_is_named_by_the_attribute_that_holds_it(tmp_path: Path) -> None:
    keeper = _Keeper()
    keeper.kept.extend(f"text {n}" for n in range(300))
    keeper.counts.update((f"word {n}", n) for n in range(300))
    snapshots = MemorySnapshots(tmp_path / "censuses", "3", kind="census")
    snapshots.start()
    before = snapshots.write()
    keeper.kept.extend(f"more {n}" for n in range(2_000))
    keeper.counts.update((f"other {n}", n) for n in range(1_000))
    after = snapshots.write()

    growth = census_growth(before, after)
    holder = f"{_Keeper.__module__}._Keeper"

    assert not tracemalloc.is_tracing()
    assert before.name.startswith("worker-3-001-") and before.name.endswith(".census.json")
    assert growth.by_holder[("list", f"{holder}.kept")] == 2_000
    assert growth.by_holder[("dict", f"{holder}.counts")] == 1_000
    assert f"{holder}.kept" in "\n".join(census_report(growth, top=3))
