"""``make bench-stories``: story quality on the hand-labelled BBC set, beside no clustering and words alone.

The labelled set is bench/data/bbc-stories (README and GUIDELINES there): 343
articles of the dev corpus, 68 stories and 95 singletons, split by story into
``dev`` (for looking at errors and choosing parameters) and ``test`` (for
reporting only: nobody tunes on it).

The whole corpus (1313 files, 1275 distinct texts) and the two sample reports
go through the clustering, so the labelled articles meet every other article
as distractors; pairs are scored among the labelled articles of a part, by
pairwise precision, recall and F1 (Miranda et al., EMNLP 2018).

- **pipeline** (default): the files through the real pipeline (producer ->
  Kafka -> one Faust worker -> Elasticsearch) in a sandbox of the local stack;
  each indexed article's ``story_id``.
- ``--in-process``: the same stages' logic in this process (normalise, spaCy,
  registry, stories), in a fixed order; fast enough to look at errors
  (``--errors``) on the dev part. Entities are cached in .newsflow/bench-cache.

Either mode also runs ours in process over 10 other arrival orders (seeded
shuffles; ``--orders N``) and prints the spread of each part's scores: the
decisions depend on the order, and the pipeline's order varies with how its
partitions interleave (test F1 0.72-0.78 over ten orders at 5a05cb1).

Beside ours, in the same run: **no clustering** (every article alone) and
**words only** (the same clustering without the entity similarity, in process).
The samples check: both reports in one story, no corpus article with them.
Writes bench/results/stories.json.

    python -m bench.stories [--in-process] [--orders N] [--errors]
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from math import comb
from pathlib import Path
from typing import Any

from bench.bbc_story_gold import LabelledArticle, load_bbc_story_gold
from bench.end_to_end import BBC_DIR, corpus_files, expected_id, indexed_count
from bench.polling import wait_until
from bench.sandboxed_worker import sandboxed_worker
from newsflow.infra.settings import Settings, get_settings
from newsflow.processors import registry
from newsflow.processors.dating import filed_date
from newsflow.processors.entities import EntityExtractor
from newsflow.processors.normalize import normalize
from newsflow.processors.stories import MemoryStore, StoryParameters, assign
from newsflow.producers.files import FileIngestor
from newsflow.producers.formats import ParsedArticle, parse_file
from newsflow.producers.publisher import Publisher
from newsflow.schemas.articles import ArticleDocument, Entity, RawArticle, SourceInfo
from newsflow.stack.sandbox import running_infrastructure

SAMPLES_DIR = BBC_DIR.parents[1] / "samples"
RESULTS = Path(__file__).parent / "results"
CACHE_DIR = Path(".newsflow") / "bench-cache"
PROCESSORS_DIR = Path(inspect.getfile(EntityExtractor)).parent
# What the cached entities depend on besides the text: the NER pipeline and the extractor's code.
EXTRACTOR_SOURCES = ("entities.py", "entity_knowledge.py", "ner_text.py", "results_lines.py", "gazetteer.py")
PARTS = ("dev", "test")
BENCH_ORDERS = 10  # arrival orders scored in process beside the one order of the run


@dataclass(frozen=True)
class Pairwise:
    """Pairwise clustering scores over the labelled articles of one part."""

    true_pairs: int
    predicted_pairs: int
    gold_pairs: int

    @property
    def precision(self) -> float:
        return self.true_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_pairs / self.gold_pairs if self.gold_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def figures(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "true_pairs": self.true_pairs,
            "predicted_pairs": self.predicted_pairs,
            "gold_pairs": self.gold_pairs,
        }


def pairwise(gold: Mapping[str, str], predicted: Mapping[str, str]) -> Pairwise:
    """Scores of ``predicted`` (path -> cluster) against ``gold`` (path -> story) on gold's paths."""
    cells: Counter[tuple[str, str]] = Counter((story, predicted[path]) for path, story in gold.items())
    clusters: Counter[str] = Counter(predicted[path] for path in gold)
    stories: Counter[str] = Counter(gold.values())
    return Pairwise(
        true_pairs=sum(comb(n, 2) for n in cells.values()),
        predicted_pairs=sum(comb(n, 2) for n in clusters.values()),
        gold_pairs=sum(comb(n, 2) for n in stories.values()),
    )


