"""When the index stage makes what it wrote searchable at once, and when it leaves that to Elasticsearch.

An idle or lightly loaded pipeline writes small batches: each should be searchable at its write, not at the
index's next scheduled refresh (up to 1 s later). A refresh costs Elasticsearch a new segment, so forced
refreshes are paced: at most one per interval. A small write that comes too soon after the previous refresh
gets a refresh of its own as soon as the interval has passed, rather than waiting for the scheduled one.
Large batches (a loaded pipeline) are left to the scheduled refresh.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class RefreshPacer:
    """Decides, for each bulk write of the index stage, whether it refreshes, and runs the deferred refreshes."""

    def __init__(self, refresh: Callable[[], None], *, below_records: int, interval_s: float) -> None:
        self._refresh = refresh
        self._below = below_records
        self._interval = interval_s
        self._last = -math.inf
        self._deferred: asyncio.Task[None] | None = None

    def with_write(self, records: int) -> bool:
        """Whether a bulk write of ``records`` records should refresh with its request (and count as a refresh)."""
        if records >= self._below:
            return False
        now = time.monotonic()
        if now - self._last < self._interval:
            return False
        self._last = now
        return True

    def after_write(self, records: int, refreshed: bool) -> None:
        """After a write that did not refresh: a small one gets a refresh once the interval since the last has passed.

        A deferred refresh not yet started also covers this write (it starts after the write returned).
        """
        if refreshed or records >= self._below or self._deferred is not None:
            return
        self._deferred = asyncio.ensure_future(self._refresh_later())

    async def _refresh_later(self) -> None:
        await asyncio.sleep(max(0.0, self._last + self._interval - time.monotonic()))
        self._deferred = None  # a write that returns from now on needs another refresh
        self._last = time.monotonic()
        try:
            await asyncio.to_thread(self._refresh)
        except Exception:
            # Not lost: the index's scheduled refresh makes the documents searchable a moment later.
            log.warning("a deferred index refresh failed; the scheduled refresh will follow", exc_info=True)
