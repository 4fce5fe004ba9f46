"""``newsflow alerts``: the commands against the real API (uvicorn), Elasticsearch and Kafka of a sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from newsflow.cli.main import app
from newsflow.infra.settings import Settings, get_settings
from newsflow.schemas.alerts import Alert
from newsflow.stack.sandbox import drop_sandbox, sandbox_settings, settings_env
from tests.integration.kafka_records import publish_alerts
from tests.integration.test_alert_stream import LiveApi
from tests.integration.test_saved_searches_api import make_alert, write_alerts

KEY = "cli admin key"


@pytest.fixture(scope="module")
def cli_api(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """The real API on a sandbox with an admin key."""
    settings = sandbox_settings(stack_settings, tmp_path_factory.mktemp("alerts-cli")).model_copy(
        update={"admin_key": SecretStr(KEY)}
    )
    api = LiveApi(settings)
    api.start()
    try:
        yield api
    finally:
        api.stop()
        drop_sandbox(settings)


def env(api: LiveApi, **extra: str) -> dict[str, str]:
    return settings_env(api.settings, COLUMNS="250", NEWSFLOW_API_URL=api.url, **extra)


def run(api: LiveApi, *args: str, **extra: str) -> tuple[int, str]:
    # The command reads the settings once per process: each invocation here gets its own.
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["alerts", *args], env=env(api, **extra))
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def json_of(output: str) -> dict[str, Any]:
    """The JSON document a command printed (the API serving in this process may log around it)."""
    lines = output.splitlines()
    start, end = lines.index("{"), len(lines) - lines[::-1].index("}")
    document: dict[str, Any] = json.loads("\n".join(lines[start:end]))
    return document


def test_add_list_show_rm(cli_api: LiveApi) -> None:
    code, output = run(
        cli_api,
        "add",
        "HIMARS",
        "--entity",
        "Volodymyr Zelensky",
        "--webhook",
        "https://user:pw@hooks.example.org/x?token=t0p",
        "--duplicates",
        "--json",
    )
    assert code == 0, output
    created = json_of(output)
    sid = created["saved_search_id"]
    assert created["name"] == "HIMARS · Volodymyr Zelensky"
    assert created["notify_duplicates"] is True
    assert created["webhook"]["url"] == "https://***@hooks.example.org/x?***"
    code, output = run(cli_api, "add", "cricket", "--name", "Cricket", "--outlet", "BBC")
    assert code == 0, output
    assert "saved search" in output and "Cricket" in output and "outlet=BBC" in output

    code, output = run(cli_api, "list")
    assert code == 0, output
    assert "2 saved search(es)" in output
    assert sid in output and "hooks.example.org" in output and "t0p" not in output and "pw@" not in output
    assert output.index("Cricket") < output.index("HIMARS · Volodymyr")

    write_alerts(cli_api.settings, [make_alert(sid, 1, datetime.now(UTC), name="HIMARS · Volodymyr Zelensky")])
    code, output = run(cli_api, "show", sid)
    assert code == 0, output
    assert "entity=Volodymyr Zelensky" in output and "q='HIMARS'" in output
    assert "duplicates: alerted too" in output
    assert "1 alert(s)" in output and "Article 1" in output

    code, output = run(cli_api, "edit", sid, "--query", "HIMARS OR HARM", "--clear", "entity", "--no-duplicates")
    assert code == 0, output
    assert "changed saved search" in output and "q='HIMARS OR HARM'" in output and "entity=" not in output
    # The webhook was not given again: it stays, credentials and all (only its redacted form is shown).
    assert "hooks.example.org" in output and "pw@" not in output
    code, output = run(cli_api, "show", sid, "--json")
    shown = json_of(output)["saved_search"]
    assert shown["notify_duplicates"] is False and shown["filters"]["entity"] == []
    assert shown["name"] == "HIMARS · Volodymyr Zelensky"
    assert shown["webhook"]["url"] == "https://***@hooks.example.org/x?***"
    code, output = run(cli_api, "edit", sid, "--clear", "webhook", "--name", "HIMARS or HARM", "--json")
    assert code == 0, output
    assert json_of(output)["webhook"] is None and json_of(output)["name"] == "HIMARS or HARM"

    code, output = run(cli_api, "rm", sid)
    assert code == 0 and f"deleted saved search {sid}" in output
    code, output = run(cli_api, "show", sid)
    assert code == 1
    assert "not found" in output and "HTTP 404" in output


def test_recent_lists_the_latest_alerts(cli_api: LiveApi) -> None:
    start = datetime.now(UTC) - timedelta(minutes=10)
    mine, other = "1" * 16, "2" * 16
    write_alerts(
        cli_api.settings,
        [make_alert(mine, 10, start, name="Mine"), make_alert(other, 11, start + timedelta(minutes=1), name="Other")],
    )
    code, output = run(cli_api, "recent", "--search", mine)
    assert code == 0, output
    assert "1 alert(s)" in output and "Mine" in output and "Article 10" in output and "Other" not in output
    code, output = run(cli_api, "recent", "--json", "--size", "100")
    assert code == 0, output
    titles = [a["title"] for a in json_of(output)["alerts"]]
    assert titles.index("Article 11") < titles.index("Article 10")


def test_watch_prints_alerts_as_they_come(cli_api: LiveApi) -> None:
    sid = "3" * 16
    watcher = subprocess.Popen(
        [sys.executable, "-m", "newsflow", "alerts", "watch", "--search", sid, "--count", "2", "--json"],
        env=env(cli_api),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stderr is not None
        # The command says so once it is connected: alerts published from then on reach it.
        assert "watching alerts" in watcher.stderr.readline()
        alerts = [make_alert(sid, 20 + n, datetime.now(UTC)) for n in range(2)]
        publish_alerts(cli_api.settings, make_alert("4" * 16, 30, datetime.now(UTC)), *alerts)
        out, err = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    assert watcher.returncode == 0, err
    assert [Alert.model_validate_json(line) for line in out.splitlines()] == alerts


def test_errors_are_clear(cli_api: LiveApi) -> None:
    code, output = run(cli_api, "list", "--api", "http://127.0.0.1:9")
    assert code == 1
    assert "the API at http://127.0.0.1:9 did not answer" in output and "make up" in output
    code, output = run(cli_api, "watch", "--api", "http://127.0.0.1:9")
    assert code == 1 and "did not answer" in output
    code, output = run(cli_api, "add", "--language", "en", "--since", "2026-01-01", "--outlet", "x" * 40_000)
    assert code == 1
    assert "saved search refused" in output and "Elasticsearch refused the query" in output
    code, output = run(cli_api, "add", "--since", "2026-01-01")
    assert code == 1 and "would alert on every new article" in output
    code, output = run(cli_api, "add", "HIMARS", "--webhook", "ftp://example.org")
    assert code == 1 and "webhook_url" in output and "http://" in output
    code, output = run(cli_api, "edit", "0" * 16)
    assert code == 1 and "nothing to change" in output
    code, output = run(cli_api, "edit", "0" * 16, "--clear", "everything")
    assert code == 1 and "--clear takes" in output and "everything" in output
    code, output = run(cli_api, "edit", "0" * 16, "--entity", "Kyiv", "--clear", "entity")
    assert code == 1 and "entity: given a new value and --clear at once" in output
    code, output = run(cli_api, "edit", "0" * 16, "--until", "someday")
    assert code == 1 and "until" in output
    code, output = run(cli_api, "edit", "0" * 16, "--query", "HIMARS")
    assert code == 1 and "not found" in output and "HTTP 404" in output
    code, output = run(cli_api, "add", "HIMARS", NEWSFLOW_ADMIN_KEY="wrong")
    assert code == 1 and "unauthorized" in output and "HTTP 401" in output
