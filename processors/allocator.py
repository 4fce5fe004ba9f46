"""Fewer glibc malloc arenas for the worker and its NER child, and their free pages given back.

glibc gives a thread that allocates its own arena, up to eight per core, and
memory freed in one arena is not reused for another's requests: a process
whose threads come and go (RocksDB's, the event loop's executor) holds more
and more pages in fragments. ``NEWSFLOW_WORKER_MALLOC_ARENAS`` caps the count
(``MALLOC_ARENA_MAX``). The hour's soak with two arenas: the worker's main
process grew 44.5 MB/h, 22 of them RocksDB's caches filling within their
budget (docs/benchmarks.md, "Session 23"); the hour before with glibc's
default, 69.0 MB/h. The runs differ in more than this (the feed's rate, the
story stage's postings), so this share is not separated.

glibc returns freed memory to the system only from the top of a heap: pages
freed in the middle stay resident until ``malloc_trim`` releases them. The
worker calls :func:`release_free_memory` every :data:`TRIM_INTERVAL_S` and
the NER child after each batch (docs/benchmarks.md, "Session 25").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from functools import cache

log = logging.getLogger("newsflow.processors.allocator")

M_ARENA_MAX = -8  # glibc's malloc.h
# How often the worker gives its free pages back (a call took well under a millisecond in the NER child).
TRIM_INTERVAL_S = 30.0


@cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (the only one with ``mallopt`` and ``malloc_trim`` as used here)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name)
    if not hasattr(libc, "gnu_get_libc_version"):
        return None
    return libc


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap this process's malloc arenas at ``arenas`` from now on, and its children's (through the environment
    they inherit); 0 leaves glibc's default. False where the C library is not glibc (nothing changed)."""
    if arenas <= 0:
        return False
    libc = _glibc()
    if libc is None:
        log.info("the C library is not glibc: malloc arenas not limited")
        return False
    if libc.mallopt(M_ARENA_MAX, arenas) != 1:  # mallopt returns 1 on success
        log.warning("mallopt refused the arena limit", extra={"arenas": arenas})
        return False
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)  # read by glibc when a child process starts
    return True


def release_free_memory() -> bool:
    """Give the pages malloc holds free back to the system (glibc's ``malloc_trim(0)``); False where the C
    library is not glibc or nothing could be released."""
    libc = _glibc()
    return libc is not None and libc.malloc_trim(0) == 1  # 1: memory was released
