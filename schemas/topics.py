"""The Kafka topics of the pipeline and the stages between them, declared once.

The code builds its Faust topics and decodes messages from these specs, the
bootstrap creates the topics from them, the API reads consumer lag over them,
``newsflow schemas export`` writes their JSON Schemas, and docs/pipeline.md
shows :func:`topology_diagram` (a test keeps it in sync).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from newsflow.schemas.alerts import ALERT_SCHEMA_VERSION, Alert, AlertMatch
from newsflow.schemas.articles import (
    ARTICLE_SCHEMA_VERSION,
    BANDS_SCHEMA_VERSION,
    ArticleBands,
    ArticleDocument,
    CopySeen,
    NearDuplicateLink,
    NormalizedArticle,
    RawArticle,
)
from newsflow.schemas.deadletter import DEADLETTER_SCHEMA_VERSION, DeadLetter, Stage
from newsflow.schemas.files import FILE_RECEIPT_SCHEMA_VERSION, FileReceipt
from newsflow.schemas.stories import STORY_SCHEMA_VERSION, StoryDocument


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its suffix (the full name is ``<prefix>.<suffix>``), key, value model and config."""

    suffix: str
    value_model: type[BaseModel]
    schema_version: int
    key_description: str
    description: str
    config: dict[str, str] = field(default_factory=dict)
    partitions: int | None = None  # a fixed count; None: the pipeline's (NEWSFLOW_TOPIC_PARTITIONS)

    def name(self, prefix: str) -> str:
        return f"{prefix}.{self.suffix}"

    def partition_count(self, default: int) -> int:
        """How many partitions the topic has when the pipeline's topics have ``default``."""
        return self.partitions or default


# Retention: the raw topic is the replay source, so it keeps a month by default.
RAW = TopicSpec(
    "articles.raw",
    RawArticle,
    ARTICLE_SCHEMA_VERSION,
    "source_id (file and record)",
    "Articles as parsed by the producers.",
    {"retention.ms": str(30 * 86_400_000)},
)
NORMALIZED = TopicSpec(
    "articles.normalized",
    NormalizedArticle,
    ARTICLE_SCHEMA_VERSION,
    "article_id",
    "Normalised articles keyed by article_id (exact fingerprint).",
)
UNIQUE = TopicSpec(
    "articles.unique",
    NormalizedArticle,
    ARTICLE_SCHEMA_VERSION,
    "article_id",
    "Texts seen for the first time (or replayed), to be enriched; keyed by article_id.",
)
# One partition: the entity registry sees every article in one order, so its votes and
# resolutions do not depend on which worker holds which partition (docs/pipeline.md).
RECOGNIZED = TopicSpec(
    "articles.recognized",
    ArticleDocument,
    ARTICLE_SCHEMA_VERSION,
    "article_id",
    "Enriched documents with the entities as one article shows them, for the entity registry.",
    partitions=1,
)
# One partition again: every article meets every active story in one order, whichever worker
# recognised it, and the same order gives the same stories (docs/pipeline.md, "Stories").
RESOLVED = TopicSpec(
    "articles.resolved",
    ArticleDocument,
    ARTICLE_SCHEMA_VERSION,
    "article_id",
    "Enriched documents with their entities resolved across articles, for the story stage.",
    partitions=1,
)
ENRICHED = TopicSpec(
    "articles.enriched",
    ArticleDocument,
    ARTICLE_SCHEMA_VERSION,
    "article_id",
    "Enriched documents with their story, ready for Elasticsearch.",
)
STORIES = TopicSpec(
    "stories",
    StoryDocument,
    STORY_SCHEMA_VERSION,
    "story_id",
    "Each story's latest revision after an article joined it, for the stories index.",
)
COPIES = TopicSpec(
    "articles.copies",
    CopySeen,
    ARTICLE_SCHEMA_VERSION,
    "article_id",
    "Additional copies of already indexed texts, keyed by article_id.",
)
BANDS = TopicSpec(
    "articles.bands",
    ArticleBands,
    BANDS_SCHEMA_VERSION,
    "article_id:partition (the partition is chosen by band: similarity.band_partition)",
    "LSH bands of new articles, one message per partition their buckets live on (near-duplicate candidates).",
)
LINKS = TopicSpec(
    "articles.links",
    NearDuplicateLink,
    ARTICLE_SCHEMA_VERSION,
    "article_id of the later article",
    "Verified near-duplicate links, keyed by the later article.",
)
ALERT_MATCHES = TopicSpec(
    "alerts.matches",
    AlertMatch,
    ALERT_SCHEMA_VERSION,
    "saved_search_id",
    "Saved searches the newly indexed articles matched (percolation), for the alerts stage.",
)
ALERTS = TopicSpec(
    "alerts",
    Alert,
    ALERT_SCHEMA_VERSION,
    "saved_search_id",
    "One alert per saved search and article: for the alerts index, the live stream, webhooks, any consumer.",
    {"retention.ms": str(30 * 86_400_000)},
)
DEADLETTER = TopicSpec(
    "deadletter",
    DeadLetter,
    DEADLETTER_SCHEMA_VERSION,
    "<stage>:<article_id or path> from the workers, <file>:<record index> from the producers",
    "Records that failed a stage, with the reason.",
    {"retention.ms": str(90 * 86_400_000)},
)
FILES = TopicSpec(
    "files",
    FileReceipt,
    FILE_RECEIPT_SCHEMA_VERSION,
    "file name in the ingest folder",
    "One receipt per file the producers handled (processed or rejected), keyed by path.",
    {"retention.ms": str(90 * 86_400_000)},
)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    RAW, NORMALIZED, UNIQUE, RECOGNIZED, RESOLVED, ENRICHED, STORIES, COPIES, BANDS, LINKS, ALERT_MATCHES, ALERTS,
    DEADLETTER, FILES,
)  # fmt: skip


