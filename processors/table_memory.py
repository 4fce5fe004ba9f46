"""How much memory the worker's RocksDB tables may hold, split over their partitions.

Faust opens one RocksDB database per table partition and gives each, by
default, three 64 MB write buffers and a 2 GiB block cache. With the
pipeline's two tables over four partitions that is a ceiling of several
gigabytes. Under steady load a worker's memory rose by about 40 MB a minute
as the buffers filled and the caches took in what was read
(docs/benchmarks.md, run E). Here one budget,
``NEWSFLOW_WORKER_TABLE_MEMORY_MB``, is split evenly over every database:
three quarters for two write buffers, a quarter for the block cache.

The block cache is the small share because it is the part that only grows:
write buffers fill and are flushed, while each database's cache takes in
what is read until it is full, and the large tables (LSH buckets and
signatures, first sources) read keys spread over the whole table, so their
caches keep filling as the tables grow. With half of the budget the caches
were still filling at the end of session 24's 45-minute soak (37 MB at
minute 10, 52 MB at minute 45, of a 72 MB ceiling: docs/benchmarks.md,
"Session 25"); the operating system's page cache holds the table files
anyway.
"""

from __future__ import annotations

from typing import Any

MB = 1024 * 1024
WRITE_BUFFERS = 2
# Shares of each database's part of the budget (the rest is write buffers).
BLOCK_CACHE_SHARE = 4  # a quarter
# RocksDB's smallest sensible sizes; below them it flushes or evicts on nearly every write.
MIN_WRITE_BUFFER = 1 * MB
MIN_BLOCK_CACHE = 1 * MB


def rocksdb_options(budget_mb: int, tables: int, partitions: int) -> dict[str, Any]:
    """Faust ``Table(options=...)`` for one of ``tables`` tables of ``partitions`` partitions within ``budget_mb``."""
    if tables < 1 or partitions < 1:
        raise ValueError("a worker has at least one table of at least one partition")
    per_database = budget_mb * MB // (tables * partitions)
    block_cache = per_database // BLOCK_CACHE_SHARE
    return {
        "write_buffer_size": max(MIN_WRITE_BUFFER, (per_database - block_cache) // WRITE_BUFFERS),
        "max_write_buffer_number": WRITE_BUFFERS,
        "block_cache_size": max(MIN_BLOCK_CACHE, block_cache),
    }
