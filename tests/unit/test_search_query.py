"""The search API's Elasticsearch requests and how their answers become pages, without Elasticsearch.

What Elasticsearch makes of these requests is checked on the real index in
tests/integration/test_search_api.py; here, the shapes and the edge cases.
"""

from __future__ import annotations

from typing import Any

import pytest

from newsflow.api import articles, search, stories
from newsflow.schemas.articles import Entity, EntityType, entity_id, facet_key, split_facet_key
from newsflow.schemas.index import INDEX_MAPPING
from newsflow.schemas.search import EntityFacetBucket, SearchParams, StoriesParams

ZELENSKY_ID = "person:volodymyr-zelensky"


def entity_filters(**params: Any) -> list[dict[str, Any]]:
    """The clauses an entity filter adds (the stub filter, always first, left out)."""
    clauses = search.filters(SearchParams.model_validate(params))
    assert clauses[0] == {"exists": {"field": "title"}}
    return clauses[1:]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (ZELENSKY_ID, EntityType.PERSON),
        ("organization:nato", EntityType.ORGANIZATION),
        ("place:київ", EntityType.PLACE),
        ("place:", EntityType.PLACE),
        ("Volodymyr Zelensky", None),
        ("animal:cat", None),
        ("Person:x", None),
    ],
)
def test_entity_id_type_tells_ids_from_names(value: str, kind: EntityType | None) -> None:
    assert search.entity_id_type(value) == kind


def test_every_id_the_contract_makes_is_read_as_an_id() -> None:
    for kind, name in [
        (EntityType.PERSON, "Volodymyr Zelensky"),
        (EntityType.PLACE, "Kraków"),
        (EntityType.ORGANIZATION, "Straße AG"),
        (EntityType.PLACE, "Київ"),
        (EntityType.PERSON, "x " * 300),  # cut at the id's length limit, possibly after a "-"
        (EntityType.PERSON, "—"),  # no word at all: an empty name part
    ]:
        assert search.entity_id_type(entity_id(kind, name)) == kind, name


@pytest.mark.parametrize("value", ["person:Volodymyr Zelensky", "place:kyiv/oblast", "person:volodymyr zelensky"])
def test_a_value_that_starts_like_an_id_but_is_not_one_is_refused_with_an_example(value: str) -> None:
    with pytest.raises(search.InvalidEntityIdError, match="person:volodymyr-zelensky"):
        search.entity_id_type(value)


def test_an_id_filters_on_entity_ids_and_a_name_on_the_name_lists() -> None:
    assert entity_filters(entity=[ZELENSKY_ID]) == [{"term": {"entity_ids": ZELENSKY_ID}}]
    (by_name,) = entity_filters(entity=["Volodymyr Zelensky"])
    assert by_name["bool"]["should"] == [
        {"term": {"people": "Volodymyr Zelensky"}},
        {"term": {"organizations": "Volodymyr Zelensky"}},
        {"term": {"places": "Volodymyr Zelensky"}},
    ]


def test_repeated_entities_are_all_required() -> None:
    clauses = entity_filters(entity=[ZELENSKY_ID, "place:kyiv", "NATO"])
    assert clauses[:2] == [{"term": {"entity_ids": ZELENSKY_ID}}, {"term": {"entity_ids": "place:kyiv"}}]
    assert clauses[2]["bool"]["should"][1] == {"term": {"organizations": "NATO"}}
    assert len(clauses) == 3  # each its own filter clause: AND


def test_entity_type_restricts_names_and_must_agree_with_ids() -> None:
    assert entity_filters(entity=[ZELENSKY_ID], entity_type="person") == [{"term": {"entity_ids": ZELENSKY_ID}}]
    (by_name,) = entity_filters(entity=["Georgia"], entity_type="place")
    assert by_name["bool"]["should"] == [{"term": {"places": "Georgia"}}]
    assert entity_filters(entity_type="organization") == [{"exists": {"field": "organizations"}}]
    with pytest.raises(search.ConflictingFiltersError, match="is a person but entity_type=place"):
        entity_filters(entity=[ZELENSKY_ID], entity_type="place")


def test_entity_facets_count_each_types_flat_keys_asking_twice_the_buckets() -> None:
    facets = search.facets_body(SearchParams(facet_size=7))
    assert facets is not None
    aggs = facets["aggs"]
    assert "entities" not in aggs, "no nested aggregation: the flat keys are read once per article"
    for field in ("facet_people", "facet_organizations", "facet_places"):
        assert aggs[field]["terms"]["field"] == field
        assert aggs[field]["terms"]["size"] == 14
        assert aggs[field]["terms"]["order"] == [{"_count": "desc"}, {"_key": "asc"}]


