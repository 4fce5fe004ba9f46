"""One JSON object to one article: the field names that feeds commonly use."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from newsflow.producers.formats.base import ParsedArticle, RecordError, checked

_BODY_KEYS = ("body", "text", "content", "article", "description", "summary")
_TITLE_KEYS = ("title", "headline", "heading")
_OUTLET_KEYS = ("outlet", "source", "publisher", "site", "site_name")
_URL_KEYS = ("url", "link", "href")
_DATE_KEYS = ("published_at", "published", "date", "datetime", "pubDate", "created_at")
_LANGUAGE_KEYS = ("language", "lang")


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, dict):  # e.g. {"source": {"name": "Reuters"}}
            value = value.get("name") or value.get("title")
        if value not in (None, ""):
            return value
    return None


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601, RFC 822 (feeds) or epoch seconds; naive times are taken as UTC. None if unreadable."""
    if value is None:
        return None
    parsed: datetime | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def article_from_object(obj: Any, index: int) -> ParsedArticle | RecordError:
    """Map a decoded JSON value to an article, or say which field is missing."""
    if not isinstance(obj, dict):
        return RecordError(index, "NotAnObject", f"expected a JSON object, got {type(obj).__name__}", _dump(obj))
    body = _first(obj, _BODY_KEYS)
    if not isinstance(body, str) or not body.strip():
        return RecordError(
            index, "MissingBody", f"no article text in any of the fields {', '.join(_BODY_KEYS)}", _dump(obj)
        )
    article = ParsedArticle(
        body=body,
        title=_str_or_none(_first(obj, _TITLE_KEYS)),
        outlet=_str_or_none(_first(obj, _OUTLET_KEYS)),
        url=_str_or_none(_first(obj, _URL_KEYS)),
        published_at=parse_datetime(_first(obj, _DATE_KEYS)),
        language=_str_or_none(_first(obj, _LANGUAGE_KEYS)),
    )
    return checked(article, index)


def _str_or_none(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)[:2000]
