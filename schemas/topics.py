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
