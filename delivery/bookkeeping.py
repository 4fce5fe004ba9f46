"""The deliverer's pure logic: the back-off schedule and which Kafka offsets may be committed.

Alerts of different saved searches finish out of order (a slow webhook holds
its own alerts only), but a Kafka offset commit says "everything before this
is done". :class:`OffsetBook` therefore commits, per partition, only up to the
lowest alert still in flight: a crash redelivers the unfinished alerts and
perhaps some finished ones after them, which the delivery log recognises.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Hashable, Iterable


def backoff_delay(failed_attempts: int, maximum_s: float, initial_s: float = 1.0) -> float:
    """Seconds to wait after failed attempt ``failed_attempts``: ``initial_s`` doubling, at most ``maximum_s``."""
    if failed_attempts < 1:
        raise ValueError("back-off follows a failed attempt: failed_attempts starts at 1")
    # Capped before the power grows huge (a long retry series must not overflow a float).
    exponent = min(failed_attempts - 1, 64)
    return min(initial_s * 2.0**exponent, maximum_s)


def backoff_schedule(attempts: int, maximum_s: float, initial_s: float = 1.0) -> list[float]:
    """The waits between ``attempts`` attempts of one delivery (one fewer than the attempts)."""
    return [backoff_delay(n, maximum_s, initial_s) for n in range(1, attempts)]


class OffsetBook:
    """Per partition: the offsets handed out and not yet finished, and the next offset safe to commit.

    Thread-safe: the Kafka consumer's thread adds and commits, the delivery
    tasks finish. The same offset may be added twice (a partition revoked and
    assigned again while its alert was in flight); it is pending until finished as often.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[Hashable, Counter[int]] = {}
        self._next: dict[Hashable, int] = {}
        self._committed: dict[Hashable, int] = {}

    def add(self, partition: Hashable, offset: int) -> None:
        """An alert at ``offset`` was received and its delivery begins."""
        with self._lock:
            self._pending.setdefault(partition, Counter())[offset] += 1
            self._next[partition] = max(self._next.get(partition, 0), offset + 1)

    def finish(self, partition: Hashable, offset: int) -> None:
        """The alert at ``offset`` is done (delivered, given up, skipped); unknown offsets are ignored."""
        with self._lock:
            pending = self._pending.get(partition)
            if pending is None or pending[offset] <= 0:
                return  # its partition was revoked meanwhile: the new owner delivers or skips it
            pending[offset] -= 1
            if pending[offset] == 0:
                del pending[offset]

    def committable(self) -> dict[Hashable, int]:
        """The offset to commit per partition where it moved since the last :meth:`committed`.

        The lowest pending offset (that alert is redelivered after a crash), or
        one past the highest received when nothing is pending.
        """
        with self._lock:
            result = {}
            for partition, next_offset in self._next.items():
                pending = self._pending.get(partition)
                offset = min(pending) if pending else next_offset
                if offset > self._committed.get(partition, -1):
                    result[partition] = offset
            return result

    def resume_offset(self, partition: Hashable) -> int | None:
        """Where reading ``partition`` again loses nothing: its lowest unfinished alert, else past the last
        one received; None when nothing was received from it."""
        with self._lock:
            pending = self._pending.get(partition)
            if pending:
                return min(pending)
            return self._next.get(partition)

    def committed(self, offsets: dict[Hashable, int]) -> None:
        """Kafka accepted ``offsets``."""
        with self._lock:
            for partition, offset in offsets.items():
                self._committed[partition] = max(offset, self._committed.get(partition, -1))

    def forget(self, partitions: Iterable[Hashable]) -> None:
        """Partitions revoked: their alerts in flight no longer count (the next owner starts at the last commit)."""
        with self._lock:
            for partition in partitions:
                self._pending.pop(partition, None)
                self._next.pop(partition, None)
                self._committed.pop(partition, None)

    @property
    def in_flight(self) -> int:
        """Alerts received and not finished, over every partition."""
        with self._lock:
            return sum(sum(pending.values()) for pending in self._pending.values())
