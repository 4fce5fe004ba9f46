"""The contracts stay in step: index mapping vs. model, topics vs. models, docs vs. settings."""

from __future__ import annotations

from pathlib import Path

from newsflow.infra.settings import Settings, settings_markdown_table
from newsflow.schemas.index import INDEX_MAPPING, mapping_drift, template_body
from newsflow.schemas.topics import ALL_TOPICS

ROOT = Path(__file__).resolve().parents[2]


def test_index_mapping_matches_the_article_document_model() -> None:
    assert mapping_drift() == []


def test_mapping_drift_is_detected() -> None:
    properties = {k: v for k, v in INDEX_MAPPING["properties"].items() if k != "outlet"}
    properties["extra"] = {"type": "keyword"}
    assert sorted(mapping_drift(properties=properties)) == [
        "ArticleDocument.outlet has no mapping",
        "mapping field 'extra' is not in ArticleDocument",
    ]


def test_template_is_strict_and_covers_every_index_version() -> None:
    body = template_body("news")
    assert body["index_patterns"] == ["news-v*"]
    assert body["mappings"]["dynamic"] == "strict"


def test_topic_names_are_unique_and_prefixed() -> None:
    names = [t.name("p") for t in ALL_TOPICS]
    assert len(set(names)) == len(names)
    assert all(n.startswith("p.") for n in names)


def test_every_topic_value_model_is_versioned() -> None:
    for topic in ALL_TOPICS:
        assert "schema_version" in topic.value_model.model_fields, topic.suffix


def test_readme_configuration_table_is_generated_from_settings() -> None:
    assert settings_markdown_table() in (ROOT / "README.md").read_text()


def test_defaults_bind_to_loopback() -> None:
    settings = Settings()
    assert settings.kafka_address[0] == "127.0.0.1"
    assert settings.elasticsearch_address[0] == "127.0.0.1"
    assert settings.api_host == "127.0.0.1"
