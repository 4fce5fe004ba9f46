"""RSS and Atom feeds: one article per item, the feed's title as the outlet."""

from __future__ import annotations

from typing import Any

import feedparser

from newsflow.producers.formats.base import FileRejected, ParsedArticle, ParseResult, RecordError, checked
from newsflow.producers.formats.html import html_to_text
from newsflow.producers.formats.record import parse_datetime


def _item_text(entry: Any) -> str:
    # Full content when the feed carries it, else the summary; both are often HTML.
    contents = entry.get("content") or []
    raw = contents[0].get("value", "") if contents else entry.get("summary", "")
    if "<" in raw:
        return html_to_text(f"<html><body><article>{raw}</article></body></html>") or raw
    return str(raw)


def parse_feed(text: str) -> ParseResult:
    """Every item of the feed; a feed without items is rejected, an item without text is a record error."""
    feed = feedparser.parse(text)
    if not feed.entries:
        if feed.bozo and not feed.feed:
            raise FileRejected("InvalidFeed", f"not a readable RSS/Atom feed: {feed.get('bozo_exception')}")
        raise FileRejected("EmptyFeed", "the feed has no items")
    outlet = feed.feed.get("title") or None
    language = feed.feed.get("language") or None
    results: ParseResult = []
    for index, entry in enumerate(feed.entries):
        body = _item_text(entry)
        if not body.strip():
            results.append(RecordError(index, "EmptyArticle", "the feed item has no text", str(entry.get("link", ""))))
            continue
        article = ParsedArticle(
            body=body,
            title=entry.get("title") or None,
            outlet=outlet,
            url=entry.get("link") or None,
            published_at=parse_datetime(entry.get("published") or entry.get("updated")),
            language=language,
        )
        results.append(checked(article, index))
    return results
