"""Ports for restarted services: outside the kernel's ephemeral range, and free."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.restartable_ports import (
    LINUX_DEFAULT_EPHEMERAL_RANGE,
    bindable,
    ephemeral_range,
    restartable_block,
    restartable_port,
)


def test_the_ephemeral_range_is_read_from_the_kernel_file(tmp_path: Path) -> None:
    source = tmp_path / "ip_local_port_range"
    source.write_text("20000\t40000\n")
    assert ephemeral_range(source) == (20000, 40000)
    assert ephemeral_range(tmp_path / "missing") == LINUX_DEFAULT_EPHEMERAL_RANGE


def test_a_block_never_reaches_into_the_ephemeral_range() -> None:
    low, high = ephemeral_range()
    base = restartable_block(low - 5, [0, 1, 2])
    assert all(not low <= port <= high for port in (base, base + 1, base + 2))
    assert base < low - 2 or base > high


def test_a_held_port_is_skipped() -> None:
    held = restartable_port(24500)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", held))
        assert not bindable(held)
        assert restartable_port(held) == held + 10
    assert bindable(held)
