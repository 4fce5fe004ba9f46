"""Webhook delivery against a real HTTP receiver, real Kafka and real Elasticsearch.

Each test gets a sandbox (its own alerts topic and indices), a receiver on
127.0.0.1 whose behaviour is chosen by the webhook's path (answer 200, answer
500, hang, redirect ...), saved searches written straight into the sandbox's
saved-searches index, and the real deliverer: in this process, or as
``python -m newsflow.delivery`` for the restart. Every webhook URL carries
credentials and a query token; no log line and no stored document may show them.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from kafka.partitioner.default import murmur2
from prometheus_client import CollectorRegistry

from newsflow.delivery.deliverer import Deliverer
from newsflow.delivery.metrics import DeliveryMetrics
from newsflow.infra.logs import JsonFormatter, TextFormatter
from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import Alert, SavedSearch, Webhook, WebhookState, alert_id
from newsflow.schemas.search import SearchFilters
from newsflow.stack.sandbox import settings_env, stop_process
from tests.integration.index_queries import wait_for
from tests.integration.kafka_records import publish_alerts

pytestmark = pytest.mark.integration

# The deliverer answers in milliseconds: look often, give up after 30 s.
soon = functools.partial(wait_for, timeout_s=30, interval_s=0.05)

USER, PASSWORD, TOKEN = "alice", "S3CRETPW", "TOKENVALUE"
SECRETS = (PASSWORD, TOKEN, f"{USER}:")


# --- the receiver ----------------------------------------------------------------------------
@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that answers by path: /ok, /fail, /flaky, /hang, /redirect, /slow."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    slow_s: float = 0.15  # how long /slow takes to answer; a test may change it while POSTs arrive
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, behaviour: str, name: str = "") -> str:
        port = self.server.server_address[1]
        return f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/{behaviour}/{name or secrets.token_hex(3)}?token={TOKEN}"

    def posts(self, behaviour: str | None = None, alert: str | None = None) -> list[Received]:
        with self.lock:
            return [
                r
                for r in self.received
                if (behaviour is None or r.path.startswith(f"/{behaviour}/"))
                and (alert is None or r.headers.get("X-Newsflow-Alert-Id") == alert)
            ]


def _handler(receiver_ref: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            receiver = receiver_ref[0]
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            behaviour = self.path.split("/")[1]
            with receiver.lock:
                earlier = [r for r in receiver.received if r.headers["X-Newsflow-Alert-Id"] == body["alert_id"]]
                receiver.received.append(Received(self.path, dict(self.headers), body, time.monotonic()))
            if behaviour == "hang":
                receiver.released.wait(10)
            if behaviour == "slow":
                time.sleep(receiver.slow_s)
            status = {"fail": 500, "redirect": 302}.get(behaviour, 200)
            if behaviour == "flaky" and not earlier:
                status = 500
            self.send_response(status)
            if behaviour == "redirect":
                self.send_header("Location", f"https://bob:{PASSWORD}@elsewhere.example/in?token={TOKEN}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads ``received``."""

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    ref: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    server.daemon_threads = True
    ref.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ref[0]
    ref[0].released.set()
    server.shutdown()
    server.server_close()


