"""Property-based fuzzing of the API against its own OpenAPI description, on real data.

Schemathesis generates requests for every operation, valid and invalid, and
checks each answer: never a server error, status codes and bodies as the
OpenAPI document declares them. The budget is bounded (examples per
operation, no deadline per example) so it fits in ``make test``; requests go
to the app in-process (ASGI), nothing leaves the machine.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from newsflow.api.app import create_app
from newsflow.infra.settings import Settings

EXAMPLES_PER_OPERATION = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(indexed_corpus: Settings) -> schemathesis.schemas.BaseSchema:
    """The API's OpenAPI document, bound to an app reading the sandbox index."""
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(indexed_corpus))


def test_api_answers_every_generated_request_as_documented(api_schema: schemathesis.schemas.BaseSchema) -> None:
    # Operations are iterated here rather than with ``schema.parametrize``: its fixture-based
    # loader does not work with this pytest version, and the app needs the sandbox fixture.
    operations = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), f"the OpenAPI document has an unusable operation: {result}"
        # The live alert stream never ends a valid request (tests/integration/test_alert_stream.py covers it).
        if result.ok().path != "/alerts/stream":
            operations.append(result.ok())
    calls: Counter[str] = Counter()
    assert {op.path for op in operations} >= {
        "/search",
        "/articles/{article_id}",
        "/entities",
        "/health",
        "/metrics",
        "/stories",
        "/stories/{story_id}",
        "/saved-searches",
        "/saved-searches/{saved_search_id}",
        "/alerts",
    }
    for operation in operations:
        # Valid requests and invalid ones (wrong types, out-of-range values, missing parameters).
        cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def answers_as_documented(case: schemathesis.Case[Any]) -> None:
            response = case.call_and_validate(checks=CHECKS)
            calls[f"{case.operation.path} {response.status_code}"] += 1

        answers_as_documented()
    # The budget really was spent on each operation with parameters (and not filtered away).
    for path in ("/search", "/articles/{article_id}", "/entities", "/stories", "/stories/{story_id}"):
        made = sum(n for key, n in calls.items() if key.startswith(path + " "))
        assert made >= EXAMPLES_PER_OPERATION // 2, (path, calls)
    print(dict(calls))