@dataclass(frozen=True)
class StageSpec:
    """One stream-processing stage: the topics it reads and writes (every stage may also dead-letter)."""

    name: str
    reads: tuple[TopicSpec, ...]
    writes: tuple[TopicSpec, ...]
    dead_letter_stage: Stage
    description: str


# The stream processors' graph, in the order data flows. Elasticsearch is the index stage's output.
NORMALIZE_STAGE = StageSpec(
    "normalize", (RAW,), (NORMALIZED,), Stage.NORMALIZE, "clean text, language, fingerprints; re-keyed by article_id"
)
EXACT_DEDUP_STAGE = StageSpec(
    "exact_dedup", (NORMALIZED,), (UNIQUE, COPIES), Stage.DEDUP, "first sightings go on, exact copies become records"
)
ENTITIES_STAGE = StageSpec(
    "entities", (UNIQUE,), (RECOGNIZED, BANDS), Stage.ENRICH, "named entities (spaCy), then the article's LSH bands"
)
REGISTRY_STAGE = StageSpec(
    "registry",
    (RECOGNIZED,),
    (RESOLVED,),
    Stage.RESOLVE,
    "entities resolved across articles: type votes, surnames to full names, one spelling",
)
STORIES_STAGE = StageSpec(
    "stories",
    (RESOLVED,),
    (ENRICHED, STORIES),
    Stage.STORIES,
    "each article joins the most similar active story or opens one",
)
NEAR_DUPLICATES_STAGE = StageSpec(
    "near_duplicates", (BANDS,), (LINKS,), Stage.DEDUP, "each band member against its bucket; verified pairs link"
)
INDEX_STAGE = StageSpec(
    "index",
    (ENRICHED, COPIES, LINKS, STORIES, ALERTS),
    (ALERT_MATCHES,),
    Stage.SINK,
    "bulk writes to Elasticsearch, then the written articles percolated; offsets after both",
)
ALERTS_STAGE = StageSpec(
    "alert",
    (ALERT_MATCHES,),
    (ALERTS,),
    Stage.ALERTS,
    "one alert per saved search and text: replays and near-duplicates of alerted articles dropped",
)
STAGES: tuple[StageSpec, ...] = (
    NORMALIZE_STAGE,
    EXACT_DEDUP_STAGE,
    ENTITIES_STAGE,
    REGISTRY_STAGE,
    STORIES_STAGE,
    NEAR_DUPLICATES_STAGE,
    INDEX_STAGE,
    ALERTS_STAGE,
)

