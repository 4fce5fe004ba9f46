"""Scale-out: end-to-end throughput on the BBC corpus with 1 and with 2 worker processes.

Each run is the end-to-end measure of ``make bench`` (first file sent -> last
distinct article searchable) in a fresh sandbox with 4 partitions, so both
runs start from the same empty topics, tables and index. Timing starts once
every worker has joined the consumer group and the group is stable, and a
few warm-up articles went through the whole pipeline (spaCy loaded, topics
and tables ready), so a rebalance or a model load is not measured.

The workers are processes on this machine, sharing its cores with Kafka,
Elasticsearch and this process. spaCy is CPU-bound, so a second worker helps
only as far as there are idle cores: on 2 cores expect little or nothing.
Also recorded: each worker's CPU seconds (did both work?), and how many
cores the whole machine and the workers kept busy during the run: the
difference is Kafka, Elasticsearch, the producer (this process) and anything
else running, such as other people's tests on a shared machine, which makes
figures taken minutes apart differ.

    python -m bench.scaleout            # or: python -m bench --only scaleout
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from bench.end_to_end import corpus_files, end_to_end, indexed_count
from bench.polling import wait_until
from newsflow.infra.settings import Settings
from newsflow.producers.files import FileIngestor
from newsflow.producers.publisher import Publisher
from newsflow.stack.sandbox import drop_sandbox, running_infrastructure, sandbox_settings, start_worker, stop_process

RESULTS = Path(__file__).parent / "results"
PARTITIONS = 4
WORKER_COUNTS = (1, 2)
WARMUP_ARTICLES = 8
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (spaCy's threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / _CLOCK_TICKS


def _group_stable(settings: Settings, members: int) -> bool:
    """True when the workers' consumer group is Stable with ``members`` members."""
    group = f"{settings.topic_prefix}-processors"  # the Faust app id is the group id
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="newsflow-bench")
    try:
        description = admin.describe_groups([group])[group]
    except KafkaError:
        return False  # the coordinator is still loading the group
    finally:
        admin.close()
    return bool(description.get("group_state") == "Stable" and len(description.get("members", [])) == members)


def _warm_up(settings: Settings, es: Elasticsearch, workers: int) -> None:
    """A stable group of all workers, then a few distinct articles through the pipeline (spread over the partitions).

    The group must be complete before anything is sent: a worker joining while
    another has records in flight makes a rebalance, after which faust-streaming
    0.15.3 once stopped processing altogether here (see docs/scaling.md).
    """
    wait_until(lambda: _group_stable(settings, workers), 120, f"a stable group of {workers} worker(s)")
    folder = settings.home / "warmup"
    folder.mkdir(exist_ok=True)
    with Publisher(settings) as publisher:
        ingestor = FileIngestor(settings, publisher, move_files=False)
        for n in range(WARMUP_ARTICLES):
            path = folder / f"warmup-{n}.txt"
            path.write_text(f"Bench warm-up {n}\nWarm-up article number {n} goes through the whole pipeline first.")
            ingestor.ingest(path)
    wait_until(lambda: indexed_count(es, settings.index_alias) >= WARMUP_ARTICLES, 300, "the warm-up articles")
    wait_until(lambda: _group_stable(settings, workers), 120, f"a stable group of {workers} worker(s)")


def measure(base: Settings, files: list[Path], workers: int) -> dict[str, Any]:
    """End-to-end throughput on ``files`` with ``workers`` worker processes in a fresh sandbox."""
    settings = sandbox_settings(base, Path(tempfile.mkdtemp(prefix="newsflow-scaleout-")), partitions=PARTITIONS)
    es = Elasticsearch(settings.elasticsearch_url)
    processes = [start_worker(settings, worker_id) for worker_id in range(workers)]
    try:
        _warm_up(settings, es, workers)
        cpu_before = [_cpu_seconds(p.pid) for p in processes]
        machine_before = _machine_busy_seconds()
        load_before = os.getloadavg()[0]
        result: dict[str, Any] = {"workers": workers, **end_to_end(settings, files, es)}
        result["worker_cpu_s"] = [round(_cpu_seconds(p.pid) - c, 1) for p, c in zip(processes, cpu_before, strict=True)]
        result["workers_cores_busy"] = round(sum(result["worker_cpu_s"]) / result["seconds"], 2)
        result["machine_cores_busy"] = round((_machine_busy_seconds() - machine_before) / result["seconds"], 2)
        result["load_avg_1min_before"] = round(load_before, 2)
        result["indexed"] = indexed_count(es, settings.index_alias)
    finally:
        for process in processes:
            stop_process(process)
        drop_sandbox(settings)
    return result


def run_scaleout(base: Settings, files: list[Path]) -> dict[str, Any]:
    """Both runs, 1 worker then 2, and the speed-up of the second over the first."""
    runs = []
    for workers in WORKER_COUNTS:
        print(f"scale-out: end-to-end with {workers} worker(s), {PARTITIONS} partitions ...", flush=True)
        runs.append(measure(base, files, workers))
    return {
        "partitions": PARTITIONS,
        "cpus": os.cpu_count(),
        "runs": runs,
        "speedup_2_vs_1": round(runs[1]["articles_per_s"] / runs[0]["articles_per_s"], 2),
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The runs in a few table lines, in the format ``make bench`` prints."""
    lines = []
    for run in result["runs"]:
        label = f"scale-out: {run['workers']} worker(s), articles/s"
        cpu = ", ".join(f"{s:.0f}" for s in run["worker_cpu_s"])
        lines.append(
            f"{label:42} {run['articles_per_s']}  ({run['distinct_articles']} / {run['seconds']} s, "
            f"worker CPU s {cpu}; cores busy: workers {run['workers_cores_busy']}, "
            f"machine {run['machine_cores_busy']})"
        )
    lines.append(
        f"{'  speed-up, 2 workers vs 1':42} {result['speedup_2_vs_1']}  "
        f"({result['partitions']} partitions, {result['cpus']} CPUs)"
    )
    return lines


def run_alone() -> None:
    """The scale-out runs on their own (stack reused if it answers, else started and stopped)."""
    base = Settings()
    with running_infrastructure(base):
        result = run_scaleout(base, corpus_files())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scaleout.json").write_text(json.dumps(result, indent=2) + "\n")
    print()
    print("\n".join(summary_lines(result)))
    print(f"\nwritten to {RESULTS / 'scaleout.json'}")


def main() -> None:
    """``python -m bench.scaleout``."""
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    started = time.monotonic()
    run_alone()
    print(f"({time.monotonic() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
