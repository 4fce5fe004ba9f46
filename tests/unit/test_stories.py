"""The story clustering's decisions (processors/stories.py) on a store in memory."""

from __future__ import annotations

import itertools
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsflow.processors.dating import filed_date
from newsflow.processors.sink import SinkIndices, bulk_operation, distinct
from newsflow.processors.stories import (
    MemoryStore,
    StoryParameters,
    article_features,
    assign,
    stream_idf,
    term_vector,
)
from newsflow.schemas.articles import ArticleDocument, Entity, EntityType, SourceInfo
from newsflow.schemas.index import mapping_drift
from newsflow.schemas.stories import MAX_POSTED_KEYS, MAX_STORY_ENTITIES, MAX_STORY_TERMS, StoryDocument
from newsflow.schemas.story_index import STORY_INDEX_MAPPING
from tests.integration.corpus import OTHER, REUTERS, write_republication

T0 = datetime(2022, 9, 13, 8, 0, tzinfo=UTC)
PARAMS = StoryParameters()

AUCTION = (
    "Yukos unit sold at auction",
    "Russia sold Yuganskneftegaz, the main oil production unit of Yukos, at an auction in Moscow on Sunday. "
    "The little-known Baikal Finance Group bought Yuganskneftegaz for 9.35bn dollars. Yukos had tried to stop "
    "the auction in a Houston bankruptcy court, saying the sale of Yuganskneftegaz was illegal.",
)
AUCTION_FOLLOW_UP = (
    "Mystery buyer of Yuganskneftegaz",
    "Questions grow over Baikal Finance Group, the obscure buyer of Yuganskneftegaz, which paid 9.35bn dollars "
    "at the Moscow auction. Yukos shareholders say the auction of its Yuganskneftegaz unit was theft.",
)
FILM = (
    "Oscar nominations for Aviator",
    "The Aviator, Martin Scorsese's film about Howard Hughes, leads the Oscar nominations with eleven, "
    "ahead of Finding Neverland and Million Dollar Baby. Leonardo DiCaprio is nominated for best actor.",
)


def document(
    article_id: str,
    text: tuple[str, str],
    *,
    at: datetime = T0,
    outlet: str | None = "Reuters",
    language: str = "en",
    entities: list[Entity] | None = None,
) -> ArticleDocument:
    title, body = text
    source = SourceInfo(path=f"{article_id}.txt", file_sha256="0" * 64, format="text", record_index=0, received_at=at)
    doc = ArticleDocument(
        article_id=article_id.ljust(32, "0"),
        title=title,
        body=body,
        outlet=outlet,
        ingested_at=at,
        dated_at=at,
        language=language,
        word_count=len(body.split()),
        source=source,
        dedup_group=article_id,
    )
    return doc.with_entities(entities or [])


def person(name: str, mentions: int = 2) -> Entity:
    return Entity(type=EntityType.PERSON, canonical=name, surface_forms=[name], mentions=mentions)


def run(documents: list[ArticleDocument], store: MemoryStore | None = None) -> dict[str, str]:
    store = store if store is not None else MemoryStore()
    out = {}
    for doc in documents:
        decision = assign(doc, store, PARAMS, T0)
        assert decision is not None
        out[doc.source.path.removesuffix(".txt")] = decision.assignment.story_id
    return out


def test_reports_of_one_event_share_a_story_and_another_event_has_its_own() -> None:
    stories = run([document("a1", AUCTION), document("f1", FILM), document("a2", AUCTION_FOLLOW_UP, outlet="BBC")])
    assert stories["a1"] == stories["a2"]
    assert stories["f1"] != stories["a1"]


def test_the_story_document_counts_articles_outlets_and_entities() -> None:
    store = MemoryStore()
    yukos = [Entity(type=EntityType.ORGANIZATION, canonical="Yukos", surface_forms=["Yukos"], mentions=3)]
    assign(document("a1", AUCTION, entities=yukos), store, PARAMS, T0)
    later = T0 + timedelta(hours=5)
    decision = assign(document("a2", AUCTION_FOLLOW_UP, at=later, outlet="BBC", entities=yukos), store, PARAMS, T0)
    assert decision is not None and not decision.opened
    story = decision.story
    assert (story.article_count, story.revision, story.outlet_count) == (2, 2, 2)
    assert {o.name for o in story.outlets} == {"Reuters", "BBC"}
    assert (story.first_seen, story.last_seen) == (T0, later)
    assert [(e.id, e.articles) for e in story.top_entities] == [("organization:yukos", 2)]
    assert story.story_id == "st-" + "a1".ljust(24, "0")


def test_an_article_seen_again_keeps_its_story_and_changes_nothing() -> None:
    store = MemoryStore()
    first = assign(document("a1", AUCTION), store, PARAMS, T0)
    assign(document("a2", AUCTION_FOLLOW_UP), store, PARAMS, T0)
    again = assign(document("a1", AUCTION), store, PARAMS, T0)
    assert first is not None and again is not None and again.replayed
    assert again.assignment == first.assignment
    assert again.story.article_count == 2


def test_the_same_input_order_gives_the_same_stories() -> None:
    docs = [document(f"x{i}", text) for i, text in enumerate([AUCTION, FILM, AUCTION_FOLLOW_UP, FILM, AUCTION])]
    first, second = MemoryStore(), MemoryStore()
    assert run(docs, first) == run(docs, second)
    assert first.stories == second.stories and first.posting_lists == second.posting_lists


def test_another_language_makes_a_story_of_its_own() -> None:
    stories = run([document("a1", AUCTION), document("d1", AUCTION, language="de")])
    assert stories["a1"] != stories["d1"]


