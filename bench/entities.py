"""``make bench-entities``: the quality of the indexed entities beside the raw spaCy model, on annotated news.

Two annotated sets, each with a ``dev`` part (for looking at errors) and a
``test`` part (for reporting only: nobody tunes rules or models on it):

- bench/data/gum-news: 24 Wikinews articles of the GUM corpus (CC BY 2.5
  texts, CC BY 4.0 annotations: its LICENSE.md), 14 of them test;
- bench/data/bbc-entities: 66 articles of the BBC dev corpus annotated by the
  project (GUIDELINES.md there; the texts are read from ../shared/corpora/bbc,
  not shipped), 39 of them test.

- **pipeline**: the article files go through the real pipeline (producer ->
  Kafka -> one Faust worker -> Elasticsearch) in a sandbox of the local stack
  (started if nothing answers); each indexed article's ``people``,
  ``organizations`` and ``places`` are what its facets show.
- **raw model**: the stock small spaCy model (the issue's baseline) alone on
  the same body text (parsed and cleaned as the pipeline does), its labels
  mapped as the pipeline maps them (PERSON; ORG; GPE, LOC, FAC as places) and
  its names cleaned with the pipeline's ``clean_surface``;
- **model alone**: the same for the pipeline's own model (``NEWSFLOW_NER_MODEL``)
  when it is another: what the model brings and what the enrichment adds apart.

Scores are document-level typed precision, recall and F1 (bench/entity_scoring.py).
Prints a table per part and writes bench/results/entities.json.

    python -m bench.entities          # or: make bench-entities (make bench runs it too)
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.bbc_gold import load_bbc_gold
from bench.end_to_end import BBC_DIR, indexed_count
from bench.entity_scoring import TYPES, Counts, GoldEntity, Score, score_corpus
from bench.polling import wait_until
from bench.sandboxed_worker import sandboxed_worker
from newsflow.infra.ner_models import ner_model_location
from newsflow.infra.settings import Settings
from newsflow.processors.entities import BASELINE_MODEL, MAX_NER_CHARS, SPACY_LABEL_TYPES, clean_surface
from newsflow.processors.ner_pipeline import load_ner_pipeline
from newsflow.processors.normalize import clean_text
from newsflow.producers.files import FileIngestor
from newsflow.producers.formats import ParsedArticle, parse_file
from newsflow.producers.publisher import Publisher
from newsflow.stack.sandbox import running_infrastructure

DATA = Path(__file__).resolve().parent / "data" / "gum-news"
# Dev only, automatic gold, no test part: for the in-process quick tool (bench/entity_quick.py), not scored here.
GUM_INTERVIEWS = Path(__file__).resolve().parent / "data" / "gum-interviews"
# Dev only, written for the project in the style of 1996 wire copy (its README): results tables, scorecards, squads.
NEWSWIRE_SYNTHETIC = Path(__file__).resolve().parent / "data" / "newswire-synthetic"
# The same, a second round written by another helper after session 33's rules, with story labels (its README).
NEWSWIRE_SYNTHETIC_2 = Path(__file__).resolve().parent / "data" / "newswire-synthetic-2"
# A third round, two thirds general and business news, written after the second round's rules.
NEWSWIRE_SYNTHETIC_3 = Path(__file__).resolve().parent / "data" / "newswire-synthetic-3"
# A fourth round, a whole day's mix, written after the third round's rules.
NEWSWIRE_SYNTHETIC_4 = Path(__file__).resolve().parent / "data" / "newswire-synthetic-4"
# A fifth round, a day's mix in other layouts, measured once on session 34's final rules.
NEWSWIRE_SYNTHETIC_5 = Path(__file__).resolve().parent / "data" / "newswire-synthetic-5"
# Sixth and seventh rounds (session 35), sport-heavy and news-heavy, written after session 34's rules.
NEWSWIRE_SYNTHETIC_6 = Path(__file__).resolve().parent / "data" / "newswire-synthetic-6"
NEWSWIRE_SYNTHETIC_7 = Path(__file__).resolve().parent / "data" / "newswire-synthetic-7"
RESULTS = Path(__file__).parent / "results"
PARTS = ("dev", "test")
FACETS = {"PERSON": "people", "ORGANIZATION": "organizations", "PLACE": "places"}

Predictions = dict[str, list[tuple[str, str]]]


def load_gold(data: Path = DATA) -> tuple[dict[str, str], dict[str, list[GoldEntity]]]:
    """Each article's part (dev or test) and gold entities, by article name (its file's stem), of a GUM set."""
    documents = json.loads((data / "gold.json").read_text(encoding="utf-8"))
    parts = {name: doc["split"] for name, doc in documents.items()}
    gold = {
        name: [GoldEntity(e["type"], e["name"], tuple(e["aliases"])) for e in doc["entities"]]
        for name, doc in documents.items()
    }
    return parts, gold


def article_files(data: Path = DATA) -> list[Path]:
    """The articles of a GUM set, as files the producers read."""
    return sorted((data / "articles").glob("*.txt"))


@dataclass(frozen=True)
class AnnotatedSet:
    """One annotated set: by article key, its part, gold entities and a file whose stem is the key."""

    name: str
    parts: dict[str, str]
    gold: dict[str, list[GoldEntity]]
    files: dict[str, Path]


def gum_set(name: str, data: Path) -> AnnotatedSet:
    """The GUM set in ``data`` (bench/data/gum-news or gum-interviews), named ``name``."""
    parts, gold = load_gold(data)
    return AnnotatedSet(name, parts, gold, {path.stem: path for path in article_files(data)})


def dev_only_sets() -> list[AnnotatedSet]:
    """The sets without a test part, for iterating on rules only: GUM's Wikinews interviews, and wire-style
    articles written for the project."""
    return [
        gum_set("gum-interviews", GUM_INTERVIEWS),
        gum_set("newswire-synthetic", NEWSWIRE_SYNTHETIC),
        gum_set("newswire-synthetic-2", NEWSWIRE_SYNTHETIC_2),
        gum_set("newswire-synthetic-3", NEWSWIRE_SYNTHETIC_3),
        gum_set("newswire-synthetic-4", NEWSWIRE_SYNTHETIC_4),
        gum_set("newswire-synthetic-5", NEWSWIRE_SYNTHETIC_5),
        gum_set("newswire-synthetic-6", NEWSWIRE_SYNTHETIC_6),
        gum_set("newswire-synthetic-7", NEWSWIRE_SYNTHETIC_7),
    ]


def annotated_sets(staging: Path) -> list[AnnotatedSet]:
    """GUM's Wikinews articles and the annotated BBC articles (copied into ``staging`` under unique names:
    the corpus repeats file names across its categories)."""
    gum = gum_set("gum-news", DATA)
    bbc_parts, bbc_gold, bbc_files = load_bbc_gold(BBC_DIR)
    staged: dict[str, Path] = {}
    for key, source in bbc_files.items():
        staged[key] = staging / f"bbc-{key.removesuffix('.txt').replace('/', '-')}.txt"
        shutil.copyfile(source, staged[key])
    rename = {key: path.stem for key, path in staged.items()}
    bbc = AnnotatedSet(
        "bbc-entities",
        {rename[k]: v for k, v in bbc_parts.items()},
        {rename[k]: v for k, v in bbc_gold.items()},
        {rename[k]: v for k, v in staged.items()},
    )
    return [gum, bbc]


def body_text(path: Path) -> str:
    """The body the pipeline's entity stage sees for the article in ``path``."""
    (parsed,) = parse_file(path.name, path.read_bytes())[1]
    assert isinstance(parsed, ParsedArticle), f"{path} did not parse: {parsed}"
    return clean_text(parsed.body)