def stream_files() -> list[Path]:
    """The corpus and the samples in the order they are fed: a fixed shuffle (by digest of the name)."""
    files = [*corpus_files(), *sorted(SAMPLES_DIR.glob("*.txt"))]
    return sorted(files, key=lambda p: hashlib.sha256(str(p.relative_to(p.parents[1])).encode()).hexdigest())


def corpus_key(path: Path) -> str:
    """The gold's key of a corpus file (``business/012.txt``), or ``samples/<name>``."""
    return f"{path.parent.name}/{path.name}"


def _documents(files: Iterable[Path]) -> list[ArticleDocument]:
    """Each file parsed and normalised as the pipeline does, with the entities spaCy gives (cached)."""
    cache_file = entity_cache_file()
    cache: dict[str, list[dict[str, Any]]] = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    extractor: EntityExtractor | None = None
    received = datetime(2026, 1, 1, tzinfo=UTC)
    documents = []
    for path in files:
        data = path.read_bytes()
        fmt, records = parse_file(path.name, data)
        (parsed,) = records
        assert isinstance(parsed, ParsedArticle)
        source = SourceInfo(
            path=corpus_key(path), file_sha256=hashlib.sha256(data).hexdigest(), format=fmt,
            record_index=0, received_at=received,
        )  # fmt: skip
        raw = RawArticle(title=parsed.title, body=parsed.body, outlet=parsed.outlet, source=source)
        article = normalize(raw)
        key = f"{source.file_sha256}:{article.article_id}"
        if key not in cache:
            extractor = extractor or EntityExtractor()
            cache[key] = [e.model_dump(mode="json") for e in extractor.extract([article.body])[0]]
        entities = [Entity.model_validate(e) for e in cache[key]]
        dated_at, date_note = filed_date(None, received, f"{article.title}\n{article.body}")  # as the entity stage
        documents.append(
            ArticleDocument(
                article_id=article.article_id, title=article.title, body=article.body, outlet=article.outlet,
                ingested_at=received, dated_at=dated_at, date_note=date_note, language=article.language,
                word_count=article.word_count, source=source, dedup_group=article.article_id,
            ).with_entities(entities)
        )  # fmt: skip
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(json.dumps(cache))
    return documents


def entity_cache_file() -> Path:
    """The entity cache of the configured NER pipeline and the extractor's current code (a change starts anew)."""
    digest = hashlib.sha256(get_settings().ner_model.encode())
    for name in EXTRACTOR_SOURCES:
        digest.update((PROCESSORS_DIR / name).read_bytes())
    return CACHE_DIR / f"story-entities-{digest.hexdigest()[:16]}.json"


def resolved_documents(documents: list[ArticleDocument]) -> list[ArticleDocument]:
    """The distinct ``documents``, in order, with entities resolved as the registry does."""
    names = registry.MemoryStore()
    seen: set[str] = set()
    out = []
    for document in documents:
        if document.article_id in seen:
            continue
        seen.add(document.article_id)
        out.append(document.with_entities(registry.resolve_article(document.entities, names)))
    return out


def in_process_clusters(documents: list[ArticleDocument], params: StoryParameters) -> dict[str, str]:
    """Path -> story id, from the registry and story logic run in order on ``documents`` (copies share one)."""
    stories = MemoryStore()
    story_of: dict[str, str] = {}
    now = datetime.now(UTC)
    for document in resolved_documents(documents):
        decision = assign(document, stories, params, now)
        assert decision is not None
        story_of[document.article_id] = decision.assignment.story_id
    return {document.source.path: story_of[document.article_id] for document in documents}


