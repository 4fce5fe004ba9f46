"""The dead-letter record: what could not be processed, where, and why."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEADLETTER_SCHEMA_VERSION: Literal[1] = 1

MAX_PAYLOAD_CHARS = 10_000


class Stage(StrEnum):
    PRODUCER = "producer"
    NORMALIZE = "normalize"
    DEDUP = "dedup"
    ENRICH = "enrich"
    RESOLVE = "resolve"
    STORIES = "stories"
    SINK = "sink"
    ALERTS = "alerts"


class DeadLetter(BaseModel):
    """One failed record (topic ``deadletter``). ``payload`` is truncated to keep the topic small."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = DEADLETTER_SCHEMA_VERSION
    stage: Stage
    error: str = Field(description="Error class, e.g. 'InvalidJSON' or 'mapper_parsing_exception'.")
    reason: str = Field(description="What went wrong and what to do about it.")
    path: str | None = Field(None, description="Source file, when known.")
    record_index: int | None = None
    article_id: str | None = None
    payload: str = Field("", max_length=MAX_PAYLOAD_CHARS)
    failed_at: datetime
