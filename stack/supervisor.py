"""Keeping the foreground stack running: a process that exits is started again, within a budget.

``make up`` (``newsflow up`` in the foreground) watches its processes. One that
exits (a crash, the OOM killer, a worker's stall watchdog) is restarted, with
the tail of its log in the stack's own log. A process that keeps exiting
(more than ``max_restarts`` times within ``window_s``) is crash-looping: the
stack stops and says which one, rather than restarting it for ever.
Detached stacks (``make up-detached``) are not watched; docker-compose's
``restart: unless-stopped`` plays this role in Docker deployments.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from newsflow.stack.errors import StackError
from newsflow.stack.process import ProcessTable, tail
from newsflow.stack.services import Service

log = logging.getLogger("newsflow.stack")


class CrashLoopError(StackError):
    """A process exited more often than the restart budget allows."""


@dataclass
class RestartBudget:
    """At most ``max_restarts`` restarts of one process within any ``window_s`` seconds."""

    max_restarts: int = 5
    window_s: float = 600.0
    _restarts: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, name: str, now: float) -> bool:
        """Whether ``name`` may be restarted at ``now`` (and, if so, count this restart)."""
        recent = self._restarts.setdefault(name, deque())
        while recent and now - recent[0] > self.window_s:
            recent.popleft()
        if len(recent) >= self.max_restarts:
            return False
        recent.append(now)
        return True


class Supervisor:
    """Restarts the exited processes among ``services`` through ``start`` (which waits until healthy)."""

    def __init__(
        self,
        processes: ProcessTable,
        services: list[Service],
        start: Callable[[Service], None],
        budget: RestartBudget | None = None,
    ) -> None:
        self.processes = processes
        self.services = services
        self.start = start
        self.budget = budget or RestartBudget()

    def check(self) -> list[str]:
        """Restart every exited process; return their names. CrashLoopError when one exceeds the budget."""
        restarted = []
        for service in self.services:
            if self.processes.get(service.name) is not None:
                continue
            if not self.budget.allow(service.name, time.monotonic()):
                raise CrashLoopError(
                    f"{service.name} exited {self.budget.max_restarts + 1} times within "
                    f"{self.budget.window_s:.0f}s; stopping the stack. Its last lines:\n{tail(service.diagnostic_log)}",
                    service.diagnostic_log,
                )
            log.error(
                "process exited; restarting it",
                extra={
                    "component": service.name,
                    "log": str(service.diagnostic_log),
                    "last_lines": tail(service.log_file, 3),
                },
            )
            self.start(service)
            restarted.append(service.name)
        return restarted