def order_spread(
    documents: list[ArticleDocument], params: StoryParameters, gold: Mapping[str, dict[str, str]], orders: int
) -> dict[str, dict[str, float]]:
    """Each part's F1, precision and recall over ``orders`` seeded shuffles of the arrival order: mean, min, max."""
    figures: dict[str, dict[str, list[float]]] = {part: defaultdict(list) for part in gold}
    for seed in range(orders):
        shuffled = list(documents)
        random.Random(seed).shuffle(shuffled)
        for part, scores in score(in_process_clusters(shuffled, params), gold).items():
            for name in ("precision", "recall", "f1"):
                figures[part][name].append(float(scores[name]))
    return {
        part: {
            f"{name}_{stat}": round(fn(values), 3)
            for name, values in by_name.items()
            for stat, fn in (("mean", statistics.fmean), ("min", min), ("max", max))
        }
        for part, by_name in figures.items()
    }


def pipeline_clusters(base: Settings, files: list[Path]) -> dict[str, str]:
    """Path -> story id, as the real pipeline indexed them (a copy takes its original's story)."""
    with sandboxed_worker(base, partitions=2, prefix="newsflow-bench-stories-") as sandbox:
        settings, es = sandbox.settings, sandbox.es
        with Publisher(settings) as publisher:
            ingestor = FileIngestor(settings, publisher, move_files=False)
            for path in files:
                staged = settings.home / "staging" / path.parent.name / path.name
                staged.parent.mkdir(parents=True, exist_ok=True)
                staged.write_bytes(path.read_bytes())
                ingestor.ingest(staged)
        distinct = len({expected_id(p.read_bytes(), p.name) for p in files})
        wait_until(lambda: indexed_count(es, settings.index_alias) >= distinct, 1200, f"{distinct} articles indexed")
        es.indices.refresh(index=settings.index_alias)
        hits = es.search(
            index=settings.index_alias,
            query={"exists": {"field": "title"}},
            _source=["source.path", "copies.path", "story_id"],
            size=len(files) + 10,
        )["hits"]["hits"]
    clusters: dict[str, str] = {}
    for hit in hits:
        document = hit["_source"]
        story = document.get("story_id") or f"none:{hit['_id']}"
        for path in [document["source"]["path"], *(c["path"] for c in document.get("copies", []))]:
            clusters[_staged_key(path)] = story
    return clusters


def _staged_key(path: str) -> str:
    """``staging/business/012.txt`` (as the producer records it) -> ``business/012.txt``."""
    parts = Path(path).parts
    return "/".join(parts[-2:])


def _gold_by_part() -> dict[str, dict[str, str]]:
    labelled: list[LabelledArticle] = load_bbc_story_gold(BBC_DIR)
    return {part: {a.path: a.story for a in labelled if a.split == part} for part in PARTS}


def samples_check(clusters: Mapping[str, str]) -> dict[str, Any]:
    """Do the two samples share one story, and does any corpus article share it?"""
    samples = sorted(k for k in clusters if k.startswith("samples/"))
    stories = {clusters[k] for k in samples}
    shared = len(stories) == 1
    others = sorted(k for k, v in clusters.items() if v in stories and not k.startswith("samples/"))
    return {"samples_share_a_story": shared, "corpus_articles_with_them": others}


def score(clusters: Mapping[str, str], gold: Mapping[str, dict[str, str]]) -> dict[str, dict[str, float | int]]:
    """Scores per part; a labelled copy missing from ``clusters`` counts as alone."""
    out = {}
    for part, labels in gold.items():
        predicted = {path: clusters.get(path, f"missing:{path}") for path in labels}
        out[part] = pairwise(labels, predicted).figures()
    return out


def errors(clusters: Mapping[str, str], labels: Mapping[str, str], titles: Mapping[str, str]) -> list[str]:
    """Lines naming the split gold stories and the merged predicted clusters (dev part only)."""
    lines = []
    by_story: dict[str, list[str]] = defaultdict(list)
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for path, story in labels.items():
        by_story[story].append(path)
        by_cluster[clusters[path]].append(path)
    for story, paths in sorted(by_story.items()):
        if len({clusters[p] for p in paths}) > 1:
            lines.append(f"SPLIT {story}: " + " | ".join(f"{p} [{clusters[p][-6:]}] {titles[p][:50]}" for p in paths))
    for cluster, paths in sorted(by_cluster.items()):
        if len({labels[p] for p in paths}) > 1:
            lines.append(f"MERGED {cluster[-6:]}: " + " | ".join(f"{p} ({labels[p]}) {titles[p][:50]}" for p in paths))
    return lines


