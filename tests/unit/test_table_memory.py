"""The RocksDB memory budget of the worker's tables (processors/table_memory.py)."""

from __future__ import annotations

import pytest

from newsflow.processors.table_memory import MB, rocksdb_options


def test_the_budget_is_split_over_every_table_partition() -> None:
    options = rocksdb_options(256, tables=2, partitions=4)
    per_database = options["write_buffer_size"] * options["max_write_buffer_number"] + options["block_cache_size"]
    assert per_database == 32 * MB
    assert options == {"write_buffer_size": 8 * MB, "max_write_buffer_number": 2, "block_cache_size": 16 * MB}


def test_a_tiny_budget_keeps_workable_sizes() -> None:
    options = rocksdb_options(16, tables=2, partitions=64)
    assert options["write_buffer_size"] == MB
    assert options["block_cache_size"] == MB


def test_no_tables_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one table"):
        rocksdb_options(256, tables=0, partitions=4)
