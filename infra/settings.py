"""All configuration of newsflow, in one place.

Every field is read from an environment variable named ``NEWSFLOW_<FIELD>``
(case-insensitive), e.g. ``NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS``. The defaults run
the local stack on loopback; docker-compose sets the same variables to the
service names of the compose network. The table in the README is generated
from this class (``newsflow config --markdown``) and a test keeps it in sync.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "NEWSFLOW_"


class KafkaNode(NamedTuple):
    """One node of the local Kafka stack: broker and KRaft controller in one process."""

    node_id: int
    host: str
    port: int
    controller_port: int


def split_address(servers: str) -> tuple[str, int]:
    """Host and port of the first ``host:port`` of a comma-separated list."""
    first = servers.split(",", maxsplit=1)[0].strip()
    host, _, port = first.rpartition(":")
    return host or "127.0.0.1", int(port)


def local_kafka_ports(broker_port: int, controller_port: int, count: int) -> list[tuple[int, int]]:
    """Broker and controller port of each local Kafka node, derived from the first node's.

    One node keeps the configured ports. Several count up from them
    (39092-39094 and 39192-39194), except when the controller port directly
    follows the broker port, as in the default 9092/9093: counting up would
    give node 2 the controller port of node 1, so each node takes the next
    pair instead (9092/9093, 9094/9095, 9096/9097).
    """
    step = 2 if controller_port == broker_port + 1 else 1
    return [(broker_port + step * n, controller_port + step * n) for n in range(count)]


class Settings(BaseSettings):
    """Runtime configuration shared by every newsflow process."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # --- where things live -------------------------------------------------
    home: Path = Field(
        Path(".newsflow"),
        description="Local stack folder: data/ (Kafka, Elasticsearch, state), logs/, run/ (pid files), lib/ (jars).",
    )
    ingest_dir: Path = Field(Path("ingest"), description="Folder watched for article files.")
    processed_dir: Path | None = Field(None, description="Where fully sent files go (default: <ingest_dir>/processed).")
    rejected_dir: Path | None = Field(
        None, description="Where unusable files go, each with a .error.json (default: <ingest_dir>/rejected)."
    )
    max_file_bytes: int = Field(50 * 1024 * 1024, gt=0, description="Larger files are rejected, not read.")
    settle_seconds: float = Field(
        1.0,
        ge=0,
        description=(
            "A file is complete once its size and mtime stayed unchanged this long"
            " (or at once when the OS reports it closed after writing or renamed in: inotify)."
        ),
    )

    # --- Kafka ---------------------------------------------------------------
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        description="Kafka bootstrap servers (comma-separated host:port). With `NEWSFLOW_KAFKA_BROKERS=3` a single "
        "address is the first local node's and the other nodes' addresses are added.",
    )
    kafka_controller_port: int = Field(9093, description="Local stack only: KRaft controller port (of the first node).")
    kafka_brokers: int = Field(
        1,
        description="Local stack only: Kafka nodes `up` starts, 1 or 3 (each broker and controller; 3: a 3-voter "
        "quorum, replication 3, min in-sync replicas 2, ports in docs/scaling.md).",
    )
    topic_prefix: str = Field("newsflow", description="Prefix of every topic name.")
    topic_partitions: int = Field(4, ge=1, description="Partitions of the pipeline topics.")
    topic_replication_factor: int = Field(
        1, ge=1, description="Replication factor of the topics (default 3 when `NEWSFLOW_KAFKA_BROKERS=3`)."
    )

    # --- processing ----------------------------------------------------------
    near_duplicate_threshold: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Estimated Jaccard similarity of 5-word shingles from which two bodies are near-duplicates.",
    )
    batch_size: int = Field(64, ge=1, description="Articles per NER batch and per Elasticsearch bulk request.")
    ner_model: str = Field(
        "en_core_web_md",
        min_length=1,
        description="The spaCy pipeline the entity stage runs: `en_core_web_md` (fetched by `newsflow fetch`), "
        "`en_core_web_sm` (installed; faster, fewer entities right) or the path of a pipeline folder "
        "(docs/ner-model.md).",
    )
    ner_model_dir: Path | None = Field(
        None, description="Where `newsflow fetch` unpacks downloaded NER pipelines (default: <home>/lib/models)."
    )
    stories_enabled: bool = Field(
        True,
        description="Off: articles pass the story stage without a story (no `story_id`, no stories index "
        "writes); to measure the stage's cost, or where no stories are wanted.",
    )
    story_window_days: float = Field(
        7.0,
        gt=0,
        le=365,
        description="An article can join a story that took an article within this many days of it; "
        "stories idle longer leave the story stage's memory.",
    )
    alerts_enabled: bool = Field(
        True,
        description="Off: indexed articles are not percolated against the saved searches (no alerts).",
    )
    alert_grace_s: float = Field(
        600.0,
        ge=0,
        description="A saved search alerts on articles received after it was saved, or up to this many seconds "
        "before (still on their way when it was saved); older ones (a replay) alert no one.",
    )
    alert_duplicate_memory: int = Field(
        200,
        ge=1,
        le=10_000,
        description="Alerted articles remembered per saved search, to keep near-duplicates of them from "
        "alerting again (unless the search asks for duplicates).",
    )
    worker_stall_timeout_s: float = Field(
        300.0,
        ge=0,
        description="A worker holding records but committing nothing this long (Kafka and Elasticsearch answering) "
        "exits so that its supervisor restarts it; 0 disables the watchdog.",
    )
    worker_table_memory_mb: int = Field(
        256,
        ge=16,
        description="Memory a worker's RocksDB tables may hold (write buffers and block caches), "
        "shared over every table partition.",
    )
    worker_producer_linger_ms: int = Field(
        5,
        ge=0,
        le=1000,
        description="How long a worker's Kafka producer waits to fill a batch before sending it: fewer, larger "
        "produce requests (each costs the worker and the broker CPU) for up to this much latency per topic hop.",
    )
    worker_ner_max_mb: int = Field(
        768,  # en_core_web_md's child starts near 410-470 MB (the small model's near 210)
        ge=0,
        description="A worker's NER child process above this resident memory is replaced by a fresh one, "
        "warmed up before it takes over (spaCy's memory creeps up over days of text); 0: never replaced.",
    )
    worker_malloc_arenas: int = Field(
        2,
        ge=0,
        description="glibc malloc arenas of a worker and its NER child (`MALLOC_ARENA_MAX`): fewer arenas hold "
        "fewer freed pages in fragments over a long run; 0 keeps glibc's default (eight per core).",
    )

    worker_memory_snapshots_dir: Path | None = Field(
        None,
        description="A folder where the worker writes a snapshot of its Python memory every "
        "`NEWSFLOW_WORKER_MEMORY_SNAPSHOT_INTERVAL_S`, to find what grows in a long run; unset (off) in "
        "production. Compare two with `python -m bench.memory_growth`.",
    )
    worker_memory_snapshot_interval_s: float = Field(
        300.0, gt=0, description="Seconds between the worker's memory snapshots (when a folder is set)."
    )
    worker_memory_snapshot_kind: Literal["census", "tracemalloc"] = Field(
        "census",
        description="`census`: objects by type and the large containers with who holds them (each holds the "
        "worker for about a second); `tracemalloc`: every allocation traced with its code (makes the worker "
        "several times slower).",
    )

    # --- Elasticsearch -------------------------------------------------------
    elasticsearch_url: str = Field("http://127.0.0.1:9200", description="Elasticsearch HTTP endpoint.")
    index_alias: str = Field("newsflow-articles", description="Alias searched by the API; indices are <alias>-v<N>.")
    stories_alias: str | None = Field(
        None,
        description="Alias of the stories index (indices <alias>-v<N>); default: the articles alias with "
        "`-articles` replaced by `-stories` (`newsflow-stories`).",
    )
    kibana_url: str = Field(
        "http://127.0.0.1:5601", description="Kibana that `newsflow kibana-setup` imports the saved objects into."
    )

    # --- webhooks ------------------------------------------------------------
    webhook_timeout_s: float = Field(
        5.0, gt=0, le=60, description="How long one webhook POST may take (connect and answer) before it fails."
    )
    webhook_attempts: int = Field(
        5, ge=1, le=20, description="POSTs of one alert to a webhook (with back-off) before it is given up."
    )
    webhook_max_backoff_s: float = Field(
        60.0, gt=0, description="Longest wait between two attempts of one webhook delivery (it doubles from 1 s)."
    )
    webhook_disable_after: int = Field(
        5,
        ge=1,
        description="A webhook whose deliveries were given up this many times in a row is disabled "
        "(shown as such; re-enable it by saving the search again).",
    )

    # --- API -----------------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address the API binds to.")
    api_port: int = Field(8000, description="Port of the API and web page.")
    admin_key: SecretStr | None = Field(
        None,
        description="Key the API's admin actions (`/admin/replay`, `/admin/reindex`) require in the "
        "`X-Admin-Key` header; unset, they are disabled.",
    )
    cors_origins: list[str] = Field(
        [],
        description="Origins allowed to call the API from a browser (JSON list); empty: only the API's own page.",
    )

    # --- the producer's and workers' own metrics (docs/metrics.md) --------------
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address the producer's and the workers' Prometheus endpoints bind to (loopback, like the API; "
        "docker-compose sets 0.0.0.0 inside the containers).",
    )
    producer_metrics_port: int = Field(
        9464, ge=0, le=65535, description="Port of the producer daemon's Prometheus metrics (`/metrics`); 0: none."
    )
    delivery_metrics_port: int = Field(
        9463, ge=0, le=65535, description="Port of the webhook deliverer's Prometheus metrics (`/metrics`); 0: none."
    )
    worker_metrics_port: int = Field(
        9465,
        ge=0,
        le=65535,
        description="Port of the workers' Prometheus metrics (`/metrics`): worker N (`NEWSFLOW_WORKER_ID`, from 0) "
        "serves on this port + N; 0: none.",
    )

    # --- local stack JVMs ----------------------------------------------------
    java_home: Path | None = Field(None, description="JDK to run Kafka and Elasticsearch (default: java on PATH).")
    kafka_heap: str = Field("512m", description="Local stack only: Kafka JVM heap (-Xmx).")
    elasticsearch_heap: str = Field("1g", description="Local stack only: Elasticsearch JVM heap (-Xmx).")
    startup_timeout_s: float = Field(120.0, gt=0, description="How long `up` waits for each service to be healthy.")
    workers: int = Field(1, ge=1, description="Faust worker processes started by `up`.")

    # --- logging -------------------------------------------------------------
    log_format: Literal["text", "json"] = Field("text", description="`text` for people, `json` for production.")
    log_level: str = Field("INFO", description="Python log level.")

    @model_validator(mode="before")
    @classmethod
    def _local_cluster_defaults(cls, data: Any) -> Any:
        """With several local Kafka nodes: replication and the bootstrap list follow the node count.

        Done before field validation because the model is frozen: the derived
        values are then ordinary fields, and a child process given them
        explicitly (``settings_env``) reads the same. Explicit values win.
        """
        if not isinstance(data, dict):
            return data
        try:
            brokers = int(data.get("kafka_brokers", 1))
            servers = str(data.get("kafka_bootstrap_servers", cls.model_fields["kafka_bootstrap_servers"].default))
            controller_port = int(data.get("kafka_controller_port", cls.model_fields["kafka_controller_port"].default))
            host, port = split_address(servers)
        except (TypeError, ValueError):
            return data  # the fields' own validation says what is wrong
        if brokers <= 1:
            return data
        derived = dict(data)
        derived.setdefault("topic_replication_factor", min(brokers, 3))
        if "," not in servers:
            ports = local_kafka_ports(port, controller_port, brokers)
            derived["kafka_bootstrap_servers"] = ",".join(f"{host}:{broker}" for broker, _ in ports)
        return derived

    @field_validator("kafka_brokers")
    @classmethod
    def _one_or_three_brokers(cls, value: int) -> int:
        # Two KRaft voters stop together when either stops, so 2 would be less available than 1.
        if value not in (1, 3):
            raise ValueError("must be 1 or 3 (a 3-voter quorum survives one node down; 2 voters would not)")
        return value

    @model_validator(mode="after")
    def _local_ports_distinct(self) -> Settings:
        if self.kafka_brokers == 1:
            return self  # one node: its two ports are checked free when it starts, as they always were
        ports = [port for pair in local_kafka_ports(*self._first_kafka_ports(), self.kafka_brokers) for port in pair]
        if len(set(ports)) != len(ports):
            raise ValueError(
                f"the {self.kafka_brokers} local Kafka nodes' broker and controller ports overlap ({ports}): "
                "choose NEWSFLOW_KAFKA_CONTROLLER_PORT apart from the broker ports, e.g. 100 above"
            )
        return self

    @model_validator(mode="after")
    def _metrics_ports_distinct(self) -> Settings:
        """The producer's, the workers' (one per worker) and the API's ports must not overlap on one host."""
        if self.delivery_metrics_port and self.delivery_metrics_port in (
            self.producer_metrics_port,
            *self.local_worker_metrics_ports,
        ):
            raise ValueError(
                f"NEWSFLOW_DELIVERY_METRICS_PORT={self.delivery_metrics_port} is also the producer's or a worker's "
                "metrics port; choose another"
            )
        if self.producer_metrics_port and self.producer_metrics_port in self.local_worker_metrics_ports:
            raise ValueError(
                f"NEWSFLOW_PRODUCER_METRICS_PORT={self.producer_metrics_port} is one of the workers' metrics ports "
                f"({self.local_worker_metrics_ports}: NEWSFLOW_WORKER_METRICS_PORT + worker id); choose another"
            )
        if self.api_port in (self.producer_metrics_port, self.delivery_metrics_port, *self.local_worker_metrics_ports):
            raise ValueError(
                f"NEWSFLOW_API_PORT={self.api_port} is also a metrics port of the producer or a worker; choose "
                "another NEWSFLOW_API_PORT, NEWSFLOW_PRODUCER_METRICS_PORT or NEWSFLOW_WORKER_METRICS_PORT"
            )
        return self

    def worker_metrics_port_of(self, worker_id: int) -> int | None:
        """The metrics port of worker ``worker_id`` (``NEWSFLOW_WORKER_ID``), None when metrics are off."""
        if not self.worker_metrics_port:
            return None
        port = self.worker_metrics_port + worker_id
        if not 0 < port <= 65535:
            raise ValueError(
                f"worker {worker_id}'s metrics port {port} is out of range: lower NEWSFLOW_WORKER_METRICS_PORT"
            )
        return port

    @property
    def local_worker_metrics_ports(self) -> list[int]:
        """The metrics ports of the ``workers`` workers ``up`` starts (none when metrics are off)."""
        ports = (self.worker_metrics_port_of(worker_id) for worker_id in range(self.workers))
        return [port for port in ports if port is not None]

    def _first_kafka_ports(self) -> tuple[int, int]:
        return self.kafka_address[1], self.kafka_controller_port

    @field_validator("admin_key", mode="before")
    @classmethod
    def _empty_key_is_no_key(cls, value: object) -> object:
        # Compose passes an unset variable as "": that must disable admin actions, not allow an empty key.
        return None if value == "" else value

    @property
    def kafka_address(self) -> tuple[str, int]:
        """Host and port of the first bootstrap server (the local stack binds there)."""
        return split_address(self.kafka_bootstrap_servers)

    @property
    def kafka_nodes(self) -> list[KafkaNode]:
        """Local stack only: where each of the ``kafka_brokers`` nodes listens (see :func:`local_kafka_ports`)."""
        host = self.kafka_address[0]
        ports = local_kafka_ports(*self._first_kafka_ports(), self.kafka_brokers)
        return [KafkaNode(index + 1, host, broker, controller) for index, (broker, controller) in enumerate(ports)]

    @property
    def elasticsearch_address(self) -> tuple[str, int]:
        """Host and port of the Elasticsearch URL (the local stack binds there)."""
        parts = urlsplit(self.elasticsearch_url)
        return parts.hostname or "127.0.0.1", parts.port or 9200

    @property
    def stories_index_alias(self) -> str:
        """The stories alias: ``stories_alias``, else derived from the articles alias."""
        if self.stories_alias:
            return self.stories_alias
        return f"{self._alias_base}-stories"

    @property
    def _alias_base(self) -> str:
        return self.index_alias.removesuffix("-articles")

    @property
    def saved_searches_index_alias(self) -> str:
        """Alias of the saved searches (percolator queries), beside the articles alias."""
        return f"{self._alias_base}-saved-searches"

    @property
    def alerts_index_alias(self) -> str:
        """Alias of the alerts index, beside the articles alias."""
        return f"{self._alias_base}-alerts"

    @property
    def deliveries_index_alias(self) -> str:
        """Alias of the webhook delivery log, beside the articles alias."""
        return f"{self._alias_base}-webhook-deliveries"

    @property
    def index_aliases(self) -> tuple[str, ...]:
        """Every alias of the system's indices (articles, stories, saved searches, alerts, deliveries)."""
        return (
            self.index_alias,
            self.stories_index_alias,
            self.saved_searches_index_alias,
            self.alerts_index_alias,
            self.deliveries_index_alias,
        )

    @property
    def processed_path(self) -> Path:
        return self.processed_dir or self.ingest_dir / "processed"

    @property
    def rejected_path(self) -> Path:
        return self.rejected_dir or self.ingest_dir / "rejected"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def lib_dir(self) -> Path:
        return self.home / "lib"

    @property
    def ner_model_folder(self) -> Path:
        return self.ner_model_dir or self.lib_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def settings_markdown_table() -> str:
    """The configuration table of the README, generated from :class:`Settings`."""
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "(unset)" if default is None else f"`{default}`"
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)
