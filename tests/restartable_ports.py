"""Ports for services a test stops and starts again: free, and outside the kernel's ephemeral range.

While a service is stopped, the kernel may hand its port to any outgoing
connection on the machine as that connection's local port; the service then
cannot bind it again ("Address already in use"; CI of session 17 lost a Kafka
node's restart that way on 39092). Ports outside ``ip_local_port_range`` are
never handed out like that, so a stopped service always gets its port back.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LINUX_DEFAULT_EPHEMERAL_RANGE = (32768, 60999)


def ephemeral_range(source: Path = EPHEMERAL_RANGE_FILE) -> tuple[int, int]:
    """Lowest and highest port the kernel gives outgoing connections (Linux default where unreadable)."""
    try:
        low, high = (int(field) for field in source.read_text().split())
    except (OSError, ValueError):
        return LINUX_DEFAULT_EPHEMERAL_RANGE
    return low, high


def bindable(port: int) -> bool:
    """True when nothing holds 127.0.0.1:``port``, neither a listener nor a connection's local end."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def restartable_block(first: int, offsets: Sequence[int], *, step: int = 10, tries: int = 90) -> int:
    """The first base port from ``first`` (in ``step``s) whose ``base + offset`` ports are all restartable.

    Restartable: bindable now and outside the ephemeral range. Raises
    ``RuntimeError`` naming the range searched when none of ``tries`` bases fits.
    """
    low, high = ephemeral_range()
    for base in range(first, first + step * tries, step):
        ports = [base + offset for offset in offsets]
        if all(0 < port < 65536 and not low <= port <= high and bindable(port) for port in ports):
            return base
    last = first + step * (tries - 1) + max(offsets)
    raise RuntimeError(f"no free block of ports {list(offsets)} apart between {first} and {last} outside {low}-{high}")


def restartable_port(preferred: int) -> int:
    """``preferred`` when it is restartable, else the next one that is (searched upwards in steps of 10)."""
    return restartable_block(preferred, [0])
