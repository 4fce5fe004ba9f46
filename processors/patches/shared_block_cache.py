"""One RocksDB block cache for all of a worker's table databases.

Faust's RocksDB store opens one database per table partition and gives each a
block cache of its own (``RocksDBOptions.as_options`` makes a new
``rocksdict.Cache`` for every database it opens); Faust has no option to share
one. A worker opens 27 databases, and their caches filled for hours: each
database's cache only fills with the blocks read from it, and the large tables
read keys spread over the whole table (docs/benchmarks.md, "Session 25": 20 MB
at minute 10, 29 MB at minute 60 of a 36 MB ceiling). With one cache, as
RocksDB's tuning guide advises for a process with several databases, the
ceiling is one number the worker reaches within minutes, and the blocks read
most, from whichever table, are the ones kept.

No upstream issue: Faust simply has no such option. Overrides Faust's
``RocksDBOptions.as_options`` (to set the cache) and the private
``Collection._new_store_by_url`` (to give a table's store those options).
Verified with the versions in patches/versions.py; the test that fails without
it is ``tests/unit/test_table_memory.py::test_every_database_reads_through_the_one_shared_block_cache``.
"""

from __future__ import annotations

from typing import Any

import faust
import rocksdict
from faust.stores import rocksdb as faust_rocksdb
from faust.types import StoreT


class SharedCacheOptions(faust_rocksdb.RocksDBOptions):
    """Faust's options for a RocksDB database, with ``cache`` as its block cache instead of a cache of its own."""

    def __init__(self, cache: rocksdict.Cache, **options: Any) -> None:
        super().__init__(**options)
        self.cache = cache

    def as_options(self) -> Any:
        """Faust's options, their block-based table settings made again with the shared cache.

        Faust's own settings (bloom filter, binary-search index) are repeated here: rocksdict cannot change the
        table factory of options once built, only replace it.
        """
        options = super().as_options()  # its new cache is allocated lazily and dropped here: it never holds a block
        table = rocksdict.BlockBasedOptions()
        table.set_bloom_filter(self.bloom_filter_size, block_based=True)
        table.set_block_cache(self.cache)
        table.set_index_type(rocksdict.BlockBasedIndexType.binary_search())
        options.set_block_based_table_factory(table)
        return options


class SharedCacheTable(faust.Table[Any, Any]):
    """A Faust table whose RocksDB databases use their app's ``block_cache`` (when it has one)."""

    def _new_store_by_url(self, url: Any) -> StoreT[Any, Any]:
        store = super()._new_store_by_url(url)
        cache = getattr(self.app, "block_cache", None)
        if cache is not None and isinstance(store, faust_rocksdb.Store) and store.use_rocksdict:
            # Built from the table's options as Faust's Store builds its own.
            store.rocksdb_options = SharedCacheOptions(cache, **(store.options or {}), use_rocksdict=True)
        return store
