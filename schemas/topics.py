"""The Kafka topics of the pipeline, declared once for the code, the stack and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from schemas.articles import ArticleDocument, CopyRecord, NormalizedArticle, RawArticle
from schemas.deadletter import DeadLetter


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
ENRICHED = TopicSpec("articles.enriched", ArticleDocument, "Enriched documents, ready for Elasticsearch.")
COPIES = TopicSpec("articles.copies", CopyRecord, "Additional copies of already indexed texts, keyed by article_id.")
DEADLETTER = TopicSpec(
    "deadletter", DeadLetter, "Records that failed a stage, with the reason.", {"retention.ms": str(90 * 86_400_000)}
)

ALL_TOPICS: tuple[TopicSpec, ...] = (RAW, NORMALIZED, ENRICHED, COPIES, DEADLETTER)
