"""Saved searches through the whole pipeline: files -> Kafka -> Faust -> Elasticsearch -> percolation -> alerts.

One worker runs for the module; the searches are saved before any article is
sent, the samples, a renamed copy, an edited republication and a replay follow.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsflow.api.monitoring import PipelineMonitor
from newsflow.infra.settings import Settings
from newsflow.operations.replay import replay
from newsflow.schemas.alerts import Alert, SavedSearchRequest
from newsflow.schemas.topics import ALERTS, ENRICHED
from tests.conftest import running_pipeline
from tests.integration.corpus import OTHER, REPUBLISHED_TITLE, REUTERS, send_files, write_republication
from tests.integration.index_queries import alerts, articles, wait_for
from tests.integration.kafka_records import topic_records
from tests.saved_searches import save_search


@pytest.fixture(scope="module")
def pipeline_settings(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A worker whose searches alert only on articles received after they were saved (no grace), so that the
    replay test can save one between the samples' first pass and their replay."""
    base = stack_settings.model_copy(update={"alert_grace_s": 0.0})
    with running_pipeline(base, tmp_path_factory.mktemp("alerts")) as settings:
        yield settings


@pytest.fixture(scope="module")
def saved_searches(pipeline_settings: Settings) -> dict[str, str]:
    """Four searches saved before any article arrives: name -> id."""
    requests = [
        SavedSearchRequest(name="himars", q="HIMARS"),
        SavedSearchRequest(name="himars, every copy", q="HIMARS", notify_duplicates=True),
        SavedSearchRequest(name="zelensky in balakliya", q="Balakliya", entity=["person:volodymyr-zelensky"]),
        SavedSearchRequest(name="nothing", q="zyzzyva"),
    ]
    return {request.name: save_search(pipeline_settings, request) for request in requests}


def alerts_topic(settings: Settings) -> list[Alert]:
    """Every record on the alerts topic so far."""
    return [Alert.model_validate_json(record.value) for record in topic_records(settings, ALERTS)]


def by_search(found: list[dict[str, Any]], ids: dict[str, str]) -> Counter[str]:
    names = {v: k for k, v in ids.items()}
    return Counter(names[a["saved_search_id"]] for a in found)


@pytest.fixture(scope="module")
def sample_alerts(pipeline_settings: Settings, saved_searches: dict[str, str]) -> list[dict[str, Any]]:
    """The alerts the two samples made, once the pipeline has nothing left to do."""
    send_files(pipeline_settings, REUTERS, OTHER)
    wait_for(lambda: len(articles(pipeline_settings)) == 2, what="both samples indexed")
    wait_for(lambda: idle(pipeline_settings), what="the pipeline idle")
    return alerts(pipeline_settings)


def idle(settings: Settings) -> bool:
    """Every message of every topic the workers read is committed."""
    lag = PipelineMonitor(settings, cache_s=0).figures()["kafka"]
    return lag is not None and not any(lag["lag"].values())


def test_each_sample_alerts_every_search_it_matches_once(
    pipeline_settings: Settings, saved_searches: dict[str, str], sample_alerts: list[dict[str, Any]]
) -> None:
    docs = articles(pipeline_settings)
    balakliya = [d for d in docs if "Balakliya" in d["body"] and "person:volodymyr-zelensky" in d["entity_ids"]]
    counts = by_search(sample_alerts, saved_searches)
    assert counts == Counter({"himars": 2, "himars, every copy": 2, "zelensky in balakliya": len(balakliya)})
    assert len({a["alert_id"] for a in sample_alerts}) == len(sample_alerts)
    ids = {d["article_id"]: d for d in docs}
    for alert in sample_alerts:
        article = ids[alert["article_id"]]
        assert alert["title"] == article["title"] and alert["story_id"] == article["story_id"]
        assert alert["duplicate_of"] is None and alert["copy_source_id"] is None
        assert alert["alerted_at"] >= alert["indexed_at"]


def test_an_exact_copy_alerts_only_the_search_that_asks_for_duplicates(
    pipeline_settings: Settings, saved_searches: dict[str, str], sample_alerts: list[dict[str, Any]], tmp_path: Path
) -> None:
    settings = pipeline_settings.model_copy(update={"ingest_dir": tmp_path / "ingest"})
    settings.ingest_dir.mkdir()
    renamed = settings.ingest_dir / "syndicated-copy.txt"
    shutil.copy(REUTERS, renamed)
    send_files(settings, renamed, move=True)

    def copy_alert() -> list[dict[str, Any]] | None:
        found = [a for a in alerts(pipeline_settings) if a["copy_source_id"]]
        return found or None

    (alert,) = wait_for(copy_alert, what="the copy's alert")
    assert alert["saved_search_id"] == saved_searches["himars, every copy"]
    assert alert["duplicate_of"] == alert["article_id"]
    reuters = [d for d in articles(pipeline_settings) if d.get("outlet") == "Reuters"]
    assert [alert["article_id"]] == [d["article_id"] for d in reuters]


def test_a_near_duplicate_alerts_only_the_search_that_asks_for_duplicates(
    pipeline_settings: Settings, saved_searches: dict[str, str], sample_alerts: list[dict[str, Any]], tmp_path: Path
) -> None:
    send_files(pipeline_settings, write_republication(tmp_path / "republished.txt"))

    def republication_alert() -> list[dict[str, Any]] | None:
        found = [a for a in alerts(pipeline_settings) if a["title"] == REPUBLISHED_TITLE]
        return found or None

    found = wait_for(republication_alert, what="the republication's alert")
    (reuters,) = [d for d in articles(pipeline_settings) if d.get("outlet") == "Reuters"]
    assert [(a["saved_search_id"], a["duplicate_of"]) for a in found] == [
        (saved_searches["himars, every copy"], reuters["article_id"])
    ]


def test_a_replay_makes_no_second_alert(
    pipeline_settings: Settings, saved_searches: dict[str, str], sample_alerts: list[dict[str, Any]]
) -> None:
    wait_for(lambda: idle(pipeline_settings), what="the pipeline idle")
    # A search saved now matches the samples too, but they are old news to it: the replay alerts it of none.
    save_search(pipeline_settings, SavedSearchRequest(name="late himars", q="HIMARS", notify_duplicates=True))
    before_index = alerts(pipeline_settings)
    before_topic = alerts_topic(pipeline_settings)
    sent = len(topic_records(pipeline_settings, ENRICHED))
    replayed = replay(pipeline_settings, from_offset=0).records
    assert replayed >= 2
    wait_for(
        lambda: len(topic_records(pipeline_settings, ENRICHED)) > sent, what="the replayed articles enriched again"
    )
    wait_for(lambda: idle(pipeline_settings), what="the pipeline idle after the replay")
    assert alerts(pipeline_settings) == before_index
    assert sorted(a.alert_id for a in alerts_topic(pipeline_settings)) == sorted(a.alert_id for a in before_topic)
