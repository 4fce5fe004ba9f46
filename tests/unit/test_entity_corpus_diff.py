"""The corpus comparison of bench/entity_corpus_diff.py: what each (type, name) lost or gained, by articles."""

from __future__ import annotations

import json
from pathlib import Path

from bench.entity_corpus_diff import compare


def test_a_comparison_counts_the_articles_each_name_left_or_joined(tmp_path: Path) -> None:
    before = {"a.txt": [["place", "Bush"], ["place", "UK"]], "b.txt": [["place", "Bush"]], "c.txt": []}
    after = {"a.txt": [["person", "Bush"], ["place", "UK"]], "b.txt": [["person", "Bush"]], "c.txt": []}
    (tmp_path / "before.json").write_text(json.dumps(before))
    (tmp_path / "after.json").write_text(json.dumps(after))
    lines = compare(tmp_path / "before.json", tmp_path / "after.json", top=10)
    assert lines[0] == "entities 3 -> 3"
    assert lines[1:] == [
        "lost (articles, type, name):",
        "     2  place        Bush",
        "gained (articles, type, name):",
        "     2  person       Bush",
    ]