def test_an_article_beyond_the_window_opens_a_new_story() -> None:
    late = T0 + PARAMS.window + timedelta(days=1)
    stories = run([document("a1", AUCTION), document("a2", AUCTION_FOLLOW_UP, at=late)])
    assert stories["a1"] != stories["a2"]


def test_idle_stories_leave_the_store_so_memory_follows_the_window() -> None:
    store = MemoryStore()
    for day in range(40):
        at = T0 + timedelta(days=day)
        assign(
            document(f"d{day:02d}", (f"Item {day}", f"Unrelated report number {day} about topic{day}x"), at=at),
            store,
            PARAMS,
            T0,
        )
    # Stories of the last window (and the few not yet swept) stay; the postings of the others are gone.
    assert len(store.stories) <= PARAMS.window.days + 2
    listed = {p.story_id for postings in store.posting_lists.values() for p in postings}
    assert listed <= set(store.stories)


def test_a_story_of_thousands_of_articles_keeps_a_bounded_record() -> None:
    store = MemoryStore()
    for i in range(600):
        body = AUCTION[1] + f" Update {i}: analyst{i} comments on trader{i} and the broker{i} deal."
        assign(document(f"u{i:04d}", (AUCTION[0], body), entities=[person(f"Analyst Number{i}")]), store, PARAMS, T0)
    assert len(store.stories) == 1
    state = next(iter(store.stories.values()))
    assert state.article_count == 600
    assert len(state.terms) <= MAX_STORY_TERMS and len(state.entities) <= MAX_STORY_ENTITIES
    assert len(state.posted_keys) <= MAX_POSTED_KEYS


def test_articles_without_entities_or_with_one_line_get_a_story() -> None:
    stories = run([document("o1", ("", "Short.")), document("o2", ("Brief", "")), document("o3", ("", ""))])
    assert len(set(stories.values())) == 3


def test_a_bridging_article_joins_one_story_and_the_others_keep_their_ids() -> None:
    store = MemoryStore()
    bridge = (AUCTION[0] + " " + FILM[0], AUCTION[1] + " " + FILM[1])
    stories = run([document("a1", AUCTION), document("f1", FILM), document("b1", bridge)], store)
    assert stories["b1"] in {stories["a1"], stories["f1"]}
    assert {s.story_id for s in store.stories.values()} == {stories["a1"], stories["f1"]}


def test_rare_words_outweigh_common_ones() -> None:
    vector = term_vector("The auction", "The the the and and Yuganskneftegaz auction", "en")
    assert "the" not in vector and "and" not in vector
    assert vector["yuganskneftegaz"] > vector["auction"]


@pytest.mark.parametrize(
    ("published", "dated", "noted"),
    [
        (None, T0, False),
        (T0 - timedelta(days=3), T0 - timedelta(days=3), False),
        (T0 + timedelta(days=400), T0, True),
        (datetime(1970, 1, 1, tzinfo=UTC), T0, True),
    ],
)
def test_dates_far_in_the_future_or_past_are_clamped_with_a_note(
    published: datetime | None, dated: datetime, noted: bool
) -> None:
    when, note = filed_date(published, T0)
    assert when == dated
    assert (note is not None) == noted


def test_story_revisions_go_to_the_stories_index() -> None:
    store = MemoryStore()
    decision = assign(document("a1", AUCTION), store, PARAMS, T0)
    assert decision is not None
    action, body = bulk_operation(decision.story, SinkIndices("articles", "stories", "alerts"))
    assert action["update"]["_index"] == "stories"
    assert action["update"]["_id"] == decision.story.story_id
    assert body["script"]["params"]["doc"]["revision"] == 1


def test_the_stories_mapping_matches_the_story_document() -> None:
    assert mapping_drift(StoryDocument, STORY_INDEX_MAPPING["properties"]) == []


def made_up_word(i: int, k: int) -> str:
    """A word of letters only, different for every (i, k)."""
    return "".join(chr(97 + (i * 3 + k * 11 + j * 5) % 26) for j in range(4)) + "x" * (k + 1) + chr(97 + i % 26)


def test_a_word_of_many_stories_weighs_less_than_one_the_stream_has_not_seen() -> None:
    store = MemoryStore()
    for i in range(30):
        a, b, c = (made_up_word(i, k) for k in range(3))
        text = (f"{a} deal", f"Blair visited {a} over {b} with {c} and {a} workers.")
        assign(document(f"s{i:02d}", text), store, PARAMS, T0)
    probe = document("p1", ("Blair and Ardnamurchan", "Blair visited Ardnamurchan."))
    features = article_features(probe, PARAMS, stream_idf(store, PARAMS))
    assert features.terms["blair"] < features.terms["ardnamurchan"]
    assert store.clock().stories > 1  # "blair" is in many stories, not in one


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_the_samples_and_a_republication_share_one_story_in_any_order(order: tuple[int, int, int]) -> None:
    republished = tempfile.mkdtemp()
    texts = [REUTERS.read_text(), OTHER.read_text(), write_republication(Path(republished) / "r.txt").read_text()]
    documents = [document(f"o{i}", (t.splitlines()[0], "\n".join(t.splitlines()[1:]))) for i, t in enumerate(texts)]
    stories = run([documents[i] for i in order])
    assert len(set(stories.values())) == 1


def test_a_batch_writes_only_the_latest_revision_of_each_story() -> None:
    store = MemoryStore()
    revisions = []
    for i, text in enumerate([AUCTION, AUCTION_FOLLOW_UP, FILM]):
        decision = assign(document(f"r{i}", text), store, PARAMS, T0)
        assert decision is not None
        revisions.append(decision.story)
    kept = distinct(revisions)
    assert [(s.story_id, s.revision) for s in kept] == [(revisions[1].story_id, 2), (revisions[2].story_id, 1)]
