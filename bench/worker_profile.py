"""Where the worker's time goes on the corpus run: a py-spy flame graph and a breakdown by library.

The BBC corpus through one sandboxed worker (as ``make bench``'s end-to-end),
sampled by py-spy (installed on demand: ``pip install py-spy``, a profiler, not
a dependency of the system) at 100 Hz for the whole run, idle time excluded.
Writes the flame graph (SVG) and prints each part's share of the worker's
samples, by the innermost frame of a known library in each sample's stack
(spaCy/thinc/numpy: the model; faust/mode/aiokafka/kafka: the stream
machinery; rocksdict: the tables; elasticsearch/urllib3: the index stage's
requests; pydantic/json: decoding and encoding; newsflow: our own code).

    python -m bench.worker_profile [--svg docs/profiles/worker.svg]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.end_to_end import corpus_files, end_to_end, warm_up
from bench.sandboxed_worker import sandboxed_worker
from newsflow.infra.settings import Settings
from newsflow.stack.sandbox import running_infrastructure

# The first library met from the innermost frame outwards names the sample's part.
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("model (spaCy, thinc, numpy)", ("/spacy/", "/thinc/", "/numpy/", "/cymem/", "/preshed/", "/srsly/")),
    ("tables (rocksdict)", ("/rocksdict/",)),
    ("Elasticsearch client", ("/elasticsearch/", "/urllib3/", "/elastic_transport/")),
    ("pydantic and JSON", ("/pydantic/", "/pydantic_core/", "/json/", "/orjson")),
    ("Kafka clients (aiokafka, kafka)", ("/aiokafka/", "/kafka/")),
    ("Faust and mode", ("/faust/", "/mode/", "/venusian/")),
    ("asyncio", ("/asyncio/",)),
    ("newsflow", ("/newsflow/", "/processors/", "/schemas/", "/infra/")),
)


def part_of(stack: str) -> str:
    """The part a collapsed stack (``outer;...;inner``) is counted in."""
    for frame in reversed(stack.split(";")):
        # A frame is "function (path:line)", the path relative to its sys.path entry ("faust/app/base.py").
        path = "/" + frame[frame.rfind("(") + 1 :]
        for name, markers in PARTS:
            if any(marker in path for marker in markers):
                return name
    return "other"


def shares(raw: Path) -> dict[str, float]:
    """Each part's share of the samples in py-spy's raw (collapsed) output."""
    counts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit():
            counts[part_of(stack)] += int(number)
    total = sum(counts.values()) or 1
    return {name: round(100 * n / total, 1) for name, n in counts.most_common()}


def _record(pid: int, out: Path, fmt: str) -> subprocess.Popen[bytes]:
    # pip installs it beside the interpreter: the venv's bin/ need not be on PATH.
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        raise SystemExit("py-spy is not installed: pip install py-spy (a profiler; not a dependency of newsflow)")
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", "100", "--nonblocking", "--format", fmt, "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--svg", type=Path, default=Path("bench/results/worker-profile.svg"))
    args = parser.parse_args()
    base = Settings()
    files = corpus_files()
    raw = Path(tempfile.mkdtemp(prefix="newsflow-profile-")) / "worker.txt"
    args.svg.parent.mkdir(parents=True, exist_ok=True)
    with running_infrastructure(base), sandboxed_worker(base) as sandbox:
        warm_up(sandbox.settings, sandbox.es)
        pid = sandbox.process.pid
        recorders = [_record(pid, args.svg, "flamegraph"), _record(pid, raw, "raw")]
        try:
            timed = end_to_end(sandbox.settings, files, sandbox.es)
        finally:
            for recorder in recorders:
                recorder.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            for recorder in recorders:
                recorder.wait(60)
    print(f"end-to-end, 1 worker, profiled: {timed['articles_per_s']} articles/s ({timed['distinct_articles']})")
    print(f"flame graph: {args.svg}")
    for name, share in shares(raw).items():
        print(f"  {name:36} {share:5.1f} %")


if __name__ == "__main__":
    main()
