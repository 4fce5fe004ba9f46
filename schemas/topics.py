"""The Kafka topics of the pipeline, declared once for the code, the stack and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from schemas.articles import ArticleDocument, BandEntry, CopySeen, NearDuplicateLink, NormalizedArticle, RawArticle
from schemas.deadletter import DeadLetter
from schemas.files import FileReceipt


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its suffix (the full name is ``<prefix>.<suffix>``), value model and config."""

    suffix: str
    value_model: type[BaseModel]
    description: str
    config: dict[str, str] = field(default_factory=dict)

    def name(self, prefix: str) -> str:
        return f"{prefix}.{self.suffix}"


# Retention: the raw topic is the replay source, so it keeps a month by default.
RAW = TopicSpec(
    "articles.raw", RawArticle, "Articles as parsed by the producers.", {"retention.ms": str(30 * 86_400_000)}
)
NORMALIZED = TopicSpec(
    "articles.normalized", NormalizedArticle, "Normalised articles keyed by article_id (exact fingerprint)."
)
UNIQUE = TopicSpec(
    "articles.unique",
    NormalizedArticle,
    "Texts seen for the first time (or replayed), to be enriched; keyed by article_id.",
)
ENRICHED = TopicSpec("articles.enriched", ArticleDocument, "Enriched documents, ready for Elasticsearch.")
COPIES = TopicSpec("articles.copies", CopySeen, "Additional copies of already indexed texts, keyed by article_id.")
BANDS = TopicSpec("articles.bands", BandEntry, "LSH bands of new articles, keyed by band (near-duplicate candidates).")
LINKS = TopicSpec("articles.links", NearDuplicateLink, "Verified near-duplicate links, keyed by the later article.")
DEADLETTER = TopicSpec(
    "deadletter", DeadLetter, "Records that failed a stage, with the reason.", {"retention.ms": str(90 * 86_400_000)}
)
FILES = TopicSpec(
    "files",
    FileReceipt,
    "One receipt per file the producers handled (processed or rejected), keyed by path.",
    {"retention.ms": str(90 * 86_400_000)},
)

ALL_TOPICS: tuple[TopicSpec, ...] = (RAW, NORMALIZED, UNIQUE, ENRICHED, COPIES, BANDS, LINKS, DEADLETTER, FILES)
# The topics the stream processors read (their consumer lag is the pipeline's backlog).
PROCESSED_TOPICS: tuple[TopicSpec, ...] = (RAW, NORMALIZED, UNIQUE, ENRICHED, COPIES, BANDS, LINKS)


# The stream processors' consumer group (also Faust's application id) and their tables.
FIRST_SOURCES_TABLE = "first-sources"
LSH_BUCKETS_TABLE = "lsh-buckets"
TABLES: tuple[str, ...] = (FIRST_SOURCES_TABLE, LSH_BUCKETS_TABLE)
# Changelogs keep only the latest value per key; they are the tables' backup.
CHANGELOG_CONFIG = {"cleanup.policy": "compact"}


def processors_group(prefix: str) -> str:
    """Consumer group and Faust application id of the stream processors."""
    return f"{prefix}-processors"


def changelog_topic(prefix: str, table: str) -> str:
    """The Kafka topic backing a Faust table (Faust's own naming).

    Bootstrap creates these with the pipeline's topics: when Faust creates them
    itself at a worker's start, its consumer may not see them in its metadata for
    minutes, and table writes fail until it does.
    """
    return f"{processors_group(prefix)}-{table}-changelog"