def test_the_keys_of_one_id_merge_into_one_bucket_named_by_its_commonest_name() -> None:
    answer = {
        "buckets": [
            {"key": "place:kyiv Kyiv", "doc_count": 5},
            {"key": "place:kharkiv Kharkiv", "doc_count": 4},
            {"key": "place:izium Izium", "doc_count": 3},
            {"key": "place:kyiv Kiev", "doc_count": 2},
        ]
    }
    assert search.entity_facet_buckets(answer, facet_size=2) == [
        EntityFacetBucket(id="place:kyiv", name="Kyiv", count=7),
        EntityFacetBucket(id="place:kharkiv", name="Kharkiv", count=4),
    ]


def test_a_facet_key_splits_into_id_and_name_at_the_first_space() -> None:
    zelensky = Entity(type=EntityType.PERSON, canonical="Volodymyr Zelensky", surface_forms=["Zelensky"], mentions=1)
    assert facet_key(zelensky) == "person:volodymyr-zelensky Volodymyr Zelensky"
    assert split_facet_key(facet_key(zelensky)) == ("person:volodymyr-zelensky", "Volodymyr Zelensky")
    assert split_facet_key("person:nobody") == ("person:nobody", "person:nobody")


def _ids_answer(*buckets: tuple[str, str | None, int]) -> dict[str, Any]:
    """An answer of :func:`search.entity_ids_aggregation` (id, name or None, articles)."""
    return {
        "buckets": [
            {
                "key": key,
                "doc_count": count,
                "articles": {"doc_count": count},
                "names": {"buckets": [{"key": name, "doc_count": count}] if name else []},
                "types": {"buckets": [{"key": key.split(":")[0], "doc_count": count}]},
            }
            for key, name, count in buckets
        ]
    }


def _hits_answer(sources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "hits": {
            "total": {"value": len(sources)},
            "hits": [{"_source": s, "_score": 1.0, "sort": [1.0, s["article_id"]]} for s in sources],
        }
    }


def _facets_answer(people: list[tuple[str, int]]) -> dict[str, Any]:
    def terms(keys: list[tuple[str, int]]) -> dict[str, Any]:
        return {"buckets": [{"key": key, "doc_count": count} for key, count in keys]}

    return {
        "hits": {"total": {"value": 0}, "hits": []},
        "aggregations": {
            "facet_people": terms(people),
            "facet_organizations": terms([]),
            "facet_places": terms([]),
            "outlets": {"buckets": [{"key": "Reuters", "doc_count": 1}]},
            "languages": {"buckets": []},
            "dates": {"buckets": [], "interval": "1d"},
        },
    }


def test_facet_buckets_carry_id_name_and_article_count() -> None:
    people = [(f"{ZELENSKY_ID} Volodymyr Zelensky", 2), ("person:putin", 1)]
    page = search.parse_response(SearchParams(), _hits_answer([]), _facets_answer(people), {}, took_ms=3)
    assert page.facets is not None
    assert page.facets.people == [
        EntityFacetBucket(id=ZELENSKY_ID, name="Volodymyr Zelensky", count=2),
        # A key without a name (cannot happen with a consistent index): the id stands in, never a made-up name.
        EntityFacetBucket(id="person:putin", name="person:putin", count=1),
    ]
    assert page.facets.outlets[0].value == "Reuters"


def test_hits_list_entities_by_type_and_leave_out_those_indexed_without_an_id() -> None:
    source = {
        "article_id": "a" * 32,
        "title": "t",
        "dated_at": "2022-09-13T08:00:00Z",
        "language": "en",
        "entities": [
            {"id": "place:kyiv", "canonical": "Kyiv", "type": "place"},
            {"canonical": "Old Entry", "type": "person"},
            {"id": ZELENSKY_ID, "canonical": "Volodymyr Zelensky", "type": "person"},
            {"id": "organization:nato", "canonical": "NATO", "type": "organization"},
        ],
        "people": ["Volodymyr Zelensky", "Old Entry"],
    }
    page = search.parse_response(SearchParams(), _hits_answer([source]), _facets_answer([]), {}, took_ms=1)
    (hit,) = page.hits
    assert [(e.id, e.name, e.type.value) for e in hit.entities] == [
        (ZELENSKY_ID, "Volodymyr Zelensky", "person"),
        ("organization:nato", "NATO", "organization"),
        ("place:kyiv", "Kyiv", "place"),
    ]
    assert hit.people == ["Volodymyr Zelensky", "Old Entry"]


