"""What the local stack runs: each service's command, configuration and health probe.

The Java services come from Maven Central (see ``stack/maven``); their config
files are rendered into ``<home>/config`` on every start from the templates
in ``stack/config``, so a settings change takes effect on the next ``up``.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import uuid
from abc import ABC, abstractmethod
from pathlib import Path

from newsflow.delivery.metrics import METRICS_PORT_VARIABLE as DELIVERY_METRICS_PORT_VARIABLE
from newsflow.delivery.metrics import metrics_port as delivery_metrics_port
from newsflow.infra.health import Health, elasticsearch_health, http_health, kafka_health
from newsflow.infra.settings import Settings
from newsflow.stack.admin_key import local_admin_key
from newsflow.stack.artifacts import classpath, ensure_jars
from newsflow.stack.errors import StackError

CONFIG_TEMPLATES = Path(__file__).parent / "config"
LAUNCHER_SOURCE = Path(__file__).parent / "java" / "NewsflowElasticsearch.java"


class Service(ABC):
    """One process of the stack."""

    name: str
    port_setting: str = ""
    stop_timeout_s: float = 30.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int | None:
        return None

    @property
    def extra_ports(self) -> list[int]:
        """Other ports the service binds (checked free before start)."""
        return []

    @property
    def log_file(self) -> Path:
        """Where the process's stdout and stderr go."""
        return self.settings.log_dir / f"{self.name}.log"

    @property
    def diagnostic_log(self) -> Path:
        """The log to read when the service fails (its own log file if it keeps one)."""
        return self.log_file

    def prepare(self) -> None:  # noqa: B027 - an optional hook, most services need nothing
        """Anything to do before the first start (fetch jars, write config, format storage)."""

    @abstractmethod
    def argv(self) -> list[str]: ...

    def env(self) -> dict[str, str]:
        return {}

    @abstractmethod
    def health(self) -> Health: ...


def java_binary(settings: Settings) -> str:
    """The ``java`` to run, or a StackError telling how to get one."""
    if settings.java_home is not None:
        candidate = settings.java_home / "bin" / "java"
        if not candidate.is_file():
            raise StackError(f"NEWSFLOW_JAVA_HOME={settings.java_home} has no bin/java; point it at a JDK 17+")
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise StackError("Java is not installed (no `java` on PATH): install a JDK 17+ or set NEWSFLOW_JAVA_HOME")
    return found


def _render(template: str, dest: Path, values: dict[str, str]) -> Path:
    text = (CONFIG_TEMPLATES / template).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text)
    return dest


