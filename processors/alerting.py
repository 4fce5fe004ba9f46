"""What becomes an alert: one per saved search and text, decided in the order the matches arrive.

The index stage percolates what it wrote and sends every match, keyed by its
saved search, so that one worker sees all of a search's matches in order.
:func:`decide` then turns a match into an :class:`Alert`, or into nothing:
- a match whose alert was made before (a redelivery, a ``newsflow replay``)
  makes nothing: its alert id is remembered;
- an exact copy alerts only for searches that ask for duplicates;
- a near-duplicate of a text the search alerted on (estimated Jaccard of the
  bodies at least the pipeline's near-duplicate threshold) alerts only for
  searches that ask for duplicates, naming the earlier article in
  ``duplicate_of``; the near-duplicate link the pipeline finds later is not
  waited for, so the decision does not depend on which arrives first.

The texts a search alerted on are remembered per search, the latest
``capacity`` of them (``NEWSFLOW_ALERT_DUPLICATE_MEMORY``), which bounds the
memory of the stage whatever the number of alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from newsflow.processors.similarity import estimated_jaccard
from newsflow.schemas.alerts import Alert, AlertMatch, AlertMemory, RememberedAlert, alert_id


@dataclass(frozen=True)
class Decision:
    """What one match became: ``alert`` (None: no alert) and the search's memory afterwards."""

    alert: Alert | None
    memory: AlertMemory
    reason: str


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
    remembered = [*memory.recent, RememberedAlert(article_id=match.article_id, minhash=match.minhash)]
    return Decision(_alert(match, now), AlertMemory(recent=remembered[-capacity:]), "new text")


def _near_duplicate_of(match: AlertMatch, memory: AlertMemory, threshold: float) -> str | None:
    """The most similar remembered article at or above ``threshold`` (ties: the earliest), or None."""
    best: tuple[float, str] | None = None
    for remembered in memory.recent:
        if remembered.article_id == match.article_id:
            continue
        similarity = estimated_jaccard(remembered.minhash, match.minhash)
        if similarity >= threshold and (best is None or similarity > best[0]):
            best = (similarity, remembered.article_id)
    return None if best is None else best[1]


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
