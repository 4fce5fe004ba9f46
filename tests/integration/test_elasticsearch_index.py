"""The article index on the real Elasticsearch: live mapping, English analysis, search through the alias."""

from __future__ import annotations

from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from newsflow.infra.settings import Settings
from newsflow.operations.bootstrap import create_index
from newsflow.processors.sink import ElasticsearchSink, SinkIndices
from newsflow.schemas.articles import ArticleDocument, Entity, EntityType, SourceFormat, SourceInfo
from newsflow.schemas.index import INDEX_MAPPING, INDEX_VERSION, index_name


def _document(article_id: str, title: str, body: str) -> ArticleDocument:
    source = SourceInfo(
        path=f"{article_id}.txt",
        file_sha256="0" * 64,
        format=SourceFormat.TEXT,
        record_index=0,
        received_at=datetime.now(UTC),
    )
    zelensky = Entity(type=EntityType.PERSON, canonical="Volodymyr Zelensky", surface_forms=["Zelensky"], mentions=2)
    return ArticleDocument(
        article_id=article_id,
        title=title,
        body=body,
        ingested_at=datetime.now(UTC),
        dated_at=source.received_at,
        language="en",
        word_count=len(body.split()),
        entities=[zelensky],
        people=["Volodymyr Zelensky"],
        source=source,
        dedup_group=article_id,
    )


def test_live_mapping_is_the_declared_one(isolated_settings: Settings) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    live = es.indices.get_mapping(index=isolated_settings.index_alias)
    (mapping,) = (m["mappings"] for m in live.values())
    assert mapping["properties"] == INDEX_MAPPING["properties"]
    assert list(live) == [index_name(isolated_settings.index_alias)]


def test_indexed_articles_are_found_with_english_stemming(isolated_settings: Settings) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    alias = isolated_settings.index_alias
    docs = [
        _document("a1", "Troops recapture towns", "Ukrainian troops recaptured dozens of towns near Kharkiv."),
        _document("a2", "Budget vote", "Parliament voted on the budget on Tuesday."),
    ]
    for doc in docs:
        es.index(index=alias, id=doc.article_id, document=doc.model_dump(mode="json"))
    es.indices.refresh(index=alias)

    # "recapturing" only matches "recaptured" through the English stemmer.
    hits = es.search(index=alias, body={"query": {"match": {"body": "recapturing"}}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["a1"]

    facet = es.search(
        index=alias,
        body={"size": 0, "aggs": {"people": {"terms": {"field": "people"}}}},
    )["aggregations"]["people"]["buckets"]
    assert facet == [{"key": "Volodymyr Zelensky", "doc_count": 2}]

    # Same id again: replaced, not added (idempotent writes).
    es.index(index=alias, id="a1", document=docs[0].model_dump(mode="json"), refresh=True)
    assert es.count(index=alias)["count"] == 2


def test_a_write_with_refresh_is_searchable_when_it_returns_and_one_without_waits(isolated_settings: Settings) -> None:
    """The index stage's small batches refresh with their bulk request (freshness); large ones do not."""
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    alias = isolated_settings.index_alias
    es.indices.put_settings(index=alias, body={"index": {"refresh_interval": "-1"}})  # no scheduled refresh
    indices = SinkIndices(alias, isolated_settings.stories_index_alias, isolated_settings.alerts_index_alias)
    sink = ElasticsearchSink(isolated_settings.elasticsearch_url, indices)
    try:
        assert sink.write([_document("b1", "Budget vote", "Parliament voted on the budget.")]) == []
        assert es.count(index=alias)["count"] == 0
        assert sink.write([_document("b2", "Budget passed", "The budget passed.")], refresh=True) == []
        assert es.count(index=alias)["count"] == 2
    finally:
        sink.close()


def test_bootstrap_gives_documents_indexed_before_the_facet_keys_their_keys(isolated_settings: Settings) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    alias = isolated_settings.index_alias
    kyiv = Entity(id="place:kyiv", type=EntityType.PLACE, canonical="Kiev", surface_forms=["Kiev"], mentions=1)
    current = _document("b1", "Talks in Kiev", "Talks were held in Kiev.").with_entities(
        [*_document("x", "", "").entities, kyiv]
    )
    older = current.model_dump(mode="json", exclude={"facet_people", "facet_organizations", "facet_places"})
    es.index(index=alias, id="b0", document={**older, "article_id": "b0"})
    es.index(index=alias, id="b1", document=current.model_dump(mode="json"), refresh=True)

    assert create_index(isolated_settings) is None  # the index exists: fields added in place, then filled

    for article_id in ("b0", "b1"):
        source = es.get(index=alias, id=article_id)["_source"]
        assert source["facet_people"] == ["person:volodymyr-zelensky Volodymyr Zelensky"]
        assert source["facet_places"] == ["place:kyiv Kiev"]
        assert source["facet_organizations"] == []


def test_bootstrap_moves_an_index_of_an_older_version_to_the_current_one(isolated_settings: Settings) -> None:
    es = Elasticsearch(isolated_settings.elasticsearch_url)
    alias = isolated_settings.index_alias
    (current,) = es.indices.get_alias(name=alias)
    old = index_name(alias, INDEX_VERSION - 1)
    es.indices.create(index=old, body={"mappings": INDEX_MAPPING})
    es.indices.update_aliases(
        body={
            "actions": [
                {"remove": {"index": current, "alias": alias}},
                {"add": {"index": old, "alias": alias, "is_write_index": True}},
            ]
        }
    )
    es.indices.delete(index=current)
    article = _document("m0", "HIMARS strike near Izium", "Rocket systems hit a depot near Izium.")
    older = article.with_entities(article.entities).model_dump(mode="json", exclude={"facet_people"})
    es.index(index=alias, id="m0", document=older, refresh=True)

    assert create_index(isolated_settings) == current  # moved, then brought up to date in place

    assert list(es.indices.get_alias(name=alias)) == [current]
    source = es.get(index=alias, id="m0")["_source"]
    assert source["facet_people"] == ["person:volodymyr-zelensky Volodymyr Zelensky"]
    hits = es.search(index=alias, query={"match": {"body": "depot"}})["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == ["m0"]
    assert es.indices.exists(index=old)  # kept as a way back until someone deletes it
    assert create_index(isolated_settings) is None  # nothing left to do
