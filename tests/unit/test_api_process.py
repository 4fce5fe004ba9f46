"""The API process's start: the objects it built are frozen before it serves."""

from __future__ import annotations

import gc
from typing import Any

import pytest
import uvicorn

from newsflow.api import __main__ as api_process


def test_what_the_api_built_is_frozen_out_of_the_collectors_sight_before_it_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen_when_serving: list[int] = []

    def serve(app: Any, **options: Any) -> None:
        frozen_when_serving.append(gc.get_freeze_count())

    monkeypatch.setattr(uvicorn, "run", serve)
    monkeypatch.setattr(api_process, "configure_logging", lambda *args: None)
    gc.unfreeze()
    try:
        api_process.main()
    finally:
        gc.unfreeze()
    (frozen,) = frozen_when_serving
    # The app, its routes, models and clients: tens of thousands of objects, not a handful.
    assert frozen > 10_000
