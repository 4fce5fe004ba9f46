"""kibana/saved_objects.ndjson: a well-formed Kibana 7.10 export whose objects all fit together.

Kibana can't run here, so what it would check on import (references, the
attributes its saved-object index accepts) is checked by hand; the fields
against the live index are checked in tests/integration/test_kibana_fields.py.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from newsflow.infra.settings import Settings
from newsflow.operations.errors import OperationError
from newsflow.operations.kibana import (
    SAVED_OBJECTS_PATH,
    FieldUse,
    field_uses,
    filter_fields,
    import_saved_objects,
    index_pattern_titles,
    load_saved_objects,
    object_key,
    query_fields,
    referenced_fields,
    search_source,
    to_ndjson,
    vis_state,
    with_index_titles,
)

OBJECTS = load_saved_objects()
BY_KEY = {object_key(obj): obj for obj in OBJECTS}

# The newest migration each type has in Kibana 7.10: an object marked newer is refused, one marked
# older is migrated again on import.
MIGRATION_VERSIONS = {"index-pattern": "7.6.0", "search": "7.9.3", "visualization": "7.10.0", "dashboard": "7.9.3"}
# Kibana 7.10's saved-object index maps these attributes strictly: any other one fails the import.
ALLOWED_ATTRIBUTES = {
    "search": {"columns", "description", "hits", "kibanaSavedObjectMeta", "sort", "title", "version"},
    "visualization": {
        "description",
        "kibanaSavedObjectMeta",
        "savedSearchRefName",
        "title",
        "uiStateJSON",
        "version",
        "visState",
    },
    "dashboard": {
        "description",
        "hits",
        "kibanaSavedObjectMeta",
        "optionsJSON",
        "panelsJSON",
        "refreshInterval",
        "timeFrom",
        "timeRestore",
        "timeTo",
        "title",
        "version",
    },
}
JSON_ATTRIBUTES = ("visState", "uiStateJSON", "panelsJSON", "optionsJSON")
DASHBOARD_COLUMNS = 48


def _of_type(kind: str) -> list[dict[str, Any]]:
    return [obj for obj in OBJECTS if obj["type"] == kind]


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels: list[dict[str, Any]] = json.loads(dashboard["attributes"]["panelsJSON"])
    return panels


def _ref_names_used(obj: dict[str, Any]) -> set[str]:
    """Reference names the object's attributes point through (indexRefName, savedSearchRefName, panelRefName)."""
    source = search_source(obj)
    names = {source["indexRefName"]} if "indexRefName" in source else set()
    names |= {f["meta"]["indexRefName"] for f in source.get("filter", []) if "indexRefName" in f.get("meta", {})}
    if "savedSearchRefName" in obj["attributes"]:
        names.add(obj["attributes"]["savedSearchRefName"])
    if obj["type"] == "dashboard":
        names |= {panel["panelRefName"] for panel in _panels(obj)}
    return names


def test_every_object_is_a_complete_kibana_7_10_saved_object() -> None:
    assert OBJECTS
    for obj in OBJECTS:
        key = object_key(obj)
        assert {"id", "type", "attributes", "references", "migrationVersion"} <= obj.keys(), key
        assert obj["migrationVersion"] == {obj["type"]: MIGRATION_VERSIONS[obj["type"]]}, key
        assert obj["attributes"].get("title"), key
    assert len(BY_KEY) == len(OBJECTS), "an id is used twice for one type"


def test_the_closing_export_summary_counts_the_objects() -> None:
    *_, last = SAVED_OBJECTS_PATH.read_text().splitlines()
    assert json.loads(last) == {"exportedCount": len(OBJECTS), "missingRefCount": 0, "missingReferences": []}


def test_attributes_are_ones_kibana_stores_and_embedded_json_parses() -> None:
    for obj in OBJECTS:
        attributes = obj["attributes"]
        if obj["type"] in ALLOWED_ATTRIBUTES:
            assert set(attributes) <= ALLOWED_ATTRIBUTES[obj["type"]], object_key(obj)
        for name in JSON_ATTRIBUTES:
            if name in attributes:
                json.loads(attributes[name])
        search_source(obj)  # parses searchSourceJSON


def test_every_reference_resolves_within_the_file_and_is_used() -> None:
    for obj in OBJECTS:
        key = object_key(obj)
        names = [ref["name"] for ref in obj["references"]]
        assert len(set(names)) == len(names), key
        for ref in obj["references"]:
            assert f"{ref['type']}:{ref['id']}" in BY_KEY, f"{key} -> {ref}"
        assert _ref_names_used(obj) == set(names), key


