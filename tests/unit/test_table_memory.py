"""The RocksDB memory budget of the worker's tables (processors/table_memory.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import faust
import pytest

from newsflow.processors.patches.table_stores import MEMORY_PROPERTIES, rocksdb_memory
from newsflow.processors.table_memory import MB, rocksdb_options


def test_the_budget_is_split_over_every_table_partition() -> None:
    options = rocksdb_options(256, tables=2, partitions=4)
    per_database = options["write_buffer_size"] * options["max_write_buffer_number"] + options["block_cache_size"]
    assert per_database == 32 * MB
    # The block cache, which only grows until it is full, gets a quarter; the write buffers the rest.
    assert options == {"write_buffer_size": 12 * MB, "max_write_buffer_number": 2, "block_cache_size": 8 * MB}


def test_a_tiny_budget_keeps_workable_sizes() -> None:
    options = rocksdb_options(16, tables=2, partitions=64)
    assert options["write_buffer_size"] == MB
    assert options["block_cache_size"] == MB


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
