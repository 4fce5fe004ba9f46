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

from newsflow.infra.health import Health
from newsflow.infra.settings import Settings
from newsflow.operations.bootstrap import bootstrap
from newsflow.stack.errors import StackError
from newsflow.stack.ner_model_fetch import ensure_ner_model
from newsflow.stack.process import ProcessTable, port_in_use, tail
from newsflow.stack.services import Service, infrastructure_services, java_binary, kafka_services, pipeline_services
from newsflow.stack.supervisor import Supervisor

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
        self._check_kafka_layout()
        if with_pipeline:
            ensure_ner_model(self.settings)  # the workers' NER pipeline, fetched once (newsflow fetch)
        started: list[str] = []
        try:
            kafka = kafka_services(self.settings)
            # KRaft nodes start together: none is healthy before a majority of the voters runs.
            self._start_together(kafka, started)
            for service in self.services(with_pipeline=False)[len(kafka) :]:
                self._start_together([service], started)
            self._bootstrap()
            if with_pipeline:
                for service in pipeline_services(self.settings):
                    self._start_together([service], started)
        except BaseException:
            # Leave nothing half-started: undo this call's work, newest first.
            self._stop_in_order(list(reversed(started)))
            raise
        return started

    def _stop_in_order(self, names: list[str]) -> list[str]:
        """Stop ``names`` one by one, except the Kafka nodes: those last, together (see ``stop_together``)."""
        timeouts = {service.name: service.stop_timeout_s for service in self.services()}
        kafka = {service.name for service in kafka_services(self.settings)}
        stopped = [n for n in names if n not in kafka and self.processes.stop(n, timeout_s=timeouts.get(n, 30.0))]
        return stopped + self.processes.stop_together([n for n in names if n in kafka])

    def _check_kafka_layout(self) -> None:
        """Refuse settings the local Kafka nodes can't serve, before anything starts."""
        brokers = self.settings.kafka_brokers
        if self.settings.topic_replication_factor > brokers:
            raise StackError(
                f"NEWSFLOW_TOPIC_REPLICATION_FACTOR={self.settings.topic_replication_factor} needs as many brokers, "
                f"but the local stack runs NEWSFLOW_KAFKA_BROKERS={brokers}"
            )
        if brokers == 1:
            return  # as always: the first bootstrap address is the node's, others are not checked
        nodes = {f"{n.host}:{n.port}" for n in self.settings.kafka_nodes}
        foreign = [s.strip() for s in self.settings.kafka_bootstrap_servers.split(",") if s.strip() not in nodes]
        if foreign:
            raise StackError(
                f"NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS lists {', '.join(foreign)}, which is not one of the local "
                f"Kafka nodes ({', '.join(sorted(nodes))}); give only the first node's address and the others follow"
            )

    def _start_together(self, services: list[Service], started: list[str]) -> None:
        """Start those of ``services`` not running (adding their names to ``started``), then wait for all."""
        launched: dict[str, float] = {}
        for service in services:
            running = self.processes.get(service.name)
            if running is not None:
                if running.port != service.port:
                    raise StackError(
                        f"{service.name} is already running (pid {running.pid}) on port {running.port}, "
                        f"not {service.port} as configured now; run `make down` first"
                    )
                continue
            for port in [service.port, *service.extra_ports]:
                if port is not None and port_in_use(service.host, port):
                    holder = self._port_holder(port, service.port_setting)
                    raise StackError(f"{service.name}: port {service.host}:{port} {holder}")
            service.prepare()
            launched[service.name] = time.monotonic()
            self.processes.start(service.name, service.argv(), service.log_file, env=service.env(), port=service.port)
            started.append(service.name)
        for service in services:
            if service.name not in launched:
                if not self._wait_healthy(service, started_now=False):
                    raise StackError(f"{service.name} is running but not healthy", service.diagnostic_log)
                continue
            self._wait_healthy(service, started_now=True)
            seconds = round(time.monotonic() - launched[service.name], 1)
            log.info("%s healthy", service.name, extra={"seconds": seconds})

    def _port_holder(self, port: int, setting: str) -> str:
        """Who holds a port we need: a process of this home started with other settings, or another program."""
        for record in self.processes.records():
            if record.port == port:
                return (
                    f"is held by {record.name} (pid {record.pid}) of this stack, started with other settings "
                    "(e.g. another NEWSFLOW_KAFKA_BROKERS); run `make down` first"
                )
        return f"is already taken by another program; stop it or choose another port ({setting})"

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
        bootstrap(self.settings)

    # --- down / status --------------------------------------------------------
    def down(self) -> list[str]:
        """Stop every process of this home, pipeline first, then the services."""
        stopped = self._stop_in_order([service.name for service in reversed(self.services())])
        # Processes this home started under other settings (another NEWSFLOW_KAFKA_BROKERS or WORKERS).
        leftovers = [record.name for record in self.processes.records()]
        return stopped + self.processes.stop_together(leftovers)

    def clean_data(self) -> Path | None:
        """Remove the data folder; refuses while any process of this home runs."""
        running = [record.name for record in self.processes.records()]
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
        """Block until Ctrl-C or SIGTERM, restarting processes that exit (see ``stack.supervisor``); then stop all.

        A process that keeps exiting (crash loop) stops the stack with a StackError naming it.
        """
        stop = False

        def _on_signal(signum: int, frame: FrameType | None) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
        supervisor = Supervisor(
            self.processes, self.services(with_pipeline), lambda service: self._start_together([service], [])
        )
        try:
            while not stop:
                supervisor.check()
                time.sleep(1.0)
        finally:
            self.down()
