"""The alert stage's decisions: one alert per search and text, duplicates only for searches that ask."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from newsflow.processors.alerting import decide, made_before
from newsflow.processors.percolation import only_written
from newsflow.processors.similarity import estimated_jaccard, minhash_signature, shingles
from newsflow.schemas.alerts import AlertMatch, AlertMemory, alert_id, low_bits
from tests.unit.test_stories import FILM, document

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
STORY = (
    "Ukrainian forces pushed east of Kharkiv on Saturday, retaking the town of Balakliya after a "
    "week of fighting, officials said, as HIMARS rocket systems struck Russian supply lines near Izium."
)
REWRITE = STORY.replace("on Saturday", "on Saturday morning")
OTHER = "The central bank raised interest rates by half a point, its fourth rise this year, citing inflation."


def match(article_id: str, body: str, notify_duplicates: bool = False, copy_source_id: str | None = None) -> AlertMatch:
    return AlertMatch(
        saved_search_id="0123456789abcdef",
        saved_search_name="HIMARS",
        notify_duplicates=notify_duplicates,
        article_id=article_id,
        copy_source_id=copy_source_id,
        title="t",
        dated_at=NOW,
        minhash=minhash_signature(shingles(body)),
        indexed_at=NOW,
    )


def run(matches: list[AlertMatch], positions: list[str] | None = None) -> list[str | None]:
    """Feed ``matches`` in order as the stage does, each at its position (by default each its own); the articles
    each alert names (None: no alert)."""
    memory, marks, out = AlertMemory(), dict[str, str](), []
    for n, m in enumerate(matches):
        position = positions[n] if positions else f"0:{n}"
        key = alert_id(m.saved_search_id, m.article_id, m.copy_source_id)
        decision = decide(
            m, memory, already_alerted=made_before(marks.get(key), position), threshold=0.5, capacity=3, now=NOW
        )
        memory = decision.memory
        if decision.alert is not None:
            marks[decision.alert.alert_id] = position
        out.append(decision.alert.duplicate_of or decision.alert.article_id if decision.alert else None)
    return out


def test_each_distinct_text_alerts_once_and_a_redelivery_not_again() -> None:
    assert run([match("a", STORY), match("b", OTHER), match("a", STORY)]) == ["a", "b", None]


def test_the_match_that_made_an_alert_read_again_after_a_crash_makes_it_again() -> None:
    # The worker died after marking "a" made (on disk at once) but maybe before Kafka had the alert: the
    # match at 0:0 comes again on restart and must send its alert again; a later match of "a" must not.
    matches = [match("a", STORY), match("a", STORY), match("a", STORY), match("b", OTHER)]
    assert run(matches, ["0:0", "0:0", "0:7", "0:8"]) == ["a", "a", None, "b"]
    assert made_before(None, "0:3") is False
    assert made_before("0:3", "0:3") is False
    assert (made_before("0:2", "0:3"), made_before(1, "0:3")) == (True, True)  # 1: a mark from before positions


def test_a_text_read_again_is_remembered_once() -> None:
    first = decide(match("a", STORY), AlertMemory(), already_alerted=False, threshold=0.5, capacity=3, now=NOW)
    again = decide(match("a", STORY), first.memory, already_alerted=False, threshold=0.5, capacity=3, now=NOW)
    assert again.alert is not None and again.alert.duplicate_of is None  # not a near-duplicate of itself
    assert again.memory is first.memory and again.memory.article_ids == ["a"]


def test_a_near_duplicate_of_an_alerted_text_alerts_only_when_the_search_asks() -> None:
    assert run([match("a", STORY), match("c", REWRITE)]) == ["a", None]
    assert run([match("a", STORY, True), match("c", REWRITE, True)]) == ["a", "a"]


def test_an_exact_copy_alerts_only_when_the_search_asks_and_once_per_copy() -> None:
    copies = [match("a", STORY, True), match("a", STORY, True, "copy-1"), match("a", STORY, True, "copy-1")]
    assert run(copies) == ["a", "a", None]
    assert run([match("a", STORY), match("a", STORY, copy_source_id="copy-1")]) == ["a", None]


def test_the_memory_keeps_the_latest_texts_only() -> None:
    texts = [" ".join(f"word{n}x{i}" for i in range(30)) for n in range(5)]
    out = run([match(str(n), text) for n, text in enumerate(texts)] + [match("late", STORY)])
    assert out == ["0", "1", "2", "3", "4", "late"]
    memory = AlertMemory()
    for n, text in enumerate(texts):
        memory = decide(match(str(n), text), memory, already_alerted=False, threshold=0.5, capacity=3, now=NOW).memory
    assert memory.article_ids == ["2", "3", "4"]
    assert len(memory.signatures) == 3 * 2 * len(match("x", STORY).minhash)


def test_the_alert_id_depends_on_search_article_and_copy_only() -> None:
    first = decide(match("a", STORY), AlertMemory(), already_alerted=False, threshold=0.5, capacity=3, now=NOW)
    later = decide(match("a", STORY), AlertMemory(), already_alerted=False, threshold=0.5, capacity=3, now=NOW)
    assert first.alert is not None and later.alert is not None
    assert first.alert.alert_id == later.alert.alert_id == alert_id("0123456789abcdef", "a")
    assert alert_id("0123456789abcdef", "a", "copy-1") != first.alert.alert_id


def test_percolation_of_a_batch_is_restricted_to_the_articles_written() -> None:
    articles = [document(name, FILM) for name in ("a", "b", "c")]
    first, second = {"saved_search_id": "1" * 16}, {"saved_search_id": "2" * 16}
    percolated = [(first, [0, 1, 2]), (second, [1])]
    # The bulk write refused b: its slot goes, c's moves up, a search that matched b alone is dropped.
    kept, restricted = only_written(articles, percolated, {articles[0].article_id, articles[2].article_id})
    assert kept == [articles[0], articles[2]]
    assert restricted == [(first, [0, 1])]
    assert only_written(articles, percolated, {a.article_id for a in articles}) == (articles, percolated)


def test_a_memory_written_by_version_1_is_read_and_still_recognises_a_near_duplicate() -> None:
    old = match("a", STORY)
    stored_by_version_1 = {"recent": [{"article_id": "a", "minhash": old.minhash}]}
    memory = AlertMemory.model_validate(stored_by_version_1)
    assert memory.article_ids == ["a"] and memory.schema_version == 2
    decision = decide(match("c", REWRITE, True), memory, already_alerted=False, threshold=0.5, capacity=3, now=NOW)
    assert decision.alert is not None and decision.alert.duplicate_of == "a"


def test_the_low_bits_estimate_the_similarity_of_the_whole_signatures() -> None:
    left, right = match("a", STORY).minhash, match("c", REWRITE).minhash
    memory = AlertMemory.model_validate({"recent": [{"article_id": "a", "minhash": left}]})
    rows = memory.signatures
    agreeing = sum(rows[2 * i : 2 * i + 2] == low_bits([v]) for i, v in enumerate(right))
    assert abs(agreeing / len(right) - estimated_jaccard(left, right)) <= 1 / len(right)


def test_a_full_memory_stays_compact_whatever_the_alerts() -> None:
    memory = AlertMemory()
    for n in range(250):
        text = " ".join(f"word{n}x{i}" for i in range(40))
        memory = decide(match(str(n), text), memory, already_alerted=False, threshold=0.5, capacity=200, now=NOW).memory
    stored = json.dumps(memory.model_dump(mode="json"))
    assert memory.article_ids == [str(n) for n in range(50, 250)]
    # 200 texts of 128 positions: 2 bytes each, base64; version 1 wrote about 270 000 characters.
    assert len(stored) < 72_000
    assert AlertMemory.model_validate_json(stored) == memory


def test_a_memory_whose_rows_do_not_match_its_ids_is_refused() -> None:
    with pytest.raises(ValidationError, match="equal rows"):
        AlertMemory.model_validate({"article_ids": ["a", "b"], "signatures": base64.b64encode(b"\x00" * 6).decode()})
    with pytest.raises(ValidationError, match="without article ids"):
        AlertMemory(signatures=b"\x00" * 4)
    with pytest.raises(ValidationError):
        AlertMemory.model_validate({"article_ids": ["a"], "signatures": "not base64!"})