def raw_model_predictions(files: list[Path], model: str = BASELINE_MODEL) -> Predictions:
    """The spaCy ``model`` alone: each mention with a mapped label, its name cleaned, no canonicalisation."""
    nlp: Any = load_ner_pipeline(model)
    predictions: Predictions = {}
    texts = [body_text(path)[:MAX_NER_CHARS] for path in files]
    for path, doc in zip(files, nlp.pipe(texts), strict=True):
        found = []
        for ent in doc.ents:
            kind = SPACY_LABEL_TYPES.get(ent.label_)
            name = clean_surface(ent.text)
            if kind is not None and name:
                found.append((kind.name, name))
        predictions[path.stem] = found
    return predictions


def pipeline_predictions(base: Settings, files: list[Path]) -> Predictions:
    """The articles through a sandboxed pipeline; each one's facets as Elasticsearch indexed them."""
    with sandboxed_worker(base, partitions=2, prefix="newsflow-bench-entities-") as sandbox:
        settings, es = sandbox.settings, sandbox.es
        with Publisher(settings) as publisher:
            ingestor = FileIngestor(settings, publisher, move_files=False)
            for path in files:
                ingestor.ingest(path)
        wait_until(lambda: indexed_count(es, settings.index_alias) >= len(files), 600, f"{len(files)} articles")
        es.indices.refresh(index=settings.index_alias)
        hits = es.search(
            index=settings.index_alias,
            query={"exists": {"field": "title"}},
            _source=["source.path", *FACETS.values()],
            size=len(files) + 10,
        )["hits"]["hits"]
    predictions: Predictions = {}
    for hit in hits:
        document = hit["_source"]
        predictions[Path(document["source"]["path"]).stem] = [
            (kind, name) for kind, field in FACETS.items() for name in document.get(field, [])
        ]
    return predictions


