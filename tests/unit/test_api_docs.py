"""The API's documentation agrees with the code: parameters, metrics, and examples in OpenAPI."""

from __future__ import annotations

import re
from pathlib import Path

from newsflow.api.app import create_app
from newsflow.infra.settings import Settings
from newsflow.schemas.search import SearchParams, SearchResponse

API_DOC = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
MONITORING = (Path(__file__).resolve().parents[2] / "api" / "monitoring.py").read_text()


def test_every_search_parameter_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \|", API_DOC, flags=re.MULTILINE))
    names = {name for pair in documented for name in pair if name}
    assert set(SearchParams.model_fields) <= names, set(SearchParams.model_fields) - names


def test_every_metric_is_documented() -> None:
    metrics = set(re.findall(r'"(newsflow_[a-z_]+)"', MONITORING))
    assert metrics, "no metric names found in api/monitoring.py"
    for name in metrics:
        assert name in API_DOC, f"{name} is exported but not in docs/api.md"


def test_openapi_has_examples_for_search() -> None:
    spec = create_app(Settings()).openapi()
    search = spec["paths"]["/search"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    assert "examples" in params["q"]["schema"] or "example" in params["q"] or "examples" in params["q"]
    response = spec["components"]["schemas"]["SearchResponse"]
    assert response["examples"][0]["total"] == 2
    assert set(response["examples"][0]) == set(SearchResponse.model_fields)
