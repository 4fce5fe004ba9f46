"""How the stages keep pydantic records in Faust tables: as their JSON text, read back whatever version wrote them."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def decoded(model: type[M], value: object) -> M:
    """A record as stored: its JSON text (pydantic writes it several times faster than Faust's codec encodes the
    same dict), or the JSON object (decoded by Faust) that earlier versions of a stage wrote."""
    return model.model_validate_json(value) if isinstance(value, str) else model.model_validate(value)
