"""Waiting out an unavailable Elasticsearch: which failures are transient, and the back-off between tries.

The sink's bulk writes and the percolator's searches both block while
Elasticsearch is unavailable (no connection, 429, 5xx): the stage's offsets do
not advance, so nothing is lost, and the worker's stall watchdog excuses the
wait (``waiting``). A request Elasticsearch refuses for good (any other 4xx)
is raised at once: retrying it would block the stage forever.
"""

from __future__ import annotations

import logging
import time

from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import TransportError

from newsflow.processors.metrics import WorkerMetrics

log = logging.getLogger("newsflow.es_backoff")

INITIAL_BACKOFF_S = 0.5


def is_transient(exc: EsConnectionError | TransportError) -> bool:
    """True for no connection, 429 and 5xx: worth waiting for; False for a refusal (another 4xx)."""
    status = getattr(exc, "status_code", None)
    return not (isinstance(status, int) and 400 <= status < 500 and status != 429)


class Backoff:
    """Doubling waits between tries, from 0.5 s up to ``max_s``; one per client, :meth:`succeeded` resets it."""

    def __init__(self, operation: str, max_s: float, metrics: WorkerMetrics) -> None:
        self.operation = operation
        self.max_s = max_s
        self.metrics = metrics
        # True from a failed try until the next success (the stall watchdog reads it).
        self.waiting = False
        self._delay = INITIAL_BACKOFF_S

    def wait(self, reason: str, error: str) -> None:
        """Log the failure (``reason`` labels the retry metric), then sleep the current delay and double it."""
        log.warning(
            "Elasticsearch unavailable; retrying",
            extra={"operation": self.operation, "reason": reason, "error": error, "backoff_s": self._delay},
        )
        self.metrics.sink_retry(reason)
        self.waiting = True
        time.sleep(self._delay)
        self._delay = min(self._delay * 2, self.max_s)

    def succeeded(self) -> None:
        """A try went through: the next failure starts again from the shortest delay."""
        self.waiting = False
        self._delay = INITIAL_BACKOFF_S
