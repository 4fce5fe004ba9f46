"""The steps every fault scenario shares: a corpus slice, the pipeline's processes, the index check, the figures.

A scenario drops a slice of the BBC corpus into a sandbox's ingest folder,
injects its fault while the pipeline works, lets the system recover by itself
and then compares the index with what the slice must give: every text exactly
once, every exact duplicate recorded as a copy of it, no stub document left.
The recovery time (fault over -> index complete) goes to ``tests/artifacts/faults.json``.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from newsflow.api.monitoring import PipelineMonitor
from newsflow.infra.settings import Settings
from newsflow.processors.normalize import raw_article_id
from newsflow.producers.formats import ParsedArticle, parse_file
from newsflow.schemas.deadletter import DeadLetter
from newsflow.schemas.topics import COPIES, DEADLETTER, ENRICHED, LINKS, NORMALIZED, STORIES
from newsflow.stack.sandbox import start_api, start_delivery, start_producer, start_worker, stop_process
from tests.conftest import BBC_DIR

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = PROJECT_ROOT / "tests" / "artifacts" / "faults.json"

T = TypeVar("T")


# --- the corpus --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusSlice:
    """Files of the BBC corpus in the order they are dropped, and the index they must give."""

    files: tuple[Path, ...]
    # article_id -> how many of the files carry that text (2 for an exact duplicate pair).
    expected: collections.Counter[str]

    @property
    def documents(self) -> int:
        """Documents the index must hold: one per distinct text."""
        return len(self.expected)

    @property
    def copies(self) -> int:
        """Copies the index must record: every file beyond the first of its text."""
        return len(self.files) - len(self.expected)


def article_id(path: Path) -> str:
    """The ``article_id`` (Elasticsearch ``_id``) the pipeline gives the one article of a BBC file."""
    (parsed,) = parse_file(path.name, path.read_bytes())[1]
    assert isinstance(parsed, ParsedArticle)
    return raw_article_id(parsed.title, parsed.body)


def key_partition(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, as in Faust's producer) gives ``key``."""
    return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions


@functools.cache
def bbc_slice(size: int = 300, pairs: int = 12, partitions: int = 4) -> CorpusSlice:
    """``size`` files across the three categories, ``pairs`` of them exact duplicate pairs.

    The pairs are spread evenly over the ``partitions`` of the dedup table
    (keyed by article_id), so whichever partitions a killed worker held, some
    duplicates depend on its table. Each pair's second file is dropped last:
    it reaches dedup well after the first, usually after the fault.
    """
    corpus = sorted(p for p in BBC_DIR.rglob("*.txt") if p.parent != BBC_DIR)
    by_text: dict[str, list[Path]] = collections.defaultdict(list)
    for path in corpus:
        by_text[article_id(path)].append(path)
    by_partition: dict[int, list[str]] = collections.defaultdict(list)
    for text, paths in sorted(by_text.items(), key=lambda item: item[1][0]):
        if len(paths) == 2:
            by_partition[key_partition(text, partitions)].append(text)
    round_robin = itertools.chain.from_iterable(itertools.zip_longest(*by_partition.values()))
    chosen = [text for text in round_robin if text is not None][:pairs]
    assert len(chosen) == pairs, f"the corpus has only {len(chosen)} duplicate pairs"
    singles = [paths[0] for paths in by_text.values() if len(paths) == 1]
    wanted = size - 2 * pairs
    step = len(singles) / wanted  # every n-th file: all three categories, their whole range
    firsts = sorted([singles[int(n * step)] for n in range(wanted)] + [by_text[t][0] for t in chosen])
    files = (*firsts, *(by_text[t][1] for t in chosen))
    return CorpusSlice(files, collections.Counter(article_id(path) for path in files))


def ingest_name(path: Path) -> str:
    """The name a corpus file gets in the ingest folder (the category keeps names unique)."""
    return f"{path.parent.name}-{path.name}"


_mtimes = itertools.count(int(time.time()) - 86_400)


