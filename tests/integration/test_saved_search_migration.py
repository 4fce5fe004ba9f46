"""Saved searches follow the articles mapping: bootstrap moves them to a new index version, or says which can't."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import Elasticsearch

from newsflow.infra.settings import Settings
from newsflow.operations.bootstrap import create_saved_search_index
from newsflow.operations.errors import OperationError
from newsflow.schemas.alert_index import SAVED_SEARCH_INDEX_MAPPING, saved_search_index_version
from newsflow.schemas.alerts import SavedSearchRequest
from newsflow.schemas.index import index_name
from tests.saved_searches import save_search

ARTICLE = {"title": "HIMARS strike near Izium", "body": "Rocket systems hit a depot.", "language": "en"}


def older_index(es: Elasticsearch, alias: str, extra_properties: dict[str, Any] | None = None) -> str:
    """Put ``alias`` on a saved-searches index of an older version (its mapping plus ``extra_properties``)."""
    current = list(es.indices.get_alias(name=alias))
    old = index_name(alias, 1)
    mapping = {
        **SAVED_SEARCH_INDEX_MAPPING,
        "properties": {**SAVED_SEARCH_INDEX_MAPPING["properties"], **(extra_properties or {})},
    }
    es.indices.create(index=old, body={"mappings": mapping})
    es.reindex(body={"source": {"index": alias}, "dest": {"index": old}}, refresh=True)
    actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": alias}} for index in current]
    es.indices.update_aliases(body={"actions": [*actions, {"add": {"index": old, "alias": alias}}]})
    es.indices.delete(index=",".join(current))
    return old


def matching(es: Elasticsearch, alias: str) -> list[str]:
    body = {"query": {"percolate": {"field": "query", "document": ARTICLE}}}
    return [hit["_id"] for hit in es.search(index=alias, body=body)["hits"]["hits"]]


def test_searches_move_to_the_current_version_and_still_match(isolated_settings: Settings) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    alias = isolated_settings.saved_searches_index_alias
    saved = save_search(isolated_settings, SavedSearchRequest(name="himars", q="HIMARS"))
    old = older_index(es, alias)
    assert matching(es, alias) == [saved]

    moved_to = create_saved_search_index(isolated_settings)

    assert moved_to == index_name(alias, saved_search_index_version())
    assert list(es.indices.get_alias(name=alias)) == [moved_to]
    assert matching(es, alias) == [saved]
    assert create_saved_search_index(isolated_settings) is None  # nothing left to do
    es.indices.delete(index=old)


def test_a_search_the_new_mapping_cannot_parse_stops_the_move_and_is_named(isolated_settings: Settings) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    alias = isolated_settings.saved_searches_index_alias
    save_search(isolated_settings, SavedSearchRequest(name="himars", q="HIMARS"))
    old = older_index(es, alias, {"region": {"type": "keyword"}})
    legacy = {
        "saved_search": {"saved_search_id": "00000000000000aa", "name": "by region"},
        "query": {"term": {"region": "kharkiv"}},
    }
    es.index(index=alias, id="00000000000000aa", document=legacy, refresh=True)

    with pytest.raises(OperationError, match="00000000000000aa") as failure:
        create_saved_search_index(isolated_settings)

    assert "region" in str(failure.value)
    assert list(es.indices.get_alias(name=alias)) == [old]  # nothing moved
    assert not es.indices.exists(index=index_name(alias, saved_search_index_version()))
    assert len(matching(es, alias)) == 1
