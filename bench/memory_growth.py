"""What a worker's Python heap gained between two of its memory snapshots, by the code that allocated it.

The worker writes the snapshots when ``NEWSFLOW_WORKER_MEMORY_SNAPSHOTS_DIR`` is set
(processors/memory_snapshots.py); take two after the caches have filled (minutes 10 and 25 of a 25-minute soak, say):

    NEWSFLOW_WORKER_MEMORY_SNAPSHOTS_DIR=/tmp/snaps python -m bench.soak --minutes 25 --load 0.45
    python -m bench.memory_growth /tmp/snaps/worker-0-002-*.tracemalloc /tmp/snaps/worker-0-005-*.tracemalloc

Prints the allocation sites (grouped by their innermost frames) whose live blocks grew most, by count and by
size, each with the frames of its traceback that are not the standard library's.

Two censuses (``NEWSFLOW_WORKER_MEMORY_SNAPSHOT_KIND=census``, the default: no tracing, so the worker keeps up
with the soak's feed) compare by what holds the objects instead:

    python -m bench.memory_growth /tmp/snaps/worker-0-002-*.census.json /tmp/snaps/worker-0-005-*.census.json

Prints the types whose tracked objects grew most and the holders (``Class.attribute``, ``module.name``) whose
containers gained most items.
"""

from __future__ import annotations

import argparse
import json
import sysconfig
import tracemalloc
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STDLIB = sysconfig.get_paths()["stdlib"]


@dataclass
class Growth:
    """Blocks and bytes gained by one allocation site, and the tracebacks that reached it."""

    blocks: int = 0
    size: int = 0
    tracebacks: dict[tuple[str, ...], int] = field(default_factory=dict)


def site_of(traceback: tracemalloc.Traceback, depth: int) -> tuple[str, ...]:
    """The innermost ``depth`` frames of ``traceback`` as ``file:line`` texts (innermost first)."""
    return tuple(f"{_short(frame.filename)}:{frame.lineno}" for frame in list(traceback)[::-1][:depth])


def growth_by_site(before: Path, after: Path, depth: int) -> dict[tuple[str, ...], Growth]:
    """Per allocation site, what ``after`` holds beyond ``before`` (differences of whole tracebacks, summed)."""
    old = tracemalloc.Snapshot.load(str(before))
    new = tracemalloc.Snapshot.load(str(after))
    sites: dict[tuple[str, ...], Growth] = defaultdict(Growth)
    for diff in new.compare_to(old, "traceback"):
        if diff.count_diff == 0 and diff.size_diff == 0:
            continue
        growth = sites[site_of(diff.traceback, depth)]
        growth.blocks += diff.count_diff
        growth.size += diff.size_diff
        if diff.count_diff > 0:
            outside = tuple(
                f"{_short(f.filename)}:{f.lineno}" for f in list(diff.traceback)[::-1] if not _stdlib(f.filename)
            )
            growth.tracebacks[outside] = growth.tracebacks.get(outside, 0) + diff.count_diff
    return sites


def _stdlib(filename: str) -> bool:
    return filename.startswith(STDLIB) and "site-packages" not in filename


def _short(filename: str) -> str:
    marker = "site-packages/"
    if marker in filename:
        return filename.split(marker, 1)[1]
    if filename.startswith(STDLIB):
        return "<stdlib>/" + filename[len(STDLIB) :].lstrip("/")
    return filename.rsplit("/newsflow/", 1)[-1]


def report(sites: dict[tuple[str, ...], Growth], top: int) -> list[str]:
    """The ``top`` sites by blocks gained and by bytes gained, each with its commonest outside-stdlib traceback."""
    blocks, size = sum(g.blocks for g in sites.values()), sum(g.size for g in sites.values())
    lines = [f"total: {blocks:+,} blocks, {size / 2**20:+.1f} MB"]
    for title in ("blocks", "size"):
        lines.append(f"\nsites by {title} gained:")
        ranked = sorted(sites.items(), key=lambda item: getattr(item[1], title), reverse=True)
        for site, growth in ranked[:top]:
            lines.append(f"{growth.blocks:+9,} blocks {growth.size / 2**10:+10,.0f} kB  {' <- '.join(site)}")
            for path, count in sorted(growth.tracebacks.items(), key=lambda item: -item[1])[:2]:
                lines.append(f"{'':12}{count:+,}: {' <- '.join(path[:8]) or '(standard library only)'}")
    return lines


@dataclass
class CensusGrowth:
    """What a later census of one process holds beyond an earlier one."""

    blocks: int
    tracked_objects: int
    by_type: dict[str, int]
    # (container type, holder) -> items gained, summed over that holder's containers of the listed length.
    by_holder: dict[tuple[str, str], int]


def census_growth(before: Path, after: Path) -> CensusGrowth:
    """Compare two censuses (processors/memory_census.py) by type and by the holders of large containers.

    A holder's containers are summed, so a container replaced by a longer one counts as growth; one that
    fell below the census's listed length counts as shrinking by all it held."""
    old, new = (_load_census(path) for path in (before, after))
    types = set(old["objects_by_type"]) | set(new["objects_by_type"])
    by_type = {name: new["objects_by_type"].get(name, 0) - old["objects_by_type"].get(name, 0) for name in types}
    by_holder: dict[tuple[str, str], int] = defaultdict(int)
    for census, sign in ((old, -1), (new, 1)):
        for container in census["containers"]:
            by_holder[(container["type"], container["held_by"])] += sign * container["length"]
    return CensusGrowth(
        blocks=new["allocated_blocks"] - old["allocated_blocks"],
        tracked_objects=new["tracked_objects"] - old["tracked_objects"],
        by_type={name: gain for name, gain in by_type.items() if gain},
        by_holder={holder: gain for holder, gain in by_holder.items() if gain},
    )


def _load_census(path: Path) -> dict[str, Any]:
    census: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return census


def census_report(growth: CensusGrowth, top: int) -> list[str]:
    """The ``top`` types by tracked objects gained and the ``top`` holders by container items gained."""
    lines = [f"total: {growth.blocks:+,} blocks, {growth.tracked_objects:+,} tracked objects", "", "types gained:"]
    for name, gain in sorted(growth.by_type.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"{gain:+11,}  {name}")
    lines += ["", "containers gained, by holder:"]
    for (kind, holder), gain in sorted(growth.by_holder.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"{gain:+11,}  {kind:<12} {holder}")
    return lines


def main() -> None:
    """Compare two snapshots given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--depth", type=int, default=2, help="innermost frames that name a site (default 2)")
    parser.add_argument("--top", type=int, default=15, help="sites listed (default 15)")
    args = parser.parse_args()
    if args.before.name.endswith(".census.json"):
        print("\n".join(census_report(census_growth(args.before, args.after), args.top)))
    else:
        print("\n".join(report(growth_by_site(args.before, args.after, args.depth), args.top)))


if __name__ == "__main__":
    main()