# The topics the stream processors read (their consumer lag is the pipeline's backlog).
PROCESSED_TOPICS: tuple[TopicSpec, ...] = tuple(spec for spec in ALL_TOPICS if any(spec in s.reads for s in STAGES))


def topology_diagram() -> str:
    """The stages and topics as a Mermaid flowchart (docs/pipeline.md holds a copy)."""
    lines = ["flowchart LR"]
    lines.append("    producers([producers]) --> " + _node(RAW))
    lines.append("    producers --> " + _node(FILES))
    for stage in STAGES:
        for topic in stage.reads:
            lines.append(f"    {_node(topic)} --> {stage.name}[[{stage.name}]]")
        for topic in stage.writes:
            lines.append(f"    {stage.name} --> {_node(topic)}")
        lines.append(f"    {stage.name} -.-> {_node(DEADLETTER)}")
    lines.append(f"    {INDEX_STAGE.name} --> elasticsearch[(Elasticsearch)]")
    return "\n".join(lines)


def _node(spec: TopicSpec) -> str:
    # Topic ids get a prefix: a stage may share a topic's name (stories), and Mermaid would merge the two.
    return f"topic_{spec.suffix.replace('.', '_')}[/{spec.suffix}/]"


# The stream processors' consumer group (also Faust's application id) and their tables.
FIRST_SOURCES_TABLE = "first-sources"
LSH_BUCKETS_TABLE = "lsh-buckets"
LSH_SIGNATURES_TABLE = "lsh-signatures"
ENTITY_REGISTRY_TABLE = "entity-registry"
ENTITY_RESOLUTIONS_TABLE = "entity-resolutions"
STORY_STATES_TABLE = "story-states"
STORY_POSTINGS_TABLE = "story-postings"
STORY_ASSIGNMENTS_TABLE = "story-assignments"
STORY_QUEUE_TABLE = "story-queue"
STORY_FREQUENCIES_TABLE = "story-frequencies"
ALERT_MEMORY_TABLE = "alert-memory"
ALERTED_TABLE = "alerted-articles"
TABLES: tuple[str, ...] = (
    FIRST_SOURCES_TABLE, LSH_BUCKETS_TABLE, LSH_SIGNATURES_TABLE, ENTITY_REGISTRY_TABLE, ENTITY_RESOLUTIONS_TABLE,
    STORY_STATES_TABLE, STORY_POSTINGS_TABLE, STORY_ASSIGNMENTS_TABLE, STORY_QUEUE_TABLE, STORY_FREQUENCIES_TABLE,
    ALERT_MEMORY_TABLE, ALERTED_TABLE,
)  # fmt: skip
# Tables of a stage that reads a fixed-partition topic have its partition count (Faust co-partitions them).
TABLE_PARTITIONS: dict[str, int] = {
    ENTITY_REGISTRY_TABLE: 1, ENTITY_RESOLUTIONS_TABLE: 1,
    STORY_STATES_TABLE: 1, STORY_POSTINGS_TABLE: 1, STORY_ASSIGNMENTS_TABLE: 1, STORY_QUEUE_TABLE: 1,
    STORY_FREQUENCIES_TABLE: 1,
}  # fmt: skip
# Changelogs keep only the latest value per key; they are the tables' backup.
CHANGELOG_CONFIG = {"cleanup.policy": "compact"}


def processors_group(prefix: str) -> str:
    """Consumer group and Faust application id of the stream processors."""
    return f"{prefix}-processors"


def webhooks_group(prefix: str) -> str:
    """Consumer group of the webhook deliverers on the alerts topic (delivery/)."""
    return f"{prefix}-webhooks"


def changelog_topic(prefix: str, table: str) -> str:
    """The Kafka topic backing a Faust table (Faust's own naming).

    Bootstrap creates these with the pipeline's topics: when Faust creates them
    itself at a worker's start, its consumer may not see them in its metadata for
    minutes, and table writes fail until it does.
    """
    return f"{processors_group(prefix)}-{table}-changelog"
