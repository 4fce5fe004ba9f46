"""The producer's receipt for each file it handled (topic ``files``): an audit log of the ingest folder."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from newsflow.schemas.articles import SourceFormat

FILE_RECEIPT_SCHEMA_VERSION: Literal[1] = 1


class FileOutcome(StrEnum):
    PROCESSED = "processed"
    REJECTED = "rejected"


class FileReceipt(BaseModel):
    """What became of one file dropped into the ingest folder.

    Sent together with the file's articles (or its dead letter), before the file
    is moved; a file re-sent after a crash gets a second receipt.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = FILE_RECEIPT_SCHEMA_VERSION
    path: str = Field(description="File name as dropped, relative to the ingest folder.")
    file_sha256: str | None = Field(None, description="Digest of the bytes; null when the file could not be read.")
    format: SourceFormat | None = None
    outcome: FileOutcome
    articles: int = Field(0, ge=0, description="Articles published from the file.")
    record_errors: int = Field(0, ge=0, description="Records of the file sent to the dead-letter topic.")
    error: str | None = Field(None, description="Why the whole file was rejected.")
    handled_at: datetime
