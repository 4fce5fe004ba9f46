"""In-process entity scores for iterating on rules: EntityExtractor beside the raw model, no Kafka, no Elasticsearch.

The same texts, gold and scoring as ``python -m bench.entities`` (bench/entities.py's
``body_text`` and ``load_gold``, bench/entity_scoring.py), but the extractor runs here,
so a change to processors/entities.py is measured in seconds. The figures are what the
entity stage computes; the real pipeline's may differ only by what happens in Kafka
and Elasticsearch (nothing should).

    python -m bench.entity_quick              # dev part: P/R/F1 per type, raw model and extractor
    python -m bench.entity_quick --errors     # ... and the dev part's false positives and negatives
    python -m bench.entity_quick --samples    # the facets of the sample articles (/work/shared/samples or tests')
    python -m bench.entity_quick --test       # the test part too: for reporting only, never for tuning
    python -m bench.entity_quick --set bbc-entities           # the annotated BBC articles instead of GUM's
    python -m bench.entity_quick --set gum-interviews         # GUM's Wikinews interviews: dev only, automatic gold
    python -m bench.entity_quick --set newswire-synthetic     # wire-style articles written for the project: dev only
    python -m bench.entity_quick --set newswire-synthetic-2   # more rounds of them (-2 ... -5), each written by a
                                                              # helper that had not seen the rules (their READMEs)
    python -m bench.entity_quick --model PATH_OR_NAME         # the extractor on another spaCy pipeline, beside

Only the dev part is for looking at errors; ``--errors`` never prints the test part's.
gum-interviews has no test part (bench/data/gum-interviews/README.md); the fine-tuned
model of ``make model`` was trained on its 19 documents, so ``--model`` with that model
measures its training data there.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bench.entities import PARTS, AnnotatedSet, annotated_sets, body_text, dev_only_sets, raw_model_predictions
from bench.entity_scoring import TYPES, Counts, GoldEntity, Score, score_corpus
from newsflow.processors.entities import EntityExtractor, entity_key

SAMPLE_DIRS = (Path("/work/shared/samples"),)
Predictions = dict[str, list[tuple[str, str]]]


def extractor_predictions(files: list[Path], extractor: EntityExtractor | None = None) -> Predictions:
    """The entity stage's entities of each article, as ``(type name, canonical)`` pairs."""
    extractor = extractor or EntityExtractor()
    found = extractor.extract([body_text(path) for path in files])
    return {path.stem: [(e.type.name, e.canonical) for e in ents] for path, ents in zip(files, found, strict=True)}


def _line(counts: Counts) -> str:
    return f"{counts.precision:.3f} / {counts.recall:.3f} / {counts.f1:.3f}"


def table(part: str, scores: dict[str, Score]) -> list[str]:
    """One part's figures: a row per type, a column per system."""
    names = list(scores)
    lines = [f"  {'part':5} {'type':13} " + "".join(f"{name + ' P / R / F1':26}" for name in names) + "splits"]
    for kind in (*TYPES, "all"):
        cells = [s.overall if kind == "all" else s.by_type[kind] for s in scores.values()]
        last = cells[-1]
        lines.append(f"  {part:5} {kind:13} " + "".join(f"{_line(c):26}" for c in cells) + f"{last.split:>6}")
    return lines


def errors(gold: dict[str, list[GoldEntity]], predicted: Predictions) -> list[str]:
    """Each article's false positives (``+``) and missed gold entities (``-``), by type."""
    lines = []
    for doc, entities in sorted(gold.items()):
        keys = [(g.type, {entity_key(a) for a in (g.name, *g.aliases)}) for g in entities]
        pairs = sorted({(kind, name) for kind, name in predicted.get(doc, [])})
        right = [any(kind == t and entity_key(name) in k for t, k in keys) for kind, name in pairs]
        lines.append(f"== {doc}")
        lines += [f"  + {kind:12} {name}" for (kind, name), ok in zip(pairs, right, strict=True) if not ok]
        found = {(kind, entity_key(name)) for kind, name in pairs}
        lines += [
            f"  - {g.type:12} {g.name}"
            for g, (t, k) in zip(entities, keys, strict=True)
            if not any((t, key) in found for key in k)
        ]
    return lines


def annotated_set(name: str, staging: Path) -> AnnotatedSet:
    """The annotated set called ``name`` (BBC articles are copied into ``staging`` only when it is not dev-only)."""
    for annotated in dev_only_sets():
        if annotated.name == name:
            return annotated
    (annotated,) = [s for s in annotated_sets(staging) if s.name == name]
    return annotated


def set_names() -> list[str]:
    """The names ``--set`` takes: the sets ``bench.entities`` scores, then the dev-only ones."""
    return ["gum-news", "bbc-entities", *(s.name for s in dev_only_sets())]


def sample_facets(extractor: EntityExtractor, folders: Iterable[Path] = SAMPLE_DIRS) -> list[str]:
    """The people, organisations and places facets of each sample article (its whole text as the body)."""
    lines = []
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            (entities,) = extractor.extract([path.read_text(encoding="utf-8")])
            lines.append(f"== {path}")
            for kind in TYPES:
                names = [f"{e.canonical} ({e.mentions}, {e.confidence})" for e in entities if e.type.name == kind]
                lines.append(f"  {kind:12} " + "; ".join(names))
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", default="gum-news", choices=set_names(), help="the annotated set")
    parser.add_argument("--model", help="also the extractor on this spaCy pipeline (installed name or path)")
    parser.add_argument(
        "--errors",
        action="store_true",
        help="list the dev part's false positives and negatives (of --model's extractor when given)",
    )
    parser.add_argument("--samples", action="store_true", help="print the sample articles' facets")
    parser.add_argument("--test", action="store_true", help="print the test part's figures too (reporting only)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsflow-entity-quick-") as staging:
        annotated = annotated_set(args.set, Path(staging))
        files = sorted(annotated.files.values())
        extractor = EntityExtractor()
        systems = {"raw model": raw_model_predictions(files), "extractor": extractor_predictions(files, extractor)}
        if args.model:
            systems["extractor, --model"] = extractor_predictions(files, EntityExtractor(args.model))
    shown = PARTS if args.test else ("dev",)
    for part in shown:
        part_gold = {name: entities for name, entities in annotated.gold.items() if annotated.parts[name] == part}
        if not part_gold:
            print(f"  {part}: {args.set} has no {part} part")
            continue
        print(f"  {args.set} {part}: {len(part_gold)} articles, {sum(map(len, part_gold.values()))} gold entities")
        print("\n".join(table(part, {name: score_corpus(part_gold, p) for name, p in systems.items()})))
    if args.errors:
        dev_gold = {name: entities for name, entities in annotated.gold.items() if annotated.parts[name] == "dev"}
        print("\n".join(errors(dev_gold, systems["extractor, --model" if args.model else "extractor"])))
    if args.samples:
        print("\n".join(sample_facets(extractor)))


if __name__ == "__main__":
    main()
