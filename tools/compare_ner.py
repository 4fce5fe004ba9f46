"""The stock spaCy model beside a fine-tuned one: GUM news scores and speed, in-process (no Kafka).

Scores are bench/entities.py's "raw model" figures (the same body text, label
map and name cleaning; document-level typed P/R/F1 of bench/entity_scoring.py)
for any model name or path. The ``test`` part is for reporting once, not for
tuning (bench/data/gum-news/LICENSE.md). Speed is articles per second of
``nlp.pipe`` over the first files of a folder of plain-text articles, loaded as
processors/entities.py loads the model.

    python -m tools.compare_ner models/en_newsflow_ner/en_newsflow_ner/en_newsflow_ner-1.0.0
    python -m tools.compare_ner en_newsflow_ner --parts dev test --speed ../shared/corpora/bbc
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench.entities import article_files, body_text, load_gold
from bench.entity_scoring import TYPES, score_corpus
from newsflow.processors.entities import BASELINE_MODEL, MAX_NER_CHARS, SPACY_LABEL_TYPES, clean_surface
from newsflow.processors.ner_pipeline import load_ner_pipeline


def load(model: str) -> Any:
    """A pipeline (installed name or path) loaded as the entity stage loads it (processors/ner_pipeline.py)."""
    return load_ner_pipeline(model)


def predictions(nlp: Any, files: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """Each article's mapped, cleaned ``(type, name)`` pairs, as bench.entities' raw model figure counts them."""
    texts = [body_text(path)[:MAX_NER_CHARS] for path in files]
    found: dict[str, list[tuple[str, str]]] = {}
    for path, doc in zip(files, nlp.pipe(texts), strict=True):
        pairs = [
            (SPACY_LABEL_TYPES[e.label_].name, clean_surface(e.text)) for e in doc.ents if e.label_ in SPACY_LABEL_TYPES
        ]
        found[path.stem] = [(kind, name) for kind, name in pairs if name]
    return found


def score_lines(name: str, nlp: Any, parts: list[str]) -> list[str]:
    """One line per part and type: P / R / F1 (and true positives, false positives, misses)."""
    split, gold = load_gold()
    found = predictions(nlp, article_files())
    lines = []
    for part in parts:
        score = score_corpus({doc: ents for doc, ents in gold.items() if split[doc] == part}, found)
        for kind, counts in [*((t, score.by_type[t]) for t in TYPES), ("all", score.overall)]:
            lines.append(
                f"{name:16} {part:5} {kind:13} P {counts.precision:.3f}  R {counts.recall:.3f}  F1 {counts.f1:.3f}"
                f"  (tp {counts.tp}, fp {counts.fp}, fn {counts.fn})"
            )
    return lines


def speed(nlp: Any, folder: Path, count: int, rounds: int = 3) -> float:
    """Articles per second over the first ``count`` files under ``folder`` (best of ``rounds``)."""
    files = sorted(p for p in folder.rglob("*.txt") if p.name != "README.TXT")[:count]
    texts = [p.read_text(encoding="utf-8", errors="replace")[:MAX_NER_CHARS] for p in files]
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for _doc in nlp.pipe(texts):
            pass
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def main(argv: list[str] | None = None) -> int:
    """Print the stock model's and the given model's scores (and speeds, with --speed)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a fine-tuned pipeline: installed name or path")
    parser.add_argument("--parts", nargs="+", default=["dev"], choices=["dev", "test"])
    parser.add_argument("--speed", type=Path, help="a folder of .txt articles to time nlp.pipe on")
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    models = {"stock": load(BASELINE_MODEL), "fine-tuned": load(args.model)}
    for name, nlp in models.items():
        print("\n".join(score_lines(name, nlp, args.parts)))
    if args.speed:
        for name, nlp in models.items():
            print(f"{name:16} speed {speed(nlp, args.speed, args.count):.1f} articles/s ({args.count} files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
