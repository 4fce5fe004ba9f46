"""Fault (c): the API is SIGKILLed while a client queries it, then restarted."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from newsflow.infra.settings import Settings
from tests.faults.alerts import WebhookReceiver, check_alerts
from tests.faults.scenario import (
    CorpusSlice,
    Pipeline,
    check_index,
    dead_letters,
    indexed_count,
    record_recovery,
    wait_for_index,
    wait_until,
)

pytestmark = pytest.mark.faults


@dataclass
class Client:
    """Searches the API in a loop on its own thread, recording when each answer came and whether it was a 200."""

    base_url: str
    answers: list[tuple[float, bool]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            while not self._stop.is_set():
                try:
                    ok = http.get("/search", params={"q": "said", "size": 5}).status_code == 200
                except httpx.TransportError:
                    ok = False  # refused, reset or cut mid-answer: the API is gone
                self.answers.append((time.monotonic(), ok))
                self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()

    def since(self, moment: float, ok: bool) -> list[float]:
        """Times of the answers after ``moment`` that succeeded (``ok``) or failed."""
        return [at for at, success in list(self.answers) if at > moment and success is ok]


def test_api_killed_while_queried_comes_back_and_the_index_is_untouched(
    sandbox: Settings, pipeline: Pipeline, flowing_corpus: CorpusSlice, webhook_receiver: WebhookReceiver
) -> None:
    """Queries fail while the API is dead, all succeed again after the restart; indexing never notices."""
    corpus = flowing_corpus
    client = Client(pipeline.start_api())
    thread = threading.Thread(target=client.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: client.since(0, ok=True), 300, "a first successful search")
        wait_until(lambda: indexed_count(sandbox) >= corpus.documents // 3, 600, "a third of the documents indexed")
        pipeline.kill("api")
        killed = time.monotonic()
        wait_until(lambda: client.since(killed, ok=False), 60, "the client seeing the API gone")
        assert indexed_count(sandbox) < corpus.documents, "the kill must come while documents are still indexed"

        restarted = time.monotonic()
        pipeline.start_api()
        back = wait_until(lambda: client.since(restarted, ok=True), 300, "a successful search after the restart")
        recovery_s = back[0] - restarted
        index_complete_s = wait_for_index(sandbox, corpus, since=restarted)
        last_query = time.monotonic()
        wait_until(lambda: client.since(last_query, ok=True), 60, "a search after the index completed")
    finally:
        client.stop()
        thread.join(timeout=60)

    failed_after_recovery = client.since(back[0], ok=False)
    assert not failed_after_recovery, f"{len(failed_after_recovery)} searches failed after the API came back"
    with httpx.Client(base_url=f"http://127.0.0.1:{pipeline.api_port}", timeout=30) as http:
        some_id = next(iter(corpus.expected))
        article = http.get(f"/articles/{some_id}")
        assert article.status_code == 200
        assert article.json()["article_id"] == some_id
    check_index(sandbox, corpus)
    alerts = check_alerts(sandbox, webhook_receiver)  # every expected alert indexed and posted exactly once
    assert dead_letters(sandbox) == []
    record_recovery(
        "api_sigkill", recovery_s, meaning="restart -> first successful search",
        index_complete_s=round(index_complete_s, 1), failed_searches=len(client.since(killed, ok=False)),
        searches=len(client.answers),
        alerts=alerts,
    )  # fmt: skip
