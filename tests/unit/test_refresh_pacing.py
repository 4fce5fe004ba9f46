"""The index stage's refresh pacing: small writes searchable at once, forced refreshes at most one per interval."""

from __future__ import annotations

import asyncio
import time

import pytest

from newsflow.processors.refresh_pacing import RefreshPacer

INTERVAL = 0.2


class RecordedRefreshes:
    """A refresh that records when (monotonic clock) it ran."""

    def __init__(self) -> None:
        self.at: list[float] = []

    def __call__(self) -> None:
        self.at.append(time.monotonic())


def _pacer(refreshes: RecordedRefreshes) -> RefreshPacer:
    return RefreshPacer(refreshes, below_records=16, interval_s=INTERVAL)


def test_a_small_write_refreshes_with_its_request_and_a_large_one_does_not() -> None:
    async def scenario() -> tuple[bool, bool]:
        pacer = _pacer(RecordedRefreshes())
        return pacer.with_write(1), pacer.with_write(500)

    assert asyncio.run(scenario()) == (True, False)


def test_a_small_write_too_soon_after_a_refresh_gets_one_when_the_interval_has_passed() -> None:
    refreshes = RecordedRefreshes()

    async def scenario() -> tuple[float, bool]:
        pacer = _pacer(refreshes)
        first = time.monotonic()
        assert pacer.with_write(1)
        pacer.after_write(1, refreshed=True)
        second = pacer.with_write(1)
        pacer.after_write(1, refreshed=second)
        await asyncio.sleep(INTERVAL * 2)
        return first, second

    first, second = asyncio.run(scenario())

    assert not second
    assert len(refreshes.at) == 1, "the second write got no deferred refresh, or more than one"
    assert refreshes.at[0] - first >= INTERVAL * 0.95


def test_writes_while_a_refresh_is_deferred_share_it() -> None:
    refreshes = RecordedRefreshes()

    async def scenario() -> None:
        pacer = _pacer(refreshes)
        assert pacer.with_write(2)
        for _ in range(5):
            refresh = pacer.with_write(2)
            pacer.after_write(2, refreshed=refresh)
        await asyncio.sleep(INTERVAL * 2)

    asyncio.run(scenario())

    assert len(refreshes.at) == 1


def test_large_writes_are_left_to_the_scheduled_refresh() -> None:
    refreshes = RecordedRefreshes()

    async def scenario() -> None:
        pacer = _pacer(refreshes)
        for _ in range(3):
            refresh = pacer.with_write(100)
            pacer.after_write(100, refreshed=refresh)
        await asyncio.sleep(INTERVAL * 2)

    asyncio.run(scenario())

    assert refreshes.at == []


def test_a_failed_deferred_refresh_is_logged_and_a_later_write_schedules_another(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []

    def failing() -> None:
        calls.append(1)
        raise ConnectionError("elasticsearch down")

    async def scenario() -> None:
        pacer = RefreshPacer(failing, below_records=16, interval_s=0.05)
        assert pacer.with_write(1)
        pacer.after_write(1, refreshed=False)
        await asyncio.sleep(0.2)
        pacer.after_write(1, refreshed=False)
        await asyncio.sleep(0.2)

    asyncio.run(scenario())

    assert len(calls) == 2
    assert "deferred index refresh failed" in caplog.text
