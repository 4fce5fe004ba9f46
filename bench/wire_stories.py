"""Stories on a labelled set of wire copy with datelines (dev only): one event's reports together, others apart.

The BBC set of ``make bench-stories`` has no dates, so the time factor of the
similarity never works there. bench/data/newswire-synthetic-2 (its README) is
30 wire-style articles dated by their datelines over three days: 27 events,
three of them reported twice by two agencies, and several pairs of distinct
events of one kind on the same days (two leagues' results, two carmakers, two
marches). The stages' logic runs in process (bench/stories.py), in the files'
order; the score is pairwise precision and recall on all articles, beside no
clustering, with the stories of more than one article listed.

    python -m bench.wire_stories [--set newswire-synthetic-2]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from bench.stories import _documents, corpus_key, in_process_clusters, pairwise
from newsflow.processors.stories import StoryParameters

DATA = Path(__file__).resolve().parent / "data"


def run(name: str) -> list[str]:
    """The report's lines for the labelled set ``name`` under bench/data."""
    folder = DATA / name
    labels = json.loads((folder / "stories.json").read_text(encoding="utf-8"))
    files = sorted((folder / "articles").glob("*.txt"))
    documents = _documents(files)
    clusters = in_process_clusters(documents, StoryParameters())
    gold = {corpus_key(path): labels[path.stem] for path in files}
    ours, alone = pairwise(gold, clusters), pairwise(gold, {key: key for key in gold})
    lines = [
        f"{name}: {len(files)} articles, {len(set(gold.values()))} events, {alone.gold_pairs} same-event pairs",
        f"  no clustering  P / R: {alone.precision:.3f} / {alone.recall:.3f}",
        f"  ours           P / R: {ours.precision:.3f} / {ours.recall:.3f}"
        f"  ({ours.predicted_pairs - ours.true_pairs} wrong pairs)",
    ]
    members: dict[str, list[str]] = defaultdict(list)
    for document in documents:
        members[clusters[document.source.path]].append(
            f"{document.dated_at:%Y-%m-%d} {gold[document.source.path]:28.28} {document.title[:60]}"
        )
    for story, titles in sorted(members.items()):
        if len(titles) > 1:
            lines += [f"  story {story}", *(f"    {title}" for title in titles)]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="newswire-synthetic-2", help="a folder of bench/data with stories.json")
    args = parser.parse_args(argv)
    print("\n".join(run(args.set)))


if __name__ == "__main__":
    main()
