"""The worker's malloc arena cap: threads that allocate share the capped arenas, and children inherit it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

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
