"""Run one stream-processing worker: ``python -m newsflow.processors`` (stops cleanly on SIGTERM)."""

from __future__ import annotations

import gc
import os
import sys

from newsflow.infra.logs import configure_logging
from newsflow.infra.metrics import MetricsServerError, process_registry, serve_metrics
from newsflow.infra.ner_models import NerModelMissingError, ner_model_location
from newsflow.infra.settings import Settings, get_settings
from newsflow.processors.allocator import limit_malloc_arenas
from newsflow.processors.metrics import WorkerMetrics
from newsflow.processors.patches import UnverifiedVersionError, verify_versions
from newsflow.processors.worker import build_worker


def main() -> None:
    """Check the patched libraries' versions, serve the metrics, build the worker and run it until SIGTERM."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    limit_malloc_arenas(settings.worker_malloc_arenas)  # before the worker's threads and its NER child start
    try:
        verify_versions()
    except UnverifiedVersionError as exc:
        sys.exit(f"newsflow worker: {exc}")
    try:
        ner_model_location(settings)  # the NER child would fail later, in a log line; say it now
    except NerModelMissingError as exc:
        sys.exit(f"newsflow worker: {exc}")
    worker_id = os.environ.get("NEWSFLOW_WORKER_ID", "0")
    try:
        metrics = serve_worker_metrics(settings, worker_id)
    except (MetricsServerError, ValueError) as exc:
        sys.exit(str(exc))
    app = build_worker(settings, worker_id=worker_id, metrics=metrics)
    # The libraries, the app and its tables, built by now, live as long as the process. Frozen, a full
    # collection no longer walks them: 130 ms pauses every few seconds became 20-70 ms, and Faust collects
    # once per table at each rebalance (docs/benchmarks.md, "Session 24").
    gc.freeze()
    sys.argv = [sys.argv[0], "worker", "--loglevel", settings.log_level.lower(), "--without-web"]
    app.main()


def serve_worker_metrics(settings: Settings, worker_id: str) -> WorkerMetrics:
    """The worker's metrics, served on ``NEWSFLOW_WORKER_METRICS_PORT`` + the worker id (unless that is 0)."""
    registry = process_registry()
    if settings.worker_metrics_port and not worker_id.isdigit():
        raise ValueError(
            f"newsflow worker: NEWSFLOW_WORKER_ID={worker_id!r} must be a number (0, 1, ...): worker N serves "
            "its metrics on NEWSFLOW_WORKER_METRICS_PORT + N"
        )
    port = settings.worker_metrics_port_of(int(worker_id)) if settings.worker_metrics_port else None
    if port is not None:
        serve_metrics(
            registry,
            settings.metrics_host,
            port,
            process=f"newsflow worker {worker_id}",
            setting="NEWSFLOW_WORKER_METRICS_PORT",
        )
    return WorkerMetrics(registry, topic_prefix=settings.topic_prefix)


if __name__ == "__main__":
    main()
