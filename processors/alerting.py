"""What becomes an alert: one per saved search and text, decided in the order the matches arrive.

The index stage percolates what it wrote and sends every match, keyed by its
saved search, so that one worker sees all of a search's matches in order.
:func:`decide` then turns a match into an :class:`Alert`, or into nothing:
- a match whose alert was made before (a ``newsflow replay``, a repeated
  match) makes nothing: its alert id is remembered with the position of the
  match that made it (:func:`made_before`); the same match read again after a
  crash makes its alert again, as it may never have left the worker;
- an exact copy alerts only for searches that ask for duplicates;
- a near-duplicate of a text the search alerted on (estimated Jaccard of the
  bodies at least the pipeline's near-duplicate threshold) alerts only for
  searches that ask for duplicates, naming the earlier article in
  ``duplicate_of``; the near-duplicate link the pipeline finds later is not
  waited for, so the decision does not depend on which arrives first.

The texts a search alerted on are remembered per search, the latest
``capacity`` of them (``NEWSFLOW_ALERT_DUPLICATE_MEMORY``), which bounds the
memory of the stage whatever the number of alerts. Each is kept as the 16 low
bits of its MinHash (:class:`AlertMemory`) and compared with the match's all
at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from newsflow.schemas.alerts import Alert, AlertMatch, AlertMemory, alert_id, low_bits


@dataclass(frozen=True)
class Decision:
    """What one match became: ``alert`` (None: no alert) and the search's memory afterwards."""

    alert: Alert | None
    memory: AlertMemory
    reason: str


def made_before(made_by: object, position: str) -> bool:
    """Whether the alert of the match at ``position`` was made by another match (``made_by``: the table's mark).

    The mark is written to the stage's table, on disk at once, right after the alert is handed to the
    producer, before Kafka has it. A worker killed in between reads the same match again on restart and
    finds its own mark: that alert must be sent again (the index and the deliverer keep one per alert id),
    or it is lost. A mark of another position (a replay, a repeated match) was made by a match that is
    either committed, so its alert left (Faust flushes the producer before it commits offsets), or that
    will be read again first (a partition is read in order) and send it again.
    """
    return made_by is not None and made_by != position


def decide(
    match: AlertMatch,
    memory: AlertMemory,
    *,
    already_alerted: bool,
    threshold: float,
    capacity: int,
    now: datetime,
) -> Decision:
    """The alert ``match`` makes given the search's ``memory`` (``already_alerted``: its id was seen)."""
    if already_alerted:
        return Decision(None, memory, "already alerted")
    if match.copy_source_id is not None:
        if not match.notify_duplicates:
            return Decision(None, memory, "exact copy; the search does not ask for duplicates")
        return Decision(_alert(match, now, duplicate_of=match.article_id), memory, "exact copy")
    earlier = _near_duplicate_of(match, memory, threshold)
    if earlier is not None:
        if not match.notify_duplicates:
            return Decision(None, memory, "near-duplicate of an alerted article")
        return Decision(_alert(match, now, duplicate_of=earlier), memory, "near-duplicate")
    return Decision(_alert(match, now), _remember(memory, match, capacity), "new text")


def _near_duplicate_of(match: AlertMatch, memory: AlertMemory, threshold: float) -> str | None:
    """The most similar remembered article at or above ``threshold`` (ties: the earliest), or None."""
    if not memory.article_ids:
        return None
    probe = np.frombuffer(low_bits(match.minhash), dtype="<u2")
    rows = np.frombuffer(memory.signatures, dtype="<u2").reshape(len(memory.article_ids), -1)
    if rows.shape[1] != probe.size:
        raise ValueError(f"a signature of {probe.size} values against a memory of {rows.shape[1]}-value signatures")
    # Agreeing positions estimate the Jaccard similarity (as similarity.estimated_jaccard), every row at once.
    similarity = (rows == probe).mean(axis=1)
    similarity[[i for i, seen in enumerate(memory.article_ids) if seen == match.article_id]] = -1.0
    best = int(np.argmax(similarity))  # the first of equals: the earliest
    return memory.article_ids[best] if similarity[best] >= threshold else None


def _remember(memory: AlertMemory, match: AlertMatch, capacity: int) -> AlertMemory:
    """``memory`` with the match's text added, the oldest dropped beyond ``capacity``; unchanged when it holds
    the text already (the same match read again after a crash)."""
    if match.article_id in memory.article_ids:
        return memory
    row = low_bits(match.minhash)
    kept = min(capacity - 1, len(memory.article_ids))  # rows of the memory kept (all as wide as ``row``)
    rows = memory.signatures
    return AlertMemory(
        article_ids=[*memory.article_ids[len(memory.article_ids) - kept :], match.article_id],
        signatures=rows[len(rows) - kept * len(row) :] + row,
    )


def _alert(match: AlertMatch, now: datetime, duplicate_of: str | None = None) -> Alert:
    return Alert(
        alert_id=alert_id(match.saved_search_id, match.article_id, match.copy_source_id),
        saved_search_id=match.saved_search_id,
        saved_search_name=match.saved_search_name,
        article_id=match.article_id,
        copy_source_id=match.copy_source_id,
        duplicate_of=duplicate_of,
        story_id=match.story_id,
        title=match.title,
        outlet=match.outlet,
        dated_at=match.dated_at,
        indexed_at=match.indexed_at,
        alerted_at=now,
    )
