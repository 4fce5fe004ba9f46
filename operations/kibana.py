"""Kibana's saved objects for newsflow: load them, list the index fields they use, import them.

The objects live in ``kibana/saved_objects.ndjson`` in Kibana 7.10's export
format, so Kibana can export them again after an edit (see docs/kibana.md).
Kibana itself can't run in the test environment; instead the tests check every
field the objects reference against the live index (:func:`field_uses`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from newsflow.infra.settings import Settings
from newsflow.operations.errors import OperationError

SAVED_OBJECTS_PATH = Path(__file__).resolve().parents[1] / "kibana" / "saved_objects.ndjson"

SavedObject = dict[str, Any]

# Kibana answers 503 while it starts (and a proxy in front of it 502/504): worth waiting for.
_NOT_READY_STATUSES = {502, 503, 504}
_REQUEST_TIMEOUT_S = 30.0
_RETRY_PAUSE_S = 2.0


class FieldUse(NamedTuple):
    """One reference from a saved object to an index field, and what the object does with it."""

    object_key: str  # "<type>:<id>", Kibana's own way of naming an object
    field: str
    use: str  # "time_field", "column", "sort", "query", "filter" or "agg:<aggregation type>"


def load_saved_objects(path: Path = SAVED_OBJECTS_PATH) -> list[SavedObject]:
    """The saved objects of an export file, without the export's closing summary line."""
    objects: list[SavedObject] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc})") from exc
        if not isinstance(entry, dict):
            raise ValueError(f"{path}:{number}: a saved object must be a JSON object")
        # Kibana ends an export with {"exportedCount": ..., "missingReferences": [...]}; it is no object.
        if "exportedCount" in entry and "type" not in entry:
            continue
        objects.append(entry)
    return objects


