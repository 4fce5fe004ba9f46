"""Which saved searches the newly indexed articles match: Elasticsearch's percolator, one request per batch.

The index stage calls :meth:`Percolator.matches` after its bulk write, with
the articles it wrote and the exact copies it recorded. Every article of the
batch goes into one percolate query (``documents``), and the saved searches
that match come back a page at a time with the slots of the documents they
matched, so the cost per batch grows with the number of matches, not with the
number of articles times searches.

Exact copies concern only the searches that ask for duplicates. A copy may
reach the sink before its original is indexed, so copies are matched both
ways: a copy percolates its original's stored document (found once the
original is there), and an original matched by such a search brings the copies
already recorded on it. The alerts stage keeps one alert per copy either way.

A search alerts only on what is new to it: articles (and copies) received
after it was saved, or up to ``grace`` before (an article still on its way
through the pipeline when the user saved the search has not been seen by
them); so a replay of older articles, percolated again, alerts no search
created since.

Like the sink, the percolator waits out Elasticsearch being unavailable
(retrying with back-off; the stage's offsets do not advance) and raises on
anything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import Elasticsearch, NotFoundError, TransportError

from newsflow.processors.es_backoff import Backoff, is_transient
from newsflow.processors.metrics import WorkerMetrics
from newsflow.processors.similarity import minhash_signature, shingles
from newsflow.schemas.alerts import AlertMatch
from newsflow.schemas.articles import ArticleDocument, CopyRecord, CopySeen

log = logging.getLogger("newsflow.percolation")

PAGE_SIZE = 1000
_SOURCE = [
    "saved_search.saved_search_id",
    "saved_search.name",
    "saved_search.notify_duplicates",
    "saved_search.created_at",
]

_WANTS_DUPLICATES = {"term": {"saved_search.notify_duplicates": True}}


# Each saved search matching some of a list of articles, with the positions (slots) of those it matched.
Percolated = list[tuple[dict[str, Any], list[int]]]


def only_written(
    articles: list[ArticleDocument], percolated: Percolated, written: set[str]
) -> tuple[list[ArticleDocument], Percolated]:
    """``articles`` and their percolation restricted to the ids in ``written`` (the slots renumbered)."""
    kept = [i for i, article in enumerate(articles) if article.article_id in written]
    if len(kept) == len(articles):
        return articles, percolated
    position = {old: new for new, old in enumerate(kept)}
    restricted = [(search, [position[s] for s in slots if s in position]) for search, slots in percolated]
    return [articles[i] for i in kept], [(search, slots) for search, slots in restricted if slots]


class Percolator:
    """Matches indexed articles against the saved searches of one alias."""

    def __init__(
        self,
        url: str,
        saved_searches_alias: str,
        articles_alias: str,
        *,
        grace: timedelta = timedelta(minutes=10),
        max_backoff_s: float = 30.0,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.alias = saved_searches_alias
        self.articles_alias = articles_alias
        self.grace = grace
        self.metrics = metrics if metrics is not None else WorkerMetrics()
        self._backoff = Backoff("percolation", max_backoff_s, self.metrics)
        self._es = Elasticsearch(url, timeout=60, max_retries=0)
        self._missing_logged = False

    def percolate_articles(self, articles: list[ArticleDocument]) -> Percolated:
        """(saved search, slots in ``articles``) for every saved search matching some of ``articles``.

        It reads nothing the articles' own write changes, so the index stage runs it beside that write.
        """
        if not articles:
            return []
        return self._percolate({"documents": [article.model_dump(mode="json") for article in articles]})

    def matches(
        self,
        articles: list[ArticleDocument],
        copies: list[CopySeen],
        indexed_at: datetime,
        percolated: Percolated | None = None,
    ) -> list[AlertMatch]:
        """The saved searches each article (or copy) matches, as alert candidates, in a stable order.

        ``percolated``: :meth:`percolate_articles` of ``articles`` if it ran already. Call this once the
        articles and copies are written: their recorded copies are read from the index.
        """
        found: list[AlertMatch] = []
        signatures: dict[str, list[int]] = {}

        def signature(article: ArticleDocument) -> list[int]:
            if article.article_id not in signatures:
                signatures[article.article_id] = minhash_signature(shingles(article.body))
            return signatures[article.article_id]

        if articles:
            wanting_copies: list[tuple[ArticleDocument, dict[str, Any]]] = []
            hits = self.percolate_articles(articles) if percolated is None else percolated
            for search, slots in hits:
                for slot in slots:
                    article = articles[slot]
                    if not self._new_to(search, article.source.received_at):
                        continue
                    found.append(_match(search, article, signature(article), indexed_at))
                    if search["notify_duplicates"]:
                        wanting_copies.append((article, search))
            found += self._recorded_copies(wanting_copies, signature, indexed_at)
        found += self._copies_of_indexed(copies, indexed_at)
        return found

    def _recorded_copies(
        self,
        wanting: list[tuple[ArticleDocument, dict[str, Any]]],
        signature: Callable[[ArticleDocument], list[int]],
        indexed_at: datetime,
    ) -> list[AlertMatch]:
        """Matches for the copies already recorded on articles that searches asking for duplicates matched."""
        if not wanting:
            return []
        ids = sorted({article.article_id for article, _ in wanting})
        response = self._call(partial(self._es.mget, index=self.articles_alias, body={"ids": ids}, _source=["copies"]))
        copies: dict[str, list[CopyRecord]] = {}
        for doc in response.get("docs", []):
            source = doc.get("_source") or {}
            copies[doc["_id"]] = [CopyRecord.model_validate(c) for c in source.get("copies") or []]
        return [
            _match(search, article, signature(article), indexed_at, copy_source_id=copy.source_id)
            for article, search in wanting
            for copy in copies.get(article.article_id, [])
            if self._new_to(search, copy.received_at)
        ]

    def _copies_of_indexed(self, copies: list[CopySeen], indexed_at: datetime) -> list[AlertMatch]:
        """Matches for copies whose original is indexed, against the searches that ask for duplicates."""
        found: list[AlertMatch] = []
        for copy in copies:
            stored = self._call(partial(self._get_article, copy.article_id))
            if stored is None or "title" not in stored:
                continue  # the original is not indexed yet: its own percolation brings this copy
            article = ArticleDocument.model_validate(stored)
            signature = minhash_signature(shingles(article.body))
            for search, _ in self._percolate({"document": stored}, extra_filter=_WANTS_DUPLICATES):
                if self._new_to(search, copy.copy_.received_at):
                    found.append(_match(search, article, signature, indexed_at, copy_source_id=copy.copy_.source_id))
        return found

    def _new_to(self, search: dict[str, Any], received_at: datetime) -> bool:
        """Whether an article (or copy) received at ``received_at`` is new to ``search`` (``grace`` allowed)."""
        return received_at >= datetime.fromisoformat(search["created_at"]) - self.grace

    def _get_article(self, article_id: str) -> dict[str, Any] | None:
        try:
            return dict(self._es.get(index=self.articles_alias, id=article_id)["_source"])
        except NotFoundError:
            return None

    def _percolate(self, documents: dict[str, Any], extra_filter: dict[str, Any] | None = None) -> Percolated:
        """(saved search, matched document slots) for every saved search matching, all pages."""
        percolate = {"percolate": {"field": "query", **documents}}
        query: dict[str, Any] = percolate
        if extra_filter is not None:
            query = {"bool": {"must": [percolate], "filter": [extra_filter]}}
        results: Percolated = []
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": query,
                "_source": _SOURCE,
                "size": PAGE_SIZE,
                "sort": [{"saved_search.saved_search_id": "asc"}],
            }
            if after is not None:
                body["search_after"] = after
            response = self._call(partial(self._search, body))
            hits = response["hits"]["hits"]
            for hit in hits:
                search = hit["_source"]["saved_search"]
                slots = hit.get("fields", {}).get("_percolator_document_slot", [0])
                results.append((search, [int(slot) for slot in slots]))
            if len(hits) < PAGE_SIZE:
                return results
            after = hits[-1]["sort"]

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return dict(self._es.search(index=self.alias, body=body))
        except NotFoundError as exc:
            if getattr(exc, "error", "") != "index_not_found_exception":
                raise
            if not self._missing_logged:
                log.warning(
                    "no saved-searches index: nothing is percolated until bootstrap creates it (`make up`)",
                    extra={"alias": self.alias},
                )
                self._missing_logged = True
            return {"hits": {"hits": []}}

    def _call(self, request: Callable[[], Any]) -> Any:
        """``request()``, retried with back-off while Elasticsearch is unavailable (429, 5xx, no connection)."""
        while True:
            try:
                result = request()
            except (EsConnectionError, TransportError) as exc:
                if not is_transient(exc):
                    raise
                self._backoff.wait("percolation", str(exc))
                continue
            self._backoff.succeeded()
            return result

    @property
    def waiting(self) -> bool:
        """True while a request waits for Elasticsearch (the worker's stall watchdog excuses that)."""
        return self._backoff.waiting

    def close(self) -> None:
        self._es.close()


def _match(
    search: dict[str, Any],
    article: ArticleDocument,
    signature: list[int],
    indexed_at: datetime,
    copy_source_id: str | None = None,
) -> AlertMatch:
    return AlertMatch(
        saved_search_id=search["saved_search_id"],
        saved_search_name=search["name"],
        notify_duplicates=bool(search.get("notify_duplicates")),
        article_id=article.article_id,
        copy_source_id=copy_source_id,
        story_id=article.story_id,
        title=article.title,
        outlet=article.outlet,
        dated_at=article.dated_at,
        minhash=signature,
        indexed_at=indexed_at,
    )
