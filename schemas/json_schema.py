"""JSON Schema of every Kafka message, for consumers written in other languages.

``newsflow schemas export`` writes them to ``schemas/json/`` (one file per
topic's value model and version, and ``topics.json`` naming each topic's
schema); a test keeps the committed files equal to what the models say.
"""

from __future__ import annotations

import json
from typing import Any

from newsflow.schemas.topics import ALL_TOPICS, TopicSpec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_file(spec: TopicSpec) -> str:
    """File name of the schema of ``spec``'s messages: ``<Model>.v<version>.schema.json``."""
    return f"{spec.value_model.__name__}.v{spec.schema_version}.schema.json"


def message_schema(spec: TopicSpec) -> dict[str, Any]:
    """The JSON Schema of the messages on ``spec`` (as serialised: by alias)."""
    schema = spec.value_model.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": SCHEMA_DIALECT, "$id": schema_file(spec), **schema}


def exported_files() -> dict[str, str]:
    """Every file ``newsflow schemas export`` writes: name -> content."""
    files: dict[str, str] = {}
    topics: dict[str, dict[str, Any]] = {}
    for spec in ALL_TOPICS:
        files[schema_file(spec)] = _dump(message_schema(spec))
        topics[f"<prefix>.{spec.suffix}"] = {
            "schema": schema_file(spec),
            "key": spec.key_description,
            "description": spec.description,
        }
    files["topics.json"] = _dump(topics)
    return files


def _dump(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
