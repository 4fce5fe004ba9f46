"""Document-level typed precision, recall and F1 of entities: what a facet shows, counted per article.

Each article's distinct predicted ``(type, name)`` pairs are compared with its
gold entities: a prediction is right when its name, compared with
``entity_key`` (case, accents, spacing and -sky spellings ignored), is one of
the aliases of a gold entity of the same type not matched yet. A second name
for an already matched gold entity is counted apart, as a *split* (the facet
shows one person twice), and not as a false positive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from newsflow.processors.entities import entity_key

TYPES = ("PERSON", "ORGANIZATION", "PLACE")


@dataclass(frozen=True)
class GoldEntity:
    """One annotated entity of an article: its type, its name and every name it goes by."""

    type: str
    name: str
    aliases: tuple[str, ...]


@dataclass
class Counts:
    """True and false positives, false negatives and splits of one type, summed over articles."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    split: int = 0

    def add(self, other: Counts) -> None:
        """Add ``other``'s counts to these."""
        self.tp, self.fp, self.fn, self.split = (
            self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.split + other.split,
        )  # fmt: skip

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score:
    """Counts per type; ``overall`` is their sum (micro-averaged)."""

    by_type: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in TYPES})

    @property
    def overall(self) -> Counts:
        total = Counts()
        for counts in self.by_type.values():
            total.add(counts)
        return total

    def add(self, other: Score) -> None:
        """Add ``other``'s counts to these."""
        for kind, counts in other.by_type.items():
            self.by_type[kind].add(counts)


def score_article(gold: Iterable[GoldEntity], predicted: Iterable[tuple[str, str]]) -> Score:
    """Compare one article's predicted ``(type, name)`` pairs with its gold entities."""
    entities = list(gold)
    keys = [{entity_key(alias) for alias in (g.name, *g.aliases)} for g in entities]
    distinct = sorted({(kind, entity_key(name)) for kind, name in predicted if kind in TYPES})
    score = Score()
    matched: set[int] = set()
    for kind, key in distinct:
        counts = score.by_type[kind]
        hit = next((i for i, g in enumerate(entities) if g.type == kind and key in keys[i]), None)
        if hit is None:
            counts.fp += 1
        elif hit in matched:
            counts.split += 1
        else:
            matched.add(hit)
            counts.tp += 1
    for i, g in enumerate(entities):
        if i not in matched and g.type in score.by_type:
            score.by_type[g.type].fn += 1
    return score


def score_corpus(gold: Mapping[str, list[GoldEntity]], predicted: Mapping[str, Iterable[tuple[str, str]]]) -> Score:
    """Sum of :func:`score_article` over every gold article (an article with no prediction predicted nothing)."""
    total = Score()
    for article, entities in gold.items():
        total.add(score_article(entities, predicted.get(article, ())))
    return total