def test_hits_fetch_the_entities_ids_names_and_types_only() -> None:
    fields = search.hits_body(SearchParams())["_source"]
    assert {"entities.id", "entities.canonical", "entities.type"} <= set(fields)
    assert "entities" not in fields and "body" not in fields


def test_autocomplete_matches_names_in_the_nested_entities_and_buckets_by_id() -> None:
    body = articles.entities_body(" Zel", EntityType.PERSON, 5)
    matching = body["aggs"]["entities"]["aggs"]["matching"]
    (regexp, of_type) = matching["filter"]["bool"]["filter"]
    assert regexp == {"regexp": {"entities.canonical": "(.*[ \\-])?[zZ][eE][lL].*"}}
    assert of_type == {"term": {"entities.type": "person"}}
    assert matching["aggs"]["ids"]["terms"]["size"] == 5
    untyped = articles.entities_body("k", None, 5)["aggs"]["entities"]["aggs"]["matching"]["filter"]
    assert len(untyped["bool"]["filter"]) == 1


def test_autocomplete_answer_keeps_two_entities_that_share_a_name() -> None:
    ids = _ids_answer(("place:georgia", "Georgia", 4), ("person:georgia", "Georgia", 1))
    answer = {"aggregations": {"entities": {"matching": {"ids": ids}}}}
    found = articles.parse_entities(answer).entities
    assert [(e.id, e.name, e.type.value, e.articles) for e in found] == [
        ("place:georgia", "Georgia", "place", 4),
        ("person:georgia", "Georgia", "person", 1),
    ]


def test_entity_view_request_filters_on_the_id_and_sorts_newest_first() -> None:
    body = articles.entity_body(ZELENSKY_ID, 3)
    assert body["size"] == 3
    assert {"term": {"entity_ids": ZELENSKY_ID}} in body["query"]["bool"]["filter"]
    assert body["sort"][0] == {"dated_at": "desc"}
    this = body["aggs"]["entities"]["aggs"]["this"]
    assert this["filter"] == {"term": {"entities.id": ZELENSKY_ID}}
    assert this["aggs"]["surface_forms"]["aggs"]["articles"] == {"reverse_nested": {}}


def _entity_answer(total: int) -> dict[str, Any]:
    forms = [("Zelensky", 1), ("Volodymyr Zelensky", 3), ("Zelenskiy", 3)]
    return {
        "hits": {
            "total": {"value": total},
            "hits": [
                {
                    "_source": {
                        "article_id": "b" * 32,
                        "title": "t",
                        "dated_at": "2022-09-13T08:00:00Z",
                        "entities": [{"id": ZELENSKY_ID, "mentions": 4}, {"id": "place:kyiv", "mentions": 9}],
                    }
                }
            ][:total],
        },
        "aggregations": {
            "entities": {
                "this": {
                    "names": {"buckets": [{"key": "Volodymyr Zelensky", "doc_count": 3}]} if total else {"buckets": []},
                    "types": {"buckets": [{"key": "person", "doc_count": 3}]} if total else {"buckets": []},
                    "mentions": {"value": 11.0 if total else 0.0},
                    "surface_forms": {
                        "buckets": [{"key": k, "doc_count": n, "articles": {"doc_count": n}} for k, n in forms][
                            : 3 if total else 0
                        ]
                    },
                }
            }
        },
    }


def test_entity_view_orders_spellings_by_articles_and_counts_mentions_per_article() -> None:
    view = articles.parse_entity(ZELENSKY_ID, _entity_answer(3))
    assert view is not None
    assert (view.name, view.type.value, view.articles, view.mentions) == ("Volodymyr Zelensky", "person", 3, 11)
    assert [(f.text, f.articles) for f in view.surface_forms] == [
        ("Volodymyr Zelensky", 3),
        ("Zelenskiy", 3),
        ("Zelensky", 1),
    ]
    (latest,) = view.latest_articles
    assert latest.mentions == 4


def test_entity_view_is_none_when_no_article_mentions_the_id() -> None:
    assert articles.parse_entity("place:atlantis", _entity_answer(0)) is None


