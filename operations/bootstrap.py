"""Create the pipeline's topics and its indices: articles, stories, saved searches, alerts, webhook deliveries.

Every step is idempotent: existing topics and indices are left untouched (new
mapping fields are added in place). Two migrations: articles on an index older
than ``INDEX_VERSION`` are copied to a new one (a mapping change Elasticsearch
cannot apply in place; :func:`create_index`), and the saved searches, whose
index follows the articles mapping, are copied to their new version
(:func:`create_saved_search_index`).
"""

from __future__ import annotations

import logging
from typing import Any

from elasticsearch import Elasticsearch, TransportError
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from newsflow.infra.settings import Settings
from newsflow.operations.errors import OperationError
from newsflow.operations.reindex import current_index, reindex
from newsflow.schemas.alert_index import (
    ALERT_INDEX_MAPPING,
    ALERT_INDEX_VERSION,
    DELIVERY_INDEX_MAPPING,
    DELIVERY_INDEX_VERSION,
    SAVED_SEARCH_INDEX_MAPPING,
    saved_search_index_version,
    versioned_template,
)
from newsflow.schemas.articles import FACET_KEY_FIELDS
from newsflow.schemas.index import INDEX_MAPPING, INDEX_VERSION, index_name, template_body
from newsflow.schemas.story_index import STORY_INDEX_MAPPING, STORY_INDEX_VERSION, story_template_body
from newsflow.schemas.topics import ALL_TOPICS, CHANGELOG_CONFIG, TABLE_PARTITIONS, TABLES, changelog_topic

log = logging.getLogger("newsflow.bootstrap")


def create_topics(settings: Settings) -> list[str]:
    """Create missing pipeline topics; return the names created."""
    replication = settings.topic_replication_factor
    # An acks=all write needs all but one copy (2 of 3): one broker may be down, and no
    # acknowledged record lives on a single broker. Set per topic so it holds whatever the
    # broker default of the cluster (docker-compose's, someone else's) is.
    durability = {"min.insync.replicas": str(max(1, replication - 1))}
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="newsflow-bootstrap")
    try:
        existing = set(admin.list_topics())
        default = settings.topic_partitions
        prefix = settings.topic_prefix
        configs = {spec.name(prefix): (spec.config, spec.partition_count(default)) for spec in ALL_TOPICS}
        configs |= {
            changelog_topic(settings.topic_prefix, table): (CHANGELOG_CONFIG, TABLE_PARTITIONS.get(table, default))
            for table in TABLES
        }
        wanted = [
            NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=replication,
                topic_configs={**durability, **config},
            )
            for name, (config, partitions) in configs.items()
            if name not in existing
        ]
        if wanted:
            try:
                admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # another process created them between our list and create: fine
            except KafkaError as exc:
                raise OperationError(f"creating Kafka topics failed: {exc}") from exc
    finally:
        admin.close()
    return [t.name for t in wanted]


def create_index(settings: Settings) -> str | None:
    """Install the index template and create the first index behind the alias if none exists.

    An existing index gets the mapping's new fields (additive changes apply in
    place); one of an older ``INDEX_VERSION`` is first copied to a new index of
    the current version (:func:`~newsflow.operations.reindex.reindex`; the old
    index stays until deleted). Returns the index created, if any.
    """
    es = Elasticsearch(settings.elasticsearch_url)
    alias = settings.index_alias
    moved = _move_to_current_version(settings, es) if es.indices.exists_alias(name=alias) else None
    created = _create_versioned(es, alias, template_body(alias), INDEX_MAPPING, index_name(alias))
    if created is None:
        _backfill_dated_at(es, alias)
        _backfill_entity_facets(es, alias)
    return created or moved


def _move_to_current_version(settings: Settings, es: Any) -> str | None:
    """Copy the articles to an index of ``INDEX_VERSION`` when the alias is on an older one; the new index."""
    alias = settings.index_alias
    try:
        old, version = current_index(es, alias)
    except ValueError as exc:
        raise OperationError(f"{exc}; point it at one (`newsflow reindex` needs the same)") from exc
    if version >= INDEX_VERSION:
        return None
    es.indices.put_template(name=alias, body=template_body(alias))  # gives the new index the current mapping
    log.info("moving articles to a new index version", extra={"from": old, "to": index_name(alias)})
    report = reindex(settings, INDEX_VERSION)
    log.info(
        "articles moved to a new index version; delete the old index when no longer wanted",
        extra={"from": report.old_index, "to": report.new_index, "documents": report.copied + report.caught_up},
    )
    return report.new_index


def create_story_index(settings: Settings) -> str | None:
    """The same for the stories index (its documents come from the story stage; no reindex needed)."""
    es = Elasticsearch(settings.elasticsearch_url)
    alias = settings.stories_index_alias
    index = index_name(alias, STORY_INDEX_VERSION)
    return _create_versioned(es, alias, story_template_body(alias), STORY_INDEX_MAPPING, index)


def create_alert_indices(settings: Settings) -> list[str]:
    """The alerts index and the webhook delivery log (documents from the pipeline; no migration needed)."""
    es = Elasticsearch(settings.elasticsearch_url)
    created = []
    for alias, mapping, version in (
        (settings.alerts_index_alias, ALERT_INDEX_MAPPING, ALERT_INDEX_VERSION),
        (settings.deliveries_index_alias, DELIVERY_INDEX_MAPPING, DELIVERY_INDEX_VERSION),
    ):
        index = index_name(alias, version)
        if _create_versioned(es, alias, versioned_template(alias, mapping), mapping, index) is not None:
            created.append(index)
    return created


