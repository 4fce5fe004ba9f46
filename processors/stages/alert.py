"""Stage alert: the saved searches' matches become alerts, one per search and text (processors/alerting.py).

It reads ``alerts.matches``, keyed by saved search, so each search's matches
reach one worker in order; its two tables are changelogged like the others:
each search's memory of the texts it alerted on, and the ids of the alerts
made, each with the position of the match that made it (so that a replay
makes no second alert while a match read again after a crash does make its
own: processors/alerting.py ``made_before``; one short key per alert, on disk
in RocksDB, kept like the story assignments).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import faust

from newsflow.processors.alerting import decide, made_before
from newsflow.processors.pipeline import Pipeline
from newsflow.schemas.alerts import AlertMatch, AlertMemory, alert_id
from newsflow.schemas.topics import ALERT_MEMORY_TABLE, ALERTED_TABLE, ALERTS, ALERTS_STAGE

STAGE = ALERTS_STAGE

log = logging.getLogger("newsflow.processors")


def register(pipeline: Pipeline) -> None:
    """Add the alert agent and its two tables to the app."""
    memories = pipeline.table(ALERT_MEMORY_TABLE, default=None)
    alerted = pipeline.table(ALERTED_TABLE, default=None)
    settings = pipeline.settings

    async def alert_one(value: bytes, position: str) -> None:
        match = await pipeline.parse_or_dead_letter(AlertMatch, value, STAGE)
        if match is None:
            return
        stored = memories.get(match.saved_search_id)
        memory = AlertMemory() if stored is None else AlertMemory.model_validate(stored)
        decision = decide(
            match,
            memory,
            already_alerted=made_before(alerted.get(_alert_key(match)), position),
            threshold=settings.near_duplicate_threshold,
            capacity=settings.alert_duplicate_memory,
            now=datetime.now(UTC),
        )
        if decision.alert is None:
            log.debug(
                "no alert", extra={"saved_search_id": match.saved_search_id, "article_id": match.article_id,
                                   "reason": decision.reason},
            )  # fmt: skip
            return
        # Sent before it is remembered, and remembered with this match's position: a crash before Kafka has
        # the alert sends it again when the match is read again (the index and the deliverer keep one per
        # alert id), never loses it.
        await pipeline.send(ALERTS, match.saved_search_id, decision.alert)
        alerted[decision.alert.alert_id] = position
        if decision.memory is not memory:
            memories[match.saved_search_id] = decision.memory.model_dump(mode="json")

    @pipeline.app.agent(pipeline.topic(*STAGE.reads), name="make_alerts")
    async def make_alerts(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for _ in pipeline.each_record(stream, STAGE, alert_one):
            yield None


def _alert_key(match: AlertMatch) -> str:
    return alert_id(match.saved_search_id, match.article_id, match.copy_source_id)
