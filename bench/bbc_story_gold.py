"""The hand-labelled BBC story set (bench/data/bbc-stories): which articles of the dev corpus report the same story.

The gold set of the story-clustering benchmark (pairwise precision, recall and
F1 over the labelled articles, as in Miranda et al., EMNLP 2018). The BBC texts
are not shipped (the BBC holds their copyright): ``gold.json`` names each
article by its path under the dev corpus and the sha256 of its bytes, and the
articles are read from the corpus at ``corpus_root`` (``../shared/corpora/bbc``
beside the checkout). The ``test`` part is for reporting only; nobody tunes on it
(README.md and GUIDELINES.md there).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "bbc-stories"
GOLD = DATA / "gold.json"
SPLITS = ("dev", "test")
SINGLETON_PREFIX = "singleton:"


@dataclass(frozen=True)
class LabelledArticle:
    """One labelled article: its path under the corpus root, its story, its split and its text.

    ``story`` is the story's slug (``yukos-yugansk-sale``); an article labelled as
    a singleton gets a story of its own, ``singleton:<path>``, so that comparing
    story labels gives the gold clustering directly.
    """

    path: str
    story: str
    split: str
    title: str
    body: str

    @property
    def is_singleton(self) -> bool:
        """Whether the article was labelled as the only one of its story in the set."""
        return self.story.startswith(SINGLETON_PREFIX)


def split_of(label: str) -> str:
    """The split of a story (or of ``singleton:<path>``), fixed by a hash of its label: 2 in 5 go to ``dev``."""
    return "dev" if int(hashlib.sha256(label.encode("utf-8")).hexdigest()[:8], 16) % 5 < 2 else "test"


def read_gold() -> dict[str, dict[str, Any]]:
    """The raw records of ``gold.json``, by path: ``{"sha256", "story", "split"}`` (``story`` null for a singleton)."""
    records: dict[str, dict[str, Any]] = json.loads(GOLD.read_text(encoding="utf-8"))
    return records


def load_bbc_story_gold(corpus_root: Path, split: str | None = None) -> list[LabelledArticle]:
    """The labelled articles (of one split, or all), read from the corpus at ``corpus_root``, in path order.

    The first line of a file is the title, the rest (after that line's newline)
    the body. Raises ``ValueError`` naming the file when it is missing or its
    bytes are not those that were labelled, so a changed corpus never scores
    silently; and when ``split`` is neither ``dev``, ``test`` nor ``None``.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")
    articles = []
    for key, record in read_gold().items():
        if split is not None and record["split"] != split:
            continue
        path = corpus_root / key
        if not path.is_file():
            raise ValueError(f"{path}: labelled article missing from the corpus")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != record["sha256"]:
            raise ValueError(f"{path}: sha256 {digest}, labelled {record['sha256']}")
        title, _, body = data.decode("utf-8").partition("\n")
        story = record["story"] if record["story"] is not None else SINGLETON_PREFIX + key
        articles.append(LabelledArticle(path=key, story=story, split=record["split"], title=title, body=body))
    return articles
