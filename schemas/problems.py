"""How a contract's validation error reads for people: one line naming each field and what is wrong with it."""

from __future__ import annotations

from pydantic import ValidationError


def validation_problems(exc: ValidationError, whole: str = "request") -> str:
    """``exc`` as ``field: message; ...``; a problem of the model as a whole is named ``whole``."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or whole}: {e['msg']}" for e in exc.errors())
