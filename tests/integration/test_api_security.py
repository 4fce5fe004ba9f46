"""Security defaults of the API: admin actions need a key, CORS is closed unless configured, the page has a CSP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from newsflow.api.app import create_app
from newsflow.infra.settings import Settings
from newsflow.schemas.index import INDEX_VERSION, index_name

KEY = "correct horse battery staple"


def client_for(settings: Settings, **changes: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes)))


def test_admin_actions_are_disabled_without_a_configured_key(isolated_settings: Settings) -> None:
    client = client_for(isolated_settings, admin_key=None)
    for path, body in (("/admin/replay", {"from_offset": 0}), ("/admin/reindex", None)):
        response = client.post(path, json=body, headers={"X-Admin-Key": "anything"})
        assert response.status_code == 403
        assert "NEWSFLOW_ADMIN_KEY" in response.json()["detail"]


def test_admin_actions_refuse_a_missing_or_wrong_key(isolated_settings: Settings) -> None:
    client = client_for(isolated_settings, admin_key=SecretStr(KEY))
    assert client.post("/admin/reindex").status_code == 401
    wrong = client.post("/admin/replay", json={"from_offset": 0}, headers={"X-Admin-Key": KEY + "x"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "unauthorized"


def test_admin_replay_and_reindex_with_the_key(isolated_settings: Settings) -> None:
    client = client_for(isolated_settings, admin_key=SecretStr(KEY))
    headers = {"X-Admin-Key": KEY}
    replay = client.post("/admin/replay", json={"from_offset": 0}, headers=headers)
    assert replay.status_code == 200, replay.text
    assert replay.json()["records"] == 0
    assert replay.json()["topic"] == f"{isolated_settings.topic_prefix}.articles.raw"
    both = client.post("/admin/replay", json={"from_offset": 0, "since": "2026-01-01T00:00:00Z"}, headers=headers)
    assert both.status_code == 422
    assert "exactly one" in both.json()["detail"]
    reindex = client.post("/admin/reindex", headers=headers)
    assert reindex.status_code == 200, reindex.text
    assert reindex.json()["new_index"] == index_name(isolated_settings.index_alias, INDEX_VERSION + 1)


def test_cors_is_closed_by_default_and_opens_only_to_listed_origins(isolated_settings: Settings) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    closed = client_for(isolated_settings).get("/search", headers=origin)
    assert closed.status_code == 200
    assert "access-control-allow-origin" not in closed.headers
    opened = client_for(isolated_settings, cors_origins=["https://newsroom.example"])
    allowed = opened.get("/search", headers={"Origin": "https://newsroom.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://newsroom.example"
    assert "access-control-allow-origin" not in opened.get("/search", headers=origin).headers


def test_the_page_forbids_scripts_from_elsewhere(isolated_settings: Settings) -> None:
    page = client_for(isolated_settings).get("/")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"


def test_refusals_outside_the_endpoints_have_the_same_error_shape(isolated_settings: Settings) -> None:
    client = client_for(isolated_settings, admin_key=SecretStr(KEY))
    unknown = client.get("/wp-admin.php")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "not found", "detail": "Not Found"}
    unreadable = client.post(
        "/admin/replay", content=b"\x80\xff", headers={"X-Admin-Key": KEY, "Content-Type": "application/json"}
    )
    assert unreadable.status_code in (400, 422)
    assert set(unreadable.json()) == {"error", "detail"}
