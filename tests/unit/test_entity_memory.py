"""spaCy's vocabulary does not keep every word of every article a long-running worker sees."""

from __future__ import annotations

import random

from newsflow.processors.entities import EntityExtractor
from tests.conftest import SAMPLES_DIR


def _article_with_new_words(text: str, rng: random.Random) -> str:
    return text + " " + " ".join(f"Qv{rng.randrange(10**12)}z" for _ in range(300))


def test_extraction_frees_the_words_it_saw_and_keeps_its_entities() -> None:
    extractor = EntityExtractor()
    sample = sorted(SAMPLES_DIR.glob("*.txt"))[0].read_text()
    first = extractor.extract([sample])
    strings_before = len(extractor._nlp.vocab.strings)

    rng = random.Random(7)
    for _ in range(5):
        extractor.extract([_article_with_new_words(sample, rng) for _ in range(8)])

    assert len(extractor._nlp.vocab.strings) - strings_before < 100, "12,000 new words must not stay in the vocabulary"
    assert extractor.extract([sample]) == first
    assert any(entity.canonical == "Volodymyr Zelensky" for entity in first[0])