def run(base: Settings | None, *, show_errors: bool = False, orders: int = 0) -> dict[str, Any]:
    """Ours (pipeline, or in process when ``base`` is None) beside no clustering and words only.

    ``orders``: also ours in process over that many shuffled arrival orders (:func:`order_spread`).
    """
    gold = _gold_by_part()
    files = stream_files()
    params = StoryParameters()
    documents = _documents(files)
    words_only = in_process_clusters(documents, replace(params, entity_weight=0.0))
    if base is None:
        ours = in_process_clusters(documents, params)
        mode = "in process"
    else:
        ours = pipeline_clusters(base, files)
        mode = "pipeline"
    alone = {d.source.path: d.article_id for d in documents}
    results: dict[str, Any] = {
        "mode": mode,
        "articles": len(files),
        "parameters": {k: str(v) for k, v in params.__dict__.items()},
        "ours": score(ours, gold),
        "no_clustering": score(alone, gold),
        "words_only": score(words_only, gold),
        "samples": samples_check(ours),
        "stories": len(set(ours.values())),
    }
    if orders:
        results["orders"] = {"count": orders, **order_spread(documents, params, gold, orders)}
    if show_errors:
        titles = {d.source.path: d.title for d in documents}
        results["errors"] = errors(ours, gold["dev"], titles)
    return results


def summary_lines(results: Mapping[str, Any]) -> list[str]:
    """The table ``make bench`` prints."""
    lines = [f"story quality ({results['mode']}, {results['articles']} files, {results['stories']} stories)"]
    lines.append(f"  {'part':5} {'method':14} {'precision':>9} {'recall':>7} {'F1':>6}  pairs true/predicted/gold")
    for part in PARTS:
        for method in ("no_clustering", "words_only", "ours"):
            f = results[method][part]
            lines.append(
                f"  {part:5} {method:14} {f['precision']:9.3f} {f['recall']:7.3f} {f['f1']:6.3f}  "
                f"{f['true_pairs']}/{f['predicted_pairs']}/{f['gold_pairs']}"
            )
    if "orders" in results:
        spread = results["orders"]
        lines.append(f"  ours over {spread['count']} shuffled arrival orders (in process): mean [min, max]")
        for part in PARTS:
            f = spread[part]
            lines.append(
                f"  {part:5} " + "  ".join(
                    f"{name} {f[name + '_mean']:.3f} [{f[name + '_min']:.3f}, {f[name + '_max']:.3f}]"
                    for name in ("precision", "recall", "f1")
                )
            )  # fmt: skip
    samples = results["samples"]
    lines.append(
        f"  samples in one story: {samples['samples_share_a_story']}; "
        f"corpus articles with them: {len(samples['corpus_articles_with_them'])}"
    )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--in-process", action="store_true", help="the stages' logic in this process (fast)")
    parser.add_argument("--errors", action="store_true", help="list split and merged stories of the dev part")
    parser.add_argument(
        "--orders",
        type=int,
        default=BENCH_ORDERS,
        metavar="N",
        help=f"also ours in process over N shuffled arrival orders (default {BENCH_ORDERS}; 0: none)",
    )
    args = parser.parse_args(argv)
    if args.orders < 0:
        parser.error("--orders must be 0 or more")
    if args.in_process:
        results = run(None, show_errors=args.errors, orders=args.orders)
    else:
        base = Settings()
        with running_infrastructure(base):
            results = run(base, show_errors=args.errors, orders=args.orders)
    for line in results.pop("errors", []):
        print(line)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("stories-in-process.json" if args.in_process else "stories.json")).write_text(
        json.dumps(results, indent=2) + "\n"
    )
    print("\n".join(summary_lines(results)))


if __name__ == "__main__":
    main()
