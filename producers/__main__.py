"""The producer daemon: ``python -m newsflow.producers`` watches the ingest folder until SIGTERM."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from newsflow.infra.logs import configure_logging
from newsflow.infra.metrics import MetricsServerError, process_registry, serve_metrics
from newsflow.infra.settings import get_settings
from newsflow.producers.files import FileIngestor
from newsflow.producers.metrics import ProducerMetrics
from newsflow.producers.publisher import Publisher
from newsflow.producers.watcher import DirectoryWatcher


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    registry = process_registry()
    metrics = ProducerMetrics(registry)
    if settings.producer_metrics_port:
        try:
            serve_metrics(
                registry,
                settings.metrics_host,
                settings.producer_metrics_port,
                process="newsflow producer",
                setting="NEWSFLOW_PRODUCER_METRICS_PORT",
            )
        except MetricsServerError as exc:
            sys.exit(str(exc))
    with Publisher(settings) as publisher:
        watcher = DirectoryWatcher(settings, FileIngestor(settings, publisher, move_files=True, metrics=metrics))

        def _stop(signum: int, frame: FrameType | None) -> None:
            watcher.stop()  # finish the current file, then leave

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        watcher.run()


if __name__ == "__main__":
    main()
