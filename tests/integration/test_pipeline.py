"""The whole pipeline on the real stack: files -> producer -> Kafka -> Faust worker -> Elasticsearch."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer

from newsflow.infra.settings import Settings
from newsflow.operations.replay import replay
from newsflow.schemas.articles import ArticleDocument
from newsflow.schemas.deadletter import DeadLetter
from newsflow.schemas.topics import DEADLETTER, ENRICHED, RAW
from tests.conftest import BBC_DIR
from tests.integration.corpus import OTHER, REPUBLISHED_TITLE, REUTERS, send_files, write_republication
from tests.integration.index_queries import articles, stories, wait_for
from tests.integration.kafka_records import topic_records


def by_outlet(docs: list[dict[str, Any]], outlet: str | None) -> dict[str, Any]:
    (doc,) = [d for d in docs if d.get("outlet") == outlet]
    return doc


@pytest.fixture(scope="module")
def indexed_samples(pipeline_settings: Settings) -> list[dict[str, Any]]:
    """The two sample articles, sent and indexed."""
    send_files(pipeline_settings, REUTERS, OTHER)

    def both() -> list[dict[str, Any]] | None:
        docs = articles(pipeline_settings)
        return docs if len(docs) == 2 else None

    return wait_for(both, what="both samples")


def test_samples_have_entity_facets_with_one_canonical_zelensky(indexed_samples: list[dict[str, Any]]) -> None:
    reuters = by_outlet(indexed_samples, "Reuters")
    assert {"Volodymyr Zelensky", "Antony Blinken", "Vladimir Putin"} <= set(reuters["people"])
    assert {"Kharkiv", "Kyiv"} <= set(reuters["places"])
    other = by_outlet(indexed_samples, None)
    assert "Volodymyr Zelensky" in other["people"]  # spelled "Zelenskyy" in that article
    assert "Zelenskyy" not in " ".join(other["people"])
    assert reuters["language"] == other["language"] == "en"


def test_samples_facets_are_free_of_the_type_errors_people_saw(indexed_samples: list[dict[str, Any]]) -> None:
    """Issue 10's list: an outlet as a person, a town and people as organisations, weapons as organisations,
    an adjective and a direction as places, a quoted person as a place."""
    reuters, other = by_outlet(indexed_samples, "Reuters"), by_outlet(indexed_samples, None)
    people = {*reuters["people"], *other["people"]}
    organizations = {*reuters["organizations"], *other["organizations"]}
    places = {*reuters["places"], *other["places"]}
    assert "Rossiyskaya Gazeta" in other["organizations"]
    assert "Rossiyskaya Gazeta" not in people
    assert {"Natalia Humeniuk", "Oleksiy Aretovych"} <= people
    assert not {"Balakliya", "Natalia Humeniuk", "Oleksiy Aretovych", "HARM", "HIMARS"} & organizations
    assert not {"Ukrainian", "West", "Zoya"} & places
    assert {"Kharkiv", "Balakliya"} <= places


def test_samples_name_one_entity_by_one_id_with_its_evidence(indexed_samples: list[dict[str, Any]]) -> None:
    for document in indexed_samples:
        entities = {e["id"]: e for e in document["entities"]}
        assert set(document["entity_ids"]) == set(entities)
        zelensky = entities["person:volodymyr-zelensky"]
        assert zelensky["canonical"] == "Volodymyr Zelensky"
        assert zelensky["mentions"] >= 1 and 0 < zelensky["confidence"] <= 1
        assert entities["place:kharkiv"]["confidence"] == 1.0  # the gazetteer knows it
    other = by_outlet(indexed_samples, None)
    assert "Volodymyr Zelenskyy" in other_forms(other, "person:volodymyr-zelensky")


def other_forms(document: dict[str, Any], entity: str) -> list[str]:
    """The spellings ``document`` used for ``entity``."""
    (found,) = [e for e in document["entities"] if e["id"] == entity]
    return list(found["surface_forms"])


def enriched_messages(settings: Settings) -> list[ArticleDocument]:
    """The documents the registry stage has sent to the index so far, in order."""
    return [ArticleDocument.model_validate_json(r.value) for r in topic_records(settings, ENRICHED)]


def test_a_replay_gives_the_samples_the_same_entities(
    pipeline_settings: Settings, indexed_samples: list[dict[str, Any]]
) -> None:
    indexed = {d["article_id"]: d["entities"] for d in indexed_samples}
    sent = len(enriched_messages(pipeline_settings))
    assert replay(pipeline_settings, from_offset=0).records == 2

    def both_again() -> list[ArticleDocument] | None:
        documents = enriched_messages(pipeline_settings)[sent:]
        return documents if len(documents) >= 2 else None

    replayed = wait_for(both_again, what="the replayed samples' documents")
    assert {d.article_id: [e.model_dump(mode="json") for e in d.entities] for d in replayed} == indexed
    assert {d.article_id: d.story_id for d in replayed} == {d["article_id"]: d["story_id"] for d in indexed_samples}
    (story,) = stories(pipeline_settings).values()
    assert story["article_count"] == 2


def test_samples_share_one_story_indexed_with_both_reports(
    pipeline_settings: Settings, indexed_samples: list[dict[str, Any]]
) -> None:
    (story_id,) = {d["story_id"] for d in indexed_samples}
    assert story_id

    def story_of_both() -> dict[str, Any] | None:
        story = stories(pipeline_settings).get(story_id)
        return story if story and story["article_count"] == 2 else None

    story = wait_for(story_of_both, what="the samples' story with both reports")
    assert story["headline_article_id"] in {d["article_id"] for d in indexed_samples}
    assert [o["name"] for o in story["outlets"]] == ["Reuters"]
    assert "person:volodymyr-zelensky" in {e["id"] for e in story["top_entities"]}


def test_samples_are_related_but_not_duplicates(indexed_samples: list[dict[str, Any]]) -> None:
    assert all(d.get("near_duplicate_of") is None for d in indexed_samples)
    assert len({d["dedup_group"] for d in indexed_samples}) == 2


def test_same_text_under_another_name_is_recorded_as_a_copy(
    pipeline_settings: Settings, indexed_samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    settings = pipeline_settings.model_copy(update={"ingest_dir": tmp_path / "ingest"})
    settings.ingest_dir.mkdir()
    renamed = settings.ingest_dir / "syndicated-copy.txt"
    shutil.copy(REUTERS, renamed)
    send_files(settings, renamed, move=True)
    assert (settings.processed_path / "syndicated-copy.txt").is_file()

    def copy_recorded() -> dict[str, Any] | None:
        reuters = by_outlet(articles(pipeline_settings), "Reuters")
        return reuters if reuters.get("copy_count") == 1 else None

    reuters = wait_for(copy_recorded, what="the copy on the original")
    assert [c["path"] for c in reuters["copies"]] == ["syndicated-copy.txt"]
    assert len(articles(pipeline_settings)) == 2


def test_edited_republication_is_linked_to_its_original(
    pipeline_settings: Settings, indexed_samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    send_files(pipeline_settings, write_republication(tmp_path / "republished.txt"))
    original = by_outlet(indexed_samples, "Reuters")

    def linked() -> dict[str, Any] | None:
        docs = [d for d in articles(pipeline_settings) if d["title"] == REPUBLISHED_TITLE]
        return docs[0] if docs and docs[0].get("near_duplicate_of") else None

    copy = wait_for(linked, what="the near-duplicate link")
    assert copy["near_duplicate_of"] == original["article_id"]
    assert copy["dedup_group"] == original["article_id"]
    assert copy["story_id"] == original["story_id"]
    (other,) = [d for d in articles(pipeline_settings) if d["source"]["path"] == str(OTHER)]
    assert other.get("near_duplicate_of") is None


def test_unreadable_message_goes_to_the_dead_letter_topic_and_the_stream_goes_on(
    pipeline_settings: Settings, indexed_samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    producer = KafkaProducer(bootstrap_servers=pipeline_settings.kafka_bootstrap_servers, acks="all")
    producer.send(RAW.name(pipeline_settings.topic_prefix), key=b"garbage", value=b"\x00not json")
    producer.flush()
    producer.close()
    later = tmp_path / "later.txt"
    later.write_text("Budget talks resume\nFinance ministers met in Brussels on Monday to resume budget talks.")
    send_files(pipeline_settings, later)
    wait_for(
        lambda: articles(pipeline_settings, **{"title.keyword": "Budget talks resume"}),
        what="the article sent after the bad message",
    )

    consumer = KafkaConsumer(
        DEADLETTER.name(pipeline_settings.topic_prefix),
        bootstrap_servers=pipeline_settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=10_000,
    )
    letters = [DeadLetter.model_validate_json(m.value) for m in consumer]
    consumer.close()
    assert any(
        letter.stage == "normalize" and letter.error == "InvalidMessage" and "not json" in letter.payload
        for letter in letters
    )


def test_plain_text_wire_copy_is_dated_by_its_dateline(
    pipeline_settings: Settings, indexed_samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    wire = tmp_path / "wire.txt"
    wire.write_text(
        "Asian Cup holders open with a win\n"
        "AL-AIN, United Arab Emirates 1996-12-06\n"
        "Japan began the defence of their Asian Cup title with a 2-1 win against Syria on Friday."
    )
    undated = tmp_path / "undated.txt"
    undated.write_text("Harbour reopens\nThe harbour of Split reopened to ferries on Monday after the storm.")
    send_files(pipeline_settings, wire, undated)

    def both() -> list[dict[str, Any]] | None:
        docs = [
            *articles(pipeline_settings, **{"title.keyword": "Asian Cup holders open with a win"}),
            *articles(pipeline_settings, **{"title.keyword": "Harbour reopens"}),
        ]
        return docs if len(docs) == 2 else None

    dated, received = wait_for(both, what="the two plain-text articles")
    assert dated["dated_at"].startswith("1996-12-06T12:00:00")
    assert dated["date_note"] == 'dated by its dateline "AL-AIN, United Arab Emirates 1996-12-06"'
    assert dated.get("published_at") is None
    assert received["dated_at"] == received["source"]["received_at"]
    assert received.get("date_note") is None


def test_bbc_corpus_gives_one_document_per_distinct_text(pipeline_settings: Settings) -> None:
    files = sorted(p for p in BBC_DIR.rglob("*.txt") if p.parent != BBC_DIR)
    assert len(files) == 1313
    send_files(pipeline_settings, *files)
    expected_bbc = 1275

    def all_indexed() -> list[dict[str, Any]] | None:
        docs = [d for d in articles(pipeline_settings) if d["source"]["path"].startswith(str(BBC_DIR))]
        return docs if len(docs) >= expected_bbc else None

    docs = wait_for(all_indexed, timeout_s=900, what=f"{expected_bbc} BBC documents")
    time.sleep(3)  # let the copy records that trail the articles land
    docs = [d for d in articles(pipeline_settings) if d["source"]["path"].startswith(str(BBC_DIR))]
    assert len(docs) == expected_bbc
    assert sum(d.get("copy_count", 0) for d in docs) == len(files) - expected_bbc
    # Every article has a story, and the samples' story (sent before) took none of the corpus.
    assert all(d.get("story_id") for d in docs)
    sample_stories = {
        d["story_id"] for d in articles(pipeline_settings) if d["source"]["path"] in {str(REUTERS), str(OTHER)}
    }
    assert not [d["source"]["path"] for d in docs if d["story_id"] in sample_stories]
