"""What the near-duplicate stage keeps (its Faust tables' values, backed up in their changelog topics).

- ``lsh-buckets``: one :class:`LshBucket` per LSH band key, its earliest members by id and time;
- ``lsh-signatures``: one :class:`LshSignature` per article whose bands live on the partition, its MinHash.

A bucket names its members and the members' signatures are kept once, beside it: version 1 buckets carried
every member's whole signature (128 integers as JSON), so each new member rewrote them all, 32 buckets an
article, 60-190 kB of changelog an article in the soak's feed (docs/benchmarks.md). Version 1 buckets are still
read; their members' signatures move to ``lsh-signatures`` when the bucket is next written.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

BUCKET_SCHEMA_VERSION: Literal[2] = 2
SIGNATURE_SCHEMA_VERSION: Literal[1] = 1


class BucketMember(BaseModel):
    """An article stored in a bucket: who it is and when it came (the order that decides which is the original)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    article_id: str
    received_at: datetime
    minhash: list[int] | None = Field(
        None, description="Version 1 buckets only: the member's signature, moved to lsh-signatures on the next write."
    )


class LshBucket(BaseModel):
    """One LSH bucket: the earliest articles that share a band (bounded by the stage's ``MAX_BUCKET_MEMBERS``)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[2] = BUCKET_SCHEMA_VERSION
    members: list[BucketMember] = []

    @model_validator(mode="before")
    @classmethod
    def _from_version_1(cls, data: Any) -> Any:
        # Version 1: a bare list of {"article_id", "received_at", "minhash"}.
        if isinstance(data, list):
            return {"members": data}
        return data


class LshSignature(BaseModel):
    """An article's MinHash, kept once for all the buckets of its partition that name it.

    The values are below 2**32, so they are kept as little-endian 32-bit words (base64 in JSON): 684 characters
    rather than about 1 300 as a list of integers.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SIGNATURE_SCHEMA_VERSION
    minhash: bytes = Field(description="The signature's values as little-endian uint32 words (base64 in JSON).")

    @classmethod
    def of(cls, minhash: Sequence[int]) -> LshSignature:
        """The record of ``minhash``."""
        return cls(minhash=struct.pack(f"<{len(minhash)}I", *minhash))

    def values(self) -> tuple[int, ...]:
        """The signature's values, in order."""
        return struct.unpack(f"<{len(self.minhash) // 4}I", self.minhash)

    @field_validator("minhash", mode="before")
    @classmethod
    def _from_base64(cls, value: Any) -> Any:
        return base64.b64decode(value, validate=True) if isinstance(value, str) else value

    @field_validator("minhash")
    @classmethod
    def _whole_words(cls, value: bytes) -> bytes:
        if not value or len(value) % 4:
            raise ValueError(f"{len(value)} bytes are not a signature of 32-bit words")
        return value

    @field_serializer("minhash", when_used="json")
    def _to_base64(self, value: bytes) -> str:
        return base64.b64encode(value).decode()
