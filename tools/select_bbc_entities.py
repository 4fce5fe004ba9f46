"""Select the BBC dev-corpus articles annotated by hand for the entity benchmark (bench/data/bbc-entities).

    python -m tools.select_bbc_entities [CORPUS_ROOT]   # print "<split> <category> <path> <sha256>" per article

The rule is fixed before anyone reads an article, so the choice cannot favour
easy (or hard) texts; bench/data/bbc-entities/GUIDELINES.md states it too:

1. Every ``<category>/*.txt`` file under the corpus root is hashed (sha256 of its bytes).
2. A file whose bytes occur more than once in the whole corpus is skipped (the
   corpus holds exact copies; a copy would count one text twice and make the
   article's path ambiguous).
3. In each category, the remaining files are sorted by (sha256, path) and the
   first ``PER_CATEGORY`` are taken.
4. In that order, the first ``DEV_PER_CATEGORY`` of each category are ``dev``,
   the rest ``test`` (the part nobody tunes on).

Standard library only; the output depends on the corpus bytes alone.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# The corpus the tests and benches use (tests/conftest.py's BBC_DIR): ../shared/corpora/bbc beside the checkout.
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"
# The issue asks for at least 60 articles; 22 from each of the corpus's three categories gives 66.
PER_CATEGORY = 22
# 9 of 22 per category for dev (27 in all), 13 for test (39): most of the set is kept for reporting.
DEV_PER_CATEGORY = 9


@dataclass(frozen=True)
class Selected:
    """One selected article: its path relative to the corpus root, category, sha256 and part."""

    path: str
    category: str
    sha256: str
    split: str


def file_hashes(corpus_root: Path) -> dict[str, str]:
    """The sha256 of every ``<category>/*.txt`` file, by its path relative to ``corpus_root`` (POSIX form)."""
    return {
        path.relative_to(corpus_root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(corpus_root.glob("*/*.txt"))
    }


def select(corpus_root: Path = DEFAULT_CORPUS) -> list[Selected]:
    """The selected articles, by category (sorted by name), each in (sha256, path) order."""
    hashes = file_hashes(corpus_root)
    copies = Counter(hashes.values())
    by_category: dict[str, list[tuple[str, str]]] = {}
    for path, digest in hashes.items():
        if copies[digest] == 1:  # any text that has an exact copy anywhere is left out, both copies
            by_category.setdefault(path.split("/", 1)[0], []).append((digest, path))
    selected = []
    for category in sorted(by_category):
        chosen = sorted(by_category[category])[:PER_CATEGORY]
        for rank, (digest, path) in enumerate(chosen):
            split = "dev" if rank < DEV_PER_CATEGORY else "test"
            selected.append(Selected(path, category, digest, split))
    return selected


def main(argv: list[str]) -> int:
    """Print the selection of the corpus at ``argv[0]`` (default: the shared BBC corpus)."""
    root = Path(argv[0]) if argv else DEFAULT_CORPUS
    for item in select(root):
        print(item.split, item.category, item.path, item.sha256)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
