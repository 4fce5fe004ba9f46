"""A process's own Prometheus endpoint: a registry of its own, served over HTTP on a configured port.

The producer daemon and each worker call :func:`serve_metrics` once at start
with the registry their metric objects live in (``producers/metrics.py``,
``processors/metrics.py``). Each registry also carries the process's resident
memory, CPU seconds and open files (prometheus_client's process collector),
so a scrape shows what that one process costs. The API serves its own
figures at ``/metrics`` (``api/monitoring.py``); docs/metrics.md lists them all.
"""

from __future__ import annotations

import errno
import logging
import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector, start_http_server

from newsflow.infra.errors import NewsflowError

log = logging.getLogger("newsflow.metrics")


class MetricsServerError(NewsflowError):
    """The metrics endpoint could not be started (port taken, address not on this host)."""


def process_registry() -> CollectorRegistry:
    """A registry for one process's metrics, with its memory, CPU, garbage collector and Python version."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


@dataclass
class MetricsServer:
    """A running metrics endpoint (an HTTP server on a daemon thread); :meth:`close` stops it."""

    host: str
    port: int
    _server: WSGIServer
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_metrics(registry: CollectorRegistry, host: str, port: int, *, process: str, setting: str) -> MetricsServer:
    """Serve ``registry`` at ``http://host:port/metrics`` until the process exits.

    ``process`` names the process and ``setting`` the variable that chose the
    port, for the error: a port another program holds raises
    :class:`MetricsServerError` saying how to free or change it.
    """
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise MetricsServerError(
                f"{process}: cannot serve metrics on {host}:{port}: the port is already taken (another newsflow "
                f"process with the same settings, or another program). Stop whatever holds it, choose another port "
                f"with {setting}, or set {setting}=0 to run without metrics"
            ) from exc
        raise MetricsServerError(
            f"{process}: cannot serve metrics on {host}:{port}: {exc.strerror or exc}. Check NEWSFLOW_METRICS_HOST "
            f"(an address of this host) and {setting}"
        ) from exc
    running = MetricsServer(host, server.server_port, server, thread)
    log.info("serving metrics", extra={"component": process, "url": running.url})
    return running
