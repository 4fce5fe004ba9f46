"""The language of an article (processors/normalize.py ``detect_language``)."""

from __future__ import annotations

import pytest

from newsflow.processors.normalize import detect_language

RESULTS = """Results of German first division matches played on Friday and Saturday :
Werder Bremen 2 Hansa Rostock 0
VfL Bochum 1 Arminia Bielefeld 1
Bayern Munich 3 Fortuna Duesseldorf 0
Borussia Dortmund 2 Karlsruhe 2
1860 Munich 1 Bayer Leverkusen 3
Schalke 0 Hamburg 1
St Pauli 2 Freiburg 1"""


def test_a_results_table_is_in_the_language_of_its_prose() -> None:
    # The names and scores alone read as Nigerian Pidgin to the identifier.
    assert detect_language(RESULTS, None) == "en"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le gouvernement a annoncé mardi une réforme des retraites qui sera présentée au parlement en janvier.", "fr"),
        ("Die Regierung hat am Dienstag eine Reform der Renten angekündigt, die im Januar vorgestellt wird.", "de"),
        ("Правительство во вторник объявило о пенсионной реформе, которую представят парламенту в январе.", "ru"),  # noqa: RUF001
        ("政府は火曜日、年金改革を発表した。改革案は一月に国会に提出される。", "ja"),
    ],
)
def test_prose_of_other_languages_keeps_its_language(text: str, language: str) -> None:
    assert detect_language(text, None) == language


def test_the_sources_declared_language_wins() -> None:
    assert detect_language(RESULTS, "de-DE") == "de"
