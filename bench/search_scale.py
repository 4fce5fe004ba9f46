"""``python -m bench --only search-scale``: the API's search on an index grown to 100 000 articles.

The index is a sandbox (its own alias, created by bootstrap with the real
mapping). Its articles are variations of the BBC corpus: another headline
prefix or suffix, the paragraphs after the lead shuffled, dates spread over a
year, outlets drawn from a skewed list, the entities spaCy found in the base
article (cached in .newsflow/bench-cache by bench/stories.py), stories of
one to 60 reports of one base article within hours (sizes heavy-tailed),
half of a story's later reports near-duplicate republications of its first,
and 5% with exact copies, as a wire-fed index holds. They are written with
the bulk helper straight into Elasticsearch, as valid ``ArticleDocument``s:
this measures search, not ingest.

Then a real API process answers a mix of requests (words, a phrase, a prefix,
entity, place, outlet and date filters, newest first, story grouping, and
deep pages reached by cursor, which ask for no facets as the page's do), each
with the page's facets and highlights: p50/p99/max through HTTP after a
warm-up (requests asked before: their facets may come from the shard request
cache, as a popular search's do between two changes of the index), the same
kinds asked the first time (that cache cleared before each), Elasticsearch's own ``took`` for
the same requests, a breakdown of the slowest kind (the profile API for query
and aggregations; the fetch phase, which Elasticsearch 7.10 does not profile,
by taking the highlights and the hits away), and ``uptime``'s load beside
the figures. Writes bench/results/search_scale.json.

    python -m bench --only search-scale            (100 000 articles, 30 rounds)
    python -m bench.search_scale [--articles N] [--rounds N]   (make bench-search-scale ARGS=...)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from elasticsearch import Elasticsearch
from elasticsearch.helpers import parallel_bulk

from bench.end_to_end import corpus_files
from bench.search_latency import free_port, percentile, wait_for_api
from bench.stories import _documents
from newsflow.api import search
from newsflow.infra.settings import Settings
from newsflow.schemas.articles import (
    FACET_KEY_FIELDS,
    ArticleDocument,
    CopyRecord,
    EntityType,
    SourceFormat,
    SourceInfo,
)
from newsflow.schemas.index import INDEX_SETTINGS
from newsflow.schemas.search import SearchGroup, SearchParams
from newsflow.stack.sandbox import drop_sandbox, running_infrastructure, sandbox_settings, start_api, stop_process

# The API sends whole bodies too (api/service.py); the 7.17 client's advice to spread them is noise here.
warnings.filterwarnings("ignore", message="The 'body' parameter is deprecated", category=DeprecationWarning)

RESULTS = Path(__file__).parent / "results"
ARTICLES = 100_000
ROUNDS = 30
MERGE_WAIT_S = 300.0  # the longest wait for the bulk load's merges before the searches
DEEP_PAGES = 30
SEED = 13
START = datetime(2025, 12, 1, tzinfo=UTC)
DAYS = 365
# Of a story's articles after its first, the share that republish it (near-duplicates collapsed by search).
REPUBLISHED_SHARE = 0.5
COPY_SHARE = 0.05
# Outlets with a long tail: a few wires and big sites publish most articles.
OUTLETS = [
    "Reuters", "Associated Press", "AFP", "BBC News", "The Guardian", "The Times", "Financial Times",
    "The Independent", "Sky News", "The Telegraph", "CNN", "Bloomberg", "The Economist", "Daily Mail",
    "Evening Standard", "The Scotsman", "Irish Times", "Deutsche Welle", "Al Jazeera", "NPR",
    "New York Times", "Washington Post", "Los Angeles Times", "Le Monde", "El Pais", "Politico",
    "Channel 4 News", "ITV News", "Yorkshire Post", "Manchester Evening News",
]  # fmt: skip
OUTLET_WEIGHTS = [1 / (rank + 1) for rank in range(len(OUTLETS))]
PREFIXES = ["", "", "", "UPDATE: ", "Analysis: ", "Exclusive: ", "Live: ", "Explained: ", "Breaking: "]
SUFFIXES = ["", "", "", " - report", " (updated)", " | Wire", ": what we know", " - latest", " - officials"]
MAX_STORY = 60


def _story_sizes(count: int, rng: random.Random) -> Iterator[int]:
    """Reports per story until ``count``: heavy-tailed (Pareto), most stories one or two reports, a few 60."""
    left = count
    while left > 0:
        size = min(int(rng.paretovariate(1.3)), MAX_STORY, left)
        left -= size
        yield size


def _variants(bases: list[ArticleDocument], count: int, rng: random.Random) -> Iterator[ArticleDocument]:
    """``count`` documents varied from ``bases`` (see the module's docstring), each a valid ``ArticleDocument``.

    Each story is one base article reported by several outlets within hours to days of its first report.
    """
    n = 0
    for size in _story_sizes(count, rng):
        base = bases[rng.randrange(len(bases))]
        opened = START + timedelta(seconds=rng.randrange(DAYS * 86_400))
        story_id = f"st-{hashlib.sha256(f'{SEED}:{n}'.encode()).hexdigest()[:24]}"
        original = ""
        for report in range(size):
            # Reports come quickly after the first, then trail off (hours, sometimes days).
            dated = opened + timedelta(seconds=0 if report == 0 else int(rng.expovariate(1 / 14_400)))
            lead, *rest = base.body.split("\n\n")
            rng.shuffle(rest)
            body = "\n\n".join([lead, *rest])
            title = f"{rng.choice(PREFIXES)}{base.title}{rng.choice(SUFFIXES)}"
            article_id = hashlib.sha256(f"{n}\0{title}\0{body}".encode()).hexdigest()[:32]
            original = original or article_id
            # A story's later reports are often the wire copy republished (collapsed onto the first by search).
            republished = report > 0 and rng.random() < REPUBLISHED_SHARE
            outlet = rng.choices(OUTLETS, OUTLET_WEIGHTS)[0]
            received = dated + timedelta(seconds=rng.randrange(30, 900))
            copies = [
                CopyRecord(
                    source_id=f"{article_id}:{k}",
                    path=f"scale/{n}-copy{k}.txt",
                    format=SourceFormat.TEXT,
                    outlet=rng.choices(OUTLETS, OUTLET_WEIGHTS)[0],
                    received_at=received + timedelta(minutes=k + 1),
                )
                for k in range(rng.randint(1, 3) if rng.random() < COPY_SHARE else 0)
            ]
            # An article names most of what its base names: drop an entity now and then.
            entities = [e for e in base.entities if rng.random() > 0.1]
            yield ArticleDocument(
                article_id=article_id, title=title, body=body, outlet=outlet,
                url=f"https://news.example/{outlet.lower().replace(' ', '-')}/{article_id[:12]}",
                published_at=dated, ingested_at=received, dated_at=dated, language="en",
                word_count=len(body.split()),
                source=SourceInfo(
                    path=f"scale/{n}.txt", file_sha256=hashlib.sha256(body.encode()).hexdigest(),
                    format=SourceFormat.TEXT, record_index=0, received_at=received,
                ),
                copies=copies, copy_count=len(copies),
                near_duplicate_of=original if republished else None,
                near_duplicate_similarity=round(rng.uniform(0.75, 0.97), 3) if republished else None,
                dedup_group=original if republished else article_id, story_id=story_id,
            ).with_entities(entities)  # fmt: skip
            n += 1


def grow_index(settings: Settings, es: Elasticsearch, count: int) -> dict[str, Any]:
    """Write ``count`` varied corpus articles into the sandbox's index with the bulk helper; time it."""
    started = time.perf_counter()
    bases = [d for d in _documents(corpus_files()) if d.title and d.body]
    prepared = time.perf_counter() - started
    (index,) = es.indices.get_alias(index=settings.index_alias)
    # No refresh while loading (one at the end): what a bulk load does; the real interval comes back after.
    es.indices.put_settings(index=index, body={"index": {"refresh_interval": "-1"}})
    rng = random.Random(SEED)
    actions = (
        {"_index": index, "_id": doc.article_id, "_source": doc.model_dump(mode="json")}
        for doc in _variants(bases, count, rng)
    )
    written = 0
    started = time.perf_counter()
    # Two requests in flight: Elasticsearch analyses one chunk while this process serialises the next.
    for ok, item in parallel_bulk(es, actions, thread_count=2, chunk_size=500, request_timeout=120):
        if not ok:
            raise RuntimeError(f"bulk write refused: {item}")
        written += 1
        if written % 10_000 == 0:
            print(f"  {written} articles written ({time.perf_counter() - started:.0f} s)", flush=True)
    es.indices.put_settings(index=index, body={"index": {"refresh_interval": INDEX_SETTINGS["refresh_interval"]}})
    es.indices.refresh(index=index)
    seconds = time.perf_counter() - started
    merge_wait = wait_for_merges(es, index)
    stats = es.indices.stats(index=index, metric="docs,store,segments")["indices"][index]["primaries"]
    return {
        "articles": written,
        "base_articles": len(bases),
        "prepare_s": round(prepared, 1),
        "write_s": round(seconds, 1),
        "articles_per_s": round(written / seconds),
        "lucene_docs": stats["docs"]["count"],  # nested entities are Lucene documents too
        "store_mb": round(stats["store"]["size_in_bytes"] / 2**20),
        "segments": stats["segments"]["count"],
        "merge_wait_s": merge_wait,
    }


def wait_for_merges(es: Elasticsearch, index: str, timeout_s: float = MERGE_WAIT_S) -> float | None:
    """Seconds until no merge of ``index`` is under way (None: still merging after ``timeout_s``).

    A bulk load leaves segments that Elasticsearch merges in the background for a while after; an index
    that grew to this size over days has merged them long ago, so searches are measured after them.
    """
    started = time.perf_counter()
    while (waited := time.perf_counter() - started) < timeout_s:
        merges = es.indices.stats(index=index, metric="merge")["indices"][index]["primaries"]["merges"]
        if merges["current"] == 0:
            return round(waited, 1)
        time.sleep(1.0)
    return None


def request_mix(es: Elasticsearch, alias: str) -> dict[str, dict[str, Any]]:
    """The kinds of request measured, named; entity filters use the index's most named person and place."""
    tops = es.search(
        index=alias,
        size=0,
        aggs={kind: {"terms": {"field": kind, "size": 1}} for kind in ("people", "places", "outlet")},
    )["aggregations"]
    person, place, outlet = (tops[kind]["buckets"][0]["key"] for kind in ("people", "places", "outlet"))
    place_id = es.search(index=alias, size=1, query={"term": {"places": place}}, _source=["entities"])
    place_ref = next(
        e["id"] for e in place_id["hits"]["hits"][0]["_source"]["entities"] if e["canonical"] == place
    )  # an id, as a facet click sends
    return {
        "one term": {"q": "election"},
        "two terms": {"q": "oil prices"},
        "phrase": {"q": '"prime minister"'},
        "prefix": {"q": "mobile phon*"},
        "exclusion": {"q": "champions -football"},
        "words + person": {"q": "economy", "entity": [person]},
        "person, newest": {"entity": [person], "sort": "newest"},
        "place id + words": {"q": "government", "entity": [place_ref]},
        "outlet + words": {"q": "market", "outlet": [outlet]},
        "words + month": {"q": "film", "since": "2026-03-01", "until": "2026-03-31"},
        "browse newest": {"sort": "newest"},
        "group=story": {"q": "government", "group": "story"},
        "group=story, browse": {"group": "story", "sort": "newest"},
        "expanded, 50 hits": {"q": "government", "expand_duplicates": "true", "size": "50"},
    }


def es_took(es: Elasticsearch, alias: str, params: dict[str, Any]) -> int:
    """Elasticsearch's ``took`` (ms) summed over the requests the API makes for ``params`` (as api/service.py)."""
    parsed = SearchParams.model_validate(params)
    bodies = [body for body in (search.hits_body(parsed), search.facets_body(parsed)) if body is not None]
    response, *facets = es.msearch(index=alias, body=search.msearch_lines(bodies))["responses"]
    # Searched side by side, as the API sends them: the sum is an upper bound of the wait.
    took: int = response["took"] + sum(answer["took"] for answer in facets)
    hits = response["hits"]["hits"]
    ids = [h["_source"]["article_id"] for h in hits]
    if ids and not parsed.expand_duplicates:
        took += es.search(index=alias, body=search.near_duplicate_counts_body(ids))["took"]
    story_ids = [h["_source"]["story_id"] for h in hits if h["_source"].get("story_id")]
    if parsed.group is SearchGroup.STORY and story_ids:
        took += es.search(index=alias, body=search.story_counts_body(parsed, story_ids))["took"]
    return took


def load() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def _summary(timings: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
        "max_ms": round(max(timings), 1),
    }


def _deep_pages(client: httpx.Client, params: dict[str, Any], pages: int) -> list[float]:
    """Follow ``next_cursor`` from the first page for ``pages`` pages; each page's time in ms."""
    timings = []
    for _ in range(pages):
        started = time.perf_counter()
        page = client.get("/search", params=params)
        page.raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        params = {**params, "cursor": cursor, "facets": "false"}  # as the page asks for its next pages
    return timings


def api_latency(settings: Settings, mix: dict[str, dict[str, Any]], rounds: int) -> dict[str, Any]:
    """Through a real API process: each kind of request ``rounds`` times (interleaved), deep cursor pages,
    and each kind asked for the first time (the shard request cache cleared before each request)."""
    port = free_port()
    es = Elasticsearch(settings.elasticsearch_url, timeout=120)
    api = start_api(settings, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            wait_for_api(client, settings)
            for _ in range(3):  # warm-up: the API's code paths, Elasticsearch's caches and global ordinals
                for params in mix.values():
                    client.get("/search", params=params).raise_for_status()
            load_before = load()
            by_kind: dict[str, list[float]] = {name: [] for name in mix}
            api_took: dict[str, list[float]] = {name: [] for name in mix}
            for _ in range(rounds):
                for name, params in mix.items():
                    started = time.perf_counter()
                    answer = client.get("/search", params=params)
                    answer.raise_for_status()
                    by_kind[name].append((time.perf_counter() - started) * 1000)
                    api_took[name].append(answer.json()["took_ms"])
            deep = {
                "relevance": _deep_pages(client, {"q": "said", "size": "10"}, DEEP_PAGES),
                "newest": _deep_pages(client, {"sort": "newest", "size": "10"}, DEEP_PAGES),
                "group=story": _deep_pages(client, {"q": "said", "group": "story", "size": "10"}, DEEP_PAGES),
            }
            load_after = load()
            first_time: dict[str, list[float]] = {name: [] for name in mix}
            for _ in range(max(rounds // 3, 5)):
                for name, params in mix.items():
                    es.indices.clear_cache(index=settings.index_alias, request=True)
                    started = time.perf_counter()
                    client.get("/search", params=params).raise_for_status()
                    first_time[name].append((time.perf_counter() - started) * 1000)
    finally:
        stop_process(api)
    everything = [t for timings in by_kind.values() for t in timings]
    uncached = [t for timings in first_time.values() for t in timings]
    return {
        "first_time": {
            "requests": len(uncached),
            **_summary(uncached),
            "kinds": {name: _summary(timings) for name, timings in first_time.items()},
        },
        "requests": len(everything),
        **_summary(everything),
        "load_before": load_before,
        "load_after": load_after,
        "kinds": {
            name: {**_summary(timings), "api_es_calls_p50_ms": statistics.median(api_took[name])}
            for name, timings in by_kind.items()
        },
        "deep_pages": {
            name: {"pages": len(timings), **_summary(timings), "last_ms": round(timings[-1], 1)}
            for name, timings in deep.items()
        },
    }


def es_latency(es: Elasticsearch, alias: str, mix: dict[str, dict[str, Any]], rounds: int) -> dict[str, Any]:
    """Elasticsearch's own ``took`` for the same requests (the API's one to three searches, summed)."""
    by_kind: dict[str, list[float]] = {name: [] for name in mix}
    for _ in range(rounds):
        for name, params in mix.items():
            by_kind[name].append(es_took(es, alias, params))
    everything = [t for timings in by_kind.values() for t in timings]
    return {"load": load(), **_summary(everything), "kinds": {n: _summary(t) for n, t in by_kind.items()}}


def _nanos_ms(nanos: int) -> float:
    return round(nanos / 1e6, 2)


def flat_entity_facets(facet_size: int) -> dict[str, Any]:
    """The people, organisations and places facets as plain ``terms`` on the flat ``entity_ids`` (no nested
    documents; the names would then come from the ids' hits or a lookup): the alternative measured."""
    return {
        f"flat_{kind.value}": {
            "terms": {"field": "entity_ids", "size": facet_size, "include": f"{kind.value}:.*"},
        }
        for kind in EntityType
    }


# The keyword fields the API's searches aggregate on (facets, story grouping, republication counts).
ORDINAL_FIELDS = {"outlet": None, "language": None, "story_id": None, "near_duplicate_of": None, "entities": "id"}


def _eager_ordinals(es: Elasticsearch, index: str, eager: bool) -> None:
    """Set ``eager_global_ordinals`` on the aggregated keyword fields (an in-place mapping update)."""
    properties: dict[str, Any] = {}
    for field, nested in ORDINAL_FIELDS.items():
        keyword = {"type": "keyword", "eager_global_ordinals": eager}
        properties[field] = {"type": "nested", "properties": {nested: keyword}} if nested else keyword
    es.indices.put_mapping(index=index, body={"properties": properties})


def after_refresh(es: Elasticsearch, alias: str, params: dict[str, Any], repeats: int = 8) -> dict[str, Any]:
    """The live pipeline writes and refreshes every second: the first search after a refresh with new
    documents, beside the same search again, with and without eager global ordinals (the refresh's own time
    too, since eager ordinals move the cost there)."""
    (index,) = es.indices.get_alias(index=alias)
    template = es.search(index=alias, size=1, query={"exists": {"field": "title"}})["hits"]["hits"][0]["_source"]
    results: dict[str, Any] = {"load": load()}
    for eager in (False, True):
        _eager_ordinals(es, index, eager)
        first: list[float] = []
        again: list[float] = []
        refresh: list[float] = []
        for k in range(repeats):
            new_id = hashlib.sha256(f"refresh-{eager}-{k}".encode()).hexdigest()[:32]
            es.index(index=index, id=new_id, document={**template, "article_id": new_id, "dedup_group": new_id})
            started = time.perf_counter()
            es.indices.refresh(index=index)
            refresh.append((time.perf_counter() - started) * 1000)
            first.append(es_took(es, alias, params))
            again.append(es_took(es, alias, params))
        results["eager" if eager else "lazy (as mapped)"] = {
            "first_search_after_refresh_ms": statistics.median(first),
            "same_search_again_ms": statistics.median(again),
            "refresh_ms": round(statistics.median(refresh), 1),
        }
    _eager_ordinals(es, index, eager=False)
    return results


def nested_entity_facets(ordered_by_articles: bool) -> dict[str, Any]:
    """The entity facets as the API counted them until session 22: nested entity documents, one filter per
    type, by id, ordered by their ``reverse_nested`` article count (until 2026-12-02) or by entries
    (``_count``, after); measured beside the flat facet keys the API counts now."""
    ids = search.entity_ids_aggregation(10)
    order = [{"articles" if ordered_by_articles else "_count": "desc"}, {"_key": "asc"}]
    ids = {**ids, "terms": {**ids["terms"], "order": order}}
    return {
        "nested": {"path": "entities"},
        "aggs": {
            field: {"filter": {"term": {"entities.type": kind.value}}, "aggs": {"ids": ids}}
            for kind, field in search.ENTITY_FIELDS.items()
        },
    }


def profile(es: Elasticsearch, alias: str, params: dict[str, Any], repeats: int = 9) -> dict[str, Any]:
    """Where the time of one request goes: the profile API's query and aggregation trees (median of
    ``repeats``), and ``took`` without highlights, without hits and without aggregations (fetch phase and
    highlighting, which Elasticsearch 7.10 does not profile, are the difference)."""
    parsed = SearchParams.model_validate(params)
    facets = search.facets_body(parsed)
    assert facets is not None
    # Hits and facets in one body, as the API sent them until session 22: the parts' shares of one search.
    body = {**search.hits_body(parsed), "aggs": facets["aggs"]}
    aggs = body["aggs"]
    without_entities = {k: v for k, v in aggs.items() if k not in FACET_KEY_FIELDS.values()}
    variants = {
        "full": body,
        "no highlight": {k: v for k, v in body.items() if k != "highlight"},
        "no hits (size 0)": {**{k: v for k, v in body.items() if k not in ("highlight", "collapse")}, "size": 0},
        "no aggregations": {k: v for k, v in body.items() if k != "aggs"},
        "no entity facets": {**body, "aggs": without_entities},
        "entity facets nested, by reverse_nested count (until 2026-12-02)": {
            **body,
            "aggs": {**without_entities, "entities": nested_entity_facets(ordered_by_articles=True)},
        },
        "entity facets nested, by _count (until session 22)": {
            **body,
            "aggs": {**without_entities, "entities": nested_entity_facets(ordered_by_articles=False)},
        },
        "entity facets flat (terms on entity_ids)": {**body, "aggs": {**without_entities, **flat_entity_facets(10)}},
        "facets only, as the API asks (size 0)": facets,
        "query only": {
            **{k: v for k, v in body.items() if k not in ("highlight", "aggs", "collapse")},
            "size": 0,
        },
    }
    took: dict[str, list[int]] = {name: [] for name in variants}
    for _ in range(repeats):  # interleaved, so that a slow moment of the shared machine hits every variant
        for name, variant in variants.items():
            # No shard request cache: a size-0 request would otherwise be answered from it after the first.
            took[name].append(es.search(index=alias, body=variant, request_cache=False)["took"])
    runs = [
        es.search(index=alias, body={**body, "profile": True}, request_cache=False)["profile"]["shards"][0]
        for _ in range(repeats)
    ]

    def median_of(values: list[int]) -> float:
        return _nanos_ms(int(statistics.median(values)))

    query_ns = [sum(q["time_in_nanos"] for s in r["searches"] for q in s["query"]) for r in runs]
    rewrite_ns = [sum(s["rewrite_time"] for s in r["searches"]) for r in runs]
    collector_ns = [sum(c["time_in_nanos"] for s in r["searches"] for c in s["collector"]) for r in runs]
    aggregations: dict[str, list[int]] = {}
    for run in runs:
        for agg in run["aggregations"]:
            aggregations.setdefault(agg["description"], []).append(agg["time_in_nanos"])
    nested_children: dict[str, list[int]] = {}
    for run in runs:
        for agg in run["aggregations"]:
            for child in agg.get("children", []):
                for grandchild in child.get("children", []):
                    key = f"{agg['description']} > {child['description']} > {grandchild['description']}"
                    nested_children.setdefault(key, []).append(grandchild["time_in_nanos"])
    return {
        "params": params,
        "load": load(),
        "took_ms_median": {name: statistics.median(values) for name, values in took.items()},
        "profile_ms_median": {
            "query": median_of(query_ns),
            "rewrite": median_of(rewrite_ns),
            "collectors (incl. the query's scoring and the aggregations' collection)": median_of(collector_ns),
            "aggregations": {name: median_of(values) for name, values in aggregations.items()},
            "entity facet terms (inside nested > filter)": {
                name: median_of(values) for name, values in nested_children.items()
            },
        },
    }


def run(base: Settings, articles: int, rounds: int) -> dict[str, Any]:
    """Grow a sandboxed index to ``articles``, measure search on it, profile the slowest kind; drop it after."""
    settings = sandbox_settings(base, Path(tempfile.mkdtemp(prefix="newsflow-bench-")))
    es = Elasticsearch(settings.elasticsearch_url, timeout=120)
    try:
        print(f"growing the index to {articles} articles ...", flush=True)
        grown = grow_index(settings, es, articles)
        print(f"  {grown}", flush=True)
        mix = request_mix(es, settings.index_alias)
        print(f"search through the API, {rounds} rounds of {len(mix)} kinds ...", flush=True)
        api = api_latency(settings, mix, rounds)
        print("Elasticsearch's took for the same requests ...", flush=True)
        took = es_latency(es, settings.index_alias, mix, max(rounds // 3, 5))
        slowest = max(api["kinds"], key=lambda name: api["kinds"][name]["p50_ms"])
        print(f"profiling the slowest kind ({slowest}) ...", flush=True)
        profiled = profile(es, settings.index_alias, mix[slowest])
        profiled["kind"] = slowest
        print("the first search after a refresh, with and without eager global ordinals ...", flush=True)
        refreshed = after_refresh(es, settings.index_alias, mix[slowest])
        totals = es.search(
            index=settings.index_alias,
            size=0,
            track_total_hits=True,
            aggs={
                "stories": {"cardinality": {"field": "story_id"}},
                "entities": {"cardinality": {"field": "entity_ids"}},
                "republications": {"filter": {"exists": {"field": "near_duplicate_of"}}},
            },
        )
        aggs = totals["aggregations"]
        grown.update(
            stories=aggs["stories"]["value"],
            distinct_entities=aggs["entities"]["value"],
            near_duplicates=aggs["republications"]["doc_count"],
        )
    finally:
        drop_sandbox(settings)
    return {
        "cpus": os.cpu_count(),
        "index": grown,
        "api": api,
        "elasticsearch_took": took,
        "profile": profiled,
        "after_refresh": refreshed,
    }


def summary_lines(results: dict[str, Any]) -> list[str]:
    """The bench table's lines for search at scale."""
    api, took, index = results["api"], results["elasticsearch_took"], results["index"]
    first = api["first_time"]
    waited = index.get("merge_wait_s")
    merged = f"its merges over {waited} s after" if waited is not None else "searched while still merging"
    lines = [
        f"{'articles in the index (stories, Lucene docs)':42} {index['articles']} "
        f"({index.get('stories')} stories, {index['lucene_docs']} Lucene docs, {index['store_mb']} MB)",
        f"{'bulk load, articles/s':42} {index['articles_per_s']}  ({merged})",
        f"{'search p50 / p99 / max, ms':42} {api['p50_ms']} / {api['p99_ms']} / {api['max_ms']}"
        f"  ({api['requests']} requests, each asked before; load {api['load_before']} -> {api['load_after']})",
        f"{'  asked the first time, p50 / p99 / max, ms':42} {first['p50_ms']} / {first['p99_ms']} / "
        f"{first['max_ms']}  ({first['requests']} requests, the shard request cache cleared before each)",
        f"{'  Elasticsearch took p50 / p99 / max, ms':42} {took['p50_ms']} / {took['p99_ms']} / {took['max_ms']}"
        f"  (load {took['load']})",
    ]
    for name, kind in api["kinds"].items():
        es_kind = took["kinds"][name]
        lines.append(
            f"{'  ' + name:42} {kind['p50_ms']} / {kind['p99_ms']} / {kind['max_ms']}"
            f"  (ES took p50 {es_kind['p50_ms']}; first time p50 {first['kinds'][name]['p50_ms']})"
        )
    for name, deep in api["deep_pages"].items():
        lines.append(
            f"{'  deep pages, ' + name + ', p50 / last, ms':42} {deep['p50_ms']} / {deep['last_ms']}"
            f"  ({deep['pages']} pages)"
        )
    profiled = results["profile"]
    lines.append(f"{'profile of ' + profiled['kind']:42} took (ms, median) {profiled['took_ms_median']}")
    lines.append(f"{'':42} {json.dumps(profiled['profile_ms_median'])}")
    lines.append(f"{'after a refresh (ES took, ms)':42} {json.dumps(results['after_refresh'])}")
    return lines


def run_alone(articles: int = ARTICLES, rounds: int = ROUNDS) -> None:
    """Grow, measure, profile and drop; print the lines and write bench/results/search_scale.json."""
    base = Settings()
    with running_infrastructure(base):
        results = run(base, articles, rounds)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search_scale.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(summary_lines(results)))
    print(f"written to {RESULTS / 'search_scale.json'}")


def main() -> None:
    """``python -m bench.search_scale [--articles N] [--rounds N]``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=ARTICLES, help="articles to grow the index to")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of the request mix through the API")
    args = parser.parse_args()
    run_alone(args.articles, args.rounds)


if __name__ == "__main__":
    main()
