"""Stories: online clustering of articles into events, in the spirit of Miranda et al. (EMNLP 2018).

Each article is compared with the stories active in a recent window and joins
the most similar one when the similarity clears a threshold; otherwise it
opens a story of its own. Pure logic over a :class:`StoryStore` (the stage
keeps it in Faust tables, tests in :class:`MemoryStore`).

The similarity of an article and a story combines
- the words: cosine of the article's TF-IDF vector (title words count twice)
  and the story's centroid. A word's weight is its general rarity
  (``wordfreq``, per language) times its inverse story frequency in the
  stream so far, so a decision depends on nothing but the article and the
  stories before it;
- the entities: cosine of the article's entity ids (weighted the same way)
  and the story's;
- both cosines damped by the square root of the story's cohesion
  (:func:`_damped_cosine`), so a broad story does not pull in its topic;
- the time: full weight within a day of the story's span, then decaying.

Candidates are found through postings: each article's rarest terms and its
entities, each key listing the stories recently active under it. A story's
record is bounded (its largest terms and entities, a capped outlet list), so
the work for an article does not grow with the size of the story it joins.

Stories that took no article within the window leave the store through a
queue swept a few steps per article, so their memory is bounded by the
window; the assignments (for replays) and the frequencies (by vocabulary) stay.
Everything is ordered explicitly: the same input order gives the same stories.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple, Protocol

import wordfreq

from newsflow.schemas.articles import ArticleDocument, Entity, EntityType
from newsflow.schemas.stories import (
    MAX_POSTED_KEYS,
    MAX_POSTINGS_PER_KEY,
    MAX_STORY_ENTITIES,
    MAX_STORY_OUTLETS,
    MAX_STORY_TERMS,
    TOP_ENTITIES_SHOWN,
    HeadlineChoice,
    StoryAssignment,
    StoryClock,
    StoryDocument,
    StoryEntity,
    StoryOutlet,
    StoryPosting,
    StoryPostings,
    StoryState,
)


class Posting(NamedTuple):
    """A story listed under a key, with when it last took an article: the contract's :class:`StoryPosting`
    in the form the stage keeps decoded (a tuple costs a third of the model's memory with its field set, and
    the stage keeps tens of thousands: the soak's worker grew by them)."""

    story_id: str
    last_seen: datetime


# The stories under one key, latest first (empty: none); a table stores them as :class:`StoryPostings`.
Postings = tuple[Posting, ...]


def postings_record(postings: Postings) -> StoryPostings:
    """The contract's record of ``postings`` (what a table stores)."""
    return StoryPostings(stories=[StoryPosting(story_id=p.story_id, last_seen=p.last_seen) for p in postings])


def postings_of(record: StoryPostings, shared: SharedPostings) -> Postings:
    """The compact form of a stored :class:`StoryPostings`, its postings taken from ``shared`` where it has them."""
    return tuple(shared.one(Posting(p.story_id, p.last_seen)) for p in record.stories)


class SharedPostings:
    """One object for equal postings decoded from different keys' lists.

    A story that takes an article is posted under all of the article's keys
    with the same time, so the lists the stage keeps decoded hold the same
    posting many times; decoded apart, each copy cost a tuple, a string and a
    datetime (about 200 bytes), and the soak's worker grew by tens of
    thousands of them an hour. Beyond ``limit`` distinct postings the pool
    starts again: later lists share less, nothing else changes.
    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._pool: dict[Posting, Posting] = {}

    def one(self, posting: Posting) -> Posting:
        """The pool's object equal to ``posting`` (``posting`` itself the first time)."""
        known = self._pool.get(posting)
        if known is not None:
            return known
        if len(self._pool) >= self.limit:
            self._pool.clear()
        self._pool[posting] = posting
        return posting


@dataclass(frozen=True)
class StoryParameters:
    """How stories are made. Chosen on the dev part of the labelled set (bench/stories.py)."""

    window: timedelta = timedelta(days=7)
    threshold: float = 0.20
    text_weight: float = 0.9
    entity_weight: float = 0.1
    # Within this distance of a story's span an article counts as simultaneous; beyond, similarity decays.
    time_grace: timedelta = timedelta(days=1)
    time_scale: timedelta = timedelta(days=3)
    article_terms: int = 60
    probe_terms: int = 10
    probe_entities: int = 8
    candidates: int = 20
    sweep_steps: int = 4
    # Weigh terms and entities also by how many stories of the stream so far have them (with a prior
    # of this many stories, so the first articles lean on the general word frequencies alone).
    stream_idf: bool = True
    idf_prior_stories: int = 50


WORD = re.compile(r"[^\W\d_]+")
# Zipf frequency (log10 per billion words) at and above which a word carries no weight ("the" is 7.7).
COMMON_ZIPF = 7.0
MAX_RARITY = 6.0
ENTITY_TYPE_WEIGHT = {EntityType.PERSON: 1.0, EntityType.ORGANIZATION: 1.0, EntityType.PLACE: 0.5}


class StoryStore(Protocol):
    """Where the story stage keeps its memory."""

    def story(self, story_id: str) -> StoryState | None: ...
    def put_story(self, state: StoryState) -> None: ...
    def delete_story(self, story_id: str) -> None: ...
    def postings(self, key: str) -> Postings: ...
    def put_postings(self, key: str, postings: Postings) -> None: ...
    def assignment(self, article_id: str) -> StoryAssignment | None: ...
    def put_assignment(self, article_id: str, assignment: StoryAssignment) -> None: ...
    def clock(self) -> StoryClock: ...
    def put_clock(self, clock: StoryClock) -> None: ...
    def queued(self, sequence: int) -> str | None: ...
    def put_queued(self, sequence: int, story_id: str | None) -> None: ...
    def place(self, story_id: str) -> int | None: ...
    def put_place(self, story_id: str, sequence: int | None) -> None: ...
    def frequency(self, key: str) -> int: ...
    def put_frequency(self, key: str, count: int) -> None: ...


class MemoryStore:
    """A :class:`StoryStore` in dictionaries (tests, benchmarks)."""

    def __init__(self) -> None:
        self.stories: dict[str, StoryState] = {}
        self.posting_lists: dict[str, Postings] = {}
        self.assignments: dict[str, StoryAssignment] = {}
        self.queue: dict[int, str] = {}
        self.places: dict[str, int] = {}
        self.frequencies: dict[str, int] = {}
        self._clock = StoryClock()

    def story(self, story_id: str) -> StoryState | None:
        return self.stories.get(story_id)

    def put_story(self, state: StoryState) -> None:
        self.stories[state.story_id] = state

    def delete_story(self, story_id: str) -> None:
        self.stories.pop(story_id, None)

    def postings(self, key: str) -> Postings:
        return self.posting_lists.get(key, ())

    def put_postings(self, key: str, postings: Postings) -> None:
        if postings:
            self.posting_lists[key] = postings
        else:
            self.posting_lists.pop(key, None)

    def assignment(self, article_id: str) -> StoryAssignment | None:
        return self.assignments.get(article_id)

    def put_assignment(self, article_id: str, assignment: StoryAssignment) -> None:
        self.assignments[article_id] = assignment

    def clock(self) -> StoryClock:
        return self._clock

    def put_clock(self, clock: StoryClock) -> None:
        self._clock = clock

    def queued(self, sequence: int) -> str | None:
        return self.queue.get(sequence)

    def put_queued(self, sequence: int, story_id: str | None) -> None:
        if story_id is None:
            self.queue.pop(sequence, None)
        else:
            self.queue[sequence] = story_id

    def place(self, story_id: str) -> int | None:
        return self.places.get(story_id)

    def put_place(self, story_id: str, sequence: int | None) -> None:
        if sequence is None:
            self.places.pop(story_id, None)
        else:
            self.places[story_id] = sequence

    def frequency(self, key: str) -> int:
        return self.frequencies.get(key, 0)

    def put_frequency(self, key: str, count: int) -> None:
        self.frequencies[key] = count


@cache
def _frequencies(language: str) -> Mapping[str, float]:
    """General word frequencies of ``language`` (empty for a language wordfreq does not know)."""
    try:
        return wordfreq.get_frequency_dict(language, wordlist="best")
    except LookupError:
        return {}


def rarity(word: str, language: str) -> float:
    """How much a word says about what an article is about: 0 for "the", up to 6 for a word never seen."""
    frequencies = _frequencies(language)
    if not frequencies:
        return 1.0  # no statistics for this language: plain term frequency
    frequency = frequencies.get(word, 0.0)
    zipf = math.log10(frequency * 1e9) if frequency > 0 else 0.0
    return max(0.0, min(MAX_RARITY, COMMON_ZIPF - zipf))


def _normalised(weights: Mapping[str, float], keep: int) -> dict[str, float]:
    """The ``keep`` largest weights (ties by key), scaled to unit length."""
    top = sorted(((k, w) for k, w in weights.items() if w > 0), key=lambda kw: (-kw[1], kw[0]))[:keep]
    norm = math.sqrt(sum(w * w for _, w in top))
    return {k: w / norm for k, w in top} if norm else {}


Idf = Callable[[str], float]


def _no_idf(_: str) -> float:
    return 1.0


def term_vector(
    title: str, body: str, language: str, keep: int = 60, idf: Idf = _no_idf, *, ceiling: float | None = None
) -> dict[str, float]:
    """The article's words weighted by (1 + log count) x rarity x ``idf`` (of the term's key), title words
    twice; the ``keep`` largest, unit length.

    With ``ceiling``, the largest value ``idf`` can take, only the words that can
    still make the ``keep`` largest have their ``idf`` looked up: words are taken
    by (1 + log count) x rarity, largest first, and the lookups stop once that
    times ``ceiling`` is below the ``keep``-th largest weight found so far. The
    result is the same as without it; the stage saves most of its frequency
    reads (an article has a few hundred distinct words and keeps 60).
    """
    counts: Counter[str] = Counter()
    for text, times in ((title, 2), (body, 1)):
        for word in WORD.findall(text.casefold()):
            if len(word) >= 3 or not word.isascii():
                counts[word] += times
    if ceiling is None:
        weights = {w: (1.0 + math.log(n)) * rarity(w, language) * idf(term_key(language, w)) for w, n in counts.items()}
        return _normalised(weights, keep)
    bases = [(w, (1.0 + math.log(n)) * rarity(w, language)) for w, n in counts.items()]
    weights = {}
    kept: list[float] = []  # min-heap of the ``keep`` largest positive weights so far
    for word, base in sorted((wb for wb in bases if wb[1] > 0), key=lambda wb: -wb[1]):
        if len(kept) >= keep and base * ceiling < kept[0]:
            break  # this word and every later one weigh less than ``keep`` words already have
        weight = base * idf(term_key(language, word))
        weights[word] = weight
        if weight > 0:
            if len(kept) < keep:
                heapq.heappush(kept, weight)
            elif weight > kept[0]:
                heapq.heapreplace(kept, weight)
    return _normalised(weights, keep)


def term_key(language: str, term: str) -> str:
    """Key of a term in the postings and frequencies (``en|t|yukos``)."""
    return f"{language}|t|{term}"


def entity_key(language: str, entity: str) -> str:
    """Key of an entity id in the postings and frequencies (``en|e|organization:yukos``)."""
    return f"{language}|e|{entity}"


def entity_vector(entities: Iterable[Entity], language: str = "", idf: Idf = _no_idf) -> dict[str, float]:
    """The article's entity ids weighted by (1 + log mentions), type (places weigh less) and ``idf``; unit length."""
    weights = {
        e.id: (1.0 + math.log(e.mentions)) * ENTITY_TYPE_WEIGHT[e.type] * idf(entity_key(language, e.id))
        for e in entities
    }
    return _normalised(weights, len(weights))


def _cosine_to_centroid(vector: Mapping[str, float], centroid: Mapping[str, float]) -> float:
    norm = math.sqrt(sum(w * w for w in centroid.values()))
    if not norm:
        return 0.0
    return sum(w * centroid.get(k, 0.0) for k, w in vector.items()) / norm


def _damped_cosine(vector: Mapping[str, float], centroid: Mapping[str, float], articles: int) -> float:
    """The cosine of ``vector`` with a story's centroid, times the square root of the story's cohesion.

    ``centroid`` is the sum of the story's ``articles`` unit vectors; its length
    over ``articles`` (the cohesion) is 1 when they all agree and falls to
    1/sqrt(n) when they share nothing. The plain cosine with the centroid grows
    as a story's articles diverge, so a broad story (awards season, an election
    campaign) would pull in every article of its topic; the damping takes that
    back halfway (the full cohesion, i.e. the mean cosine with the articles, was
    measured and splits real stories too often: docs/benchmarks.md "Stories").
    """
    norm = math.sqrt(sum(w * w for w in centroid.values()))
    if not norm:
        return 0.0
    cosine = sum(w * centroid.get(k, 0.0) for k, w in vector.items()) / norm
    return cosine * math.sqrt(min(1.0, norm / max(articles, 1)))


def _add(centroid: Mapping[str, float], vector: Mapping[str, float], keep: int) -> dict[str, float]:
    summed = dict(centroid)
    for key, weight in vector.items():
        summed[key] = summed.get(key, 0.0) + weight
    top = sorted(summed.items(), key=lambda kw: (-kw[1], kw[0]))[:keep]
    return dict(top)


@dataclass(frozen=True)
class ArticleFeatures:
    """What the clustering reads of an article."""

    article_id: str
    title: str
    language: str
    at: datetime
    outlet: str | None
    terms: dict[str, float]
    entities: dict[str, float]
    entity_names: dict[str, tuple[str, EntityType]]

    def probe_keys(self, params: StoryParameters) -> list[str]:
        """Postings keys of the article: its rarest-weighted terms and its heaviest entities."""
        terms = list(self.terms)[: params.probe_terms]  # already sorted by weight
        entities = list(self.entities)[: params.probe_entities]
        return [term_key(self.language, t) for t in terms] + [entity_key(self.language, e) for e in entities]

    def new_keys(self, story: StoryState | None) -> list[str]:
        """The keys of the article's kept terms and entities that ``story`` does not have yet (all if None)."""
        terms = [t for t in self.terms if story is None or t not in story.terms]
        entities = [e for e in self.entities if story is None or e not in story.entities]
        return [term_key(self.language, t) for t in terms] + [entity_key(self.language, e) for e in entities]


class StreamIdf:
    """log((S + prior) / (sf + 1)): S stories opened so far, sf of them with the key.

    Story frequency, not article frequency: a name repeated by every report of
    one event (or by a republication) is not common, a word of many events is.
    """

    def __init__(self, store: StoryStore, total: int) -> None:
        self._store = store
        self._total = total
        # A key no story has (sf = 0) weighs the most: lookups of words that cannot make an article's top stop there.
        self.ceiling = math.log(total)

    def __call__(self, key: str) -> float:
        return math.log(self._total / (self._store.frequency(key) + 1))


def stream_idf(store: StoryStore, params: StoryParameters) -> Idf:
    """The stream's inverse story frequency (:class:`StreamIdf`; 1 when switched off)."""
    if not params.stream_idf:
        return _no_idf
    return StreamIdf(store, store.clock().stories + params.idf_prior_stories)


def _ceiling(idf: Idf) -> float | None:
    """The largest value ``idf`` takes, when known."""
    if isinstance(idf, StreamIdf):
        return idf.ceiling
    return 1.0 if idf is _no_idf else None


def article_features(document: ArticleDocument, params: StoryParameters, idf: Idf = _no_idf) -> ArticleFeatures:
    """The vectors, time and outlet of an enriched document (``idf`` weighs its terms and entities)."""
    return ArticleFeatures(
        article_id=document.article_id,
        title=document.title,
        language=document.language,
        at=document.dated_at,
        outlet=document.outlet,
        terms=term_vector(
            document.title, document.body, document.language, params.article_terms, idf, ceiling=_ceiling(idf)
        ),
        entities=entity_vector(document.entities, document.language, idf),
        entity_names={e.id: (e.canonical, e.type) for e in document.entities},
    )


def time_factor(at: datetime, state: StoryState, params: StoryParameters) -> float:
    """1 within ``time_grace`` of the story's span, then exp(-distance / ``time_scale``)."""
    if at < state.first_seen:
        distance = state.first_seen - at
    elif at > state.last_seen:
        distance = at - state.last_seen
    else:
        distance = timedelta(0)
    beyond = max(0.0, (distance - params.time_grace).total_seconds())
    return math.exp(-beyond / params.time_scale.total_seconds())


def similarity(features: ArticleFeatures, state: StoryState, params: StoryParameters) -> float:
    """How well the article fits the story: weighted cosines of words and entities with the story's centroids,
    damped by the story's cohesion (:func:`_damped_cosine`), times the time factor."""
    text = _damped_cosine(features.terms, state.terms, state.article_count)
    entities = _damped_cosine(features.entities, state.entities, state.article_count) if features.entities else 0.0
    weight = params.text_weight + (params.entity_weight if features.entities and state.entities else 0.0)
    combined = (params.text_weight * text + params.entity_weight * entities) / weight
    return combined * time_factor(features.at, state, params)


@dataclass(frozen=True)
class StoryDecision:
    """What the clustering decided for one article."""

    assignment: StoryAssignment
    story: StoryDocument
    opened: bool
    replayed: bool = False


def story_id_of(article_id: str) -> str:
    """Id of a story opened by ``article_id`` (stable: article ids are content hashes)."""
    return f"st-{article_id[:24]}"


def assign(
    document: ArticleDocument, store: StoryStore, params: StoryParameters, now: datetime
) -> StoryDecision | None:
    """Give ``document`` its story (joining or opening one) and update the store; ``now`` stamps the revision.

    An article seen before gets its earlier story again and adds nothing (a
    redelivery or a replay counts once). The assignment is written before the
    story, so a crash between the two writes leaves the story without that
    article's words and count, never with them twice; a story whose opening
    article was cut off so is opened again when that article comes back.
    Returns None only for an article seen before whose story has since left
    the window (its assignment stands).
    """
    earlier = store.assignment(document.article_id)
    if earlier is not None:
        state = store.story(earlier.story_id)
        if state is None and earlier.story_id == story_id_of(document.article_id):
            features = article_features(document, params, stream_idf(store, params))
            return _apply(document, store, params=params, now=now, features=features, assignment=earlier, joined=None)
        if state is None:
            return None
        return StoryDecision(earlier, story_document(state, now), opened=False, replayed=True)
    features = article_features(document, params, stream_idf(store, params))
    best, score = _best_story(features, store, params)
    if best is not None and score >= params.threshold:
        assignment = StoryAssignment(story_id=best.story_id, similarity=round(score, 6))
    else:
        assignment, best = StoryAssignment(story_id=story_id_of(document.article_id), similarity=0.0), None
    store.put_assignment(document.article_id, assignment)
    return _apply(document, store, params=params, now=now, features=features, assignment=assignment, joined=best)


def _apply(
    document: ArticleDocument,
    store: StoryStore,
    *,
    params: StoryParameters,
    now: datetime,
    features: ArticleFeatures,
    assignment: StoryAssignment,
    joined: StoryState | None,
) -> StoryDecision:
    """Add the article to the story it joined (or open its own), list it under its keys, sweep the queue."""
    clock = store.clock()
    watermark = max(clock.watermark, features.at) if clock.watermark else features.at
    tail = clock.tail
    if params.stream_idf:
        for key in features.new_keys(joined):
            store.put_frequency(key, store.frequency(key) + 1)
    if joined is not None:
        state = _join(joined, features)
    else:
        state = _open(features, sequence=tail)
        store.put_queued(tail, state.story_id)
        store.put_place(state.story_id, tail)
        tail += 1
    state = _post(state, features.probe_keys(params), store, features.at)
    store.put_story(state)
    opened = 0 if joined is not None else 1
    advanced = clock.model_copy(update={"tail": tail, "watermark": watermark, "stories": clock.stories + opened})
    store.put_clock(_sweep(store, advanced, params))
    return StoryDecision(assignment, story_document(state, now), opened=joined is None)


def candidate_stories(features: ArticleFeatures, store: StoryStore, params: StoryParameters) -> Iterator[StoryState]:
    """The active stories of the article's language that share the most probe keys with it, most shared first."""
    oldest = features.at - params.window
    hits: Counter[str] = Counter()
    for key in features.probe_keys(params):
        for posting in store.postings(key):
            if posting.last_seen >= oldest:
                hits[posting.story_id] += 1
    for story_id, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[: params.candidates]:
        state = store.story(story_id)
        if state is not None and state.language == features.language and state.last_seen >= oldest:
            yield state


def _best_story(
    features: ArticleFeatures, store: StoryStore, params: StoryParameters
) -> tuple[StoryState | None, float]:
    """The most similar of the article's candidate stories."""
    best: StoryState | None = None
    best_score = -1.0
    for state in candidate_stories(features, store, params):
        score = similarity(features, state, params)
        if score > best_score or (score == best_score and best is not None and state.story_id < best.story_id):
            best, best_score = state, score
    return best, best_score


def _open(features: ArticleFeatures, sequence: int) -> StoryState:
    return StoryState(
        story_id=story_id_of(features.article_id),
        revision=1,
        language=features.language,
        sequence=sequence,
        first_seen=features.at,
        last_seen=features.at,
        article_count=1,
        terms=dict(features.terms),
        entities=dict(features.entities),
        entity_names={
            k: (name, kind, 1) for k, (name, kind) in features.entity_names.items() if k in features.entities
        },
        outlets={features.outlet: 1} if features.outlet else {},
        outlet_count=1 if features.outlet else 0,
        headline=HeadlineChoice(article_id=features.article_id, title=features.title, terms=features.terms),
        posted_keys=[],
    )


def _join(state: StoryState, features: ArticleFeatures) -> StoryState:
    terms = _add(state.terms, features.terms, MAX_STORY_TERMS)
    entities = _add(state.entities, features.entities, MAX_STORY_ENTITIES)
    names: dict[str, tuple[str, EntityType, int]] = {}
    for key in entities:
        if key in state.entity_names:
            name, kind, count = state.entity_names[key]
            names[key] = (name, kind, count + (1 if key in features.entity_names else 0))
        elif key in features.entity_names:
            name, kind = features.entity_names[key]
            names[key] = (name, kind, 1)
    outlets = dict(state.outlets)
    outlet_count = state.outlet_count
    if features.outlet:
        if features.outlet in outlets:
            outlets[features.outlet] += 1
        elif len(outlets) < MAX_STORY_OUTLETS:
            outlets[features.outlet] = 1
            outlet_count += 1
        else:
            outlet_count += 1  # counted, not kept: an outlet beyond the cap may be counted twice
    headline = state.headline
    if _cosine_to_centroid(features.terms, terms) > _cosine_to_centroid(headline.terms, terms):
        headline = HeadlineChoice(article_id=features.article_id, title=features.title, terms=features.terms)
    return state.model_copy(
        update={
            "revision": state.revision + 1,
            "first_seen": min(state.first_seen, features.at),
            "last_seen": max(state.last_seen, features.at),
            "article_count": state.article_count + 1,
            "terms": terms,
            "entities": entities,
            "entity_names": names,
            "outlets": outlets,
            "outlet_count": outlet_count,
            "headline": headline,
        }
    )


def _post(state: StoryState, keys: list[str], store: StoryStore, at: datetime) -> StoryState:
    """List the story under the article's keys (latest first), within the caps."""
    posted = list(state.posted_keys)
    known = set(posted)
    # One posting for all the keys: the lists of many keys hold it (and the stage keeps thousands of lists).
    entry = Posting(state.story_id, max(at, state.last_seen))
    for key in keys:
        if key not in known:
            if len(posted) >= MAX_POSTED_KEYS:
                continue  # a large story has hooks enough; its record stays bounded
            posted.append(key)
            known.add(key)
        others = [p for p in store.postings(key) if p.story_id != state.story_id]
        ranked = sorted([entry, *others], key=lambda p: (-p.last_seen.timestamp(), p.story_id))
        store.put_postings(key, tuple(ranked[:MAX_POSTINGS_PER_KEY]))
    return state.model_copy(update={"posted_keys": posted})


def _sweep(store: StoryStore, clock: StoryClock, params: StoryParameters) -> StoryClock:
    """A few steps of the eviction queue: stories idle for the window leave, the active one at the head re-queues."""
    head, tail = clock.head, clock.tail
    oldest = clock.watermark - params.window if clock.watermark else None
    requeued = False
    for _ in range(params.sweep_steps):
        if head >= tail or oldest is None:
            break
        story_id = store.queued(head)
        state = store.story(story_id) if story_id else None
        if state is not None and _place(store, state) == head:
            if state.last_seen >= oldest:
                if requeued:
                    break
                store.put_queued(tail, state.story_id)
                # Only its place moves (a small value), not the whole record (about 6 kB, a changelog message).
                store.put_place(state.story_id, tail)
                tail += 1
                requeued = True
            else:
                _evict(state, store)
        store.put_queued(head, None)
        head += 1
    return clock.model_copy(update={"head": head, "tail": tail})


def _place(store: StoryStore, state: StoryState) -> int:
    """The story's place in the eviction queue: its own entry, or (stories of earlier versions) its record's."""
    place = store.place(state.story_id)
    return state.sequence if place is None else place


def _evict(state: StoryState, store: StoryStore) -> None:
    for key in state.posted_keys:
        current = store.postings(key)
        if current:
            store.put_postings(key, tuple(p for p in current if p.story_id != state.story_id))
    if store.place(state.story_id) is not None:
        store.put_place(state.story_id, None)
    store.delete_story(state.story_id)


def story_document(state: StoryState, now: datetime) -> StoryDocument:
    """The indexed form of a story."""
    outlets = sorted(state.outlets.items(), key=lambda kv: (-kv[1], kv[0]))
    top = sorted(state.entity_names.items(), key=lambda kv: (-kv[1][2], -state.entities.get(kv[0], 0.0), kv[0]))
    return StoryDocument(
        story_id=state.story_id,
        revision=state.revision,
        language=state.language,
        headline=state.headline.title,
        headline_article_id=state.headline.article_id,
        first_seen=state.first_seen,
        last_seen=state.last_seen,
        article_count=state.article_count,
        outlet_count=state.outlet_count,
        outlets=[StoryOutlet(name=name, articles=count) for name, count in outlets],
        top_entities=[
            StoryEntity(id=key, name=name, type=kind, articles=count)
            for key, (name, kind, count) in top[:TOP_ENTITIES_SHOWN]
        ],
        updated_at=now,
    )
