"""Resident memory of the NER child's work over passes of the corpus, with and without free pages given back.

The worker's NER child (processors/ner_process.py) runs the entity extractor on
batches of texts. Here the same extractor, in this process with the worker's
malloc arena cap, reads the dev corpus in batches of 8, pass after pass (each
pass's texts made new by a suffix), and the resident memory is printed after
each pass: once as the child ran until session 25, once with
``release_free_memory()`` (glibc's ``malloc_trim``) after each batch, as it
runs now. Run the two one after the other on a quiet machine:

    python -m bench.ner_memory            # both, 3 passes each
    python -m bench.ner_memory --passes 5
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time

from bench.end_to_end import corpus_files
from newsflow.processors.allocator import limit_malloc_arenas, release_free_memory
from newsflow.processors.entities import EntityExtractor
from newsflow.processors.process_memory import rss_bytes

BATCH = 8
ARENAS = 2  # the worker's default (NEWSFLOW_WORKER_MALLOC_ARENAS)


def run(passes: int, *, release: bool) -> list[str]:
    """The lines of one run in this process: RSS at the start and after each pass, CPU and time released."""
    limit_malloc_arenas(ARENAS)
    texts = [path.read_text(errors="replace") for path in corpus_files()]
    extractor = EntityExtractor()
    extractor.extract(texts[:4])  # the child's warm-up
    gc.freeze()
    lines = [f"start: RSS {rss_bytes(os.getpid()) / 2**20:.1f} MB"]
    releasing_s = 0.0
    for n in range(passes):
        cpu = time.process_time()
        for i in range(0, len(texts), BATCH):
            extractor.extract([f"{text}\n{n}" for text in texts[i : i + BATCH]])
            if release:
                started = time.perf_counter()
                release_free_memory()
                releasing_s += time.perf_counter() - started
        lines.append(
            f"pass {n + 1}: RSS {rss_bytes(os.getpid()) / 2**20:.1f} MB, CPU {time.process_time() - cpu:.1f} s, "
            f"releasing {releasing_s:.2f} s in all"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--one", choices=("kept", "released"), help="run one variant in this process")
    args = parser.parse_args(argv)
    if args.one:
        print("\n".join(run(args.passes, release=args.one == "released")))
        return
    for variant in ("kept", "released"):  # each in a fresh process: the first must not shape the second's heap
        print(f"free pages {variant}:", flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.ner_memory", "--passes", str(args.passes), "--one", variant], check=True
        )


if __name__ == "__main__":
    main()
