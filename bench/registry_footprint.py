"""How big the entity registry grew: its two tables, read back from their changelog topics, and the worker's memory.

The tables live in RocksDB inside the worker's table budget; their changelogs
hold every value they took. The latest value per key is what a restarted worker
restores, so distinct keys and the bytes of their latest values are the
registry's size (the names' table read as its change records say:
processors/logged_table.py); the worker's resident memory is what it costs in RAM.
"""

from __future__ import annotations

import json

from bench.sustained import ProcessSampler
from bench.topic_records import topic_records
from newsflow.infra.settings import Settings
from newsflow.processors.logged_table import LogLayout, logged_values
from newsflow.processors.stages.registry import REGISTRY_LAYOUT
from newsflow.schemas.topics import ENTITY_REGISTRY_TABLE, ENTITY_RESOLUTIONS_TABLE, changelog_topic


def latest_values(settings: Settings, topic: str) -> dict[bytes, int]:
    """Each key of ``topic`` with the size of its latest value (a tombstone removes the key)."""
    sizes: dict[bytes, int] = {}
    for record in topic_records(settings, topic):
        if record.value is None:
            sizes.pop(record.key, None)
        else:
            sizes[record.key] = len(record.value)
    return sizes


def logged_table_sizes(settings: Settings, table: str, layout: LogLayout) -> dict[str, int]:
    """Each key of a table written through a ``LoggedTable`` with the size of its value, change records not
    folded yet included (the log's own records are not keys)."""
    topic = changelog_topic(settings.topic_prefix, table)
    records = (
        (json.loads(record.key), None if record.value is None else json.loads(record.value))
        for record in topic_records(settings, topic)
    )
    # Compact, as the worker's codec writes them.
    return {key: len(json.dumps(value, separators=(",", ":"))) for key, value in logged_values(records, layout).items()}


def registry_footprint(settings: Settings, worker_pid: int) -> dict[str, float | int | None]:
    """Names and articles the registry holds, the bytes of their latest values, and the worker's RSS."""
    names = logged_table_sizes(settings, ENTITY_REGISTRY_TABLE, REGISTRY_LAYOUT)
    articles = latest_values(settings, changelog_topic(settings.topic_prefix, ENTITY_RESOLUTIONS_TABLE))
    return {
        "names": len(names),
        "name_kb": round(sum(names.values()) / 1024, 1),
        "articles": len(articles),
        "article_kb": round(sum(articles.values()) / 1024, 1),
        "worker_rss_mb": ProcessSampler.rss_mb(worker_pid),
    }


def summary_line(footprint: dict[str, float | int | None]) -> str:
    """One line for the bench's table."""
    return (
        f"{'entity registry after the corpus':42} {footprint['names']} names ({footprint['name_kb']} kB), "
        f"{footprint['articles']} articles ({footprint['article_kb']} kB); worker RSS {footprint['worker_rss_mb']} MB"
    )
