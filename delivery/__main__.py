"""The webhook deliverer: ``python -m newsflow.delivery`` delivers alerts to webhooks until SIGTERM."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from newsflow.delivery.deliverer import Deliverer
from newsflow.delivery.metrics import METRICS_PORT_VARIABLE, DeliveryMetrics, metrics_port
from newsflow.infra.logs import configure_logging
from newsflow.infra.metrics import MetricsServerError, process_registry, serve_metrics
from newsflow.infra.settings import get_settings


def main() -> None:
    """Serve metrics, then deliver until SIGTERM or Ctrl-C; exit 1 if a delivery task failed unexpectedly."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    registry = process_registry()
    port = metrics_port(settings)
    if port:
        try:
            serve_metrics(
                registry,
                settings.metrics_host,
                port,
                process="newsflow webhook delivery",
                setting=METRICS_PORT_VARIABLE,
            )
        except MetricsServerError as exc:
            sys.exit(str(exc))
    deliverer = Deliverer(settings, metrics=DeliveryMetrics(registry))

    def _stop(signum: int, frame: FrameType | None) -> None:
        deliverer.stop()  # attempts under way finish, then offsets are committed

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    deliverer.run()
    if deliverer.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
