"""spaCy NER in a child process of its own, so that the model and the worker's event loop do not share one GIL.

In a worker thread (``asyncio.to_thread``) one article's NER took 0.2-0.46 s where it takes 0.12 s alone:
the stages' Python code on the event loop and the model took turns on the interpreter lock, and the
entities stage saturated at 2 files/s (docs/benchmarks.md, "Inside the entities hop"). A child process runs
the model on a core of its own while the loop goes on with the other stages.

The child is started with ``spawn`` (forking a process that runs Kafka clients' threads is unsafe), loads
the model once, ignores SIGINT and SIGTERM (the parent decides when a batch is finished and stops it with
the pool), and exits by itself if the parent disappears (SIGKILL), so that no orphan holds the model.

A child whose resident memory passes a limit (``NEWSFLOW_WORKER_NER_MAX_MB``) is replaced: a new one starts
and warms up while the old one goes on with the batches, then takes over, so the worker's memory stays
bounded over days without a pause in NER (the two models are in memory together for a few seconds).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache

from newsflow.processors.allocator import release_free_memory
from newsflow.processors.entities import EntityExtractor
from newsflow.processors.process_memory import rss_bytes
from newsflow.schemas.articles import Entity

log = logging.getLogger(__name__)

_PARENT_CHECK_S = 1.0
# Run once in a new child: the model's first texts are several times slower than the next ones (lazy
# allocations), and they would otherwise be the first articles after a worker's start.
_WARM_UP_TEXTS = [
    "LONDON (Reuters) - Prime Minister Keir Starmer met Chancellor Olaf Scholz of Germany in Berlin on Monday, "
    "the Foreign Office said, before talks with NATO and the European Union in Brussels.",
] * 4


@cache
def _model() -> EntityExtractor:
    """The child's model: one per process, loaded by the pool's initializer."""
    return EntityExtractor()


def _watch_parent(parent: int) -> None:
    """Exit the child once its parent is gone (the parent was killed and could not stop the pool)."""
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_S)
    os._exit(0)


def _start_child(parent: int) -> None:
    """The pool's initializer: signals to the parent, a watch on the parent, the model loaded and warmed up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()
    _model().extract(_WARM_UP_TEXTS)
    # The model's 170 000 objects live as long as the child: frozen, a full collection no longer walks them
    # (a pause of up to 100 ms in a batch otherwise).
    gc.freeze()


def _extract_in_child(texts: list[str]) -> tuple[list[list[Entity]], float]:
    """The texts' entities, and the seconds the model took (timed here: a batch may wait in the pool's queue)."""
    started = time.perf_counter()
    entities = _model().extract(texts)
    seconds = time.perf_counter() - started
    # A batch's arrays are freed in the middle of the heap: without this the child's resident memory kept
    # about 11 MB more of free pages over the corpus (docs/benchmarks.md, "Session 25").
    release_free_memory()
    return entities, seconds


def _log_failed_start(started: Future[tuple[list[list[Entity]], float]]) -> None:
    if (exc := started.exception()) is not None:
        log.error("the NER child process failed to start; the next batch starts another", exc_info=exc)


class NerProcessError(RuntimeError):
    """The NER child process died twice on one batch (out of memory, or a crash inside spaCy on this input)."""


def _new_pool() -> tuple[ProcessPoolExecutor, Future[int]]:
    """A pool of one child, and its process id (known once the child has loaded and warmed up the model)."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_child,
        initargs=(os.getpid(),),
    )
    return pool, pool.submit(os.getpid)


class NerProcess:
    """One child process that runs the entity extractor; ``await extract(texts)`` from the event loop.

    Several batches may be awaited at once: the child takes them one after the other, in the order given.
    ``max_rss_mb``: the child's resident memory above which a fresh child replaces it (0: never).
    ``on_batch``: told the seconds the model took on each batch.
    """

    def __init__(self, max_rss_mb: int = 0, on_batch: Callable[[float], None] | None = None) -> None:
        self.max_rss_bytes = max_rss_mb * 1024 * 1024
        self.on_batch = on_batch
        self.replaced = 0  # children replaced for their memory
        self._pool: ProcessPoolExecutor | None = None
        self._pid: Future[int] | None = None
        self._successor: tuple[ProcessPoolExecutor, Future[int]] | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool, self._pid = _new_pool()
        return self._pool

    @property
    def child_pid(self) -> int | None:
        """The child's process id, once it has started (None before, or after it died)."""
        if self._pid is None or not self._pid.done() or self._pid.exception() is not None:
            return None
        return self._pid.result()

    def start(self) -> None:
        """Start the child and load its model now, without waiting for it (the first batch need not wait for it)."""
        self._started().submit(_extract_in_child, []).add_done_callback(_log_failed_start)

    async def extract(self, texts: Sequence[str]) -> list[list[Entity]]:
        """Entities of each text, in order, computed in the child (started on the first call).

        A child that dies (the kernel's OOM killer, a crash) is replaced and the batch tried once more;
        a second death raises :class:`NerProcessError`, so the stage sets the batch aside.
        """
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._started()
            try:
                entities, seconds = await loop.run_in_executor(pool, _extract_in_child, list(texts))
            except BrokenProcessPool as exc:
                if pool is self._pool:  # another batch's failure may have replaced the child already
                    self.close()
                log.error(
                    "the NER child process died; starting a new one",
                    extra={"attempt": attempt, "texts": len(texts), "error": str(exc)},
                )
            else:
                if self.on_batch is not None:
                    self.on_batch(seconds)
                self._renew_if_large()
                return entities
        raise NerProcessError(
            f"the NER child process died twice on a batch of {len(texts)} texts: see the worker's log "
            "and the kernel's (out of memory?); the batch was set aside for `newsflow replay`"
        )

    def _renew_if_large(self) -> None:
        """Between batches: start a successor for a child over the memory limit, or hand over to a warm one."""
        if self._successor is not None:
            pool, pid = self._successor
            if not pid.done():
                return  # still warming up: the current child takes this batch too
            self._successor = None
            if pid.exception() is not None:
                pool.shutdown(wait=False, cancel_futures=True)
                log.error(
                    "the NER child's successor failed to start; the current child goes on", exc_info=pid.exception()
                )
                return
            old, self._pool, self._pid = self._pool, pool, pid
            if old is not None:
                old.shutdown(wait=False)  # the old child ends once it has done the batches already given to it
            self.replaced += 1
            log.info("the NER child was replaced by a fresh one", extra={"child_pid": pid.result()})
            return
        rss = rss_bytes(self.child_pid)
        if self.max_rss_bytes and rss > self.max_rss_bytes:
            log.info(
                "the NER child is over its memory limit; a fresh one is warming up to replace it",
                extra={"rss_mb": rss // 2**20, "limit_mb": self.max_rss_bytes // 2**20},
            )
            self._successor = _new_pool()

    def close(self) -> None:
        """Stop the child (a batch under way is abandoned) and a successor; the next ``extract`` starts anew."""
        for pool in (self._pool, self._successor[0] if self._successor else None):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        self._pid = None
        self._successor = None
