"""HTML pages: main-text extraction with trafilatura (boilerplate, menus and ads removed)."""

from __future__ import annotations

from typing import Any

import trafilatura

from newsflow.producers.formats.base import FileRejected, ParsedArticle, ParseResult, checked
from newsflow.producers.formats.record import parse_datetime

# Fewer words than this is navigation or a stub ("Home", "Subscribe"), not an article.
MIN_ARTICLE_WORDS = 5


def html_to_text(html: str) -> str:
    """The readable main text of an HTML fragment or page ('' if there is none)."""
    return trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True) or ""


def parse_html(text: str) -> ParseResult:
    """One article per page, with the page's title, site name, date and canonical URL."""
    extracted = trafilatura.bare_extraction(
        text, include_comments=False, include_tables=False, with_metadata=True, favor_recall=True
    )
    doc: dict[str, Any] = {}
    if isinstance(extracted, dict):
        doc = extracted
    elif extracted is not None:
        doc = extracted.as_dict()
    if len((doc.get("text") or "").split()) < MIN_ARTICLE_WORDS:
        raise FileRejected("NoArticleText", "no main article text could be extracted from this HTML page")
    article = ParsedArticle(
        body=doc["text"],
        title=doc.get("title") or None,
        outlet=doc.get("sitename") or None,
        url=doc.get("url") or None,
        published_at=parse_datetime(doc.get("date")),
        language=doc.get("language") or None,
    )
    return [checked(article, 0)]
