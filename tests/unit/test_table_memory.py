"""The RocksDB memory budget of the worker's tables (processors/table_memory.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import faust
import pytest
import rocksdict

from newsflow.processors.patches import PatchedApp, SharedCacheTable
from newsflow.processors.patches.table_stores import MEMORY_PROPERTIES, SHARED, rocksdb_memory
from newsflow.processors.table_memory import MB, block_cache_bytes, rocksdb_options


def test_the_budget_is_one_shared_block_cache_and_write_buffers_split_over_every_table_partition() -> None:
    options = rocksdb_options(256, tables=2, partitions=4)
    # The block cache, which only grows until it is full, gets a sixteenth; the write buffers share the rest.
    assert block_cache_bytes(256) == 16 * MB
    assert options["write_buffer_size"] * options["max_write_buffer_number"] * 2 * 4 == 240 * MB
    assert options == {"write_buffer_size": 15 * MB, "max_write_buffer_number": 2, "block_cache_size": MB}


def test_a_tiny_budget_keeps_workable_sizes() -> None:
    options = rocksdb_options(16, tables=2, partitions=64)
    assert options["write_buffer_size"] == MB
    assert block_cache_bytes(16) == MB


def test_no_tables_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one table"):
        rocksdb_options(256, tables=0, partitions=4)


def test_each_table_reports_its_rocksdb_memory_by_part(tmp_path: Path) -> None:
    app = faust.App("memory-test", broker="kafka://127.0.0.1:1", store="rocksdb://", datadir=str(tmp_path))
    written = app.Table("written", default=str, partitions=2, options=rocksdb_options(8, tables=2, partitions=2))
    app.Table("empty", default=str, partitions=2)
    store = cast(Any, written.data)  # faust's rocksdb Store; typed as a mapping
    database = store._db_for_partition(1)  # opened as Faust opens a partition it is assigned
    for n in range(2000):
        database[f"key-{n}".encode()] = b"x" * 200

    memory = rocksdb_memory(app.tables.values())

    assert set(memory) == {(table, part) for table in ("written", "empty") for part in MEMORY_PROPERTIES}
    assert memory[("written", "memtables")] > 2000 * 200  # the writes sit in the write buffer until a flush
    assert memory[("empty", "memtables")] == 0  # no database opened: nothing held


def written_and_read(table: Any, partition: int, rows: int) -> Any:
    """The database of ``table``'s ``partition`` (opened as Faust opens one), ``rows`` written to its files and
    read back: the blocks read are in its block cache."""
    database = cast(Any, table.data)._db_for_partition(partition)
    for n in range(rows):
        database[f"key-{n}".encode()] = b"x" * 200
    database.flush()
    assert all(database[f"key-{n}".encode()] == b"x" * 200 for n in range(rows))
    return database


def test_every_database_reads_through_the_one_shared_block_cache(tmp_path: Path) -> None:
    app = PatchedApp(
        "cache-test", broker="kafka://127.0.0.1:1", store="rocksdb://", Table=SharedCacheTable, datadir=str(tmp_path)
    )
    cache = rocksdict.Cache(4 * MB)
    app.block_cache = cache  # as create_app sets it on the worker's PatchedApp
    options = rocksdb_options(8, tables=2, partitions=2)
    first = app.Table("first", default=str, partitions=2, options=options)
    second = app.Table("second", default=str, partitions=2, options=dict(options))
    databases = [written_and_read(first, 0, 500), written_and_read(first, 1, 500), written_and_read(second, 0, 500)]

    # Each database reports the one cache: its capacity (not the 1 MB of a cache of its own) and all its blocks.
    assert {db.property_int_value("rocksdb.block-cache-capacity") for db in databases} == {4 * MB}
    assert {db.property_int_value("rocksdb.block-cache-usage") for db in databases} == {cache.get_usage()}
    assert cache.get_usage() > 3 * 500 * 200 // 2  # the blocks of all three databases
    memory = rocksdb_memory(app.tables.values(), cache)
    assert memory[(SHARED, "block_cache")] == cache.get_usage()  # counted once, not once a database
    assert not {part for table, part in memory if table != SHARED} & {"block_cache"}
