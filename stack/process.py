"""Starting, finding and stopping the stack's processes through pid files.

Each managed process has ``run/<name>.json`` with its pid, command and port.
A pid is only trusted while the live process has the recorded kernel start
time, so a recycled pid never gets a signal meant for one of ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from newsflow.stack.errors import StackError


@dataclass(frozen=True)
class ProcessRecord:
    """What the pid file of a running service says."""

    name: str
    pid: int
    argv: list[str]
    port: int | None
    log_file: str
    started_at: float
    start_ticks: int


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state is [0], start time is [19])."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()


def _start_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def is_alive(record: ProcessRecord) -> bool:
    """True while the recorded process runs (not a zombie) and is the one we started."""
    fields = _stat_fields(record.pid)
    return fields is not None and fields[0] != "Z" and int(fields[19]) == record.start_ticks


def port_in_use(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class ProcessTable:
    """The pid files of one stack home."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def _path(self, name: str) -> Path:
        return self.run_dir / f"{name}.json"

    def get(self, name: str) -> ProcessRecord | None:
        """The record of ``name`` if its process is alive; stale files are removed."""
        path = self._path(name)
        try:
            record = ProcessRecord(**json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError):
            path.unlink(missing_ok=True)
            return None
        if not is_alive(record):
            path.unlink(missing_ok=True)
            return None
        return record

    def records(self) -> list[ProcessRecord]:
        """Every live process of this home, whatever the current settings say should run."""
        names = sorted(path.stem for path in self.run_dir.glob("*.json"))
        return [record for name in names if (record := self.get(name)) is not None]

    def start(
        self,
        name: str,
        argv: list[str],
        log_file: Path,
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        port: int | None = None,
    ) -> ProcessRecord:
        """Start ``argv`` in its own session, output appended to ``log_file``."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as log:
            log.write(f"\n=== newsflow: starting {name} at {time.ctime()} ===\n".encode())
            log.flush()
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, **(env or {})},
                    cwd=cwd,
                    start_new_session=True,  # Ctrl-C in the terminal reaches `up`, which stops us in order
                )
            except OSError as exc:
                raise StackError(f"{name}: cannot run {argv[0]}: {exc}", log_file) from exc
        ticks = _start_ticks(proc.pid)
        if ticks is None:
            raise StackError(f"{name} exited immediately", log_file)
        record = ProcessRecord(name, proc.pid, argv, port, str(log_file), time.time(), ticks)
        self._path(name).write_text(json.dumps(asdict(record)))
        return record

    def stop(self, name: str, timeout_s: float = 30.0) -> bool:
        """SIGTERM the process group, SIGKILL after ``timeout_s``. False if nothing ran."""
        return bool(self.stop_together([name], timeout_s))

    def stop_together(self, names: list[str], timeout_s: float = 30.0) -> list[str]:
        """Like :meth:`stop`, for several processes signalled at once; returns those that ran.

        KRaft nodes need this: stopped one after another, the last one waits
        for a controller quorum that is already gone until it is killed.
        """
        records = [record for name in names if (record := self.get(name)) is not None]
        for record in records:
            _signal_group(record.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and any(is_alive(r) for r in records):
            for record in records:
                _reap(record.pid)
            time.sleep(0.2)
        for record in records:
            if is_alive(record):
                _signal_group(record.pid, signal.SIGKILL)
                while is_alive(record):
                    _reap(record.pid)
                    time.sleep(0.1)
            self._path(record.name).unlink(missing_ok=True)
        return [record.name for record in records]


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


def _reap(pid: int) -> None:
    """Collect our own child's exit status so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def tail(path: Path, lines: int = 8) -> str:
    """The last error lines of a log file (or its last lines if none look like errors)."""
    try:
        all_lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return ""
    errors = [line for line in all_lines if any(mark in line for mark in ("ERROR", "FATAL", "Exception:", "Error:"))]
    return "\n".join((errors or all_lines)[-lines:])
