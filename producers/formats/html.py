"""HTML pages: main-text extraction with trafilatura (boilerplate, menus and ads removed)."""

from __future__ import annotations

from producers.formats.base import FileRejected, ParsedArticle, ParseResult, checked
from producers.formats.record import parse_datetime


def html_to_text(html: str) -> str:
    """The readable main text of an HTML fragment or page ('' if there is none)."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True) or ""


def parse_html(text: str) -> ParseResult:
    """One article per page, with the page's title, site name, date and canonical URL."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        text, include_comments=False, include_tables=False, with_metadata=True, favor_recall=True, as_dict=True
    )
    if not isinstance(doc, dict) or not (doc.get("text") or "").strip():
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
