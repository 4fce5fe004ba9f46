"""Fewer glibc malloc arenas for the worker and its NER child.

glibc gives a thread that allocates its own arena, up to eight per core, and
memory freed in one arena is not reused for another's requests: a process
whose threads come and go (RocksDB's, the event loop's executor) holds more
and more pages in fragments. ``NEWSFLOW_WORKER_MALLOC_ARENAS`` caps the count
(``MALLOC_ARENA_MAX``). The hour's soak with two arenas: the worker's main
process grew 44.5 MB/h, 22 of them RocksDB's caches filling within their
budget (docs/benchmarks.md, "Session 23"); the hour before with glibc's
default, 69.0 MB/h. The runs differ in more than this (the feed's rate, the
story stage's postings), so this share is not separated.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger("newsflow.processors.allocator")

M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap this process's malloc arenas at ``arenas`` from now on, and its children's (through the environment
    they inherit); 0 leaves glibc's default. False where the C library is not glibc (nothing changed)."""
    if arenas <= 0:
        return False
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        log.info("no C library found: malloc arenas not limited")
        return False
    libc = ctypes.CDLL(libc_name)
    if not hasattr(libc, "mallopt") or not hasattr(libc, "gnu_get_libc_version"):
        log.info("the C library is not glibc: malloc arenas not limited", extra={"library": libc_name})
        return False
    if libc.mallopt(M_ARENA_MAX, arenas) != 1:  # mallopt returns 1 on success
        log.warning("mallopt refused the arena limit", extra={"arenas": arenas})
        return False
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)  # read by glibc when a child process starts
    return True
