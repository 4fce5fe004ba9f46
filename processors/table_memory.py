"""How much memory the worker's RocksDB tables may hold: one budget, one block cache, write buffers split.

Faust opens one RocksDB database per table partition and gives each, by
default, three 64 MB write buffers and a 2 GiB block cache. With the
pipeline's tables over their partitions that is a ceiling of many gigabytes.
Under steady load a worker's memory rose by about 40 MB a minute as the
buffers filled and the caches took in what was read (docs/benchmarks.md, run
E). Here one budget, ``NEWSFLOW_WORKER_TABLE_MEMORY_MB``, bounds them: a
sixteenth is one block cache that every database shares
(patches/shared_block_cache.py), the rest is split evenly into each
database's two write buffers.

The block cache is the small share because it is the part that only grows:
write buffers fill and are flushed, while a cache takes in what is read until
it is full, and the large tables (LSH buckets and signatures, first sources)
read keys spread over the whole table. With a cache per database, a quarter
of the budget between them, the caches were still filling at the end of the
hour (20 MB at minute 10, 29 MB at minute 60: docs/benchmarks.md, "Session
25"); the shared cache is full within minutes, and the operating system's
page cache holds the table files anyway.
"""

from __future__ import annotations

from typing import Any

MB = 1024 * 1024
WRITE_BUFFERS = 2
BLOCK_CACHE_SHARE = 16  # the shared block cache's part of the budget: a sixteenth
# RocksDB's smallest sensible sizes; below them it flushes or evicts on nearly every write.
MIN_WRITE_BUFFER = 1 * MB
MIN_BLOCK_CACHE = 1 * MB


def block_cache_bytes(budget_mb: int) -> int:
    """The size of the block cache all the tables' databases share within ``budget_mb``."""
    return max(MIN_BLOCK_CACHE, budget_mb * MB // BLOCK_CACHE_SHARE)


def rocksdb_options(budget_mb: int, tables: int, partitions: int) -> dict[str, Any]:
    """Faust ``Table(options=...)`` for one of ``tables`` tables of ``partitions`` partitions within ``budget_mb``.

    The write buffers share what the block cache leaves; ``block_cache_size`` is what a database gets if it is
    opened with a cache of its own (a table outside the worker's app: the worker's share one).
    """
    if tables < 1 or partitions < 1:
        raise ValueError("a worker has at least one table of at least one partition")
    per_database = (budget_mb * MB - block_cache_bytes(budget_mb)) // (tables * partitions)
    return {
        "write_buffer_size": max(MIN_WRITE_BUFFER, per_database // WRITE_BUFFERS),
        "max_write_buffer_number": WRITE_BUFFERS,
        "block_cache_size": MIN_BLOCK_CACHE,
    }
