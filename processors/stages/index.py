"""Stage index: bulk-apply articles, copies, links, stories and alerts to Elasticsearch, and percolate.

The batch's articles are percolated against the saved searches while the bulk
write runs (processors/percolation.py); once it returned, the matches of the
articles it wrote (and of the exact copies it recorded) go to
``alerts.matches``. Offsets advance only after both, so a worker that dies in
between writes and percolates the batch again (the writes are idempotent, and
the alert stage makes no second alert).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import cast

import faust
from faust.types import EventT

from newsflow.processors.patches.lingering_take import lingering_take
from newsflow.processors.percolation import Percolated, Percolator, only_written
from newsflow.processors.pipeline import Pipeline
from newsflow.processors.refresh_pacing import RefreshPacer
from newsflow.processors.sink import ElasticsearchSink, SinkIndices, SinkMessage
from newsflow.schemas.articles import ArticleDocument, CopySeen
from newsflow.schemas.topics import ALERT_MATCHES, INDEX_STAGE

STAGE = INDEX_STAGE
# A batch this small means the pipeline is idle or lightly loaded: it is made searchable at once, not at the
# index's next 1 s refresh. Larger batches (load) leave it to the scheduled refresh, and forced refreshes are
# at least this far apart, so their cost stays bounded (processors/refresh_pacing.py).
REFRESH_BELOW_RECORDS = 16
MIN_REFRESH_INTERVAL_S = 0.25


def register(pipeline: Pipeline) -> Callable[[], bool]:
    """Add the index agent to ``pipeline``'s app; returns whether it is waiting for Elasticsearch (the watchdog
    excuses that)."""
    settings = pipeline.settings
    indices = SinkIndices(settings.index_alias, settings.stories_index_alias, settings.alerts_index_alias)
    sink = ElasticsearchSink(settings.elasticsearch_url, indices, metrics=pipeline.metrics)
    percolator = Percolator(
        settings.elasticsearch_url,
        settings.saved_searches_index_alias,
        settings.index_alias,
        grace=timedelta(seconds=settings.alert_grace_s),
        metrics=pipeline.metrics,
    )

    pacer = RefreshPacer(sink.refresh, below_records=REFRESH_BELOW_RECORDS, interval_s=MIN_REFRESH_INTERVAL_S)

    async def index_batch(events: list[EventT[bytes]]) -> None:
        messages: list[SinkMessage] = []
        for event in events:
            model = cast(type[SinkMessage], pipeline.spec_of(event.message.topic).value_model)
            message = await pipeline.parse_or_dead_letter(model, event.value, STAGE)
            if message is not None:
                messages.append(message)
        articles = _distinct_articles(messages)
        # The articles are percolated while they are written (it reads nothing the write changes): an alert
        # then follows its article's write by the send of its match, not by a whole percolation as well.
        percolating = (
            asyncio.ensure_future(asyncio.to_thread(percolator.percolate_articles, articles))
            if settings.alerts_enabled
            else None
        )
        refresh = pacer.with_write(len(messages))
        try:
            failures = await asyncio.to_thread(sink.write, messages, refresh=refresh)
        except Exception as exc:
            # Elasticsearch refused the whole request (not a transient error): set the batch aside.
            if percolating is not None:
                await asyncio.gather(percolating, return_exceptions=True)  # its matches are of nothing written
            for message in messages:
                await pipeline.set_aside(STAGE, exc, message.model_dump_json(by_alias=True))
            return
        pacer.after_write(len(messages), refresh)
        for failure in failures:
            await pipeline.dead_letter(
                STAGE, failure.error, failure.reason, failure.message.model_dump_json(by_alias=True),
                **failure.where,
            )  # fmt: skip
        if percolating is not None:
            refused = {id(failure.message) for failure in failures}
            await send_matches([m for m in messages if id(m) not in refused], articles, percolating)

    async def send_matches(
        written: list[SinkMessage], articles: list[ArticleDocument], percolating: asyncio.Future[Percolated]
    ) -> None:
        """The saved searches' matches of what was written (``percolating``: of ``articles``, the batch's)."""
        copies = [m for m in written if isinstance(m, CopySeen)]
        indexed = {m.article_id for m in written if isinstance(m, ArticleDocument)}
        try:
            # An article the bulk write refused was percolated all the same: it raises no alert.
            articles, percolated = only_written(articles, await percolating, indexed)
            if not articles and not copies:
                return
            matches = await asyncio.to_thread(percolator.matches, articles, copies, datetime.now(UTC), percolated)
        except Exception as exc:
            # A saved search Elasticsearch can't run (it was accepted when saved): the articles stay
            # indexed; their matching is set aside to be replayed once the search is fixed.
            for article in articles:
                if article.article_id in indexed:
                    await pipeline.set_aside(STAGE, exc, article.model_dump_json(by_alias=True))
            return
        for match in matches:
            await pipeline.send(ALERT_MATCHES, match.saved_search_id, match)

    @pipeline.app.agent(pipeline.topic(*INDEX_STAGE.reads), name="index_documents")
    async def index_documents(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        # lingering_take yields events (the sink needs each one's topic to know its model), leaves the
        # acknowledgement to us (after the bulk write, never on the way out of a stopping worker) and hands a
        # batch on once no more records come, not at the window's tick (patches/lingering_take.py).
        manual = cast(faust.Stream[bytes], stream)
        async for events in lingering_take(manual, settings.batch_size * 4, within=1.0):
            pipeline.took(STAGE, events)
            await index_batch(events)
            for event in events:
                await manual.ack(event)
            yield None

    return lambda: sink.waiting or percolator.waiting


def _distinct_articles(messages: list[SinkMessage]) -> list[ArticleDocument]:
    """The batch's articles, each once (the latest version of a repeated one)."""
    latest = {m.article_id: m for m in messages if isinstance(m, ArticleDocument)}
    return list(latest.values())
