"""The deliverer's own metrics: attempts by outcome, their latency, alerts by how they ended, alerts in flight.

One :class:`DeliveryMetrics` per process, on the registry ``python -m
newsflow.delivery`` serves (docs/metrics.md); a deliverer built without one
(tests) gets a registry of its own.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import DeliveryOutcome

# Below the producer's 9464 and the workers' 9465 + N.
METRICS_PORT_VARIABLE = "NEWSFLOW_DELIVERY_METRICS_PORT"

# How one alert's handling ended (``alerts``): the delivery outcomes, and those without a POST.
ALERT_ENDINGS = ("delivered", "given_up", "skipped", "already_done", "no_webhook", "search_deleted", "unreadable")
# From a receiver on the same host to one that answers at the timeout's edge.
ATTEMPT_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class DeliveryMetrics:
    """The metric objects of one deliverer process."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.deliveries = Counter(
            "newsflow_webhook_deliveries",
            "Delivery-log records written, by outcome: delivered, failed (another attempt follows), given_up "
            "(the last attempt failed), skipped (webhook disabled).",
            ["outcome"],
            registry=registry,
        )
        for outcome in DeliveryOutcome:
            self.deliveries.labels(outcome.value)
        self.attempt_seconds = Histogram(
            "newsflow_webhook_attempt_seconds",
            "One POST to a webhook, connect to answer (or to the timeout), by outcome.",
            ["outcome"],
            buckets=ATTEMPT_SECONDS_BUCKETS,
            registry=registry,
        )
        self.alerts = Counter(
            "newsflow_webhook_alerts",
            "Alerts read from the alerts topic, by how their handling ended: delivered, given_up, skipped, "
            "already_done (the delivery log had it: a replay), no_webhook, search_deleted, unreadable.",
            ["ending"],
            registry=registry,
        )
        for ending in ALERT_ENDINGS:
            self.alerts.labels(ending)
        self.webhooks_disabled = Counter(
            "newsflow_webhook_disabled",
            "Webhooks this process disabled after too many given-up alerts in a row.",
            registry=registry,
        )
        self.in_flight = Gauge(
            "newsflow_webhook_alerts_in_flight",
            "Alerts received and not finished (waiting for their search's earlier alerts, being POSTed, backing off).",
            registry=registry,
        )


def metrics_port(settings: Settings) -> int:
    """The deliverer's metrics port (``NEWSFLOW_DELIVERY_METRICS_PORT``; 0: none)."""
    return settings.delivery_metrics_port
