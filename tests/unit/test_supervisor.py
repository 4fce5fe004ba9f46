"""The foreground stack's supervisor, with real short-lived processes (no Kafka or Elasticsearch needed)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from newsflow.infra.health import Health
from newsflow.infra.settings import Settings
from newsflow.stack.process import ProcessTable
from newsflow.stack.services import Service
from newsflow.stack.supervisor import CrashLoopError, RestartBudget, Supervisor


class ScriptService(Service):
    """A Python one-liner as a stack process."""

    def __init__(self, settings: Settings, name: str, script: str) -> None:
        super().__init__(settings)
        self.name = name
        self.script = script

    def argv(self) -> list[str]:
        return [sys.executable, "-c", self.script]

    def health(self) -> Health:
        return Health(True, "a script")


@pytest.fixture
def process_table(tmp_path: Path) -> ProcessTable:
    return ProcessTable(tmp_path / "run")


@pytest.fixture
def scratch_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path)


def _starter(processes: ProcessTable) -> Callable[[Service], None]:
    def start(service: Service) -> None:
        processes.start(service.name, service.argv(), service.log_file)

    return start


def _pid(processes: ProcessTable, name: str) -> int:
    record = processes.get(name)
    assert record is not None, f"{name} is not running"
    return record.pid


def _wait_exit(processes: ProcessTable, name: str) -> None:
    deadline = time.monotonic() + 10
    while processes.get(name) is not None:
        assert time.monotonic() < deadline, f"{name} did not exit"
        time.sleep(0.05)


def test_an_exited_process_is_started_again_and_a_running_one_left_alone(
    process_table: ProcessTable, scratch_settings: Settings
) -> None:
    crashing = ScriptService(scratch_settings, "worker-0", "import sys; print('boom'); sys.exit(3)")
    steady = ScriptService(scratch_settings, "api", "import time; time.sleep(30)")
    start = _starter(process_table)
    for service in (crashing, steady):
        start(service)
    steady_pid = _pid(process_table, "api")
    supervisor = Supervisor(process_table, [crashing, steady], start)
    try:
        _wait_exit(process_table, "worker-0")
        assert supervisor.check() == ["worker-0"]
        assert crashing.log_file.read_text().count("starting worker-0") == 2
        assert _pid(process_table, "api") == steady_pid
    finally:
        process_table.stop_together(["worker-0", "api"], timeout_s=5)


def test_a_crash_loop_stops_with_the_process_name_and_its_last_lines(
    process_table: ProcessTable, scratch_settings: Settings
) -> None:
    crashing = ScriptService(scratch_settings, "producer", "import sys; print('cannot read settings'); sys.exit(2)")
    start = _starter(process_table)
    supervisor = Supervisor(process_table, [crashing], start, RestartBudget(max_restarts=2, window_s=600))
    start(crashing)
    for _ in range(2):
        _wait_exit(process_table, "producer")
        assert supervisor.check() == ["producer"]
    _wait_exit(process_table, "producer")
    with pytest.raises(CrashLoopError, match=r"producer exited 3 times within 600s(.|\n)*cannot read settings"):
        supervisor.check()


def test_the_budget_counts_restarts_within_the_window_only() -> None:
    budget = RestartBudget(max_restarts=2, window_s=60)
    assert budget.allow("worker-0", 0.0)
    assert budget.allow("worker-0", 10.0)
    assert not budget.allow("worker-0", 20.0)
    assert budget.allow("api", 20.0), "each process has its own budget"
    assert budget.allow("worker-0", 61.0), "the first restart has left the window"
