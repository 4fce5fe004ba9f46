"""JSON files (one article, a list, or ``{"articles": [...]}``) and NDJSON (one article per line)."""

from __future__ import annotations

import json
from typing import Any

from newsflow.producers.formats.base import FileRejected, ParseResult, RecordError
from newsflow.producers.formats.record import article_from_object

_LIST_KEYS = ("articles", "items", "entries", "data")


def parse_json(text: str) -> ParseResult:
    """A whole-file JSON document; invalid JSON rejects the file."""
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(
            "InvalidJSON", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    if isinstance(doc, dict):
        for key in _LIST_KEYS:
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
    records = doc if isinstance(doc, list) else [doc]
    if not records:
        raise FileRejected("NoArticles", "the JSON list is empty")
    return [article_from_object(obj, i) for i, obj in enumerate(records)]


def parse_ndjson(text: str) -> ParseResult:
    """One JSON object per line; a broken line becomes a record error, the others go through."""
    results: ParseResult = []
    for index, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            results.append(
                RecordError(index, "InvalidJSON", f"line {index + 1} is not valid JSON: {exc.msg}", line[:2000])
            )
            continue
        results.append(article_from_object(obj, index))
    if not results:
        raise FileRejected("NoArticles", "the NDJSON file has no non-empty lines")
    return results
