"""``GET /alerts/stream`` with a real HTTP client against the real API (uvicorn) and the real Kafka topic.

Alerts are published on the sandbox's alerts topic with kafka-python, as the
alerts stage does; the stream must deliver them, filtered by saved search,
once each, after the alerts a reconnecting client missed (from the index, or
from the tail's memory when the index does not hold them yet).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from newsflow.api.alert_stream import AlertStream
from newsflow.api.alerts_router import event
from newsflow.api.app import create_app
from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import Alert
from newsflow.stack.sandbox import drop_sandbox, sandbox_settings
from tests.integration.index_queries import wait_for
from tests.integration.kafka_records import publish_alerts
from tests.integration.test_saved_searches_api import make_alert, write_alerts

MINE, OTHER = "a" * 16, "b" * 16
READ_TIMEOUT_S = 20.0


class LiveApi:
    """The API served by uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: FastAPI = create_app(settings)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, host="127.0.0.1", log_level="warning", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def stream(self) -> AlertStream:
        stream: AlertStream = self.app.state.alert_stream
        return stream

    def start(self) -> None:
        self.thread.start()
        wait_for(lambda: _answers(f"{self.url}/livez"), timeout_s=30, what="the API to answer /livez")
        # The app's lifespan has run once /livez answers: its stream exists.
        wait_for(self.stream.ready.is_set, timeout_s=30, what="the alerts tail at the topic's end")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def alert_sandbox(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A sandbox (alerts topic and indices) for the module."""
    settings = sandbox_settings(stack_settings, tmp_path_factory.mktemp("alert-stream"))
    yield settings
    drop_sandbox(settings)


@pytest.fixture(scope="module")
def live_api(alert_sandbox: Settings) -> Iterator[LiveApi]:
    """The real API serving the sandbox, its alerts tail ready."""
    api = LiveApi(alert_sandbox)
    api.start()
    try:
        yield api
    finally:
        api.stop()


@contextmanager
def sse(url: str, headers: dict[str, str] | None = None, **params: str) -> Iterator[Iterator[str]]:
    """The stream's lines, once the API has said it is connected (so the subscription is in place)."""
    with (
        httpx.Client(timeout=httpx.Timeout(10.0, read=READ_TIMEOUT_S)) as client,
        client.stream("GET", f"{url}/alerts/stream", params=params, headers=headers or {}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert (next(lines), next(lines)) == (": connected", "")
        yield lines


def read_alerts(lines: Iterator[str], count: int) -> list[tuple[str, Alert]]:
    """The next ``count`` alert events (id, alert); fails by read timeout when they don't come."""
    got: list[tuple[str, Alert]] = []
    event_id, kind, data = "", "", ""
    # Heartbeats would keep a read timeout from ever firing: the wait has a deadline of its own.
    deadline = time.monotonic() + READ_TIMEOUT_S
    seen: list[str] = []
    for line in lines:
        seen.append(line[:80])
        if time.monotonic() > deadline:
            pytest.fail(f"{len(got)} of {count} alerts after {READ_TIMEOUT_S:.0f}s; the stream said {seen}")
        if line.startswith("id: "):
            event_id = line.removeprefix("id: ")
        elif line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = line.removeprefix("data: ")
        elif line == "" and kind == "alert":
            got.append((event_id, Alert.model_validate_json(data)))
            kind = ""
            if len(got) == count:
                return got
    pytest.fail(f"the stream ended after {len(got)} of {count} alerts")


def test_published_alerts_arrive_on_the_stream_once_each(live_api: LiveApi) -> None:
    now = datetime.now(UTC)
    alerts = [make_alert(MINE, n, now + timedelta(milliseconds=n)) for n in range(3)]
    with sse(live_api.url) as lines:
        # The topic is at-least-once: the second copy of the first alert must not reach the client.
        publish_alerts(live_api.settings, *alerts, alerts[0])
        got = read_alerts(lines, 3)
        assert [a for _, a in got] == alerts
        assert [i for i, _ in got] == [a.alert_id for a in alerts]
        later = make_alert(MINE, 50, now + timedelta(seconds=1))
        publish_alerts(live_api.settings, alerts[1], later)
        assert read_alerts(lines, 1) == [(later.alert_id, later)]


def test_a_client_gets_only_its_saved_search(live_api: LiveApi) -> None:
    now = datetime.now(UTC)
    mine = [make_alert(MINE, 100 + n, now) for n in range(2)]
    others = [make_alert(OTHER, 200 + n, now) for n in range(3)]
    with sse(live_api.url, saved_search_id=MINE) as filtered, sse(live_api.url) as everything:
        publish_alerts(live_api.settings, others[0], mine[0], others[1], mine[1], others[2])
        assert [a for _, a in read_alerts(filtered, 2)] == mine
        assert {a.alert_id for _, a in read_alerts(everything, 5)} == {a.alert_id for a in mine + others}


def test_last_event_id_sends_the_missed_alerts_first(live_api: LiveApi) -> None:
    # A search of its own: the tail remembers the other tests' alerts, which a reconnecting client missed too.
    mine = "d" * 16
    start = datetime.now(UTC) - timedelta(hours=1)
    indexed = [make_alert(mine, 300 + n, start + timedelta(minutes=n)) for n in range(4)]
    indexed.append(make_alert(OTHER, 399, start + timedelta(minutes=2, seconds=30)))
    write_alerts(live_api.settings, indexed)
    last_seen = indexed[1]
    with sse(live_api.url, headers={"Last-Event-ID": last_seen.alert_id}, saved_search_id=mine) as lines:
        assert [a for _, a in read_alerts(lines, 2)] == indexed[2:4]
        live = make_alert(mine, 398, datetime.now(UTC))
        # Already sent from the index, then published again: not sent twice.
        publish_alerts(live_api.settings, indexed[3], live)
        assert [a for _, a in read_alerts(lines, 1)] == [live]
    # Without a filter, every saved search's alerts after it, oldest first (the live one is not in the index).
    with sse(live_api.url, last_event_id=indexed[2].alert_id) as lines:
        assert [a for _, a in read_alerts(lines, 2)] == [indexed[4], indexed[3]]
    with sse(live_api.url, headers={"Last-Event-ID": "0" * 24}) as lines:
        assert next(lines) == ": no backfill: the last event id is not in the alerts index"


def test_a_reconnecting_client_gets_alerts_the_index_does_not_hold_yet(live_api: LiveApi) -> None:
    # Published, not indexed: as when the alerts stage's sink has not written them when the client comes back.
    now = datetime.now(UTC)
    alerts = [make_alert(MINE, 500 + n, now + timedelta(milliseconds=n)) for n in range(4)]
    with sse(live_api.url, saved_search_id=MINE) as lines:
        publish_alerts(live_api.settings, *alerts)
        assert [a for _, a in read_alerts(lines, 1)] == alerts[:1]
    # The client saw the first one, then lost its connection: the tail remembers the rest.
    with sse(live_api.url, headers={"Last-Event-ID": alerts[0].alert_id}, saved_search_id=MINE) as lines:
        assert [a for _, a in read_alerts(lines, 3)] == alerts[1:]
        live = make_alert(MINE, 599, datetime.now(UTC))
        publish_alerts(live_api.settings, alerts[2], live)
        assert [a for _, a in read_alerts(lines, 1)] == [live]


def test_an_idle_stream_has_a_heartbeat(live_api: LiveApi) -> None:
    live_api.stream.heartbeat_s = 0.3
    try:
        with sse(live_api.url, saved_search_id="c" * 16) as lines:
            started = time.monotonic()
            beats = [next(lines) for _ in range(4)]
            assert beats == [": keep-alive", "", ": keep-alive", ""]
            assert time.monotonic() - started < 5
    finally:
        live_api.stream.heartbeat_s = 15.0


def test_clients_leaving_are_forgotten(live_api: LiveApi) -> None:
    with sse(live_api.url) as lines:
        assert lines is not None
        assert live_api.stream.clients >= 1
    wait_for(lambda: live_api.stream.clients == 0, timeout_s=20, what="the stream to forget its client")
    assert httpx.get(f"{live_api.url}/alerts/stream", params={"saved_search_id": "nope"}).status_code == 422


# --- the fan-out's own logic (no Kafka needed: alerts handed over as the tail would) -------------


def test_a_slow_client_is_disconnected_without_holding_up_others(tmp_path: Path) -> None:
    stream = AlertStream(Settings(home=tmp_path), queue_size=3)
    now = datetime.now(UTC)
    alerts = [make_alert(MINE, n, now) for n in range(5)]

    async def scenario() -> tuple[list[Alert | None], list[Alert | None]]:
        stream._thread = threading.current_thread()  # the tail is not needed here: alerts are handed over
        slow, fast = stream.subscribe(None), stream.subscribe(MINE)
        got: list[Alert | None] = []
        for alert in alerts:
            stream.fan_out([alert])
            got.append(fast.queue.get_nowait())
        dropped = [slow.queue.get_nowait() for _ in range(slow.queue.qsize())]
        return got, dropped

    got, dropped = asyncio.run(scenario())
    assert got == alerts
    # The slow one's backlog is gone and the end marker is all that's left for it.
    assert dropped == [None]
    assert stream.clients == 1


def test_the_tail_remembers_recent_alerts_for_reconnecting_clients(tmp_path: Path) -> None:
    stream = AlertStream(Settings(home=tmp_path), recent_memory=4)
    now = datetime.now(UTC)
    alerts = [make_alert(MINE if n % 2 else OTHER, n, now + timedelta(seconds=n)) for n in range(6)]

    async def scenario() -> None:
        stream._thread = threading.current_thread()  # no tail: alerts are handed over as it would
        stream.fan_out(alerts)
        # Remembered: everything after it, of any search or of the client's only.
        assert stream.recent_after(alerts[3].alert_id, None, None) == alerts[4:]
        assert stream.recent_after(alerts[2].alert_id, None, MINE) == [alerts[3], alerts[5]]
        # Forgotten (the memory holds 4), but its time is known from the index: what was raised since.
        assert stream.recent_after(alerts[1].alert_id, now + timedelta(seconds=3), None) == alerts[3:]
        # Neither remembered nor indexed: nothing can be said.
        assert stream.recent_after(alerts[0].alert_id, None, None) == []

    asyncio.run(scenario())


def test_the_tail_drops_alerts_it_has_seen(tmp_path: Path) -> None:
    stream = AlertStream(Settings(home=tmp_path))
    now = datetime.now(UTC)
    first, second = make_alert(MINE, 1, now), make_alert(MINE, 2, now)
    assert stream.fresh([first, second, first]) == [first, second]
    assert stream.fresh([second]) == []
    assert event(first).startswith(f"id: {first.alert_id}\nevent: alert\ndata: {{")
    assert event(first).endswith("}\n\n")
