"""Candidate finder for the hand-labelled BBC story set (bench/data/bbc-stories).

A keyword search over the dev corpus, nothing more: it lists the articles whose
text contains every given word (case-insensitive), with their headline, so that
an annotator can read them and decide by hand which report the same story. It
proposes candidates only; no label comes from it, and it runs no clustering or
entity model. Exact byte-identical copies are listed once, at their first path.

    python -m tools.select_bbc_stories Ovitz
    python -m tools.select_bbc_stories "Ask Jeeves" --any IAC Barry
    python -m tools.select_bbc_stories --show business/314.txt
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"


def distinct_articles(corpus_root: Path) -> dict[str, str]:
    """Text of each distinct article by its path (the first path, sorted, of each set of byte-identical copies)."""
    seen: set[str] = set()
    texts: dict[str, str] = {}
    for path in sorted(corpus_root.glob("*/*.txt")):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        texts[path.relative_to(corpus_root).as_posix()] = data.decode("utf-8", errors="replace")
    return texts


def find(texts: dict[str, str], all_words: list[str], any_words: list[str]) -> list[tuple[str, str]]:
    """(path, headline) of the articles containing every word of ``all_words`` and one of ``any_words`` if given."""
    hits = []
    for path, text in texts.items():
        lowered = text.lower()
        if all(w.lower() in lowered for w in all_words) and (
            not any_words or any(w.lower() in lowered for w in any_words)
        ):
            hits.append((path, text.split("\n", 1)[0]))
    return hits


def main() -> None:
    """Print the candidates for the words given on the command line, or one article's text with --show."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("words", nargs="*", help="words that must all occur")
    parser.add_argument("--any", nargs="*", default=[], help="at least one of these must occur")
    parser.add_argument("--show", nargs="*", default=[], help="print these articles (path under the corpus)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    for path in args.show:
        print(f"=== {path}\n{(args.corpus / path).read_text(encoding='utf-8', errors='replace')}")
    if args.words or args.any:
        for path, headline in find(distinct_articles(args.corpus), args.words, args.any):
            print(f"{path}\t{headline}")


if __name__ == "__main__":
    main()
