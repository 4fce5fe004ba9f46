"""``newsflow up / down / status``: the local stack as one unit.

``up`` starts the services in order, waits for each to be healthy, then sets up
topics and the index. If any step fails it stops what this call started, so
nothing is left half-running, and raises one :class:`StackError` naming the
cause and the log to read. Services already running are left as they are,
which makes ``up`` twice harmless; ``down`` on a stopped stack does nothing.
"""

from __future__ import annotations

import logging
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from newsflow.settings import Settings
from stack.errors import StackError
from stack.health import Health
from stack.process import ProcessTable, port_in_use, tail
from stack.services import Service, infrastructure_services, java_binary, pipeline_services

log = logging.getLogger("newsflow.stack")


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    port: int | None
    pid: int | None
    healthy: bool
    state: str
    detail: str


class LocalStack:
    """The processes of one ``NEWSFLOW_HOME``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.processes = ProcessTable(settings.run_dir)

    def services(self, with_pipeline: bool = True) -> list[Service]:
        infra = infrastructure_services(self.settings)
        return infra + pipeline_services(self.settings) if with_pipeline else infra

    # --- up -------------------------------------------------------------------
    def up(self, with_pipeline: bool = True) -> list[str]:
        """Start what is not running; return the names started by this call."""
        java_binary(self.settings)  # fail before anything starts when there is no Java
        started: list[str] = []
        try:
            for service in self.services(with_pipeline=False):
                if self._start(service):
                    started.append(service.name)
            self._bootstrap()
            if with_pipeline:
                for service in pipeline_services(self.settings):
                    if self._start(service):
                        started.append(service.name)
        except BaseException:
            # Leave nothing half-started: undo this call's work, newest first.
            for name in reversed(started):
                self.processes.stop(name)
            raise
        return started

    def _start(self, service: Service) -> bool:
        running = self.processes.get(service.name)
        if running is not None:
            if running.port != service.port:
                raise StackError(
                    f"{service.name} is already running (pid {running.pid}) on port {running.port}, "
                    f"not {service.port} as configured now; run `make down` first"
                )
            if not self._wait_healthy(service, started_now=False):
                raise StackError(f"{service.name} is running but not healthy", service.diagnostic_log)
            return False
        for port in [service.port, *service.extra_ports]:
            if port is not None and port_in_use(service.host, port):
                raise StackError(
                    f"{service.name}: port {service.host}:{port} is already taken by another program; "
                    f"stop it or choose another port ({service.port_setting})"
                )
        service.prepare()
        started_at = time.monotonic()
        self.processes.start(service.name, service.argv(), service.log_file, env=service.env(), port=service.port)
        self._wait_healthy(service, started_now=True)
        log.info("%s healthy", service.name, extra={"seconds": round(time.monotonic() - started_at, 1)})
        return True

    def _wait_healthy(self, service: Service, started_now: bool) -> bool:
        deadline = time.monotonic() + self.settings.startup_timeout_s
        while True:
            if self.processes.get(service.name) is None:
                if not started_now:
                    return False
                raise StackError(
                    f"{service.name} exited during start-up; from its log:\n{tail(service.diagnostic_log)}\n",
                    service.diagnostic_log,
                )
            health = service.health()
            if health.healthy:
                return True
            if time.monotonic() > deadline:
                if started_now:
                    self.processes.stop(service.name)
                raise StackError(
                    f"{service.name} not healthy after {self.settings.startup_timeout_s:.0f}s ({health.detail})",
                    service.diagnostic_log,
                )
            time.sleep(0.5)

    def _bootstrap(self) -> None:
        """Create the topics and the index template/alias (both idempotent)."""
        from stack.bootstrap import bootstrap

        bootstrap(self.settings)

    # --- down / status --------------------------------------------------------
    def down(self) -> list[str]:
        """Stop every process of this home, pipeline first, then the services."""
        stopped = []
        for service in reversed(self.services()):
            if self.processes.stop(service.name, timeout_s=service.stop_timeout_s):
                stopped.append(service.name)
        return stopped

    def clean_data(self) -> Path | None:
        """Remove the data folder; refuses while any process of this home runs."""
        running = [s.name for s in self.services() if self.processes.get(s.name) is not None]
        if running:
            raise StackError(f"stop the stack first (`make down`): still running: {', '.join(running)}")
        data = self.settings.data_dir
        if not data.exists():
            return None
        shutil.rmtree(data)
        return data

    def status(self) -> list[ComponentStatus]:
        rows = []
        for service in self.services():
            record = self.processes.get(service.name)
            health = service.health()
            if record is None and service.port is None:
                # No port to ask: a process of ours that is not running is down.
                health = Health(False, "not running")
            if record is None and health.healthy:
                state = "external"  # answered, but not started by this home (e.g. docker-compose)
            elif record is None:
                state = "stopped"
            else:
                state = "healthy" if health.healthy else "unhealthy"
            rows.append(
                ComponentStatus(
                    name=service.name,
                    port=service.port,
                    pid=record.pid if record else None,
                    healthy=health.healthy,
                    state=state,
                    detail=health.detail,
                )
            )
        return rows

    def wait_foreground(self, with_pipeline: bool = True) -> None:
        """Block until Ctrl-C or SIGTERM, or until a process dies, then stop everything."""
        stop = False

        def _on_signal(signum: int, frame: FrameType | None) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
        try:
            while not stop:
                dead = [s.name for s in self.services(with_pipeline) if self.processes.get(s.name) is None]
                if dead:
                    log.error("process exited, stopping the stack", extra={"components": ",".join(dead)})
                    break
                time.sleep(1.0)
        finally:
            self.down()
