"""Saved searches and alerts: a stored query, and the record that an article matched it.

What crosses a process boundary here:
- :class:`SavedSearch`, written by the API, stored in Elasticsearch beside its
  percolator query (:mod:`newsflow.schemas.alert_index`), read by the webhook
  deliverer;
- :class:`AlertMatch`, what the index stage finds by percolating the articles
  it wrote (topic ``alerts.matches``, keyed by saved search);
- :class:`Alert`, what the alerts stage keeps of the matches: one per saved
  search and article (topic ``alerts``, the alerts index, the SSE stream, webhooks);
- :class:`WebhookDelivery`, one attempt to POST an alert (the delivery log);
- :class:`AlertMemory`, the alerts stage's memory of what a search alerted.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

from newsflow.schemas.search import SearchFilters

ALERT_SCHEMA_VERSION: Literal[1] = 1
ALERT_MEMORY_VERSION: Literal[2] = 2
MAX_NAME_CHARS = 200
MAX_URL_CHARS = 2048
SAVED_SEARCH_ID_PATTERN = r"^[0-9a-f]{16}$"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_webhook_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; raises ValueError saying what is wrong otherwise."""
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"a webhook URL has at most {MAX_URL_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValueError("a webhook URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError on a port that is not a number in range
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"a webhook URL must start with http:// or https://, not {parts.scheme or 'nothing'}")
    if not parts.hostname:
        raise ValueError("a webhook URL needs a host, e.g. https://example.org/hooks/newsflow")
    return url


def redact_url(url: str) -> str:
    """``url`` without what may be a credential: user and password, query string and fragment become ``***``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if parts.username or parts.password:
        netloc = f"***@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", "***" if parts.fragment else ""))


def _name_text(value: str) -> str:
    if not value.strip():
        raise ValueError("a name needs at least one character that is not a space")
    return value.strip()


class _Delivery(SearchFilters):
    """The filters of ``/search`` and how a saved search's alerts are delivered (a request's or a patch's)."""

    notify_duplicates: bool = Field(
        False,
        description="Also alert on exact copies and near-duplicates of an article that already alerted "
        "(wire republications); off: one alert per text.",
    )
    webhook_url: str | None = Field(
        None,
        max_length=MAX_URL_CHARS,
        description="http(s) URL that gets a POST with each alert as JSON; it is never shown or logged with its "
        "credentials or query string.",
        examples=["https://example.org/hooks/newsflow"],
    )

    @field_validator("webhook_url")
    @classmethod
    def _webhook_is_http(cls, value: str | None) -> str | None:
        return None if value is None else check_webhook_url(value)

    def filters(self) -> SearchFilters:
        """The part that selects articles, as ``/search`` takes it."""
        return SearchFilters.model_validate(self.model_dump(include=set(SearchFilters.model_fields)))


class SavedSearchRequest(_Delivery):
    """What a client sends to create or change a saved search: the filters of ``/search``, a name, delivery."""

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS, description="How the search is shown.")

    @field_validator("name")
    @classmethod
    def _name_has_text(cls, value: str) -> str:
        return _name_text(value)


class SavedSearchPatch(_Delivery):
    """What a client sends to change part of a saved search (``PATCH``): the fields it gives replace the stored
    ones, the others stay. Unlike a whole ``PUT``, the webhook keeps its URL (credentials included, which
    no client can read back) and its state unless ``webhook_url`` is given (``null`` removes it)."""

    name: str | None = Field(None, min_length=1, max_length=MAX_NAME_CHARS, description="How the search is shown.")
    resume_webhook: bool = Field(
        False, description="Set a disabled webhook active again with no failures (its URL stays)."
    )

    @field_validator("name")
    @classmethod
    def _name_has_text(cls, value: str | None) -> str | None:
        return None if value is None else _name_text(value)

    def changes(self) -> dict[str, object]:
        """The fields the client gave, as a request takes them."""
        return self.model_dump(include=self.model_fields_set - {"resume_webhook"})

    def applied_to(self, current: SavedSearchRequest) -> SavedSearchRequest:
        """``current`` with this patch's fields; raises ValidationError when the result is not a valid search."""
        return SavedSearchRequest.model_validate({**current.model_dump(), **self.changes()})


