"""Kibana's saved objects against the real index: every field they use exists with a type that fits the use.

The file's data view names the production alias; here it is pointed at the
sandbox alias (as ``newsflow kibana-setup`` does with NEWSFLOW_INDEX_ALIAS).
Fields are read with ``_field_caps``, the API Kibana builds its data view from.
"""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import Elasticsearch

from newsflow.infra.settings import Settings
from newsflow.operations.kibana import (
    FieldUse,
    SavedObject,
    field_uses,
    index_pattern_titles,
    load_saved_objects,
    object_key,
    with_index_titles,
)

NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
DATE = {"date", "date_nanos"}
ORDERABLE = NUMERIC | DATE | {"keyword", "boolean", "ip"}
ANY_TYPE: set[str] | None = None  # the field only has to exist
# Use -> Elasticsearch types that serve it. A use missing here fails the test: add a rule for it.
SUITABLE: dict[str, set[str] | None] = {
    "time_field": DATE,
    "sort": ORDERABLE,
    "column": ANY_TYPE,
    "query": ANY_TYPE,
    "filter": ANY_TYPE,
    "agg:date_histogram": DATE,
    "agg:terms": ORDERABLE,
    "agg:sum": NUMERIC,
    "agg:avg": NUMERIC,
    "agg:max": NUMERIC | DATE,
    "agg:min": NUMERIC | DATE,
}
ENTITY_IDS_TABLE = FieldUse("visualization:newsflow-top-entity-ids", "entity_ids", "agg:terms")
TOP_STORIES_TABLE = FieldUse("visualization:newsflow-top-stories", "story_id", "agg:terms")
# Uses that need doc values (Kibana's "aggregatable"): a text field would fail them.
NEEDS_AGGREGATABLE = {"time_field", "sort"}


def _needs_aggregatable(use: str) -> bool:
    return use in NEEDS_AGGREGATABLE or use.startswith("agg:")


@pytest.fixture
def sandbox_objects(isolated_settings: Settings) -> list[dict[str, Any]]:
    """The saved objects with their data views on the sandbox aliases (as `newsflow kibana-setup` imports them)."""
    return with_index_titles(load_saved_objects(), index_pattern_titles(isolated_settings))


def aliases_of(objects: list[SavedObject]) -> dict[str, str]:
    """``<type>:<id>`` -> the alias of the data view the object reads, through its references."""
    by_key = {object_key(obj): obj for obj in objects}

    def alias(key: str) -> str:
        obj = by_key[key]
        if obj["type"] == "index-pattern":
            return str(obj["attributes"]["title"])
        (source,) = {
            f"{ref['type']}:{ref['id']}" for ref in obj["references"] if ref["type"] in ("index-pattern", "search")
        }
        return alias(source)

    return {key: alias(key) for key, obj in by_key.items() if obj["type"] != "dashboard"}


def _field_caps(es: Elasticsearch, alias: str) -> dict[str, dict[str, Any]]:
    """Field name -> its single capability entry (type, searchable, aggregatable)."""
    caps = es.field_caps(index=alias, fields="*")["fields"]
    out = {}
    for name, by_type in caps.items():
        assert len(by_type) == 1, f"{name} has conflicting types across the indices of {alias}: {list(by_type)}"
        (out[name],) = by_type.values()
    return out


def _problem(use: FieldUse, caps: dict[str, dict[str, Any]]) -> str | None:
    if use.use not in SUITABLE:
        return f"{use}: no rule for {use.use!r} in SUITABLE"
    field = caps.get(use.field)
    if field is None:
        return f"{use}: no such field in the index"
    suitable = SUITABLE[use.use]
    if suitable is not None and field["type"] not in suitable:
        return f"{use}: a {field['type']} field can't serve {use.use} (needs one of {sorted(suitable)})"
    if _needs_aggregatable(use.use) and not field["aggregatable"]:
        return f"{use}: field is not aggregatable"
    # Legacy visualizations and Discover's sort see a nested object's fields as if flat: wrong numbers.
    nested = [name for name, cap in caps.items() if cap["type"] == "nested" and use.field.startswith(f"{name}.")]
    if _needs_aggregatable(use.use) and nested:
        return f"{use}: field is inside nested {nested[0]!r}"
    return None