def test_index_patterns_are_the_production_aliases_with_fields_read_from_elasticsearch() -> None:
    patterns = {obj["id"]: obj["attributes"] for obj in _of_type("index-pattern")}
    defaults = Settings()
    assert {key: p["title"] for key, p in patterns.items()} == {
        "newsflow-articles": defaults.index_alias,
        "newsflow-stories": defaults.stories_index_alias,
    }
    assert patterns["newsflow-articles"]["timeFieldName"] == "dated_at"
    # A story is in the dashboard's period when its latest article is.
    assert patterns["newsflow-stories"]["timeFieldName"] == "last_seen"
    for attributes in patterns.values():
        # An empty list makes Kibana 7.10 read the fields from Elasticsearch, so a stored copy can't drift
        # from the mapping. A re-export from Kibana writes the list back: empty it before committing.
        assert json.loads(attributes.get("fields", "[]")) == []


def test_saved_search_lists_articles_newest_first_without_stubs() -> None:
    search = BY_KEY["search:newsflow-articles-search"]
    attributes = search["attributes"]
    assert attributes["title"] == "newsflow articles"
    assert attributes["columns"] == ["title", "outlet", "people", "places", "copy_count"]
    assert attributes["sort"] == [["dated_at", "desc"]]
    # A copy or link written before its article makes a document without a title: leave those out.
    (stub_filter,) = search_source(search)["filter"]
    assert stub_filter["exists"] == {"field": "title"}
    assert stub_filter["meta"]["negate"] is False


def test_visualizations_are_legacy_aggregation_based_on_the_saved_search() -> None:
    expected = {
        "newsflow-articles-over-time": ("histogram", {("date_histogram", "dated_at")}),
        "newsflow-top-people": ("table", {("terms", "people")}),
        "newsflow-top-organizations": ("table", {("terms", "organizations")}),
        "newsflow-top-places": ("table", {("terms", "places")}),
        "newsflow-top-entity-ids": ("table", {("terms", "entity_ids")}),
        "newsflow-outlets": ("pie", {("terms", "outlet")}),
        "newsflow-duplicates": ("table", {("sum", "copy_count"), ("max", "copy_count")}),
        "newsflow-top-stories": (
            "table",
            {("max", "article_count"), ("max", "outlet_count"), ("terms", "story_id"), ("terms", "headline.keyword")},
        ),
    }
    visualizations = {obj["id"]: obj for obj in _of_type("visualization")}
    assert set(visualizations) == set(expected)
    for vis_id, (vis_type, aggregations) in expected.items():
        obj = visualizations[vis_id]
        state = vis_state(obj)
        assert state["type"] == vis_type, vis_id
        assert state["title"] == obj["attributes"]["title"], vis_id
        fielded = {(agg["type"], agg["params"]["field"]) for agg in state["aggs"] if "field" in agg["params"]}
        assert fielded == aggregations, vis_id
        # Through the saved search, every chart of articles leaves out stub documents too.
        search = "newsflow-stories-search" if vis_id == "newsflow-top-stories" else "newsflow-articles-search"
        assert obj["references"] == [{"id": search, "name": "search_0", "type": "search"}]


def test_stories_search_lists_the_latest_stories_from_the_stories_data_view() -> None:
    search = BY_KEY["search:newsflow-stories-search"]
    assert search["attributes"]["columns"] == ["headline", "article_count", "outlet_count", "first_seen"]
    assert search["attributes"]["sort"] == [["last_seen", "desc"]]
    assert search["references"] == [
        {"id": "newsflow-stories", "name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern"}
    ]
    table = vis_state(BY_KEY["visualization:newsflow-top-stories"])
    (stories,) = [agg for agg in table["aggs"] if agg["params"].get("field") == "story_id"]
    (most_articles,) = [agg for agg in table["aggs"] if agg["params"].get("field") == "article_count"]
    assert stories["params"]["orderBy"] == most_articles["id"]


def test_duplicates_count_near_duplicates_through_a_filters_bucket() -> None:
    state = vis_state(BY_KEY["visualization:newsflow-duplicates"])
    (bucket,) = [agg for agg in state["aggs"] if agg["type"] == "filters"]
    queries = [entry["input"]["query"] for entry in bucket["params"]["filters"]]
    assert "near_duplicate_of:*" in queries


def test_dashboard_shows_every_visualization_and_the_saved_search_without_overlap() -> None:
    (dashboard,) = _of_type("dashboard")
    assert dashboard["attributes"]["title"] == "newsflow overview"
    panels = _panels(dashboard)
    refs = {ref["name"]: f"{ref['type']}:{ref['id']}" for ref in dashboard["references"]}
    shown = [refs[panel["panelRefName"]] for panel in panels]
    wanted = {object_key(obj) for obj in OBJECTS if obj["type"] in ("visualization", "search")}
    assert sorted(shown) == sorted(wanted)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridData"]
        assert grid["i"] == panel["panelIndex"]
        x, y, w, h = grid["x"], grid["y"], grid["w"], grid["h"]
        assert x >= 0 and x + w <= DASHBOARD_COLUMNS, panel
        area = {(column, row) for column in range(x, x + w) for row in range(y, y + h)}
        assert not cells & area, f"panel {panel['panelIndex']} overlaps another"
        cells |= area