def create_saved_search_index(settings: Settings) -> str | None:
    """The saved-searches index of the current version; searches in an older version are moved into it.

    The move re-parses every percolator query against the new mapping. When a
    query no longer parses, nothing moves: the alias stays on the old index and
    the error names the searches to fix (or delete) before trying again.
    """
    es = Elasticsearch(settings.elasticsearch_url, timeout=300)
    alias = settings.saved_searches_index_alias
    index = index_name(alias, saved_search_index_version())
    template = versioned_template(alias, SAVED_SEARCH_INDEX_MAPPING)
    if not es.indices.exists_alias(name=alias):
        return _create_versioned(es, alias, template, SAVED_SEARCH_INDEX_MAPPING, index)
    current = list(es.indices.get_alias(name=alias))
    if current == [index]:
        return _create_versioned(es, alias, template, SAVED_SEARCH_INDEX_MAPPING, index)
    es.indices.put_template(name=alias, body=template)
    if not es.indices.exists(index=index):
        es.indices.create(index=index)
    result: dict[str, Any]
    try:
        result = es.reindex(
            body={"source": {"index": alias}, "dest": {"index": index}}, wait_for_completion=True, refresh=True
        )
    except TransportError as exc:
        # Elasticsearch answers 400 when documents failed, with the failures in the body.
        if not (isinstance(exc.info, dict) and exc.info.get("failures")):
            raise
        result = exc.info
    if failures := result.get("failures"):
        ids = sorted({str(f.get("id")) for f in failures})
        cause = failures[0].get("cause", {})
        while isinstance(cause.get("caused_by"), dict):  # the innermost reason names the field
            cause = cause["caused_by"]
        reason = cause.get("reason", "unknown")
        es.indices.delete(index=index)
        raise OperationError(
            f"saved searches {', '.join(ids[:20])} can't be moved to the new mapping ({reason}); the alias "
            f"{alias!r} stays on {', '.join(current)}: change or delete them through /saved-searches, then "
            "run `make up` (or `newsflow bootstrap`) again"
        )
    actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": alias}} for old in current]
    actions.append({"add": {"index": index, "alias": alias, "is_write_index": True}})
    es.indices.update_aliases(body={"actions": actions})
    log.info("saved searches moved to a new index", extra={"from": current, "to": index, "searches": result["total"]})
    return index


def _create_versioned(es: Any, alias: str, template: dict[str, Any], mapping: dict[str, Any], index: str) -> str | None:
    """Template, then ``index`` behind ``alias`` unless the alias exists (then new fields go in place)."""
    es.indices.put_template(name=alias, body=template)
    if es.indices.exists_alias(name=alias):
        try:
            es.indices.put_mapping(index=alias, body=mapping)
        except TransportError as exc:
            raise OperationError(
                f"the index behind {alias!r} has a mapping that can't be updated in place ({exc.error}); "
                "run `newsflow reindex` to build a new index version"
            ) from exc
        return None
    try:
        es.indices.create(index=index, aliases={alias: {"is_write_index": True}})
    except TransportError as exc:
        if getattr(exc, "error", "") != "resource_already_exists_exception":
            raise
        return None  # another process created it between our check and create: fine
    return index


def _backfill_entity_facets(es: Any, alias: str) -> None:
    """Give documents indexed before the flat entity facet keys existed their keys (``facet_key``: id, a space,
    canonical name), so that the facets count them."""
    result = es.update_by_query(
        index=alias,
        body={
            "query": {
                "bool": {
                    "filter": [{"exists": {"field": "entity_ids"}}],
                    "must_not": [{"exists": {"field": field}} for field in FACET_KEY_FIELDS.values()],
                }
            },
            "script": {
                "lang": "painless",
                # facet_key's format, per type into its field.
                "source": "for (f in params.fields.values()) { ctx._source[f] = []; }"
                " for (e in ctx._source.entities) {"
                "   if (e.id != null && params.fields.containsKey(e.type)) {"
                "     ctx._source[params.fields[e.type]].add(e.id + ' ' + e.canonical);"
                "   }"
                " }",
                "params": {"fields": {kind.value: field for kind, field in FACET_KEY_FIELDS.items()}},
            },
        },
        conflicts="proceed",
        refresh=True,
    )
    if result.get("updated"):
        log.info("entity facet keys filled in", extra={"documents": result["updated"]})


def _backfill_dated_at(es: Any, alias: str) -> None:
    """Give documents indexed before ``dated_at`` existed their date (published, else received)."""
    result = es.update_by_query(
        index=alias,
        body={
            "query": {
                "bool": {"filter": [{"exists": {"field": "title"}}], "must_not": [{"exists": {"field": "dated_at"}}]}
            },
            "script": {
                "lang": "painless",
                "source": "ctx._source.dated_at = ctx._source.published_at != null"
                " ? ctx._source.published_at : ctx._source.source.received_at",
            },
        },
        conflicts="proceed",
        refresh=True,
    )
    if result.get("updated"):
        log.info("dated_at filled in", extra={"documents": result["updated"]})


def bootstrap(settings: Settings) -> None:
    """Topics and index, ready for the pipeline."""
    topics = create_topics(settings)
    index = create_index(settings)
    stories = create_story_index(settings)
    saved_searches = create_saved_search_index(settings)
    alert_indices = create_alert_indices(settings)
    log.info(
        "bootstrap done",
        extra={
            "topics_created": len(topics),
            "index_created": index or "-",
            "stories_index_created": stories or "-",
            "saved_searches_index_created": saved_searches or "-",
            "alert_indices_created": ", ".join(alert_indices) or "-",
        },
    )
