"""``newsflow reindex``: build the next index version and move the alias to it, without downtime.

1. create ``<alias>-v<N+1>`` (the template gives it the current mapping);
2. copy every document from the alias's current index (``_reindex``);
3. swap the alias atomically: searches and writes go to the new index;
4. copy again what was created in the old index during step 2 (``op_type: create``,
   so nothing newer in the new index is overwritten).

Readers never see an empty or half-built index. Known gap: an update (a copy
record or link) applied to an already copied document during step 2 reaches
only the old index; ``newsflow replay`` of that window repairs it. The old
index stays (a way back) until someone deletes it.

Bootstrap runs the same move to :data:`~newsflow.schemas.index.INDEX_VERSION`
when the alias is on an older version (a mapping change Elasticsearch cannot
apply in place, such as a text field's analyzer or index options).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from elasticsearch import Elasticsearch

from newsflow.infra.settings import Settings
from newsflow.schemas.index import index_name

log = logging.getLogger("newsflow.reindex")


@dataclass(frozen=True)
class ReindexReport:
    old_index: str
    new_index: str
    copied: int
    caught_up: int


def current_index(es: Elasticsearch, alias: str) -> tuple[str, int]:
    """The index behind ``alias`` and its version; ValueError when it is not ``<alias>-v<N>``."""
    (index,) = list(es.indices.get_alias(name=alias))
    match = re.fullmatch(rf"{re.escape(alias)}-v(\d+)", index)
    if match is None:
        raise ValueError(f"alias {alias} points at {index}, not at a versioned index <alias>-v<N>")
    return index, int(match.group(1))


def reindex(settings: Settings, version: int | None = None) -> ReindexReport:
    """Move the alias to a freshly built index of ``version`` (default: the next after the current one)."""
    es = Elasticsearch(settings.elasticsearch_url, timeout=600)
    alias = settings.index_alias
    old, current = current_index(es, alias)
    version = current + 1 if version is None else version
    if version <= current:
        raise ValueError(f"alias {alias} is on version {current} already; a move goes to a later one, not {version}")
    new = index_name(alias, version)
    if es.indices.exists(index=new):
        # Left by a move stopped before the alias swap: nothing reads or writes it, so it is built again.
        log.warning("deleting an unfinished index version left by an earlier move", extra={"index": new})
        es.indices.delete(index=new)
    es.indices.create(index=new)
    copied = es.reindex(body={"source": {"index": old}, "dest": {"index": new}}, wait_for_completion=True, refresh=True)
    es.indices.update_aliases(
        body={
            "actions": [
                {"remove": {"index": old, "alias": alias}},
                {"add": {"index": new, "alias": alias, "is_write_index": True}},
            ]
        }
    )
    caught_up = es.reindex(
        body={"source": {"index": old}, "dest": {"index": new, "op_type": "create"}, "conflicts": "proceed"},
        wait_for_completion=True,
        refresh=True,
    )
    return ReindexReport(old, new, int(copied["total"]), int(caught_up["created"]))
