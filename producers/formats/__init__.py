"""File formats the producers read, and how a file's format is recognised."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from newsflow.producers.formats.base import FileRejected, ParsedArticle, ParseResult, RecordError
from newsflow.producers.formats.decode import decode_text
from newsflow.producers.formats.feed import parse_feed
from newsflow.producers.formats.html import parse_html
from newsflow.producers.formats.json import parse_json, parse_ndjson
from newsflow.producers.formats.text import parse_text
from newsflow.schemas.articles import SourceFormat

__all__ = ["FileRejected", "ParseResult", "ParsedArticle", "RecordError", "detect_format", "parse_file"]

_BY_EXTENSION = {
    ".txt": SourceFormat.TEXT,
    ".text": SourceFormat.TEXT,
    ".json": SourceFormat.JSON,
    ".ndjson": SourceFormat.NDJSON,
    ".jsonl": SourceFormat.NDJSON,
    ".rss": SourceFormat.FEED,
    ".atom": SourceFormat.FEED,
    ".xml": SourceFormat.FEED,
    ".html": SourceFormat.HTML,
    ".htm": SourceFormat.HTML,
}

_PARSERS: dict[SourceFormat, Callable[[str], ParseResult]] = {
    SourceFormat.TEXT: parse_text,
    SourceFormat.JSON: parse_json,
    SourceFormat.NDJSON: parse_ndjson,
    SourceFormat.FEED: parse_feed,
    SourceFormat.HTML: parse_html,
}


def detect_format(name: str, text: str) -> SourceFormat:
    """By extension when it is a known one, else by the first characters."""
    known = _BY_EXTENSION.get(PurePath(name).suffix.lower())
    if known is not None:
        return known
    head = text.lstrip()[:512].lower()
    if head.startswith(("{", "[")):
        return SourceFormat.NDJSON if head.startswith("{") and "\n{" in text.strip() else SourceFormat.JSON
    if head.startswith("<?xml") or "<rss" in head or "<feed" in head:
        return SourceFormat.FEED
    if head.startswith(("<!doctype html", "<html")):
        return SourceFormat.HTML
    return SourceFormat.TEXT


def parse_file(name: str, data: bytes) -> tuple[SourceFormat, ParseResult]:
    """Decode and parse a file's bytes; raises :class:`FileRejected` when the whole file is unusable."""
    text = decode_text(data)
    fmt = detect_format(name, text)
    return fmt, _PARSERS[fmt](text)