def drop(files: Sequence[Path], ingest_dir: Path) -> None:
    """Copy ``files`` in the documented safe way: write ``<name>.part``, then rename it into place.

    The producer takes the oldest file first; increasing mtimes in the past
    keep the drop order and make every file count as settled at once.
    """
    ingest_dir.mkdir(parents=True, exist_ok=True)
    for path in files:
        dest = ingest_dir / ingest_name(path)
        part = dest.with_name(dest.name + ".part")
        shutil.copyfile(path, part)
        mtime = next(_mtimes)
        os.utime(part, (mtime, mtime))
        os.replace(part, dest)


def pending_files(settings: Settings) -> list[Path]:
    """Article files still waiting in the ingest folder (not sent yet)."""
    return sorted(settings.ingest_dir.glob("*.txt"))


def processed_files(settings: Settings) -> list[Path]:
    """Files the producer moved to ``processed/`` (every record acknowledged by Kafka)."""
    return sorted(settings.processed_path.glob("*.txt")) if settings.processed_path.is_dir() else []


# --- the processes -----------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Pipeline:
    """The producer, workers, webhook deliverer and API of one scenario, by name; whatever still runs is stopped on
    exit."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.api_port = free_port()

    def _add(self, name: str, process: subprocess.Popen[bytes]) -> None:
        if name in self.processes and self.processes[name].poll() is None:
            process.kill()
            raise RuntimeError(f"{name} is already running")
        self.processes[name] = process

    def start_worker(self, worker_id: int = 0) -> None:
        """A Faust worker; the same id reuses the same state folder, as a restarted worker would."""
        self._add(f"worker-{worker_id}", start_worker(self.settings, worker_id=worker_id))

    def start_producer(self) -> None:
        """The producer daemon (``python -m newsflow.producers``) watching the ingest folder."""
        self._add("producer", start_producer(self.settings))

    def start_delivery(self) -> None:
        """The webhook deliverer (``python -m newsflow.delivery``)."""
        self._add("delivery", start_delivery(self.settings))

    def start_api(self) -> str:
        """The API on this pipeline's port (the same after a restart); returns its base URL."""
        self._add("api", start_api(self.settings, self.api_port))
        return f"http://127.0.0.1:{self.api_port}"

    def running(self, name: str) -> bool:
        """True while the process called ``name`` runs."""
        return name in self.processes and self.processes[name].poll() is None

    def kill(self, name: str) -> None:
        """SIGKILL: no signal handler, no flush, no offset commit, no goodbye to the consumer group."""
        process = self.processes[name]
        assert process.poll() is None, f"{name} exited before it could be killed (see its log in {self.settings.home})"
        process.send_signal(signal.SIGKILL)
        process.wait()

    def terminate(self, name: str, timeout_s: float = 60.0) -> int:
        """SIGTERM, as `make down` or a rolling restart stops a process; its exit code once it has exited."""
        process = self.processes[name]
        assert process.poll() is None, f"{name} exited before it could be stopped (see its log in {self.settings.home})"
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout_s)

    def close(self) -> None:
        """Stop every process still running (SIGTERM, then SIGKILL)."""
        for process in self.processes.values():
            if process.poll() is None:
                stop_process(process)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- waiting and reading the index -------------------------------------------------------------------------