# --- logs ------------------------------------------------------------------------------------
class _Lines(logging.Handler):
    """Every record, formatted both ways newsflow formats logs (text and JSON)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._text, self._json = TextFormatter(), JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.extend((self._text.format(record), self._json.format(record)))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    handler = _Lines()
    root, kafka = logging.getLogger(), logging.getLogger("kafka")
    levels = root.level, kafka.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # everything, the HTTP libraries' debug lines included
    kafka.setLevel(logging.INFO)  # except kafka-python's per-request chatter
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(levels[0])
    kafka.setLevel(levels[1])


# --- the sandbox -----------------------------------------------------------------------------
@pytest.fixture
def settings(isolated_settings: Settings) -> Settings:
    """Small timeouts and back-offs so that retries take milliseconds."""
    return isolated_settings.model_copy(
        update={
            "webhook_timeout_s": 0.5,
            "webhook_attempts": 3,
            "webhook_max_backoff_s": 0.05,
            "webhook_disable_after": 2,
        }
    )


@pytest.fixture
def patient_settings(settings: Settings) -> Settings:
    """A timeout well above /slow's answer: on a loaded machine a POST past 0.5 s is retried, rightly, and
    posted twice, which the tests of rebalances and restarts would count as a double post."""
    return settings.model_copy(update={"webhook_timeout_s": 5.0})


def save_search(settings: Settings, url: str | None, name: str = "watch") -> str:
    now = datetime.now(UTC)
    search = SavedSearch(
        saved_search_id=secrets.token_hex(8),
        name=name,
        filters=SearchFilters(q="HIMARS"),
        webhook=Webhook(url=url) if url else None,
        created_at=now,
        updated_at=now,
    )
    document = {"saved_search": search.model_dump(mode="json"), "query": {"match": {"title": "HIMARS"}}}
    Elasticsearch(settings.elasticsearch_url).index(
        index=settings.saved_searches_index_alias, id=search.saved_search_id, document=document, refresh="wait_for"
    )
    return search.saved_search_id


def stored_search(settings: Settings, saved_search_id: str) -> SavedSearch:
    es = Elasticsearch(settings.elasticsearch_url)
    source = es.get(index=settings.saved_searches_index_alias, id=saved_search_id)["_source"]
    return SavedSearch.model_validate(source["saved_search"])


def make_alert(saved_search_id: str, article: str | None = None) -> Alert:
    now = datetime.now(UTC)
    article = article or secrets.token_hex(8)
    return Alert(
        alert_id=alert_id(saved_search_id, article),
        saved_search_id=saved_search_id,
        saved_search_name="watch",
        article_id=article,
        title=f"HIMARS {article}",
        outlet="reuters",
        dated_at=now,
        indexed_at=now,
        alerted_at=now,
    )


def deliveries(settings: Settings, alert: str | None = None) -> list[dict[str, Any]]:
    """The delivery log (of one alert), by alert and attempt."""
    es = Elasticsearch(settings.elasticsearch_url)
    es.indices.refresh(index=settings.deliveries_index_alias)
    query = {"term": {"alert_id": alert}} if alert else {"match_all": {}}
    hits = es.search(index=settings.deliveries_index_alias, query=query, size=1000)["hits"]["hits"]
    return sorted((hit["_source"] for hit in hits), key=lambda d: (d["alert_id"], d["attempt"]))


@dataclass
class Running:
    deliverer: Deliverer
    registry: CollectorRegistry

    def alerts_ended(self, ending: str) -> int:
        value = self.registry.get_sample_value("newsflow_webhook_alerts_total", {"ending": ending})
        return int(value or 0)


@contextmanager
def running_deliverer(settings: Settings, client_id: str = "newsflow-delivery") -> Iterator[Running]:
    """The deliverer in a thread of this process, with its group joined; stopped (and checked stopped) after."""
    registry = CollectorRegistry()
    deliverer = Deliverer(settings, metrics=DeliveryMetrics(registry), cache_ttl_s=0.2, client_id=client_id)
    thread = threading.Thread(target=deliverer.run, name="deliverer")
    thread.start()
    try:
        assert deliverer.assigned.wait(30), "the deliverer never got its partitions"
        yield Running(deliverer, registry)
    finally:
        deliverer.stop()
        thread.join(30)
        assert not thread.is_alive(), "the deliverer did not stop within 30 s"
    assert not deliverer.failed


def assert_no_secrets(settings: Settings, *texts: str) -> None:
    """Neither ``texts`` nor any stored delivery or saved search shows a credential or the query token."""
    es = Elasticsearch(settings.elasticsearch_url)
    stored = json.dumps(deliveries(settings))
    searches = es.search(index=settings.saved_searches_index_alias, size=1000)["hits"]["hits"]
    disabled = json.dumps([hit["_source"]["saved_search"]["webhook"] for hit in searches])
    for secret in SECRETS:
        for text in texts:
            assert secret not in text, f"{secret!r} in a log line: {text}"
        assert secret not in stored, f"{secret!r} in the delivery log"
        # The saved search itself keeps its URL (the receiver needs its credentials); its reason may not.
        assert disabled.count(secret) <= len(searches), f"{secret!r} beyond the webhook URLs"


# --- the tests ---------------------------------------------------------------------------------
def test_an_alert_is_posted_once_with_its_json_and_headers(
    settings: Settings, receiver: Receiver, log_lines: list[str]
) -> None:
    saved = save_search(settings, receiver.url("ok"))
    alert = make_alert(saved)
    with running_deliverer(settings) as running:
        publish_alerts(settings, alert)
        (post,) = soon(lambda: receiver.posts(alert=alert.alert_id), what="the POST")
        soon(
            lambda: running.alerts_ended("delivered") == 1,
            timeout_s=30,
            what="the delivery to be logged",
            interval_s=0.05,
        )
    assert Alert.model_validate(post.body) == alert
    assert post.path.startswith("/ok/")
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["User-Agent"].startswith("newsflow/")
    assert post.headers["X-Newsflow-Alert-Id"] == alert.alert_id
    assert post.headers["Authorization"].startswith("Basic ")  # the URL's credentials, sent as HTTP auth
    (logged,) = deliveries(settings, alert.alert_id)
    assert (logged["outcome"], logged["attempt"], logged["status_code"]) == ("delivered", 1, 200)
    assert logged["url"] == f"http://***@127.0.0.1:{receiver.server.server_address[1]}{post.path.split('?')[0]}?***"
    assert any("webhook delivered" in line for line in log_lines)
    assert_no_secrets(settings, *log_lines)


def test_the_same_alert_published_twice_is_posted_once(settings: Settings, receiver: Receiver) -> None:
    saved = save_search(settings, receiver.url("ok"))
    alert = make_alert(saved)
    with running_deliverer(settings) as running:
        publish_alerts(settings, alert)
        soon(lambda: running.alerts_ended("delivered") == 1, what="the first delivery", interval_s=0.05)
        publish_alerts(settings, alert)  # a replay of the alerts topic, or a producer retry
        soon(
            lambda: running.alerts_ended("already_done") == 1,
            timeout_s=30,
            what="the second copy to be recognised",
            interval_s=0.05,
        )
    assert len(receiver.posts(alert=alert.alert_id)) == 1
    assert [d["outcome"] for d in deliveries(settings, alert.alert_id)] == ["delivered"]


def test_a_second_deliverer_joining_takes_over_without_posting_an_alert_twice(
    patient_settings: Settings, receiver: Receiver
) -> None:
    # A search on every partition, and a receiver so slow until the second deliverer holds partitions that
    # the first cannot finish before the group rebalances, however long the join takes (up to 30 s).
    settings = patient_settings
    searches = searches_on_every_partition(settings, receiver.url("slow"))
    alerts = [make_alert(saved) for _ in range(40) for saved in searches]
    receiver.slow_s = 1.0
    publish_alerts(settings, *alerts)
    wanted = {alert.alert_id for alert in alerts}
    with running_deliverer(settings, client_id="first") as first:
        soon(lambda: len(receiver.posts()) >= len(searches), what="the first deliverer under way")
        with running_deliverer(settings, client_id="second") as second:
            receiver.slow_s = 0.02
            soon(
                lambda: {d["alert_id"] for d in deliveries(settings) if d["outcome"] == "delivered"} >= wanted,
                what="every alert delivered and logged",
                timeout_s=120,
                interval_s=0.5,
            )
            took_over = second.alerts_ended("delivered")
        kept = first.alerts_ended("delivered")
    assert took_over > 0, "the second deliverer got no partition with alerts left: the test proved nothing"
    assert kept + took_over == len(alerts)
    for alert in alerts:
        assert len(receiver.posts(alert=alert.alert_id)) == 1, f"{alert.alert_id} posted more than once"
    # One search's alerts still arrive in the order they were published, whichever deliverer sent them.
    for saved in searches:
        order = [r.body["alert_id"] for r in receiver.posts("slow") if r.body["saved_search_id"] == saved]
        assert order == [a.alert_id for a in alerts if a.saved_search_id == saved]


def searches_on_every_partition(settings: Settings, url: str) -> list[str]:
    """Saved searches whose alerts (keyed by search) land on every partition of the alerts topic, two each."""
    per_partition: dict[int, list[str]] = {p: [] for p in range(settings.topic_partitions)}
    while any(len(ids) < 2 for ids in per_partition.values()):
        saved = save_search(settings, url)
        ids = per_partition[(murmur2(saved.encode()) & 0x7FFFFFFF) % settings.topic_partitions]
        if len(ids) < 2:
            ids.append(saved)  # the others stay saved, with no alerts
    return [saved for ids in per_partition.values() for saved in ids]


def test_a_500_then_a_200_is_delivered_on_the_second_attempt(settings: Settings, receiver: Receiver) -> None:
    saved = save_search(settings, receiver.url("flaky"))
    alert = make_alert(saved)
    with running_deliverer(settings) as running:
        publish_alerts(settings, alert)
        soon(lambda: running.alerts_ended("delivered") == 1, what="the delivery")
    first, second = deliveries(settings, alert.alert_id)
    assert (first["attempt"], first["outcome"], first["status_code"]) == (1, "failed", 500)
    assert "HTTP 500" in first["error"]
    assert (second["attempt"], second["outcome"], second["status_code"]) == (2, "delivered", 200)
    assert len(receiver.posts(alert=alert.alert_id)) == 2
    webhook = stored_search(settings, saved).webhook
    assert webhook is not None and (webhook.state, webhook.consecutive_failures) == (WebhookState.ACTIVE, 0)


def test_a_failing_webhook_is_given_up_then_disabled_and_later_alerts_skipped(
    settings: Settings, receiver: Receiver, log_lines: list[str]
) -> None:
    saved = save_search(settings, receiver.url("fail"))
    first, second, third = (make_alert(saved) for _ in range(3))
    with running_deliverer(settings) as running:
        publish_alerts(settings, first, second)
        soon(lambda: running.alerts_ended("given_up") == 2, what="two alerts given up", interval_s=0.05)
        publish_alerts(settings, third)
        soon(lambda: running.alerts_ended("skipped") == 1, what="the third alert skipped", interval_s=0.05)
    for alert in (first, second):
        log = deliveries(settings, alert.alert_id)
        assert [(d["attempt"], d["outcome"], d["status_code"]) for d in log] == [
            (1, "failed", 500),
            (2, "failed", 500),
            (3, "given_up", 500),
        ]
        assert len(receiver.posts(alert=alert.alert_id)) == 3  # webhook_attempts
    webhook = stored_search(settings, saved).webhook
    assert webhook is not None
    assert webhook.state == WebhookState.DISABLED
    assert webhook.consecutive_failures == 2
    assert webhook.disabled_at is not None and "HTTP 500" in (webhook.disabled_reason or "")
    assert receiver.posts(alert=third.alert_id) == []
    (skipped,) = deliveries(settings, third.alert_id)
    assert skipped["outcome"] == "skipped" and skipped["error"] == "the webhook is disabled"
    assert any("webhook disabled" in line for line in log_lines)
    assert_no_secrets(settings, *log_lines)


def test_a_delivery_resets_the_count_of_given_up_alerts(settings: Settings, receiver: Receiver) -> None:
    saved = save_search(settings, receiver.url("fail"))
    with running_deliverer(settings) as running:
        publish_alerts(settings, make_alert(saved))
        soon(lambda: running.alerts_ended("given_up") == 1, what="one alert given up", interval_s=0.05)
        webhook = stored_search(settings, saved).webhook
        assert webhook is not None and webhook.consecutive_failures == 1 and webhook.state == WebhookState.ACTIVE
        # The receiver is fixed: the same URL now answers (the API would do this by a PUT).
        es = Elasticsearch(settings.elasticsearch_url)
        fixed_url = webhook.url.replace("/fail/", "/ok/")
        es.update(
            index=settings.saved_searches_index_alias,
            id=saved,
            body={
                "script": {"source": "ctx._source.saved_search.webhook.url = params.url", "params": {"url": fixed_url}}
            },
            refresh="wait_for",
        )
        time.sleep(0.3)  # past the deliverer's cache
        publish_alerts(settings, make_alert(saved))
        soon(lambda: running.alerts_ended("delivered") == 1, what="the delivery")
    webhook = stored_search(settings, saved).webhook
    assert webhook is not None and webhook.url == fixed_url and webhook.state == WebhookState.ACTIVE
    assert webhook.consecutive_failures == 0


def test_a_hanging_webhook_times_out_without_holding_up_another(
    settings: Settings, receiver: Receiver, log_lines: list[str]
) -> None:
    settings = settings.model_copy(update={"webhook_timeout_s": 2.0, "webhook_attempts": 1})
    hanging = save_search(settings, receiver.url("hang"))
    answering = save_search(settings, receiver.url("ok"))
    stuck, prompt = make_alert(hanging), make_alert(answering)
    with running_deliverer(settings) as running:
        publish_alerts(settings, stuck)
        soon(lambda: receiver.posts("hang"), what="the hanging POST to begin")
        published_at = time.monotonic()
        publish_alerts(settings, prompt)
        (post,) = soon(lambda: receiver.posts("ok"), what="the other search's POST")
        assert post.at - published_at < 1.5, "the other webhook waited for the hanging one"
        assert receiver.posts("ok")[0].at < receiver.posts("hang")[0].at + 2.0
        soon(
            lambda: running.alerts_ended("given_up") == 1,
            timeout_s=30,
            what="the hanging webhook to time out",
            interval_s=0.05,
        )
    (timed_out,) = deliveries(settings, stuck.alert_id)
    assert timed_out["outcome"] == "given_up"
    assert timed_out["status_code"] is None
    assert "no answer within 2 s" in timed_out["error"]
    assert 1900 <= timed_out["duration_ms"] < 3000
    assert_no_secrets(settings, *log_lines)


def test_a_redirect_is_a_failure_naming_the_target_without_its_credentials(
    settings: Settings, receiver: Receiver, log_lines: list[str]
) -> None:
    saved = save_search(settings, receiver.url("redirect"))
    alert = make_alert(saved)
    with running_deliverer(settings) as running:
        publish_alerts(settings, alert)
        soon(
            lambda: running.alerts_ended("given_up") == 1,
            timeout_s=30,
            what="the redirect to be given up",
            interval_s=0.05,
        )
    log = deliveries(settings, alert.alert_id)
    assert [d["outcome"] for d in log] == ["failed", "failed", "given_up"]
    assert log[0]["status_code"] == 302
    assert log[0]["error"] == (
        "HTTP 302: redirects are not followed: point the webhook at https://***@elsewhere.example/in?***"
    )
    assert_no_secrets(settings, *log_lines)


def test_a_port_nothing_listens_on_is_a_failure(settings: Settings, log_lines: list[str]) -> None:
    with socket_nobody_listens_on() as port:
        saved = save_search(settings, f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/in?token={TOKEN}")
        alert = make_alert(saved)
        with running_deliverer(settings) as running:
            publish_alerts(settings, alert)
            soon(
                lambda: running.alerts_ended("given_up") == 1,
                timeout_s=30,
                what="the alert to be given up",
                interval_s=0.05,
            )
    log = deliveries(settings, alert.alert_id)
    assert [d["outcome"] for d in log] == ["failed", "failed", "given_up"]
    assert all(d["status_code"] is None for d in log)
    assert log[0]["error"].startswith(f"could not connect to http://***@127.0.0.1:{port}/in?***")
    assert_no_secrets(settings, *log_lines)


@contextmanager
def socket_nobody_listens_on() -> Iterator[int]:
    """A port bound (so nobody else takes it) but not listening: connections are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def test_a_restarted_deliverer_loses_no_alert_and_posts_none_twice(
    patient_settings: Settings, receiver: Receiver, tmp_path: Path
) -> None:
    settings = patient_settings
    searches = [save_search(settings, receiver.url("slow")) for _ in range(3)]
    flaky = save_search(settings, receiver.url("flaky"))
    alerts = [make_alert(saved) for saved in searches for _ in range(8)] + [make_alert(flaky) for _ in range(4)]
    publish_alerts(settings, *alerts)
    log_file = tmp_path / "delivery.log"
    env = settings_env(settings, NEWSFLOW_DELIVERY_METRICS_PORT="0", NEWSFLOW_LOG_LEVEL="DEBUG")

    def start() -> subprocess.Popen[bytes]:
        with log_file.open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "newsflow.delivery"], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    process = start()
    try:
        soon(lambda: len(receiver.posts()) >= 6, what="the first deliveries", timeout_s=60)
        stop_process(process, timeout_s=30)  # SIGTERM mid-way: POSTs under way end, offsets are committed
        assert process.returncode == 0, log_file.read_text()[-3000:]
        before = len({r.headers["X-Newsflow-Alert-Id"] for r in receiver.posts()})
        assert before < len(alerts), "the restart came too late to be mid-way"
        process = start()
        wanted = {alert.alert_id for alert in alerts}
        soon(
            lambda: {d["alert_id"] for d in deliveries(settings) if d["outcome"] == "delivered"} >= wanted,
            what="every alert delivered and logged",
            timeout_s=60,
        )
    finally:
        stop_process(process, timeout_s=30)
    for alert in alerts:
        posts = receiver.posts(alert=alert.alert_id)
        expected = 2 if alert.saved_search_id == flaky else 1  # the flaky receiver answers 500 first
        assert len(posts) == expected, f"{alert.alert_id} posted {len(posts)} times"
        assert [d["outcome"] for d in deliveries(settings, alert.alert_id)][-1] == "delivered"
    # One search's alerts arrive in the order they were published, across the restart.
    for saved in searches:
        order = [r.body["alert_id"] for r in receiver.posts("slow") if r.body["saved_search_id"] == saved]
        assert order == [a.alert_id for a in alerts if a.saved_search_id == saved]
    text = log_file.read_text()
    assert "deliverer stopped" in text
    assert_no_secrets(settings, *text.splitlines())
