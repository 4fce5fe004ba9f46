"""LoggedTable's slot count (processors/logged_table.py): stored with the table, so that a table written with
one count is read with it, and moved to another count only when a fold has applied every record.

Every prefix of a table's writes is a changelog a worker may restore after a crash: read from any of them, the
table must hold exactly what the writer had committed by the last article whose record is in that prefix.
"""

from __future__ import annotations

import json
import random
from typing import cast

from newsflow.processors.logged_table import LoggedTable, LogLayout, Table, logged_values
from tests.unit.test_story_table_store import JsonTable

Changes = dict[str, int | None]


def article_changes(count: int, seed: int) -> list[Changes]:
    """Articles each changing a few of 12 keys (a value, or None to remove the key), some keys again and again."""
    rng = random.Random(seed)
    return [
        {f"k{rng.randrange(12)}": (None if rng.random() < 0.2 else rng.randrange(1000)) for _ in range(3)}
        for _ in range(count)
    ]


def write(table: JsonTable, layout: LogLayout, articles: list[Changes], state: dict[str, int]) -> list[dict[str, int]]:
    """Commit ``articles`` through a LoggedTable; after each write, what a reader must find from the writes so far."""
    logged = LoggedTable(cast(Table, table), layout)
    expected_after_write = [dict(state)] * len(table.ops)
    for changes in articles:
        for key, value in changes.items():
            logged.put(key, value)
        before = len(table.ops)
        logged.commit()
        record_at = next(
            i for i, (key, text) in enumerate(table.ops[before:], before) if key.startswith("~log|") and text
        )
        # Writes before the article's record (a fold of earlier ones, the slot count) show the state before it.
        expected_after_write += [dict(state)] * (record_at - before)
        for key, value in changes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        expected_after_write += [dict(state)] * (len(table.ops) - record_at)
    return expected_after_write


def read_after(table: JsonTable, writes: int, layout: LogLayout) -> dict[str, object]:
    """What a worker reads from the table restored from its first ``writes`` writes."""
    changelog = [(key, None if text is None else json.loads(text)) for key, text in table.ops[:writes]]
    return logged_values(changelog, layout)


def earlier_version_table(
    slots: int, articles: list[Changes], state: dict[str, int]
) -> tuple[JsonTable, list[dict[str, int]]]:
    """A table as the versions before the slot count was stored wrote it: records in ``slots`` slots, no ``~slots``."""
    table = JsonTable()
    expected = write(table, LogLayout(slots=slots), articles, state)
    at = next(i for i, (key, _) in enumerate(table.ops) if key == "~slots")
    del table.ops[at], expected[at]
    del table.data["~slots"]
    return table, expected


def test_a_new_table_stores_its_slot_count_with_its_first_record() -> None:
    table = JsonTable()
    state: dict[str, int] = {}
    expected = write(table, LogLayout(slots=4), article_changes(13, seed=1), state)
    assert table.ops[0] == ("~slots", "4")
    assert all(read_after(table, n, LogLayout(slots=4)) == expected[n - 1] for n in range(1, len(table.ops) + 1))
    # A reader whose layout says another count reads the records where they were written.
    assert all(read_after(table, n, LogLayout(slots=7)) == expected[n - 1] for n in range(1, len(table.ops) + 1))


def test_a_table_of_an_earlier_version_keeps_its_count_until_a_fold_then_takes_the_layouts() -> None:
    state: dict[str, int] = {}
    table, expected = earlier_version_table(3, article_changes(8, seed=2), state)  # records 6 and 7 not folded
    layout = LogLayout(slots=5, earlier_slots=3)
    assert read_after(table, len(table.ops), layout) == state
    expected += write(table, layout, article_changes(20, seed=3), state)[len(expected) :]
    stored = [n for n, (key, _) in enumerate(table.ops) if key == "~slots"]
    assert len(stored) == 1 and table.ops[stored[0] - 1][0] == "~folded"  # moved to 5 right after a fold
    assert table.ops[stored[0]] == ("~slots", "5")
    for n in range(1, len(table.ops) + 1):
        assert read_after(table, n, layout) == expected[n - 1], f"restored from {n} writes"
    assert LoggedTable(cast(Table, table), layout).slots == 5


def test_a_table_moves_to_fewer_slots_without_losing_a_record() -> None:
    table = JsonTable()
    state: dict[str, int] = {}
    expected = write(table, LogLayout(slots=6), article_changes(9, seed=4), state)
    smaller = LogLayout(slots=2)
    expected += write(table, smaller, article_changes(15, seed=5), state)[len(expected) :]
    assert [text for key, text in table.ops if key == "~slots"] == ["6", "2"]
    assert not {"~log|2", "~log|3", "~log|4", "~log|5"} & set(table.data)  # slots no reader looks at any more
    for n in range(1, len(table.ops) + 1):
        assert read_after(table, n, smaller) == expected[n - 1], f"restored from {n} writes"


def test_a_fold_is_spread_over_the_records_that_follow_it() -> None:
    """Articles of 10 new keys each, 64 slots: each commit writes its record and a share of the fold, never the
    320 keys of 32 articles at once; and every prefix still reads as the writer's state."""
    table = JsonTable()
    layout = LogLayout(slots=64)
    logged = LoggedTable(cast(Table, table), layout)
    written_per_commit = []
    for article in range(200):
        for n in range(10):
            logged.put(f"a{article}-{n}", n)
        before = len(table.ops)
        logged.commit()
        written_per_commit.append(len(table.ops) - before)
    assert max(written_per_commit) <= 1 + 10 + 1 + 1  # record, share (320 keys over 32 records), ~folded, ~slots
    assert sum(written_per_commit) > 200 + 2 * 320  # the folds did happen
    assert read_after(table, len(table.ops), layout) == {f"a{a}-{n}": n for a in range(200) for n in range(10)}
