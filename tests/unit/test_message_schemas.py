"""The JSON Schemas in schemas/json/ are what the message models say, and describe real messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from newsflow.cli.main import app
from newsflow.schemas.articles import RawArticle, SourceFormat, SourceInfo
from newsflow.schemas.json_schema import exported_files, schema_file
from newsflow.schemas.topics import ALL_TOPICS, RAW

EXPORTED = Path(__file__).resolve().parents[2] / "schemas" / "json"


def test_the_committed_schemas_are_the_models_schemas() -> None:
    committed = {path.name: path.read_text(encoding="utf-8") for path in EXPORTED.iterdir()}
    assert committed == exported_files(), "run `newsflow schemas export` and commit schemas/json/"


def test_every_topic_names_its_schema_file() -> None:
    topics = json.loads((EXPORTED / "topics.json").read_text())
    assert set(topics) == {f"<prefix>.{spec.suffix}" for spec in ALL_TOPICS}
    for spec in ALL_TOPICS:
        assert (EXPORTED / topics[f"<prefix>.{spec.suffix}"]["schema"]).is_file()


def test_a_raw_article_as_sent_has_every_field_its_schema_requires() -> None:
    schema = json.loads((EXPORTED / schema_file(RAW)).read_text())
    source = SourceInfo(
        path="a.txt", file_sha256="f" * 64, format=SourceFormat.TEXT, record_index=0, received_at=datetime.now(UTC)
    )
    message = json.loads(RawArticle(title="T", body="B", source=source).model_dump_json(by_alias=True))
    assert set(schema["required"]) <= set(message)
    assert set(message) <= set(schema["properties"])
    assert schema["properties"]["schema_version"]["const"] == 1


def test_export_writes_the_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schemas", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = {path.name: path.read_text(encoding="utf-8") for path in (tmp_path / "out").iterdir()}
    assert written == exported_files()


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("newsflow ")
    assert result.output.split()[1][0].isdigit()