def test_data_view_points_at_the_sandbox_alias(
    isolated_settings: Settings, sandbox_objects: list[dict[str, Any]]
) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    titles = [obj["attributes"]["title"] for obj in sandbox_objects if obj["type"] == "index-pattern"]
    assert titles == [isolated_settings.index_alias, isolated_settings.stories_index_alias]
    for title in titles:
        assert es.indices.exists_alias(name=title)


def test_every_referenced_field_exists_in_the_live_index_with_a_suitable_type(
    isolated_settings: Settings, sandbox_objects: list[dict[str, Any]]
) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    aliases = aliases_of(sandbox_objects)
    caps = {alias: _field_caps(es, alias) for alias in set(aliases.values())}
    uses = field_uses(sandbox_objects)
    assert {use.use for use in uses} >= {"time_field", "column", "sort", "filter", "agg:terms", "agg:date_histogram"}
    # The name tables stay on the flat name lists (Kibana 7.10 can't aggregate nested fields); ids have their own.
    terms = {use.field for use in uses if use.use == "agg:terms"}
    assert terms >= {"people", "organizations", "places", "entity_ids", "story_id"}
    # The stories' objects read the stories index (whose outlets and top entities are nested: not aggregated).
    assert aliases["visualization:newsflow-top-stories"] == isolated_settings.stories_index_alias
    problems = [problem for use in uses if (problem := _problem(use, caps[aliases[use.object_key]]))]
    assert problems == []


def test_the_checks_catch_a_wrong_field() -> None:
    caps = {
        "title": {"type": "text", "aggregatable": False},
        "entities": {"type": "nested", "aggregatable": False},
        "entities.canonical": {"type": "keyword", "aggregatable": True},
    }
    assert "no such field" in str(_problem(FieldUse("v", "missing", "agg:terms"), caps))
    assert "a text field" in str(_problem(FieldUse("v", "title", "agg:terms"), caps))
    assert "inside nested" in str(_problem(FieldUse("v", "entities.canonical", "agg:terms"), caps))
    assert _problem(FieldUse("s", "title", "column"), caps) is None


def test_aggregations_and_sort_run_on_the_live_index(
    isolated_settings: Settings, sandbox_objects: list[dict[str, Any]]
) -> None:
    """Elasticsearch itself accepts each aggregation and the sort the objects ask for."""
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    articles, stories = isolated_settings.index_alias, isolated_settings.stories_index_alias
    doc = {"article_id": "k1", "title": "Budget vote", "dated_at": "2026-11-20T10:00:00Z", "copy_count": 2}
    entities = {"people": ["Rachel Reeves"], "entity_ids": ["person:rachel-reeves"], "story_id": "st-k1"}
    es.index(index=articles, id="k1", document={**doc, **entities, "outlet": "BBC"}, refresh=True)
    story = {
        "story_id": "st-k1",
        "headline": "Budget vote",
        "first_seen": "2026-11-20T10:00:00Z",
        "last_seen": "2026-11-20T10:00:00Z",
        "article_count": 1,
        "outlet_count": 1,
    }
    es.index(index=stories, id="st-k1", document=story, refresh=True)
    aliases = aliases_of(sandbox_objects)
    uses = list(enumerate(field_uses(sandbox_objects)))
    for alias, expected_id in ((articles, "k1"), (stories, "st-k1")):
        aggs: dict[str, Any] = {}
        sort = []
        for number, use in uses:
            if aliases[use.object_key] != alias:
                continue
            kind = use.use.removeprefix("agg:")
            if kind == "date_histogram":
                aggs[str(number)] = {kind: {"field": use.field, "calendar_interval": "day"}}
            elif use.use.startswith("agg:"):
                aggs[str(number)] = {kind: {"field": use.field}}
            elif use.use == "sort":
                sort.append({use.field: "desc"})
        assert aggs and sort, alias
        result = es.search(index=alias, body={"size": 1, "sort": sort, "aggs": aggs})
        assert [hit["_id"] for hit in result["hits"]["hits"]] == [expected_id]
        assert len(result["aggregations"]) == len(aggs)
        if alias == articles:
            (ids_agg,) = [str(n) for n, use in uses if use == ENTITY_IDS_TABLE]
            id_buckets = result["aggregations"][ids_agg]["buckets"]
            assert [b["key"] for b in id_buckets] == ["person:rachel-reeves"]
        else:
            (stories_agg,) = [str(n) for n, use in uses if use == TOP_STORIES_TABLE]
            assert [b["key"] for b in result["aggregations"][stories_agg]["buckets"]] == ["st-k1"]
