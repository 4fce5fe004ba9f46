"""``newsflow search``: the API's search from the terminal, on the sandbox index."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from newsflow.cli.main import app
from newsflow.infra.settings import Settings
from newsflow.stack.sandbox import settings_env
from tests.integration.test_stories_api import samples_story


def run_search(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["search", *args], env=settings_env(settings, COLUMNS="200"))
    return result.exit_code, result.output


def test_search_prints_a_table_of_hits(indexed_corpus: Settings) -> None:
    code, output = run_search(indexed_corpus, "HIMARS", "--entity", "Volodymyr Zelensky")
    assert code == 0, output
    assert "2 article(s)" in output
    assert "Reuters" in output
    assert "+1" in output  # the republication, collapsed onto the Reuters article
    assert "top people:" in output


def test_search_json_is_the_api_response(indexed_corpus: Settings) -> None:
    code, output = run_search(indexed_corpus, "HIMARS", "--outlet", "Reuters", "--json")
    assert code == 0, output
    body = json.loads(output)
    assert body["total"] == 1
    assert body["hits"][0]["outlet"] == "Reuters"


def test_search_explains_invalid_options(indexed_corpus: Settings) -> None:
    code, output = run_search(indexed_corpus, "--since", "last tuesday")
    assert code == 1
    assert "since" in output
    code, output = run_search(indexed_corpus, "--size", "1000")
    assert code == 1
    assert "size" in output and "100" in output


def run_stories(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["stories", *args], env=settings_env(settings, COLUMNS="200"))
    return result.exit_code, result.output


def test_search_by_story_shows_the_other_reports(indexed_corpus: Settings) -> None:
    samples_story(indexed_corpus)
    code, output = run_search(indexed_corpus, "Ukraine", "--by-story")
    assert code == 0, output
    assert "2 article(s) in 1 stories" in output
    assert "+2 reports from 1 outlet(s)" in output


def test_stories_lists_and_searches_stories(indexed_corpus: Settings) -> None:
    samples_story(indexed_corpus)
    code, output = run_stories(indexed_corpus)
    assert code == 0, output
    assert "1 stories" in output and "Reuters" in output
    code, output = run_stories(indexed_corpus, "Lozova", "--json")
    assert code == 0, output
    (story,) = json.loads(output)["stories"]
    assert story["matching_articles"] == 1 and story["article_count"] == 3


def test_stories_with_an_id_prints_its_timeline(indexed_corpus: Settings) -> None:
    samples_story(indexed_corpus)
    code, output = run_stories(indexed_corpus, "--json")
    (story,) = json.loads(output)["stories"]
    code, output = run_stories(indexed_corpus, story["story_id"])
    assert code == 0, output
    assert "timeline (3 of 3)" in output
    assert "republication" in output and "Reuters" in output
    code, output = run_stories(indexed_corpus, "st-" + "0" * 24)
    assert code == 1 and "not found" in output
    code, output = run_stories(indexed_corpus, "--sort", "oldest")
    assert code == 1 and "sort" in output
