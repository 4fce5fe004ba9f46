"""The worker process's start: what it built is frozen before the app runs."""

from __future__ import annotations

import gc
import sys

import pytest

from newsflow.processors import __main__ as worker_process


class _App:
    """Stands in for the Faust app: records what the collector had frozen when it was asked to run."""

    def __init__(self) -> None:
        self.frozen_when_run: list[int] = []

    def main(self) -> None:
        self.frozen_when_run.append(gc.get_freeze_count())


def test_what_the_worker_built_is_frozen_out_of_the_collectors_sight_before_the_app_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _App()
    monkeypatch.setattr(worker_process, "configure_logging", lambda *args: None)
    monkeypatch.setattr(worker_process, "ner_model_location", lambda settings: None)
    monkeypatch.setattr(worker_process, "serve_worker_metrics", lambda settings, worker_id: None)
    monkeypatch.setattr(worker_process, "build_worker", lambda *args, **kwargs: app)
    monkeypatch.setattr(sys, "argv", ["newsflow-worker"])
    gc.unfreeze()
    try:
        worker_process.main()
    finally:
        gc.unfreeze()
    (frozen,) = app.frozen_when_run
    assert frozen > 10_000
