"""What every format parser returns: parsed articles and per-record errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Longest body accepted for one article; longer ones are rejected, not truncated silently.
MAX_ARTICLE_CHARS = 2_000_000


@dataclass(frozen=True)
class ParsedArticle:
    """The fields a parser found in one record, before the producer stamps its source."""

    body: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class RecordError:
    """One record of a file that could not be parsed; the rest of the file still goes through."""

    record_index: int
    error: str
    reason: str
    payload: str = ""


class FileRejected(Exception):  # noqa: N818 - it is a verdict, not a bug
    """The whole file is unusable; ``reason`` tells the user what to do."""

    def __init__(self, error: str, reason: str) -> None:
        self.error = error
        self.reason = reason
        super().__init__(f"{error}: {reason}")


ParseResult = list[ParsedArticle | RecordError]


def checked(article: ParsedArticle, index: int) -> ParsedArticle | RecordError:
    """Apply the limits every format shares: some text, not absurdly long."""
    if not article.body.strip():
        return RecordError(index, "EmptyArticle", "the article has no body text")
    if len(article.body) > MAX_ARTICLE_CHARS:
        return RecordError(
            index,
            "ArticleTooLong",
            f"the body has {len(article.body):,} characters, more than the limit of {MAX_ARTICLE_CHARS:,}",
        )
    return article
