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

import rocksdict

# RocksDB's memory properties (include/rocksdb/db.h): what each part of a database holds now.
MEMORY_PROPERTIES: dict[str, str] = {
    "memtables": "rocksdb.cur-size-all-mem-tables",  # write buffers, active and waiting to be flushed
    "table_readers": "rocksdb.estimate-table-readers-mem",  # index and filter blocks, outside the block cache
    "block_cache": "rocksdb.block-cache-usage",  # data blocks read (the cache's, shared or the database's own)
}
# The ``table`` the shared block cache is reported under: it is no one table's.
SHARED = "shared"


def _databases(table: Any) -> list[Any]:
    """The open RocksDB databases of one Faust table (none for a table not stored in RocksDB)."""
    databases = getattr(table.data, "_dbs", None)
    return list(databases.values()) if isinstance(databases, dict) else []


def rocksdb_memory(tables: Iterable[Any], shared_cache: rocksdict.Cache | None = None) -> dict[tuple[str, str], int]:
    """Bytes of each table's databases by part (:data:`MEMORY_PROPERTIES`): ``{(table name, part): bytes}``.

    ``tables`` are Faust tables (``app.tables.values()``); a property RocksDB cannot give counts 0. With a
    ``shared_cache`` (a ``rocksdict.Cache`` every database reads through: patches/shared_block_cache.py) the
    block cache is counted once, as ``(SHARED, "block_cache")``: each database would report the whole cache.
    """
    parts = {part: prop for part, prop in MEMORY_PROPERTIES.items() if shared_cache is None or part != "block_cache"}
    memory: dict[tuple[str, str], int] = {}
    for table in tables:
        for part, prop in parts.items():
            total = 0
            for database in _databases(table):
                total += database.property_int_value(prop) or 0
            memory[(table.name, part)] = total
    if shared_cache is not None:
        memory[(SHARED, "block_cache")] = shared_cache.get_usage()
    return memory
