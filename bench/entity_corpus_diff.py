"""What an entity rule changes over the whole dev corpus, name by name (issue 10).

The annotated dev parts hold a few dozen articles; a rule that fixes one of them can fire wrongly in
hundreds of others. Sessions 29 and 30 checked every rule this way before committing it: dump the
entities of all corpus files before the change, again after it, and read what each (type, name) lost or
gained, in how many articles.

    python -m bench.entity_corpus_diff dump before.json      # on the code before the change
    python -m bench.entity_corpus_diff dump after.json       # on the code after it
    python -m bench.entity_corpus_diff compare before.json after.json [--top 60]

A dump takes about a minute and a quarter (1313 files, the configured model, one process).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from bench.end_to_end import BBC_DIR, corpus_files
from newsflow.processors.entities import EntityExtractor

BATCH = 64

Dump = dict[str, list[tuple[str, str]]]


def dump(target: Path) -> None:
    """Write each corpus file's entities, as sorted (type, name) pairs, to ``target`` (JSON)."""
    files = corpus_files()
    extractor = EntityExtractor()
    entities: Dump = {}
    for start in range(0, len(files), BATCH):
        chunk = files[start : start + BATCH]
        texts = [path.read_text("utf-8", errors="replace") for path in chunk]
        for path, found in zip(chunk, extractor.extract(texts), strict=True):
            entities[str(path.relative_to(BBC_DIR))] = sorted({(e.type.value, e.canonical) for e in found})
    target.write_text(json.dumps(entities, indent=0) + "\n")
    print(f"{sum(len(v) for v in entities.values())} entities of {len(entities)} files written to {target}")


def _load(path: Path) -> dict[str, set[tuple[str, str]]]:
    pairs_by_file = json.loads(path.read_text())
    return {name: {(kind, canonical) for kind, canonical in pairs} for name, pairs in pairs_by_file.items()}


def compare(before_path: Path, after_path: Path, top: int) -> list[str]:
    """The lines of the comparison: totals, then the (type, name) pairs lost and gained, by articles."""
    before, after = _load(before_path), _load(after_path)
    lost: Counter[tuple[str, str]] = Counter()
    gained: Counter[tuple[str, str]] = Counter()
    for name in before.keys() | after.keys():
        old, new = before.get(name, set()), after.get(name, set())
        lost.update(old - new)
        gained.update(new - old)
    lines = [f"entities {sum(map(len, before.values()))} -> {sum(map(len, after.values()))}"]
    for title, counts in (("lost", lost), ("gained", gained)):
        lines.append(f"{title} (articles, type, name):")
        lines += [f"  {n:4d}  {kind:12} {canonical}" for (kind, canonical), n in counts.most_common(top)]
    return lines


def main() -> None:
    """Command line: ``dump`` or ``compare``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    dump_command = commands.add_parser("dump", help="write the corpus's entities to a JSON file")
    dump_command.add_argument("target", type=Path)
    compare_command = commands.add_parser("compare", help="what changed between two dumps")
    compare_command.add_argument("before", type=Path)
    compare_command.add_argument("after", type=Path)
    compare_command.add_argument("--top", type=int, default=60, help="pairs listed per side (default 60)")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.target)
    else:
        print("\n".join(compare(args.before, args.after, args.top)))


if __name__ == "__main__":
    main()