def wait_until(
    probe: Callable[[], T | None],
    timeout_s: float,
    what: str,
    interval_s: float = 0.5,
    progress: Callable[[], str] | None = None,
) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` (and ``progress()``) on timeout.

    Timeouts here are generous bounds against a hung system, not speed requirements.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            state = f" ({progress()})" if progress else ""
            pytest.fail(f"timed out after {timeout_s:.0f}s waiting for {what}{state}")
        time.sleep(interval_s)


def _es(settings: Settings) -> Elasticsearch:
    return Elasticsearch(settings.elasticsearch_url, timeout=30)


def indexed_count(settings: Settings) -> int:
    """Documents with a title (indexed articles, stubs not counted); cheap enough to poll."""
    body = {"query": {"exists": {"field": "title"}}}
    return int(_es(settings).count(index=settings.index_alias, body=body)["count"])


@dataclass(frozen=True)
class IndexState:
    """What the index holds, in the terms a corpus slice is checked with."""

    total: int  # every document, stubs (a copy or link that arrived before its article) included
    ids: collections.Counter[str]  # article_id of each document with a title
    copies: dict[str, int]  # article_id -> distinct copies recorded on it
    story_of: dict[str, str | None]  # article_id -> its story_id
    story_counts: dict[str, int]  # story_id -> article_count, as the stories index holds it

    @property
    def copy_total(self) -> int:
        """Copies recorded over the whole index."""
        return sum(self.copies.values())

    def complete(self, corpus: CorpusSlice) -> bool:
        """Every text of ``corpus`` indexed and every copy recorded (exactness is checked separately)."""
        texts = set(corpus.expected) <= set(self.ids) and self.copy_total >= corpus.copies
        return texts and all(story in self.story_counts for story in self.story_of.values())

    def summary(self, corpus: CorpusSlice) -> str:
        """Progress towards ``corpus`` in a few words, for timeouts and logs."""
        return (
            f"{len(self.ids)}/{corpus.documents} documents, {self.copy_total}/{corpus.copies} copies, "
            f"{self.total - sum(self.ids.values())} stubs"
        )


def index_state(settings: Settings) -> IndexState:
    """The index of ``settings`` as an :class:`IndexState` (refreshed first, so it is current)."""
    es = _es(settings)
    es.indices.refresh(index=settings.index_alias)
    total = int(es.count(index=settings.index_alias)["count"])
    body = {
        "query": {"exists": {"field": "title"}},
        "size": 10_000,
        "_source": ["article_id", "copies.source_id", "story_id"],
    }
    hits = es.search(index=settings.index_alias, body=body)["hits"]["hits"]
    ids: collections.Counter[str] = collections.Counter(hit["_source"]["article_id"] for hit in hits)
    copies = {
        hit["_source"]["article_id"]: len({c["source_id"] for c in hit["_source"].get("copies", [])}) for hit in hits
    }
    story_of = {hit["_source"]["article_id"]: hit["_source"].get("story_id") for hit in hits}
    stories_alias = settings.stories_index_alias
    es.indices.refresh(index=stories_alias)
    story_hits = es.search(
        index=stories_alias, body={"query": {"match_all": {}}, "size": 10_000, "_source": ["article_count"]}
    )["hits"]["hits"]
    story_counts = {hit["_id"]: int(hit["_source"]["article_count"]) for hit in story_hits}
    return IndexState(total, ids, copies, story_of, story_counts)


def wait_for_index(settings: Settings, corpus: CorpusSlice, since: float, timeout_s: float = 600) -> float:
    """Wait until the index holds all of ``corpus``; return the seconds since ``since`` (a monotonic time)."""

    def done() -> bool:
        return index_state(settings).complete(corpus)

    wait_until(
        done, timeout_s, f"the {corpus.documents} documents and {corpus.copies} copies of the slice",
        progress=lambda: where_the_rest_is(settings, corpus),
    )  # fmt: skip
    return time.monotonic() - since


def where_the_rest_is(settings: Settings, corpus: CorpusSlice) -> str:
    """Progress towards ``corpus``, the texts not indexed yet and the messages each topic's consumers have not
    committed: whether a missing text is still on its way (a stage holds it) or was committed past (lost)."""
    state = index_state(settings)
    missing = sorted(set(corpus.expected) - set(state.ids))
    lag = {topic: count for topic, count in (consumer_lag(settings) or {}).items() if count}
    return f"{state.summary(corpus)}; texts not indexed: {missing[:5]}; uncommitted messages by topic: {lag or 'none'}"


def wait_for_progress(settings: Settings, since: float, timeout_s: float = 600) -> float:
    """Wait until the index holds more documents than now; return the seconds since ``since`` (monotonic).

    After a fault, this is when indexing resumed, as opposed to when the backlog was worked off.
    """
    start = indexed_count(settings)
    wait_until(lambda: indexed_count(settings) > start, timeout_s, f"more than {start} documents indexed")
    return time.monotonic() - since


def check_index(settings: Settings, corpus: CorpusSlice) -> None:
    """The index is exactly ``corpus``: nothing lost, nothing twice, every copy on its text, no stub."""
    state = index_state(settings)
    missing = set(corpus.expected) - set(state.ids)
    extra = set(state.ids) - set(corpus.expected)
    assert not missing, f"{len(missing)} texts lost: {sorted(missing)[:5]}"
    assert not extra, f"{len(extra)} documents that no file of the slice carries: {sorted(extra)[:5]}"
    twice = [i for i, n in state.ids.items() if n > 1]
    assert not twice, f"texts indexed more than once: {twice[:5]}"
    assert state.total == corpus.documents, f"{state.total - corpus.documents} stub documents without a title"
    wrong = {i: n for i, n in state.copies.items() if n != corpus.expected[i] - 1}
    assert not wrong, f"copy counts differ from the slice's duplicates (article_id: recorded): {wrong}"
    assert state.copy_total == corpus.copies
    # The story stage joins the guarantee: every text in exactly one story, counted there once.
    without = [i for i, story in state.story_of.items() if not story]
    assert not without, f"{len(without)} texts without a story: {without[:5]}"
    members = collections.Counter(story for story in state.story_of.values() if story)
    miscounted = {
        story: (state.story_counts.get(story), n) for story, n in members.items() if state.story_counts.get(story) != n
    }
    assert not miscounted, f"stories whose article_count differs from their texts (indexed, texts): {miscounted}"


# --- Kafka -------------------------------------------------------------------------------------------------


def dead_letters(settings: Settings, timeout_s: float = 60) -> list[DeadLetter]:
    """Every record on the sandbox's dead-letter topic, read from the start to the current end."""
    topic = DEADLETTER.name(settings.topic_prefix)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        assert partitions, f"no topic {topic}"
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"could not read {topic} to its end in {timeout_s:.0f}s"
            for records in consumer.poll(timeout_ms=1000).values():
                letters += [DeadLetter.model_validate_json(record.value) for record in records]
        return letters
    finally:
        consumer.close()


def consumer_lag(settings: Settings) -> dict[str, int] | None:
    """Per topic, messages the workers have not committed yet; None while Kafka does not answer.

    Read as the API's /health and /metrics read it (``PipelineMonitor``): every topic the
    workers read appears, a partition without a commit counting from its start.
    """
    figures = PipelineMonitor(settings, cache_s=0).figures()["kafka"]
    return None if figures is None else {str(topic): int(lag) for topic, lag in figures["lag"].items()}


def sink_lag(settings: Settings) -> int | None:
    """Messages on the sink's topics (enriched, copies, links, stories) the workers have not committed yet."""
    lag = consumer_lag(settings)
    if lag is None:
        return None
    return sum(lag.get(spec.name(settings.topic_prefix), 0) for spec in (ENRICHED, COPIES, LINKS, STORIES))


def group_members(settings: Settings) -> list[set[int]]:
    """For each live member of the workers' consumer group, the partitions of ``articles.normalized`` it holds (none
    while the group has no coordinator yet).

    ``articles.normalized`` is what the exact-dedup table is co-partitioned with: who holds a partition
    of it holds that partition of the ``first-sources`` table.
    """
    group = f"{settings.topic_prefix}-processors"
    topic = NORMALIZED.name(settings.topic_prefix)
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        description = admin.describe_groups([group])[group]
    except KafkaError:
        return []  # no coordinator for the group yet: the workers have not joined
    finally:
        admin.close()
    members = []
    for member in description["members"]:
        assigned = (member.get("member_assignment") or {}).get("assigned_partitions", [])
        members.append({p for entry in assigned if entry["topic"] == topic for p in entry["partitions"]})
    return members


# --- figures -----------------------------------------------------------------------------------------------


def record_recovery(scenario: str, recovery_s: float, **details: Any) -> None:
    """Print a scenario's recovery time and keep it in ``tests/artifacts/faults.json`` (one entry per scenario)."""
    print(f"\n[faults] {scenario}: recovered in {recovery_s:.1f}s; {details}")
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    try:
        results = json.loads(ARTIFACT.read_text())
    except (FileNotFoundError, ValueError):
        results = {}
    results[scenario] = {
        "recovery_s": round(recovery_s, 1),
        **details,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    ARTIFACT.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def log_lines(path: Path, *needles: str) -> Iterator[str]:
    """Lines of a log file containing every one of ``needles``."""
    if not path.is_file():
        return
    for line in path.read_text(errors="replace").splitlines():
        if all(needle in line for needle in needles):
            yield line
