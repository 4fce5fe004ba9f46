"""The hand-annotated BBC entity set (bench/data/bbc-entities): its parts, gold entities and article files.

The BBC texts are not shipped (the BBC holds their copyright): ``gold.json``
names each article by its path under the dev corpus and the sha256 of its bytes,
and the articles are read from the corpus at ``corpus_root``
(``../shared/corpora/bbc`` beside the checkout). The ``test`` part is for
reporting only; nobody tunes on it (GUIDELINES.md and README.md there).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from bench.entity_scoring import GoldEntity

DATA = Path(__file__).resolve().parent / "data" / "bbc-entities"
GOLD = DATA / "gold.json"


def load_bbc_gold(
    corpus_root: Path,
) -> tuple[dict[str, str], dict[str, list[GoldEntity]], dict[str, Path]]:
    """Each article's part (dev or test), gold entities and file, by its path relative to ``corpus_root``.

    The keys are paths such as ``business/482.txt``, not file stems: the corpus
    repeats stems across categories. Raises ``ValueError`` when a file's bytes
    are not those that were annotated, so a changed corpus never scores silently.
    """
    documents = json.loads(GOLD.read_text(encoding="utf-8"))
    parts: dict[str, str] = {}
    gold: dict[str, list[GoldEntity]] = {}
    files: dict[str, Path] = {}
    for key, doc in documents.items():
        path = corpus_root / key
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != doc["sha256"]:
            raise ValueError(f"{path}: sha256 {digest}, annotated {doc['sha256']}")
        parts[key] = doc["split"]
        gold[key] = [GoldEntity(e["type"], e["name"], tuple(e["aliases"])) for e in doc["entities"]]
        files[key] = path
    return parts, gold, files
