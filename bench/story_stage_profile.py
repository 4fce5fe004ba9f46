"""Where the story stage's time goes: CPU per article of ``assign`` through the stage's ``TableStore``.

The worker keeps the stage's memory in Faust tables backed by RocksDB: a read
encodes the key, gets bytes from RocksDB and decodes them with Faust's JSON
codec; a write encodes the value for the store and again for its changelog
message. Here each table is a ``rocksdict.Rdict`` in a temporary folder behind
the same codec (:class:`FaustLikeTable`), so the figures include that work;
what they leave out is the Kafka producer's share of each changelog message
(batching and sending), which grows with the number of writes counted here.

The documents are the stream of ``python -m bench.stories --in-process`` (the
corpus and the two samples in their fixed order, entities from the cache,
resolved through the registry in process). The clusters are checked against
the same clustering over a ``MemoryStore``: the stage must decide the same.

    python -m bench.story_stage_profile            # CPU ms per article, table operations per article
    python -m bench.story_stage_profile --profile  # and a breakdown (cProfile, cumulative ms per article)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from faust.serializers import codecs
from rocksdict import Rdict

from bench.stories import _documents, in_process_clusters, resolved_documents, stream_files
from newsflow.processors.logged_table import Table
from newsflow.processors.stages.stories import TableStore, decide
from newsflow.processors.stories import StoryParameters


class FaustLikeTable:
    """A table as the worker sees one: RocksDB underneath, values through Faust's JSON codec (twice on a write)."""

    def __init__(self, name: str, folder: Path, counts: Counter[str]) -> None:
        self.name = name
        self._db = Rdict(str(folder / name))
        self._counts = counts

    def get(self, key: str, default: Any = None) -> Any:
        self._counts[f"{self.name} read"] += 1
        raw = self._db.get(codecs.dumps("json", key))
        return default if raw is None else codecs.loads("json", raw)

    def __setitem__(self, key: str, value: Any) -> None:
        self._counts[f"{self.name} write"] += 1
        encoded_key = codecs.dumps("json", key)
        self._db[encoded_key] = codecs.dumps("json", value)
        codecs.dumps("json", key), codecs.dumps("json", value)  # the changelog message's key and value

    def __iter__(self) -> Iterator[Any]:
        for raw in self._db.keys():  # noqa: SIM118 (an Rdict iterates its items)
            yield codecs.loads("json", cast(bytes, raw))

    def pop(self, key: str, default: Any = None) -> Any:
        encoded = codecs.dumps("json", key)
        raw = self._db.get(encoded)
        if raw is None:
            self._counts[f"{self.name} read"] += 1  # nothing to remove: a read, no changelog message
            return default
        self._counts[f"{self.name} write"] += 1
        del self._db[encoded]
        codecs.dumps("json", key)  # the changelog's tombstone
        return codecs.loads("json", raw)

    def close(self) -> None:
        self._db.close()


def table_store(folder: Path, counts: Counter[str]) -> tuple[TableStore, list[FaustLikeTable]]:
    names = ("story-states", "story-postings", "story-assignments", "story-queue", "story-frequencies")
    tables = [FaustLikeTable(name, folder, counts) for name in names]
    return TableStore(*(cast(Table, t) for t in tables)), tables


BREAKDOWN = [
    ("decide (all)", "stories.py", "decide"),
    ("assign", "stories.py", "assign"),
    ("  article_features", "stories.py", "article_features"),
    ("    TableStore.frequency", "stories.py", "frequency"),
    ("  _best_story", "stories.py", "_best_story"),
    ("    similarity", "stories.py", "similarity"),
    ("  _apply", "stories.py", "_apply"),
    ("    _post", "stories.py", "_post"),
    ("    _sweep", "stories.py", "_sweep"),
    ("  TableStore.story", "stories.py", "story"),
    ("  TableStore.postings", "stories.py", "postings"),
    ("  TableStore.put_story", "stories.py", "put_story"),
    ("  TableStore.put_postings", "stories.py", "put_postings"),
    ("  TableStore.put_frequency", "stories.py", "put_frequency"),
    ("  TableStore.clock/put_clock", "stories.py", "clock"),
    ("  TableStore.flush (changes written)", "stories.py", "flush"),
    ("    LoggedTable._fold", "logged_table.py", "_fold"),
    ("  story_document", "stories.py", "story_document"),
    ("pydantic model_validate", "main.py", "model_validate"),
    ("pydantic model_dump", "main.py", "model_dump"),
    ("pydantic model_copy", "main.py", "model_copy"),
    ("json encode (Faust codec)", "codecs.py", "dumps"),
    ("json decode (Faust codec)", "codecs.py", "loads"),
]


def breakdown(profile: cProfile.Profile, articles: int) -> list[str]:
    """Cumulative ms per article of the functions in :data:`BREAKDOWN` (a function counted once per call tree)."""
    stats = pstats.Stats(profile)
    table = cast(dict[tuple[str, int, str], tuple[int, int, float, float, Any]], stats.stats)  # type: ignore[attr-defined]
    lines = []
    for label, file_end, function in BREAKDOWN:
        cumulative = 0.0
        calls = 0
        for (filename, _, name), (_, ncalls, _, cum, _) in table.items():
            if name == function and filename.endswith(file_end):
                cumulative += cum
                calls += ncalls
        lines.append(f"{label:34} {1000 * cumulative / articles:8.2f} ms  {calls / articles:7.1f} calls")
    return lines


def run(*, profile: bool) -> dict[str, Any]:
    parsed = _documents(stream_files())  # the stories bench's stream
    documents = resolved_documents(parsed)
    params = StoryParameters()
    counts: Counter[str] = Counter()
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory(prefix="newsflow-story-profile-") as folder:
        store, tables = table_store(Path(folder), counts)
        clusters: dict[str, str] = {}
        cpu = time.process_time()
        wall = time.perf_counter()
        if profiler:
            profiler.enable()
        for document in documents:
            decision = decide(document, store, params, generation=0)  # as the stage: its changes written after it
            assert decision is not None
            clusters[document.source.path] = decision.assignment.story_id
        if profiler:
            profiler.disable()
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        for table in tables:
            table.close()
    expected = in_process_clusters(parsed, params)  # the same clustering over dictionaries
    same = all(expected[path] == story for path, story in clusters.items())
    n = len(documents)
    return {
        "articles": n,
        "cpu_ms_per_article": round(1000 * cpu / n, 2),
        "wall_ms_per_article": round(1000 * wall / n, 2),
        "same_stories_as_memory_store": same,
        "operations_per_article": {k: round(v / n, 1) for k, v in sorted(counts.items())},
        "breakdown": breakdown(profiler, n) if profiler else [],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", action="store_true", help="break the time down (cProfile; slower)")
    args = parser.parse_args(argv)
    results = run(profile=args.profile)
    print(
        f"{results['articles']} articles: {results['cpu_ms_per_article']} ms CPU "
        f"({results['wall_ms_per_article']} ms wall) per article; "
        f"same stories as over plain dictionaries: {results['same_stories_as_memory_store']}"
    )
    print(
        "table operations per article: " + ", ".join(f"{k} {v}" for k, v in results["operations_per_article"].items())
    )
    for line in results["breakdown"]:
        print(line)


if __name__ == "__main__":
    main()
