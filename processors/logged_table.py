"""A Faust table written as one record of changes per article, folded into its keys now and then.

Every value written to a Faust table is a RocksDB put and a changelog message,
and the machinery around each (the producer's request, its future, the
changelog bookkeeping) costs more than the value's bytes. A stage that changes
dozens of small values an article (the story stage's postings and frequencies,
the registry's name entries) writes them through :class:`LoggedTable` instead:
one record per article, the changes applied to their keys every ``slots``
records, each key once however many articles changed it.

Only for tables of one partition with one writer at a time (the one-partition
stages): the change records live under fixed keys of that partition.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from faust.types import TableT

Value = dict[str, object] | str | int | None  # what a table holds (None: no value)
Table = TableT[str, Value]

RESERVED_PREFIX = "~"  # the log's own keys start with it; a user key that does is escaped (table_key)

_FOLDED_KEY = "~folded"  # the number of change records whose changes are in the table's keys
_SLOTS_KEY = "~slots"  # the number of slots the change records are written in
_SLOT = "~log|"
_SHARD = "~shard|"


@dataclass(frozen=True)
class LogLayout:
    """How a logged table (:class:`LoggedTable`) lays out its change records.

    ``slots``: change records kept before their changes are applied to the
    table's keys. The count a table is written with is stored in it
    (``~slots``), so that a reader looks for the records where the writer put
    them; a table written with another count keeps it until its next fold,
    which applies every record, and then takes this one. ``earlier_slots``: the
    count of tables written before the count was stored with them (sessions 9
    to 31), which have change records but no ``~slots``. ``shards``: how many
    ``~shard|<n>`` records the versions of sessions 9 to 14 folded the values
    into; read once, to carry them on (:meth:`LoggedTable._load`).
    """

    shards: int = 0
    slots: int = 256
    earlier_slots: int = 256


class LoggedTable:
    """A table whose values are written as one record of changes per article, applied to their keys now and then.

    Why: every value written to a Faust table is a RocksDB put and a changelog
    message, and the Faust machinery around each costs more than the value's
    bytes; an article changes dozens of small values (the story stage's
    frequencies, postings lists and queue places; the registry's name
    entries). Here an article's changes to the table are one
    record, ``~log|<seq % slots>`` = ``{"seq": seq, "changes": {key: value or None}}``,
    values absolute (never increments). Once half the slots hold records not
    folded yet, their changes are folded: written to their keys, each changed
    key once however many articles changed them (a common word's frequency
    changes in most articles), a share with each of the next articles' records
    so that all are written before the oldest slot is needed again; then
    ``~folded`` says how many records that covered. Spread so, a fold never
    stops the stage for the thousands of writes it makes (1 024 records'
    keys in one go took 0.3 s in process, before the changelog sends).

    A reader (this worker after a rebalance or a failure, or the one that takes
    the partition over) reads the records from ``~folded`` on, in order, and
    looks the other keys up in the table (RocksDB): what it keeps in memory is
    the changes of at most ``slots`` articles, whatever the size of the state.
    The values are absolute, so a fold cut off half-way (some keys written, not
    ``~folded``) reads the same, and so does a key written by a fold after a
    later record changed it (the reader applies that record over it); a slot
    is written again only after ``~folded`` covers it, and the changelog keeps
    one table's writes in order.

    Values folded into ``~shard|<n>`` records by the versions of sessions 9
    to 14 are read at load as changes beneath the records and written to
    their keys, the shards removed, by the next fold.

    Values are what JSON can hold (ints, texts, dicts); None means no value.
    """

    def __init__(self, table: Table, layout: LogLayout) -> None:
        self._table = table
        self.layout = layout
        self.forget()

    def forget(self) -> None:
        """Drop what is known of the table (the next read loads it again) and the changes not committed."""
        self._loaded = False
        self._pending: dict[str, Value] = {}  # committed after the fold under way started, not folded yet
        self._folding: dict[str, Value] = {}  # the fold under way: changes of the records from ~folded to _mark
        self._unwritten: list[str] = []  # its keys not written yet (the last first)
        self._share = 0  # keys it writes with each record
        self._mark = 0
        self._changes: dict[str, Value] = {}  # this article's, not committed yet
        self._shards: list[str] = []  # an earlier version's shard records, removed by the next fold
        self._folded = 0
        self._next = 0
        self._slots = self.layout.slots  # the count the records are written in (``~slots`` once stored)
        self._slots_stored = False

    def _load(self) -> None:
        folded = self._table.get(_FOLDED_KEY)
        self._folded = folded if isinstance(folded, int) else 0
        stored = self._table.get(_SLOTS_KEY)
        if isinstance(stored, int) and stored > 0:
            self._slots, self._slots_stored = stored, True
        elif folded is not None or self._table.get(f"{_SLOT}0") is not None:
            # Written before the count was stored: its first record went to slot 0 and is never removed.
            self._slots = self.layout.earlier_slots
        for shard in range(self.layout.shards):
            text = self._table.get(f"{_SHARD}{shard}")
            if isinstance(text, str):
                self._shards.append(f"{_SHARD}{shard}")
                self._pending.update(json.loads(text))
        records = []
        for slot in range(self._slots):
            text = self._table.get(f"{_SLOT}{slot}")
            if isinstance(text, str):
                records.append(json.loads(text))
        self._next = self._folded
        for record in sorted(records, key=lambda r: int(r["seq"])):
            self._next = max(self._next, int(record["seq"]) + 1)
            if record["seq"] >= self._folded:
                self._pending.update(record["changes"])
        self._loaded = True

    def unfolded(self) -> dict[str, Value]:
        """The changes committed and not applied to their keys yet (None: a removed key)."""
        if not self._loaded:
            self._load()
        return {**self._folding, **self._pending}

    def get(self, key: str) -> object | None:
        """The key's value (None when it has none)."""
        if not self._loaded:
            self._load()
        for layer in (self._changes, self._pending, self._folding):
            if key in layer:
                return layer[key]
        return self._table.get(key)

    def put(self, key: str, value: Value) -> None:
        """Set (or with None remove) the key's value; written with the article's other changes by :meth:`commit`."""
        if not self._loaded:
            self._load()
        self._changes[key] = value

    def commit(self) -> None:
        """Write the changes made since the last commit as one record (folding first when its slot is taken)."""
        if not self._changes:
            return
        seq = self._next
        if seq - self._slots >= self._folded:
            self._fold()  # the slot still holds a record whose changes are in no key
        else:
            self._fold_share(seq)
        if not self._slots_stored and self._slots == self.layout.slots:
            self._store_slots()
        record = {"seq": seq, "changes": self._changes}
        self._table[f"{_SLOT}{seq % self._slots}"] = json.dumps(record, separators=(",", ":"))
        self._pending.update(self._changes)
        self._changes = {}
        self._next = seq + 1

    def _fold_share(self, seq: int) -> None:
        """Start a fold once half the slots hold records not folded, or write the next share of the one under way."""
        if not self._folding:
            half = max(1, self._slots // 2)
            if seq - self._folded < half:
                return
            if self._shards or self._slots != self.layout.slots:
                self._fold()  # a layout to leave: all at once, then the records go where the layout says
                return
            self._folding, self._pending, self._mark = self._pending, {}, seq
            self._unwritten = list(self._folding)
            # Done before record ``_folded + slots`` needs the oldest slot: one share with each record until then.
            self._share = -(-len(self._unwritten) // (self._folded + self._slots - seq))
        for _ in range(min(self._share, len(self._unwritten))):
            self._write_folded(self._unwritten.pop())
        if not self._unwritten:
            self._finish(self._mark)

    def _write_folded(self, key: str) -> None:
        if key in self._pending:
            return  # changed by a later record: the next fold writes its newer value
        self._write(key, self._folding[key])

    def _write(self, key: str, value: Value) -> None:
        if value is None:
            self._table.pop(key, None)
        else:
            self._table[key] = value

    def _finish(self, covered: int) -> None:
        self._table[_FOLDED_KEY] = covered
        self._folded = covered
        self._folding = {}

    def _fold(self) -> None:
        """Fold every record now: the fold under way, then the changes after it."""
        for key in self._unwritten:
            self._write_folded(key)
        self._unwritten = []
        for key, value in self._pending.items():
            self._write(key, value)
        for shard in self._shards:  # their values were in the pending changes, now in their keys
            self._table.pop(shard, None)
        self._shards = []
        self._finish(self._next)
        self._pending = {}
        if self._slots != self.layout.slots:
            # Every record is in the keys now: the next ones can be written in the layout's count of slots.
            fewer = range(self.layout.slots, self._slots)
            self._slots = self.layout.slots
            self._store_slots()
            for slot in fewer:  # slots past the new count would never be read again
                self._table.pop(f"{_SLOT}{slot}", None)

    def _store_slots(self) -> None:
        self._table[_SLOTS_KEY] = self._slots
        self._slots_stored = True

    @property
    def slots(self) -> int:
        """The number of slots the change records are written in now (the stored count, until a fold changes it)."""
        if not self._loaded:
            self._load()
        return self._slots


def table_key(key: str) -> str:
    """The table key of a user's ``key``: one that starts like the log's own keys gets one more ``~``."""
    return RESERVED_PREFIX + key if key.startswith(RESERVED_PREFIX) else key


def logged_values(latest: Iterable[tuple[str, object]], layout: LogLayout) -> dict[str, object]:
    """The values a logged table holds, from its keys' latest values (a changelog read to its end, in order;
    None for a removed key): the folded keys, then the changes not folded yet, read as a worker reads them. For
    benches and checks that read a changelog, not for the stage."""
    table: dict[str, object] = {}
    for key, value in latest:
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    values = {key: value for key, value in table.items() if not _own_key(key)}
    values.update(LoggedTable(cast(Table, table), layout).unfolded())
    return {key: value for key, value in values.items() if value is not None}


def _own_key(key: str) -> bool:
    return key in (_FOLDED_KEY, _SLOTS_KEY) or key.startswith((_SLOT, _SHARD))
