"""The API's admin actions: requests and results of replay and reindex."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class ReplayRequest(BaseModel):
    """``POST /admin/replay``: publish the raw topic again from an offset or a time."""

    model_config = ConfigDict(extra="forbid")

    from_offset: int | None = Field(None, ge=0, description="Replay every partition from this offset.")
    since: AwareDatetime | None = Field(
        None,
        description="Replay records written at or after this time (with a time zone).",
        examples=["2026-11-01T00:00:00Z"],
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ReplayRequest:
        if (self.from_offset is None) == (self.since is None):
            raise ValueError("give exactly one of from_offset and since")
        return self


class ReplayResult(BaseModel):
    topic: str
    records: int = Field(description="Records published again.")
    partitions: dict[int, tuple[int, int]] = Field(description="Partition -> (first offset, end offset) replayed.")
    finished_at: datetime


class ReindexResult(BaseModel):
    old_index: str
    new_index: str
    copied: int
    caught_up: int
    finished_at: datetime
