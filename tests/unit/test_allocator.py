"""The worker's malloc arena cap (threads that allocate share the capped arenas, children inherit it) and the
release of its free pages."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import faust
import pytest

from newsflow.processors import worker
from newsflow.processors.allocator import limit_malloc_arenas

# Eight threads each allocate once through ctypes (which lets go of the GIL), then glibc prints its arenas.
_THREADS_ALLOCATE = textwrap.dedent(
    """
    import ctypes, ctypes.util, sys, threading
    from newsflow.processors.allocator import limit_malloc_arenas
    limited = limit_malloc_arenas(int(sys.argv[1]))
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    barrier = threading.Barrier(8)
    def allocate():
        barrier.wait()
        libc.malloc(1000)
        barrier.wait()  # every thread alive at once: none can hand its arena on
    threads = [threading.Thread(target=allocate) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    libc.malloc_stats()
    """
)


def _arenas(limit: int) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    result = subprocess.run(
        [sys.executable, "-c", _THREADS_ALLOCATE, str(limit)], env=env, capture_output=True, text=True, check=True
    )
    return sum(1 for line in result.stderr.splitlines() if line.startswith("Arena "))


def test_threads_share_the_capped_arenas_and_glibcs_default_gives_them_more() -> None:
    assert _arenas(2) == 2
    assert _arenas(0) > 2  # glibc's default: the cap is what keeps it at two


def test_no_cap_asked_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas(0) is False
    assert "MALLOC_ARENA_MAX" not in os.environ


# Small blocks through malloc, most of them freed again: the free pages are in the middle of the heap.
_FRAGMENTED_HEAP = textwrap.dedent(
    """
    import ctypes, ctypes.util, os, sys
    from newsflow.processors.allocator import release_free_memory
    from newsflow.processors.process_memory import rss_bytes
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(4096) for _ in range(20_000)]
    for block in blocks:
        ctypes.memset(block, 1, 4096)  # touched: resident
    for n, block in enumerate(blocks):
        if n % 20:
            libc.free(block)  # every twentieth kept: glibc cannot give the pages back from the heap's top
    before = rss_bytes(os.getpid())
    released = release_free_memory()
    print(released, before, rss_bytes(os.getpid()))
    """
)


def test_free_pages_in_the_middle_of_the_heap_go_back_to_the_system() -> None:
    result = subprocess.run([sys.executable, "-c", _FRAGMENTED_HEAP], capture_output=True, text=True, check=True)
    released, before, after = result.stdout.split()
    assert released == "True"
    assert int(before) - int(after) > 40 * 1024 * 1024  # of the 76 MB freed


def test_the_worker_releases_free_memory_on_a_timer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[str] = []

    def release() -> bool:
        calls.append("released")
        return True

    monkeypatch.setattr(worker, "release_free_memory", release)
    app = faust.App("release-test", broker="kafka://127.0.0.1:1", datadir=str(tmp_path))
    release_memory = worker._add_memory_release(app)
    asyncio.run(release_memory())
    assert calls == ["released"]