def test_without_group_the_request_is_unchanged_and_with_it_collapses_on_story_id() -> None:
    plain_params = SearchParams.model_validate({"q": "HIMARS"})
    plain, plain_facets = search.hits_body(plain_params), search.facets_body(plain_params)
    assert plain_facets is not None
    assert "collapse" not in plain and "from" not in plain and "stories" not in plain_facets["aggs"]
    assert {"exists": {"field": "story_id"}} not in plain["query"]["bool"]["filter"]
    grouped_params = SearchParams.model_validate({"q": "HIMARS", "group": "story"})
    grouped, grouped_facets = search.hits_body(grouped_params), search.facets_body(grouped_params)
    assert grouped_facets is not None
    assert grouped["collapse"] == {"field": "story_id"}
    assert grouped["from"] == 0 and "search_after" not in grouped
    assert grouped_facets["aggs"]["stories"]["cardinality"]["field"] == "story_id"
    # Articles without a story would all collapse into one group: they are left out.
    assert {"exists": {"field": "story_id"}} in grouped["query"]["bool"]["filter"]
    # Near-duplicates stay out of the query, as without grouping.
    assert grouped["query"]["bool"]["must_not"] == [{"exists": {"field": "near_duplicate_of"}}]


def test_grouped_cursors_are_offsets_bound_to_their_query() -> None:
    params = SearchParams.model_validate({"group": "story", "size": 10})
    cursor = search.encode_offset_cursor(params, 10)
    assert search.hits_body(params.model_copy(update={"cursor": cursor}))["from"] == 10
    with pytest.raises(search.InvalidCursorError):
        search.hits_body(SearchParams.model_validate({"cursor": cursor}))
    with pytest.raises(search.InvalidCursorError, match="malformed"):
        search.decode_offset(params.model_copy(update={"cursor": search.encode_offset_cursor(params, 10**6)}))
    after = search.encode_cursor(params, [1, "a"])
    with pytest.raises(search.InvalidCursorError, match="malformed"):
        search.decode_offset(params.model_copy(update={"cursor": after}))


def test_story_counts_come_from_the_articles_of_the_page_stories() -> None:
    params = SearchParams.model_validate({"q": "HIMARS", "group": "story"})
    body = search.story_counts_body(params, ["st-1", "st-2"])
    assert body["size"] == 0
    assert {"terms": {"story_id": ["st-1", "st-2"]}} in body["query"]["bool"]["filter"]
    stories = body["aggs"]["stories"]
    assert stories["aggs"]["matching"] == {"filter": search.query(params)}
    answer = {
        "aggregations": {
            "stories": {
                "buckets": [{"key": "st-1", "doc_count": 4, "outlets": {"value": 3}, "matching": {"doc_count": 2}}]
            }
        }
    }
    (ref,) = search.parse_story_counts(answer).values()
    assert (ref.id, ref.article_count, ref.outlet_count, ref.other_reports, ref.matching_articles) == (
        "st-1",
        4,
        3,
        3,
        2,
    )


def test_stories_filters_read_the_nested_outlets_and_top_entities() -> None:
    params = StoriesParams.model_validate(
        {"entity": [ZELENSKY_ID, "Kyiv"], "outlet": ["BBC"], "until": "2024-01-31", "min_articles": 2}
    )
    clauses = stories.filters(params)
    assert clauses[0] == {"nested": {"path": "top_entities", "query": {"term": {"top_entities.id": ZELENSKY_ID}}}}
    assert clauses[1] == {"nested": {"path": "top_entities", "query": {"term": {"top_entities.name": "Kyiv"}}}}
    assert clauses[2] == {"nested": {"path": "outlets", "query": {"terms": {"outlets.name": ["BBC"]}}}}
    assert clauses[3]["range"]["last_seen"]["lte"].startswith("2024-01-31T23:59:59")
    assert clauses[4] == {"range": {"article_count": {"gte": 2}}}
    with pytest.raises(search.InvalidEntityIdError):
        stories.filters(StoriesParams.model_validate({"entity": ["person:Volodymyr Zelensky"]}))


def test_stories_body_keeps_the_stories_with_matching_articles_and_pages_after_the_sort() -> None:
    params = StoriesParams.model_validate({"sort": "size", "size": 2})
    body = stories.stories_body(params, {"st-b": 1, "st-a": 3})
    assert {"terms": {"story_id": ["st-a", "st-b"]}} in body["query"]["bool"]["filter"]
    assert body["sort"][0] == {"article_count": "desc"}
    cursor = search.encode_cursor(params, [7, 1, "st-a"])
    assert stories.stories_body(params.model_copy(update={"cursor": cursor}), None)["search_after"] == [7, 1, "st-a"]
    with pytest.raises(search.InvalidCursorError):
        stories.stories_body(StoriesParams.model_validate({"sort": "latest", "size": 2, "cursor": cursor}), None)