def _figures(counts: Counts) -> dict[str, float | int]:
    return {
        "precision": round(counts.precision, 3),
        "recall": round(counts.recall, 3),
        "f1": round(counts.f1, 3),
        "tp": counts.tp,
        "fp": counts.fp,
        "fn": counts.fn,
        "split": counts.split,
    }


def _score_figures(score: Score) -> dict[str, dict[str, float | int]]:
    return {kind: _figures(counts) for kind, counts in {**score.by_type, "all": score.overall}.items()}


def run(base: Settings) -> dict[str, Any]:
    """Score the raw model and the pipeline on each set and part; the figures, by set, part, system and type."""
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-entities-") as staging:
        sets = annotated_sets(Path(staging))
        files = [path for annotated in sets for path in annotated.files.values()]
        systems = {"raw model": raw_model_predictions(files)}
        pipeline_model = ner_model_location(base)
        if pipeline_model != BASELINE_MODEL:
            systems["model alone"] = raw_model_predictions(files, pipeline_model)
        systems["pipeline"] = pipeline_predictions(base, files)
    results: dict[str, Any] = {"model": BASELINE_MODEL, "pipeline_model": base.ner_model, "sets": {}}
    for annotated in sets:
        by_part: dict[str, Any] = {}
        for part in PARTS:
            part_gold = {key: ents for key, ents in annotated.gold.items() if annotated.parts[key] == part}
            by_part[part] = {
                "articles": len(part_gold),
                "gold_entities": sum(len(e) for e in part_gold.values()),
                **{system: _score_figures(score_corpus(part_gold, found)) for system, found in systems.items()},
            }
        results["sets"][annotated.name] = by_part
    return results


def summary_lines(results: dict[str, Any]) -> list[str]:
    """The figures as a table: per set, part and type, the raw model's P/R/F1 beside the pipeline's (and the
    pipeline's model alone between them when it is not the raw model)."""
    pipeline_model = results.get("pipeline_model", results["model"])
    lines = [
        f"entities, document level (raw model {results['model']}, pipeline on {pipeline_model};"
        " test parts are never tuned on)"
    ]
    first = next(iter(results["sets"].values()))[PARTS[0]]
    columns = [system for system in ("raw model", "model alone", "pipeline") if system in first]
    header = "".join(f"{system + ' P / R / F1':24}" for system in columns)
    lines.append(f"  {'set':12} {'part':5} {'type':13} {header}{'splits':>6}")
    for name, by_part in results["sets"].items():
        for part in PARTS:
            figures = by_part[part]
            for kind in (*TYPES, "all"):
                cells = "".join(
                    f"{f['precision']:.3f} / {f['recall']:.3f} / {f['f1']:.3f}{'':5}"
                    for f in (figures[system][kind] for system in columns)
                )
                lines.append(f"  {name:12} {part:5} {kind:13} {cells}{figures['pipeline'][kind]['split']:>6}")
            lines.append(
                f"  {name:12} {part:5} ({figures['articles']} articles, {figures['gold_entities']} gold entities,"
                f" F1 {figures['pipeline']['all']['f1'] - figures['raw model']['all']['f1']:+.3f} over the raw model)"
            )
    return lines


def run_alone() -> None:
    """``python -m bench.entities``: start the stack's Kafka and Elasticsearch if needed, measure, print."""
    base = Settings()
    with running_infrastructure(base):
        results = run(base)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "entities.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(summary_lines(results)))
    print(f"\nwritten to {RESULTS / 'entities.json'}")


if __name__ == "__main__":
    run_alone()