def to_ndjson(objects: Iterable[SavedObject]) -> bytes:
    """Objects as an export file body (one compact JSON object a line)."""
    return "".join(json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n" for obj in objects).encode()


def index_pattern_titles(settings: Settings) -> dict[str, str]:
    """Id of each data view in kibana/saved_objects.ndjson -> the alias it must show for ``settings``."""
    return {"newsflow-articles": settings.index_alias, "newsflow-stories": settings.stories_index_alias}


def with_index_titles(objects: Iterable[SavedObject], titles: dict[str, str]) -> list[SavedObject]:
    """Copies of ``objects`` whose data views listed in ``titles`` (by id) point at their alias there.

    The file names the default aliases; each data view is retargeted by its id
    (articles and stories have an alias each). A data view not listed keeps its title.
    """
    return [
        {**obj, "attributes": {**obj.get("attributes", {}), "title": titles[obj["id"]]}}
        if obj.get("type") == "index-pattern" and obj.get("id") in titles
        else obj
        for obj in objects
    ]


def object_key(obj: SavedObject) -> str:
    """``<type>:<id>``: ids are unique per type only."""
    return f"{obj.get('type')}:{obj.get('id')}"


def search_source(obj: SavedObject) -> dict[str, Any]:
    """The parsed ``kibanaSavedObjectMeta.searchSourceJSON`` of an object (empty if it has none)."""
    raw = obj.get("attributes", {}).get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
    parsed = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    return parsed if isinstance(parsed, dict) else {}


def vis_state(obj: SavedObject) -> dict[str, Any]:
    """The parsed ``visState`` of a visualization (empty for other objects)."""
    raw = obj.get("attributes", {}).get("visState")
    parsed = json.loads(raw) if isinstance(raw, str) else {}
    return parsed if isinstance(parsed, dict) else {}


# A field name followed by ":" or a range operator, as in KQL ``outlet:bbc``, ``copy_count > 0``
# and Lucene ``title:budget``. Quoted values are blanked first so their words are not taken for fields.
_QUERY_FIELD = re.compile(r"(?<![\w.@\\])([A-Za-z_@][\w.@-]*)\s*(?::|<=|>=|<|>)")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
# Filter clauses whose keys (or whose "field") name index fields.
_FIELD_KEYED_CLAUSES = ("match_phrase", "match", "range", "term", "terms", "prefix", "wildcard")


def query_fields(query: object) -> set[str]:
    """Field names of a saved ``{"query": ..., "language": "kuery"|"lucene"}`` query.

    Recognises ``field:value`` and ``field <op> value`` terms, which is what
    these objects use; KQL's nested-field braces (``a:{ b: 1 }``) are not resolved.
    """
    text = query.get("query") if isinstance(query, dict) else query
    if not isinstance(text, str):
        return set()
    return set(_QUERY_FIELD.findall(_QUOTED.sub('""', text)))


def filter_fields(query_filter: dict[str, Any]) -> set[str]:
    """Field names a saved filter (exists, phrase, range, ...) applies to."""
    fields: set[str] = set()
    exists = query_filter.get("exists") or query_filter.get("query", {}).get("exists")
    if isinstance(exists, dict) and isinstance(exists.get("field"), str):
        fields.add(exists["field"])
    for clause in _FIELD_KEYED_CLAUSES:
        for container in (query_filter, query_filter.get("query", {})):
            body = container.get(clause) if isinstance(container, dict) else None
            if isinstance(body, dict):
                fields.update(body)
    return fields


def _object_uses(obj: SavedObject) -> Iterator[tuple[str, str]]:
    attributes = obj.get("attributes", {})
    if obj.get("type") == "index-pattern" and attributes.get("timeFieldName"):
        yield attributes["timeFieldName"], "time_field"
    source = search_source(obj)
    for field in query_fields(source.get("query")):
        yield field, "query"
    for query_filter in source.get("filter", []):
        for field in filter_fields(query_filter):
            yield field, "filter"
    if obj.get("type") == "search":
        # "_source" is Discover's whole-document column, not a field.
        yield from ((column, "column") for column in attributes.get("columns", []) if column != "_source")
        sort = attributes.get("sort", [])
        # Kibana before 7.4 stored one [field, direction] pair instead of a list of them.
        pairs = [sort] if sort and isinstance(sort[0], str) else sort
        yield from ((pair[0], "sort") for pair in pairs)
    for agg in vis_state(obj).get("aggs", []):
        if not agg.get("enabled", True):
            continue
        params = agg.get("params", {})
        if isinstance(params.get("field"), str):
            yield params["field"], f"agg:{agg.get('type')}"
        # A "filters" bucket aggregation holds one query per bucket.
        for bucket in params.get("filters", []):
            for field in query_fields(bucket.get("input")):
                yield field, "query"


def field_uses(objects: Iterable[SavedObject]) -> list[FieldUse]:
    """Every index field the objects reference, with the use each makes of it.

    Covers the index pattern's time field, saved-search columns, sort, queries
    and filters, and visualization aggregations (``params.field`` and the
    queries of ``filters`` buckets).
    """
    uses: dict[FieldUse, None] = {}  # ordered and without repeats
    for obj in objects:
        for field, use in _object_uses(obj):
            uses[FieldUse(object_key(obj), field, use)] = None
    return list(uses)


def referenced_fields(objects: Iterable[SavedObject]) -> dict[str, set[str]]:
    """``<type>:<id>`` -> the index fields that object references (objects referencing none are left out)."""
    out: dict[str, set[str]] = {}
    for use in field_uses(objects):
        out.setdefault(use.object_key, set()).add(use.field)
    return out


def _import_errors(errors: list[dict[str, Any]]) -> str:
    lines = []
    for entry in errors:
        error = entry.get("error", {})
        detail = error.get("type", "unknown")
        if error.get("references"):
            detail += " " + ", ".join(f"{ref.get('type')}:{ref.get('id')}" for ref in error["references"])
        if error.get("message"):
            detail += f": {error['message']}"
        lines.append(f"{entry.get('type')}:{entry.get('id')} ({entry.get('title', '')}): {detail}")
    return "; ".join(lines)


def import_saved_objects(
    kibana_url: str,
    path: Path = SAVED_OBJECTS_PATH,
    *,
    index_titles: dict[str, str] | None = None,
    timeout_s: float = 120.0,
) -> int:
    """Import (overwrite) the saved objects of ``path`` into Kibana; return how many Kibana saved.

    Waits up to ``timeout_s`` for Kibana to answer, since it takes a while to
    start. With ``index_titles`` (data view id -> alias, :func:`index_pattern_titles`),
    the data views point at those aliases instead of the ones in the file.
    Raises :class:`OperationError` when Kibana does not answer in time, refuses
    the request, or reports objects it could not save (Kibana then saves none
    of them when the cause is a conflict or a missing reference).
    """
    objects = load_saved_objects(path)
    if index_titles is not None:
        objects = with_index_titles(objects, index_titles)
    body = to_ndjson(objects)
    url = f"{kibana_url.rstrip('/')}/api/saved_objects/_import"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            response = httpx.post(
                url,
                params={"overwrite": "true"},
                # Kibana accepts only a file named *.ndjson, and any write only with the kbn-xsrf header.
                files={"file": (path.name, body, "application/ndjson")},
                headers={"kbn-xsrf": "true"},
                timeout=_REQUEST_TIMEOUT_S,
            )
        except httpx.TransportError as exc:
            problem = f"{exc.__class__.__name__}: {exc}"
        else:
            if response.status_code not in _NOT_READY_STATUSES:
                break
            problem = f"HTTP {response.status_code} (not ready)"
        if time.monotonic() + _RETRY_PAUSE_S > deadline:
            raise OperationError(
                f"Kibana at {kibana_url} did not answer within {timeout_s:.0f}s ({problem}); start Kibana "
                "(`docker compose up -d kibana`) or point NEWSFLOW_KIBANA_URL at the one that runs"
            )
        time.sleep(_RETRY_PAUSE_S)
    if response.status_code != 200:
        raise OperationError(
            f"Kibana at {kibana_url} refused the import of {path}: HTTP {response.status_code}: {response.text[:500]}"
        )
    result = response.json()
    if not result.get("success"):
        raise OperationError(
            f"Kibana at {kibana_url} did not import every object of {path} "
            f"({result.get('successCount', 0)} saved): {_import_errors(result.get('errors', []))}"
        )
    return int(result.get("successCount", 0))
