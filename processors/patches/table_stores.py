"""What the worker's RocksDB tables hold in memory, read from Faust's table stores.

Faust opens one RocksDB database per table partition and keeps them in its
store's private ``Store._dbs`` (faust/stores/rocksdb.py); it exposes no sizes.
The worker's memory metrics (processors/metrics.py) need them to tell the
tables' share of the worker's RSS from the rest. Reading ``_dbs`` is the only
private access here, and only reads: nothing is changed. Verified with the
versions in patches/versions.py (a worker refuses to start on others).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# RocksDB's memory properties (include/rocksdb/db.h): what each part of a database holds now.
MEMORY_PROPERTIES: dict[str, str] = {
    "memtables": "rocksdb.cur-size-all-mem-tables",  # write buffers, active and waiting to be flushed
    "table_readers": "rocksdb.estimate-table-readers-mem",  # index and filter blocks, outside the block cache
    "block_cache": "rocksdb.block-cache-usage",  # data blocks read (each database has a cache of its own here)
}


def _databases(table: Any) -> list[Any]:
    """The open RocksDB databases of one Faust table (none for a table not stored in RocksDB)."""
    databases = getattr(table.data, "_dbs", None)
    return list(databases.values()) if isinstance(databases, dict) else []


def rocksdb_memory(tables: Iterable[Any]) -> dict[tuple[str, str], int]:
    """Bytes of each table's databases by part (:data:`MEMORY_PROPERTIES`): ``{(table name, part): bytes}``.

    ``tables`` are Faust tables (``app.tables.values()``); a property RocksDB cannot give counts 0.
    """
    memory: dict[tuple[str, str], int] = {}
    for table in tables:
        for part, prop in MEMORY_PROPERTIES.items():
            total = 0
            for database in _databases(table):
                total += database.property_int_value(prop) or 0
            memory[(table.name, part)] = total
    return memory
