"""A Kafka + Elasticsearch of the fault suite's own, which its scenarios may stop and restart.

The shared stack on the default ports serves everyone else's tests; a scenario
that stops the broker or Elasticsearch must never touch it. This stack runs
the same code as ``newsflow up`` (``LocalStack``) with its own ``NEWSFLOW_HOME``
under a temporary folder and on other ports. Its ``lib/`` is a symlink to the
project's jar folder, so the jars Maven fetched once are reused, not fetched again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsflow.infra.settings import Settings
from newsflow.stack.services import infrastructure_services
from newsflow.stack.stack import LocalStack
from tests.restartable_ports import restartable_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Kafka, its KRaft controller, Elasticsearch: the defaults plus 20000 when free, else the next free ones
# below the ephemeral range (the scenarios stop and restart them).
PREFERRED_PORTS = {"kafka": 29092, "controller": 29093, "elasticsearch": 29200}


def project_lib_dir(base: Settings) -> Path:
    """The project's jar folder (``<NEWSFLOW_HOME>/lib`` of the checkout), absolute."""
    lib = base.lib_dir
    return lib if lib.is_absolute() else PROJECT_ROOT / lib


@dataclass(frozen=True)
class DedicatedStack:
    """Kafka and Elasticsearch started for the fault suite only."""

    settings: Settings
    local: LocalStack

    @classmethod
    def create(cls, folder: Path) -> DedicatedStack:
        """Settings and supervisor of a stack homed in ``folder``; nothing is started yet."""
        home = folder / "home"
        home.mkdir(parents=True, exist_ok=True)
        lib = project_lib_dir(Settings())
        lib.mkdir(parents=True, exist_ok=True)  # on a fresh clone ensure_jars fills it through the link
        (home / "lib").symlink_to(lib, target_is_directory=True)
        # Given to the constructor, these win over NEWSFLOW_* variables; the rest (a JDK, Kafka's heap) comes
        # from the environment as for `newsflow up`.
        overrides: dict[str, Any] = {
            "home": home,
            "kafka_bootstrap_servers": f"127.0.0.1:{restartable_port(PREFERRED_PORTS['kafka'])}",
            "kafka_controller_port": restartable_port(PREFERRED_PORTS["controller"]),
            # One broker whatever NEWSFLOW_KAFKA_BROKERS says: the broker scenario stops "the" broker.
            "kafka_brokers": 1,
            "topic_replication_factor": 1,
            "topic_partitions": 4,
            "elasticsearch_url": f"http://127.0.0.1:{restartable_port(PREFERRED_PORTS['elasticsearch'])}",
            # A few hundred documents: half the default heap leaves room for the shared stack beside it.
            "elasticsearch_heap": "512m",
            # A 2-core machine shared with other test runs can start Elasticsearch slowly; not a performance bound.
            "startup_timeout_s": 300.0,
        }
        settings = Settings(**overrides)
        return cls(settings, LocalStack(settings))

    def ensure_up(self) -> list[str]:
        """Start whichever of Kafka and Elasticsearch is not running and wait until both are healthy."""
        return self.local.up(with_pipeline=False)

    def stop(self, name: str) -> None:
        """Stop one service (``kafka`` or ``elasticsearch``) the way ``make down`` does: SIGTERM, then SIGKILL."""
        service = next(s for s in infrastructure_services(self.settings) if s.name == name)
        if not self.local.processes.stop(name, timeout_s=service.stop_timeout_s):
            raise RuntimeError(f"{name} of the dedicated stack was not running")

    def down(self) -> None:
        """Stop both services (Elasticsearch first, the reverse of the start order)."""
        for service in reversed(infrastructure_services(self.settings)):
            self.local.processes.stop(service.name, timeout_s=service.stop_timeout_s)
