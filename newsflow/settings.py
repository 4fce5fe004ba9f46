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
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "NEWSFLOW_"


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
        1.0, ge=0, description="A file is complete once its size and mtime stayed unchanged this long."
    )

    # --- Kafka ---------------------------------------------------------------
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers (comma-separated host:port)."
    )
    kafka_controller_port: int = Field(9093, description="Local stack only: KRaft controller port.")
    topic_prefix: str = Field("newsflow", description="Prefix of every topic name.")
    topic_partitions: int = Field(4, ge=1, description="Partitions of the pipeline topics.")
    topic_replication_factor: int = Field(1, ge=1, description="Replication factor of the topics.")

    # --- processing ----------------------------------------------------------
    near_duplicate_threshold: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Estimated Jaccard similarity of 5-word shingles from which two bodies are near-duplicates.",
    )
    batch_size: int = Field(64, ge=1, description="Articles per NER batch and per Elasticsearch bulk request.")

    # --- Elasticsearch -------------------------------------------------------
    elasticsearch_url: str = Field("http://127.0.0.1:9200", description="Elasticsearch HTTP endpoint.")
    index_alias: str = Field("newsflow-articles", description="Alias searched by the API; indices are <alias>-v<N>.")
    kibana_url: str = Field(
        "http://127.0.0.1:5601", description="Kibana that `newsflow kibana-setup` imports the saved objects into."
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

    # --- local stack JVMs ----------------------------------------------------
    java_home: Path | None = Field(None, description="JDK to run Kafka and Elasticsearch (default: java on PATH).")
    kafka_heap: str = Field("512m", description="Local stack only: Kafka JVM heap (-Xmx).")
    elasticsearch_heap: str = Field("1g", description="Local stack only: Elasticsearch JVM heap (-Xmx).")
    startup_timeout_s: float = Field(120.0, gt=0, description="How long `up` waits for each service to be healthy.")
    workers: int = Field(1, ge=1, description="Faust worker processes started by `up`.")

    # --- logging -------------------------------------------------------------
    log_format: Literal["text", "json"] = Field("text", description="`text` for people, `json` for production.")
    log_level: str = Field("INFO", description="Python log level.")

    @field_validator("admin_key", mode="before")
    @classmethod
    def _empty_key_is_no_key(cls, value: object) -> object:
        # Compose passes an unset variable as "": that must disable admin actions, not allow an empty key.
        return None if value == "" else value

    @property
    def kafka_address(self) -> tuple[str, int]:
        """Host and port of the first bootstrap server (the local stack binds there)."""
        first = self.kafka_bootstrap_servers.split(",")[0].strip()
        host, _, port = first.rpartition(":")
        return host or "127.0.0.1", int(port)

    @property
    def elasticsearch_address(self) -> tuple[str, int]:
        """Host and port of the Elasticsearch URL (the local stack binds there)."""
        parts = urlsplit(self.elasticsearch_url)
        return parts.hostname or "127.0.0.1", parts.port or 9200

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