class WebhookState(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Webhook(_Record):
    """A saved search's webhook and how its deliveries go."""

    url: str = Field(description="The URL as given (with credentials: never shown; see ``display_url``).")
    state: WebhookState = WebhookState.ACTIVE
    consecutive_failures: int = Field(0, ge=0, description="Alerts given up in a row (reset by a delivery).")
    disabled_at: datetime | None = None
    disabled_reason: str | None = None

    @property
    def display_url(self) -> str:
        return redact_url(self.url)


class SavedSearch(_Record):
    """A stored search (the ``saved_search`` object of its document in the saved-searches index)."""

    schema_version: Literal[1] = ALERT_SCHEMA_VERSION
    saved_search_id: str = Field(pattern=SAVED_SEARCH_ID_PATTERN)
    name: str
    filters: SearchFilters
    notify_duplicates: bool = False
    webhook: Webhook | None = None
    created_at: datetime
    updated_at: datetime

    def as_request(self) -> SavedSearchRequest:
        """The request that would save this search again as it is."""
        return SavedSearchRequest.model_validate(
            {
                **self.filters.model_dump(),
                "name": self.name,
                "notify_duplicates": self.notify_duplicates,
                "webhook_url": self.webhook.url if self.webhook else None,
            }
        )


def alert_id(saved_search_id: str, article_id: str, copy_source_id: str | None = None) -> str:
    """The alert's id: the same saved search and article (and copy) always give the same id."""
    key = f"{saved_search_id}:{article_id}:{copy_source_id or ''}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


class AlertMatch(_Record):
    """Index stage -> alerts stage (topic ``alerts.matches``, keyed by ``saved_search_id``)."""

    schema_version: Literal[1] = ALERT_SCHEMA_VERSION
    saved_search_id: str
    saved_search_name: str
    notify_duplicates: bool
    article_id: str
    copy_source_id: str | None = Field(None, description="Set when an exact copy of the article matched.")
    story_id: str | None = None
    title: str
    outlet: str | None = None
    dated_at: datetime
    minhash: list[int] = Field(description="The body's MinHash, to recognise near-duplicates of earlier alerts.")
    indexed_at: datetime = Field(description="When the index stage's write of the article returned.")


class Alert(_Record):
    """One saved search matched one article (topic ``alerts``, the alerts index, SSE and webhooks)."""

    schema_version: Literal[1] = ALERT_SCHEMA_VERSION
    alert_id: str
    saved_search_id: str
    saved_search_name: str
    article_id: str
    copy_source_id: str | None = None
    duplicate_of: str | None = Field(
        None, description="The earlier alerted article this one copies or near-duplicates (searches that ask)."
    )
    story_id: str | None = None
    title: str
    outlet: str | None = None
    dated_at: datetime
    indexed_at: datetime
    alerted_at: datetime


def low_bits(minhash: Sequence[int]) -> bytes:
    """A MinHash as :class:`AlertMemory` keeps it: each position's 16 low bits, little-endian."""
    return struct.pack(f"<{len(minhash)}H", *(value & 0xFFFF for value in minhash))


class AlertMemory(_Record):
    """The alerts stage's memory of one saved search: its latest alerted texts, newest last (bounded).

    It is read on every match and written on every alert, so it is compact (version 1, a list of 128-integer
    signatures as JSON, made the stage the worker's bottleneck at 1 000 saved searches): each text's MinHash
    is kept as :func:`low_bits` (b-bit MinHash, Li and König 2010: two different 32-bit values agree in their
    16 low bits with probability 2**-16, which moves a similarity estimate by less than 0.0001), the texts'
    rows concatenated in ``signatures`` (base64 in JSON), in the order of ``article_ids``. Version 1 values (a
    changelog written before) are read and converted.
    """

    schema_version: Literal[2] = ALERT_MEMORY_VERSION
    article_ids: list[str] = []
    signatures: bytes = Field(
        b"", description="The texts' low_bits rows, concatenated in the order of article_ids (base64 in JSON)."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_version_1(cls, data: Any) -> Any:
        # Version 1: {"recent": [{"article_id": ..., "minhash": [...]}, ...]}, no schema_version.
        if isinstance(data, dict) and "recent" in data and "schema_version" not in data:
            recent = data["recent"]
            return {
                "article_ids": [r["article_id"] for r in recent],
                "signatures": b"".join(low_bits(r["minhash"]) for r in recent),
            }
        return data

    @field_validator("signatures", mode="before")
    @classmethod
    def _from_base64(cls, value: Any) -> Any:
        return base64.b64decode(value, validate=True) if isinstance(value, str) else value

    @field_serializer("signatures", when_used="json")
    def _to_base64(self, value: bytes) -> str:
        return base64.b64encode(value).decode()

    @model_validator(mode="after")
    def _rows_match_ids(self) -> AlertMemory:
        size = len(self.signatures)
        if self.article_ids and (size == 0 or size % (2 * len(self.article_ids))):
            raise ValueError(f"{size} bytes of signatures do not split into {len(self.article_ids)} equal rows")
        if not self.article_ids and size:
            raise ValueError("signatures without article ids")
        return self


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"  # this attempt failed; another follows
    GIVEN_UP = "given_up"  # the last attempt failed
    SKIPPED = "skipped"  # the webhook is disabled


class WebhookDelivery(_Record):
    """One attempt to POST an alert to its saved search's webhook (the delivery log)."""

    schema_version: Literal[1] = ALERT_SCHEMA_VERSION
    alert_id: str
    saved_search_id: str
    url: str = Field(description="The webhook URL without credentials or query string.")
    attempt: int = Field(ge=1)
    outcome: DeliveryOutcome
    status_code: int | None = None
    error: str | None = None
    at: datetime
    duration_ms: float | None = None