@pytest.mark.parametrize("value", ["st-" + "0" * 24, "st-5f0c2a9e1d7b4c3a8e6f1a2b"])
def test_story_ids_are_what_the_story_stage_makes(value: str) -> None:
    assert stories.check_story_id(value) == value


@pytest.mark.parametrize("value", ["st-" + "0" * 23, "st-" + "A" * 24, "5f0c2a9e1d7b4c3a8e6f1a2b", "st-../x"])
def test_malformed_story_ids_are_refused_with_the_form(value: str) -> None:
    with pytest.raises(stories.InvalidStoryIdError, match="'st-' and 24"):
        stories.check_story_id(value)


def test_a_bare_until_date_includes_its_whole_day() -> None:
    (clause,) = [c for c in search.filters(SearchParams.model_validate({"until": "2024-01-31"})) if "range" in c]
    assert clause["range"]["dated_at"]["lte"].startswith("2024-01-31T23:59:59")
    timed = SearchParams.model_validate({"until": "2024-01-31T10:00:00Z"})
    (clause,) = [c for c in search.filters(timed) if "range" in c]
    assert clause["range"]["dated_at"]["lte"] == "2024-01-31T10:00:00+00:00"


def test_facets_are_a_size_0_search_of_the_same_query_that_the_shard_request_cache_can_answer() -> None:
    params = SearchParams.model_validate({"q": "HIMARS", "entity": [ZELENSKY_ID]})
    hits, facets = search.hits_body(params), search.facets_body(params)
    assert facets is not None
    assert facets["size"] == 0 and facets["query"] == hits["query"]
    assert "aggs" not in hits and "highlight" not in facets


def test_without_facets_the_page_has_none_and_a_grouped_one_still_counts_its_stories() -> None:
    params = SearchParams.model_validate({"group": "story", "facets": "false"})
    assert search.facets_body(params) is None
    hits = search.hits_body(params)
    assert hits["aggs"]["stories"]["cardinality"]["field"] == "story_id"
    answer = {**_hits_answer([]), "aggregations": {"stories": {"value": 4}}}
    page = search.parse_response(params, answer, None, {}, took_ms=1)
    assert page.facets is None
    assert page.total_stories == 4


def test_a_cursor_serves_the_same_search_asked_without_facets() -> None:
    params = SearchParams.model_validate({"q": "HIMARS", "sort": "newest"})
    cursor = search.encode_cursor(params, [1, "a"])
    without = SearchParams.model_validate({"q": "HIMARS", "sort": "newest", "facets": "false", "cursor": cursor})
    assert search.hits_body(without)["search_after"] == [1, "a"]


def test_msearch_lines_let_the_request_cache_answer_size_0_bodies_only() -> None:
    params = SearchParams.model_validate({"q": "HIMARS"})
    facets = search.facets_body(params)
    assert facets is not None
    hits = search.hits_body(params)
    assert search.msearch_lines([hits, facets]) == [{}, hits, {"request_cache": True}, facets]


def test_each_field_is_highlighted_with_the_words_searched_on_it_phrases_unstemmed_nowhere() -> None:
    body = search.hits_body(SearchParams(q='"prime minister" budget'))
    fields = body["highlight"]["fields"]
    assert set(fields) == {"title", "body"}
    for name, options in fields.items():
        words = options["highlight_query"]["simple_query_string"]
        assert words["fields"] == [name] and "quote_field_suffix" not in words
    assert body["query"]["bool"]["must"][0]["simple_query_string"]["quote_field_suffix"] == ".exact"
    assert "highlight_query" not in search.hits_body(SearchParams())["highlight"]["fields"]["body"]


def test_fields_given_to_the_fast_vector_highlighter_store_its_term_vectors() -> None:
    # Elasticsearch refuses the whole search when the fvh highlighter meets a field without them.
    fields = search.hits_body(SearchParams(q="HIMARS"))["highlight"]["fields"]
    vectored = [name for name, options in fields.items() if options.get("type") == "fvh"]
    assert vectored == ["body"]
    for name in vectored:
        assert INDEX_MAPPING["properties"][name]["term_vector"] == "with_positions_offsets"
