"""When a worker counts as stalled: records waiting, no committed offset moving, nothing outside to blame."""

from __future__ import annotations

from newsflow.processors.watchdog import ProgressWatchdog

TP = ("newsflow.articles.enriched", 0)


def test_a_backlog_with_no_commit_for_the_timeout_is_a_stall() -> None:
    watchdog = ProgressWatchdog(stall_s=300)
    assert watchdog.observe(0, {TP: 10}, backlog=5, excused=False) is None  # first look: a baseline
    assert watchdog.observe(30, {TP: 10}, backlog=5, excused=False) is None  # stuck from here
    assert watchdog.observe(300, {TP: 10}, backlog=5, excused=False) is None
    assert watchdog.observe(330, {TP: 10}, backlog=5, excused=False) == 300


def test_any_committed_offset_moving_is_progress() -> None:
    watchdog = ProgressWatchdog(stall_s=60)
    watchdog.observe(0, {TP: 10}, backlog=5, excused=False)
    watchdog.observe(30, {TP: 10}, backlog=5, excused=False)
    assert watchdog.observe(80, {TP: 11}, backlog=5, excused=False) is None
    assert watchdog.observe(130, {TP: 11}, backlog=5, excused=False) is None, "the clock restarted at the commit"


def test_an_idle_worker_or_an_excused_pause_is_never_a_stall() -> None:
    watchdog = ProgressWatchdog(stall_s=60)
    for now in range(0, 600, 30):
        assert watchdog.observe(now, {TP: 10}, backlog=0, excused=False) is None
    for now in range(600, 1200, 30):
        assert watchdog.observe(now, {TP: 10}, backlog=50, excused=True) is None
    assert watchdog.observe(1200, {TP: 10}, backlog=50, excused=False) is None, "an excuse restarts the clock"