def test_field_uses_cover_time_field_columns_sort_filters_queries_and_aggregations() -> None:
    uses = set(field_uses(OBJECTS))
    for expected in [
        FieldUse("index-pattern:newsflow-articles", "dated_at", "time_field"),
        FieldUse("search:newsflow-articles-search", "copy_count", "column"),
        FieldUse("search:newsflow-articles-search", "dated_at", "sort"),
        FieldUse("search:newsflow-articles-search", "title", "filter"),
        FieldUse("visualization:newsflow-articles-over-time", "dated_at", "agg:date_histogram"),
        FieldUse("visualization:newsflow-top-people", "people", "agg:terms"),
        FieldUse("visualization:newsflow-top-entity-ids", "entity_ids", "agg:terms"),
        FieldUse("visualization:newsflow-duplicates", "copy_count", "agg:sum"),
        FieldUse("visualization:newsflow-duplicates", "near_duplicate_of", "query"),
        FieldUse("index-pattern:newsflow-stories", "last_seen", "time_field"),
        FieldUse("search:newsflow-stories-search", "headline", "column"),
        FieldUse("search:newsflow-stories-search", "last_seen", "sort"),
        FieldUse("visualization:newsflow-top-stories", "story_id", "agg:terms"),
        FieldUse("visualization:newsflow-top-stories", "headline.keyword", "agg:terms"),
        FieldUse("visualization:newsflow-top-stories", "article_count", "agg:max"),
    ]:
        assert expected in uses
    fields = referenced_fields(OBJECTS)
    assert fields["visualization:newsflow-top-organizations"] == {"organizations"}
    assert "dashboard:newsflow-overview" not in fields  # it references objects, not fields


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("", set()),
        ("near_duplicate_of:*", {"near_duplicate_of"}),
        ("copy_count > 0 and outlet:bbc", {"copy_count", "outlet"}),
        ('title:"war: the aftermath" or source.format : feed', {"title", "source.format"}),
        ("dated_at >= now-1d", {"dated_at"}),
        ("title:budget AND NOT people:(Putin OR Zelensky)", {"title", "people"}),
    ],
)
def test_query_fields_reads_kql_and_lucene_terms(query: str, fields: set[str]) -> None:
    assert query_fields({"query": query, "language": "kuery"}) == fields


def test_filter_fields_reads_exists_phrase_and_range_filters() -> None:
    assert filter_fields({"exists": {"field": "title"}, "meta": {}}) == {"title"}
    assert filter_fields({"query": {"match_phrase": {"outlet": "BBC"}}}) == {"outlet"}
    assert filter_fields({"range": {"copy_count": {"gte": 1}}}) == {"copy_count"}


def test_load_skips_the_summary_and_names_a_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "objects.ndjson"
    path.write_bytes(to_ndjson(OBJECTS[:2]) + b'\n{"exportedCount":2,"missingRefCount":0,"missingReferences":[]}\n')
    assert load_saved_objects(path) == OBJECTS[:2]
    path.write_text('{"id": "a"}\n{"id": \n')
    with pytest.raises(ValueError, match=r"objects\.ndjson:2"):
        load_saved_objects(path)


def test_kibana_setup_retargets_each_data_view_to_its_own_alias() -> None:
    settings = Settings(index_alias="other-articles")
    titles = index_pattern_titles(settings)
    assert set(titles) == {obj["id"] for obj in _of_type("index-pattern")}
    moved = with_index_titles(OBJECTS, titles)
    assert {o["id"]: o["attributes"]["title"] for o in moved if o["type"] == "index-pattern"} == {
        "newsflow-articles": "other-articles",
        "newsflow-stories": "other-stories",
    }
    assert [o for o in moved if o["type"] != "index-pattern"] == [o for o in OBJECTS if o["type"] != "index-pattern"]
    assert OBJECTS[0]["attributes"]["title"] == "newsflow-articles"  # the loaded objects are left alone


def test_import_names_the_kibana_that_did_not_answer_and_what_to_do() -> None:
    # A port nothing listens on: connection refused, as when Kibana is not started.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(OperationError, match="did not answer") as error:
        import_saved_objects(url, timeout_s=0)
    assert url in str(error.value) and "NEWSFLOW_KIBANA_URL" in str(error.value)
