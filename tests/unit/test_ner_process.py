"""The NER child process: the same entities as in process, a dead child replaced, no orphan left behind."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest

from newsflow.processors import ner_process as ner_module
from newsflow.processors.entities import EntityExtractor
from newsflow.processors.ner_process import NerProcess
from newsflow.schemas.articles import Entity

TEXT = (
    "Ukrainian President Volodymyr Zelensky visited Balakliya on Thursday, Reuters reported from Kyiv. "
    "The United Nations said it would send a team to Kharkiv."
)


@pytest.fixture
def ner_process() -> Iterator[NerProcess]:
    ner = NerProcess()
    yield ner
    ner.close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_the_child_finds_the_same_entities_as_the_model_in_process(ner_process: NerProcess) -> None:
    in_child = asyncio.run(ner_process.extract([TEXT, "", "No names here."]))

    assert in_child == EntityExtractor().extract([TEXT, "", "No names here."])
    assert {e.canonical for e in in_child[0]} >= {"Volodymyr Zelensky", "Kharkiv"}
    assert ner_process.child_pid is not None and ner_process.child_pid != os.getpid()


def test_the_warm_child_has_frozen_its_model_out_of_the_collectors_sight(ner_process: NerProcess) -> None:
    asyncio.run(ner_process.extract([TEXT]))
    # Submitted after the warm-up, on the same one-process pool: the count the child froze at its start.
    frozen = ner_process._started().submit(gc.get_freeze_count).result(timeout=60)
    assert frozen > 50_000  # the loaded model's objects, not a handful


def test_a_killed_child_is_replaced_and_the_batch_still_gets_its_entities(ner_process: NerProcess) -> None:
    async def kill_then_extract() -> list[list[Entity]]:
        await ner_process.extract([TEXT])
        first = ner_process.child_pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert _wait_gone(first, 10)
        found = await ner_process.extract([TEXT])
        assert ner_process.child_pid not in (None, first)
        return found

    found = asyncio.run(kill_then_extract())

    assert found and found[0], "the batch after the child's death has no entities"


def test_the_child_ignores_sigterm_so_that_the_worker_decides_when_a_batch_is_finished(
    ner_process: NerProcess,
) -> None:
    asyncio.run(ner_process.extract([TEXT]))
    pid = ner_process.child_pid
    assert pid is not None

    os.kill(pid, signal.SIGTERM)
    found = asyncio.run(ner_process.extract([TEXT]))

    assert ner_process.child_pid == pid
    assert found[0]


def test_the_child_exits_when_its_parent_is_killed() -> None:
    script = (
        "import asyncio, os, signal\n"
        "from newsflow.processors.ner_process import NerProcess\n"
        "ner = NerProcess()\n"
        "asyncio.run(ner.extract(['Angela Merkel spoke in Berlin.']))\n"
        "print(ner.child_pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    parent = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert parent.returncode == -signal.SIGKILL, parent.stderr
    child = int(parent.stdout.split()[0])

    assert _wait_gone(child, 10), f"the NER child {child} outlived its killed parent"


def test_a_child_over_its_memory_limit_is_replaced_by_a_warm_one_between_batches() -> None:
    ner = NerProcess(max_rss_mb=1)  # any child with a model is over 1 MB

    async def batches() -> tuple[int | None, list[list[Entity]], int | None]:
        await ner.extract([TEXT])
        first = ner.child_pid
        assert ner._successor is not None, "no successor started for a child over its limit"
        successor_pid = ner._successor[1]
        while not successor_pid.done():  # the old child would go on taking batches meanwhile
            await asyncio.sleep(0.1)
        entities = await ner.extract([TEXT])  # taken by the old child, then handed over
        return first, entities, ner.child_pid

    try:
        first, entities, second = asyncio.run(batches())
        assert first is not None and second is not None and second != first
        assert ner.replaced == 1
        assert entities == EntityExtractor().extract([TEXT])
        assert _wait_gone(first, 10), "the replaced child is still running"
        assert asyncio.run(ner.extract([TEXT])) == entities  # the new child answers
        assert ner.child_pid == second
    finally:
        ner.close()


def test_batches_given_at_once_are_computed_one_after_the_other_and_timed_in_the_child() -> None:
    timed: list[float] = []
    ner = NerProcess(on_batch=timed.append)

    async def two_at_once() -> tuple[list[list[Entity]], list[list[Entity]]]:
        return await asyncio.gather(ner.extract([TEXT]), ner.extract(["No names here.", TEXT]))

    try:
        first, second = asyncio.run(two_at_once())
    finally:
        ner.close()

    expected = EntityExtractor()
    assert first == expected.extract([TEXT])
    assert second == expected.extract(["No names here.", TEXT])
    assert len(timed) == 2 and all(0 < seconds < 60 for seconds in timed)


def test_a_handover_lets_the_old_child_finish_the_batches_already_given_to_it() -> None:
    ner = NerProcess(max_rss_mb=1)  # any child with a model is over 1 MB

    async def handover_with_a_batch_queued() -> list[list[list[Entity]]]:
        await ner.extract([TEXT])  # starts a successor
        assert ner._successor is not None
        while not ner._successor[1].done():
            await asyncio.sleep(0.1)
        # The first batch hands over when it ends; the next ones are already given to the old child (some
        # in the pool's queue to the child, the rest waiting to be put on it).
        return await asyncio.gather(*(ner.extract([TEXT]) for _ in range(6)))

    try:
        found = asyncio.run(handover_with_a_batch_queued())
    finally:
        ner.close()

    assert ner.replaced == 1
    assert found == [EntityExtractor().extract([TEXT])] * 6


def test_a_child_killed_with_two_batches_given_is_replaced_once_and_both_get_their_entities(
    ner_process: NerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools_started: list[tuple[ProcessPoolExecutor, Future[int]]] = []
    new_pool = ner_module._new_pool

    def counted_new_pool() -> tuple[ProcessPoolExecutor, Future[int]]:
        pool = new_pool()
        pools_started.append(pool)
        return pool

    async def kill_under_two_batches() -> tuple[list[list[Entity]], list[list[Entity]]]:
        await ner_process.extract([TEXT])
        pid = ner_process.child_pid
        assert pid is not None
        monkeypatch.setattr(ner_module, "_new_pool", counted_new_pool)
        both = asyncio.gather(ner_process.extract([TEXT] * 300), ner_process.extract([TEXT] * 300))
        await asyncio.sleep(0.2)  # the first batch takes about a second
        os.kill(pid, signal.SIGKILL)
        return await both

    first, second = asyncio.run(kill_under_two_batches())

    assert first == second == EntityExtractor().extract([TEXT] * 300)
    assert len(pools_started) == 1, "each batch's failure started a child of its own"