def new_cluster_id() -> str:
    """A random KRaft cluster id in Kafka's own form: 22 URL-safe base64 characters.

    Like Kafka's ``Uuid.randomUuid`` it never starts with "-", which Kafka's
    command-line tools (and one CI run of ours, 1 time in 64) read as an option.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class KafkaService(Service):
    """One Apache Kafka node in KRaft combined mode (broker and controller in one process).

    ``NEWSFLOW_KAFKA_BROKERS`` of them make the local cluster: one node is the
    component ``kafka`` (the default, as it always was), three are ``kafka-1``
    to ``kafka-3``, each with its own ports, config, data and log folders, all
    formatted with one cluster id and voting in one controller quorum.
    """

    port_setting = "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"

    def __init__(self, settings: Settings, node_id: int = 1) -> None:
        super().__init__(settings)
        self.node = settings.kafka_nodes[node_id - 1]
        self.name = "kafka" if settings.kafka_brokers == 1 else f"kafka-{node_id}"

    @property
    def host(self) -> str:
        return self.node.host

    @property
    def port(self) -> int:
        return self.node.port

    @property
    def extra_ports(self) -> list[int]:
        return [self.node.controller_port]

    @property
    def diagnostic_log(self) -> Path:
        return self.settings.log_dir / self.name / "server.log"

    @property
    def _data(self) -> Path:
        return self.settings.data_dir / self.name

    @property
    def _config(self) -> Path:
        return self.settings.home / "config" / f"{self.name}.properties"

    @property
    def replication(self) -> int:
        """Replication of Kafka's own topics (offsets, transactions): one copy per node, at most 3."""
        return min(self.settings.kafka_brokers, 3)

    @property
    def min_insync_replicas(self) -> int:
        """With 3 copies, 2 must acknowledge an acks=all write: one node may be down, none lost."""
        return max(1, self.replication - 1)

    def _jvm(self) -> list[str]:
        jars = self.settings.lib_dir / "kafka"
        return [
            java_binary(self.settings),
            f"-Xms{self.settings.kafka_heap}",
            f"-Xmx{self.settings.kafka_heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile=file:{CONFIG_TEMPLATES / 'kafka-log4j2.properties'}",
            f"-Dkafka.logs.dir={self.settings.log_dir / self.name}",
            "-cp",
            classpath(jars),
        ]

    def prepare(self) -> None:
        ensure_jars("kafka", self.settings.lib_dir, self.settings.log_dir)
        voters = ",".join(f"{n.node_id}@{n.host}:{n.controller_port}" for n in self.settings.kafka_nodes)
        _render(
            "kafka.properties",
            self._config,
            {
                "NODE_ID": str(self.node.node_id),
                "QUORUM_VOTERS": voters,
                "HOST": self.host,
                "PORT": str(self.port),
                "CONTROLLER_PORT": str(self.node.controller_port),
                "DATA_DIR": str(self._data.absolute()),
                "PARTITIONS": str(self.settings.topic_partitions),
                "REPLICATION": str(self.replication),
                "MIN_ISR": str(self.min_insync_replicas),
            },
        )
        if (self._data / "meta.properties").is_file():
            return
        # KRaft storage must be formatted once before the first start, every node with the same cluster id.
        # `--cluster-id=` keeps an id that starts with "-" from being read as an option.
        cluster_id = f"--cluster-id={self._cluster_id()}"
        result = subprocess.run(
            [*self._jvm(), "kafka.tools.StorageTool", "format", cluster_id, "-c", str(self._config)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self.log_file.write_text(result.stdout + result.stderr)
            raise StackError("formatting the Kafka storage failed", self.log_file)

    def _cluster_id(self) -> str:
        """The id the nodes of this home are formatted with, made once and kept beside their data."""
        path = self.settings.data_dir / "kafka-cluster-id"
        if path.is_file():
            return path.read_text().strip()
        cluster_id = new_cluster_id()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(cluster_id + "\n")
        return cluster_id

    def argv(self) -> list[str]:
        return [*self._jvm(), "kafka.Kafka", str(self._config.absolute())]

    def health(self) -> Health:
        if self.settings.kafka_brokers == 1:
            return kafka_health(self.settings.kafka_bootstrap_servers)
        # Ask this node itself, and require it to be a registered, unfenced broker of the cluster.
        return kafka_health(f"{self.host}:{self.port}", node_id=self.node.node_id)


class ElasticsearchService(Service):
    """A single-node Elasticsearch, assembled from Maven Central (see docs/decisions)."""

    name = "elasticsearch"
    port_setting = "NEWSFLOW_ELASTICSEARCH_URL"

    @property
    def host(self) -> str:
        return self.settings.elasticsearch_address[0]

    @property
    def port(self) -> int:
        return self.settings.elasticsearch_address[1]

    @property
    def _base(self) -> Path:
        return (self.settings.data_dir / "elasticsearch").absolute()

    @property
    def diagnostic_log(self) -> Path:
        return self.settings.log_dir / "elasticsearch" / "newsflow.log"

    @property
    def _launcher_dir(self) -> Path:
        return (self.settings.lib_dir / "launcher").absolute()

    def prepare(self) -> None:
        jars = ensure_jars("elasticsearch", self.settings.lib_dir, self.settings.log_dir)
        for sub in ("home", "data"):
            (self._base / sub).mkdir(parents=True, exist_ok=True)
        compiled = self._launcher_dir / "NewsflowElasticsearch.class"
        if compiled.is_file() and compiled.stat().st_mtime >= LAUNCHER_SOURCE.stat().st_mtime:
            return
        javac = Path(java_binary(self.settings)).resolve().with_name("javac")
        if not javac.is_file():
            raise StackError(f"no javac beside {java_binary(self.settings)}: install a JDK 17+, not only a JRE")
        result = subprocess.run(
            [str(javac), "-d", str(self._launcher_dir), "-cp", classpath(jars), str(LAUNCHER_SOURCE)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self.log_file.write_text(result.stdout + result.stderr)
            raise StackError("compiling the Elasticsearch launcher failed", self.log_file)

    def argv(self) -> list[str]:
        if self.port < 1:
            raise StackError(f"NEWSFLOW_ELASTICSEARCH_URL has no usable port: {self.settings.elasticsearch_url}")
        heap = self.settings.elasticsearch_heap
        return [
            java_binary(self.settings),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8",
            "-Dio.netty.noUnsafe=true",
            "-Dio.netty.noKeySetOptimization=true",
            "-Dio.netty.recycler.maxCapacityPerThread=0",
            "-Dlog4j.shutdownHookEnabled=false",
            "-Dlog4j2.disable.jmx=true",
            "-Dlog4j2.formatMsgNoLookups=true",
            f"-Djava.io.tmpdir={self._base / 'home'}",
            # The label Elastic's own start script sets; the 7.14+ Python client's product check requires it.
            "-Des.distribution.flavor=default",
            "-Des.distribution.type=tar",
            "-cp",
            f"{self._launcher_dir}:{classpath(self.settings.lib_dir / 'elasticsearch')}",
            "NewsflowElasticsearch",
            "-numOfNode", "1",
            # The runner gives node N the HTTP port base+N.
            "-baseHttpPort", str(self.port - 1),
            "-clusterName", "newsflow",
            "-basePath", str(self._base / "home"),
            "-confPath", str(CONFIG_TEMPLATES / "elasticsearch"),
            "-dataPath", str(self._base / "data"),
            "-logsPath", str((self.settings.log_dir / "elasticsearch").absolute()),
        ]  # fmt: skip

    def health(self) -> Health:
        return elasticsearch_health(self.settings.elasticsearch_url)


class PythonService(Service):
    """A newsflow process: ``python -m <module>`` with the same settings as this one."""

    module: str

    def argv(self) -> list[str]:
        return [sys.executable, "-m", self.module]

    def env(self) -> dict[str, str]:
        # Children resolve relative paths against the same folder as `up`.
        return {"PYTHONUNBUFFERED": "1", "NEWSFLOW_HOME": str(self.settings.home.absolute())}


class ApiService(PythonService):
    name = "api"
    module = "newsflow.api"
    port_setting = "NEWSFLOW_API_PORT"

    @property
    def host(self) -> str:
        return self.settings.api_host

    @property
    def port(self) -> int:
        return self.settings.api_port

    def env(self) -> dict[str, str]:
        # Saving searches needs the admin key: the local stack makes one unless the user set theirs.
        return {**super().env(), "NEWSFLOW_ADMIN_KEY": local_admin_key(self.settings)}

    def health(self) -> Health:
        return http_health(f"http://{self.host}:{self.port}/livez")


class MetricsService(PythonService):
    """A newsflow process whose port is that of its Prometheus endpoint (docs/metrics.md), if it has one.

    Healthy once ``/metrics`` answers (the process serves it first thing); with
    metrics off (port 0) there is nothing to ask and it counts as healthy while it runs.
    """

    @property
    def running_detail(self) -> str:
        """What the process does, for ``status``."""
        return "running"

    @property
    def host(self) -> str:
        return self.settings.metrics_host

    def env(self) -> dict[str, str]:
        # The child binds exactly where `status` and the health probe look.
        return {**super().env(), "NEWSFLOW_METRICS_HOST": self.settings.metrics_host}

    def health(self) -> Health:
        if self.port is None:
            return Health(True, self.running_detail)
        answer = http_health(f"http://{self.host}:{self.port}/metrics")
        detail = f"{self.running_detail}, metrics on :{self.port}" if answer.healthy else answer.detail
        return Health(answer.healthy, detail)


class ProducerService(MetricsService):
    """Watches the ingest folder."""

    name = "producer"
    module = "newsflow.producers"
    port_setting = "NEWSFLOW_PRODUCER_METRICS_PORT"

    @property
    def running_detail(self) -> str:
        return f"watching {self.settings.ingest_dir}"

    @property
    def port(self) -> int | None:
        return self.settings.producer_metrics_port or None

    def env(self) -> dict[str, str]:
        return {**super().env(), "NEWSFLOW_PRODUCER_METRICS_PORT": str(self.settings.producer_metrics_port)}


class WorkerService(MetricsService):
    """One Faust worker; ``NEWSFLOW_WORKERS`` of them share the partitions, each with its own metrics port."""

    module = "newsflow.processors"
    port_setting = "NEWSFLOW_WORKER_METRICS_PORT"
    stop_timeout_s = 60.0  # a clean stop flushes RocksDB and commits offsets

    def __init__(self, settings: Settings, worker_id: int) -> None:
        super().__init__(settings)
        self.worker_id = worker_id
        self.name = f"worker-{worker_id}"

    @property
    def running_detail(self) -> str:
        return "stream processor"

    @property
    def port(self) -> int | None:
        return self.settings.worker_metrics_port_of(self.worker_id)

    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            "NEWSFLOW_WORKER_ID": str(self.worker_id),
            # The first worker's port: worker N adds N.
            "NEWSFLOW_WORKER_METRICS_PORT": str(self.settings.worker_metrics_port),
        }


class DeliveryService(MetricsService):
    """The webhook deliverer: alerts from Kafka to each saved search's webhook (docs/alerts.md)."""

    name = "delivery"
    module = "newsflow.delivery"
    port_setting = DELIVERY_METRICS_PORT_VARIABLE
    # A stopping deliverer lets POSTs under way end (at most the webhook timeout), then commits.
    stop_timeout_s = 90.0

    @property
    def running_detail(self) -> str:
        return "webhook delivery"

    @property
    def port(self) -> int | None:
        return delivery_metrics_port(self.settings) or None

    def env(self) -> dict[str, str]:
        return {**super().env(), DELIVERY_METRICS_PORT_VARIABLE: str(delivery_metrics_port(self.settings))}


def kafka_services(settings: Settings) -> list[Service]:
    """The local Kafka nodes (``NEWSFLOW_KAFKA_BROKERS``); they must start together to form a quorum."""
    return [KafkaService(settings, node.node_id) for node in settings.kafka_nodes]


def infrastructure_services(settings: Settings) -> list[Service]:
    """Kafka and Elasticsearch, in start order."""
    return [*kafka_services(settings), ElasticsearchService(settings)]


def pipeline_services(settings: Settings) -> list[Service]:
    """The newsflow processes, in start order."""
    workers: list[Service] = [WorkerService(settings, i) for i in range(settings.workers)]
    return [*workers, DeliveryService(settings), ProducerService(settings), ApiService(settings)]
