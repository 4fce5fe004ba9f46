"""What every format parser returns: parsed articles and per-record errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

# Longest body accepted for one article; longer ones are rejected, not truncated silently.
MAX_ARTICLE_CHARS = 2_000_000
# Limits on the short fields: past them the value is not what the field means (a title is
# not a page long), and Elasticsearch refuses keyword terms over 32 KiB. Titles are cut at a
# word; an outlet, URL or language that breaks its limit is dropped (the article is kept).
MAX_TITLE_CHARS = 500
MAX_OUTLET_CHARS = 200
MAX_URL_CHARS = 2048
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


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


def _short_title(title: str | None) -> str | None:
    if title is None or len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] or title[: MAX_TITLE_CHARS - 1]
    return cut.rstrip() + "\u2026"


def _web_url(url: str | None) -> str | None:
    """Only absolute http(s) URLs: others (``javascript:``, ``file:``) must never become links."""
    if url is None or len(url) > MAX_URL_CHARS:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _sane_fields(article: ParsedArticle) -> ParsedArticle:
    outlet = article.outlet.strip() if article.outlet else None
    language = article.language.strip().lower() if article.language else None
    return replace(
        article,
        title=_short_title(article.title),
        outlet=outlet if outlet and len(outlet) <= MAX_OUTLET_CHARS else None,
        url=_web_url(article.url),
        language=language if language and _LANGUAGE.fullmatch(language) else None,
    )


def checked(article: ParsedArticle, index: int) -> ParsedArticle | RecordError:
    """Apply the limits every format shares: some text, not absurdly long, short fields within bounds."""
    if not article.body.strip():
        return RecordError(index, "EmptyArticle", "the article has no body text")
    if len(article.body) > MAX_ARTICLE_CHARS:
        return RecordError(
            index,
            "ArticleTooLong",
            f"the body has {len(article.body):,} characters, more than the limit of {MAX_ARTICLE_CHARS:,}",
        )
    return _sane_fields(article)
