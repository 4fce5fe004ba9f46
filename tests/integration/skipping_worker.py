"""A Faust worker whose fetch position jumps ahead once, as Faust's fetcher does when it drops a fetched batch.

Run by ``test_rewinding_consumer.py`` as a process of its own: ``python
tests/integration/skipping_worker.py worker``. It reads one topic and writes
every offset it processes to a file. When it processes ``SKIP_AT``, it moves
the consumer's position to ``SKIP_TO`` behind Faust's back (``_seek``, not
``seek``: Faust's own read offset is left where it was), which is what a batch
discarded around a rebalance amounts to. Configured by environment:
``SKIP_BOOTSTRAP``, ``SKIP_TOPIC``, ``SKIP_GROUP``, ``SKIP_OUT``, ``SKIP_DATADIR``,
``SKIP_AT``, ``SKIP_TO``, and ``SKIP_APP=faust`` for Faust's plain app (to
show the loss this guards against).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import faust
from faust.transport.consumer import Consumer

from newsflow.infra.logs import logging_config
from newsflow.processors.patches import PatchedApp

env = os.environ
app_class = faust.App if env.get("SKIP_APP") == "faust" else PatchedApp
app = app_class(
    env["SKIP_GROUP"],
    broker=f"kafka://{env['SKIP_BOOTSTRAP']}",
    store="memory://",
    datadir=env["SKIP_DATADIR"],
    web_enabled=False,
    topic_partitions=1,
    broker_commit_interval=0.5,
    # One small fetch at a time, so the jump lands beyond what was fetched.
    consumer_max_fetch_size=64,
    logging_config=logging_config("text", "INFO"),
)
topic = app.topic(env["SKIP_TOPIC"], key_serializer="raw", value_serializer="raw")
processed = Path(env["SKIP_OUT"])
skip_at, skip_to = int(env["SKIP_AT"]), int(env["SKIP_TO"])
skipped = False


@app.agent(topic)
async def record_offsets(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
    """Append each processed offset to the output file; jump ahead once."""
    global skipped  # noqa: PLW0603 - one jump per process
    async for event in stream.events():
        offset = event.message.offset
        with processed.open("a") as out:
            out.write(f"{offset}\n")
        if offset == skip_at and not skipped:
            skipped = True
            consumer = cast(Consumer, app.consumer)
            await consumer._seek(event.message.tp, skip_to)
        yield None


if __name__ == "__main__":
    app.main()
