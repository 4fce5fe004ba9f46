"""The search API's Elasticsearch requests and how their answers become pages, without Elasticsearch.

What Elasticsearch makes of these requests is checked on the real index in
tests/integration/test_search_api.py; here, the shapes and the edge cases.
"""

from __future__ import annotations

from typing import Any

import pytest

from newsflow.api import articles, search
from newsflow.schemas.articles import EntityType, entity_id
from newsflow.schemas.search import EntityFacetBucket, SearchParams

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


def test_entity_facets_are_one_nested_aggregation_by_id_per_type() -> None:
    aggs = search.request_body(SearchParams(facet_size=7))["aggs"]
    assert not {"people", "organizations", "places"} & set(aggs), "no facet on the flat name lists"
    nested = aggs["entities"]
    assert nested["nested"] == {"path": "entities"}
    for field, kind in [("people", "person"), ("organizations", "organization"), ("places", "place")]:
        typed = nested["aggs"][field]
        assert typed["filter"] == {"term": {"entities.type": kind}}
        ids = typed["aggs"]["ids"]
        assert ids["terms"]["field"] == "entities.id"
        assert ids["terms"]["size"] == 7
        assert ids["terms"]["order"] == [{"articles": "desc"}, {"_key": "asc"}]
        assert ids["aggs"]["articles"] == {"reverse_nested": {}}
        assert ids["aggs"]["names"]["terms"]["field"] == "entities.canonical"


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


def _search_answer(sources: list[dict[str, Any]], people: dict[str, Any]) -> dict[str, Any]:
    empty = _ids_answer()
    return {
        "hits": {
            "total": {"value": len(sources)},
            "hits": [{"_source": s, "_score": 1.0, "sort": [1.0, s["article_id"]]} for s in sources],
        },
        "aggregations": {
            "entities": {
                "doc_count": 9,
                "people": {"doc_count": 3, "ids": people},
                "organizations": {"doc_count": 0, "ids": empty},
                "places": {"doc_count": 0, "ids": empty},
            },
            "outlets": {"buckets": [{"key": "Reuters", "doc_count": 1}]},
            "languages": {"buckets": []},
            "dates": {"buckets": [], "interval": "1d"},
        },
    }


def test_facet_buckets_carry_id_name_and_article_count() -> None:
    people = _ids_answer((ZELENSKY_ID, "Volodymyr Zelensky", 2), ("person:putin", None, 1))
    page = search.parse_response(SearchParams(), _search_answer([], people), {}, took_ms=3)
    assert page.facets.people == [
        EntityFacetBucket(id=ZELENSKY_ID, name="Volodymyr Zelensky", count=2),
        # No name came back (cannot happen with a consistent index): the id stands in, never a made-up name.
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
    page = search.parse_response(SearchParams(), _search_answer([source], _ids_answer()), {}, took_ms=1)
    (hit,) = page.hits
    assert [(e.id, e.name, e.type.value) for e in hit.entities] == [
        (ZELENSKY_ID, "Volodymyr Zelensky", "person"),
        ("organization:nato", "NATO", "organization"),
        ("place:kyiv", "Kyiv", "place"),
    ]
    assert hit.people == ["Volodymyr Zelensky", "Old Entry"]


def test_hits_fetch_the_entities_ids_names_and_types_only() -> None:
    fields = search.request_body(SearchParams())["_source"]
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
