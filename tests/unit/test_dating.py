"""The date an article is filed under when its source gives none: the one its first lines give."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsflow.processors.dating import FUTURE_TOLERANCE, PAST_LIMIT, filed_date

RECEIVED = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)

CONLL = """SOCCER - JAPAN GET LUCKY WIN, CHINA IN SURPRISE DEFEAT.
Nadim Ladki
AL-AIN, United Arab Emirates 1996-12-06
Japan began the defence of their Asian Cup title with a lucky 2-1 win against Syria on Friday."""


def noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "received", "dated"),
    [
        (CONLL, RECEIVED, noon(1996, 12, 6)),
        ("Troops advance\nKYIV, Sept 13 (Reuters) - Ukrainian troops pressed on.", datetime(2022, 9, 14, tzinfo=UTC),
         noon(2022, 9, 13)),
        # Filed on December 30, received on January 2: the year before the receipt's.
        ("Markets close the year\nLONDON, Dec 30 (Reuters) - Shares rose.", datetime(2023, 1, 2, tzinfo=UTC),
         noon(2022, 12, 30)),
        # The CoNLL dateline with its agency, spaced as CoNLL tokenises.
        ("Pit blast kills 31\nKIEV 1996-12-06 ( Reuters ) - A methane explosion tore through a mine.", RECEIVED,
         noon(1996, 12, 6)),
        ("Robots win a medal\nFriday, July 21, 2017\nA group of Afghan teenagers was awarded a medal.", RECEIVED,
         noon(2017, 7, 21)),
        ("Robots win a medal\n21 July 2017\nA group of Afghan teenagers was awarded a medal.", RECEIVED,
         noon(2017, 7, 21)),
        ("Robots win a medal\n2017-07-21\nA group of Afghan teenagers was awarded a medal.", RECEIVED,
         noon(2017, 7, 21)),
    ],
)  # fmt: skip
def test_a_dateline_or_date_line_at_the_top_dates_the_article(text: str, received: datetime, dated: datetime) -> None:
    when, note = filed_date(None, received, text)
    assert when == dated
    assert note is not None and note.startswith("dated by its date")


def test_the_note_quotes_the_dateline_and_says_when_the_year_was_inferred() -> None:
    _, note = filed_date(None, datetime(2022, 9, 14, tzinfo=UTC), "KYIV, Sept 13 (Reuters) - Troops pressed on.")
    assert note == 'dated by its dateline "KYIV, Sept 13 (Reuters) -", the year inferred from its receipt'
    _, note = filed_date(None, RECEIVED, CONLL)
    assert note == 'dated by its dateline "AL-AIN, United Arab Emirates 1996-12-06"'


def test_the_sources_own_date_wins_over_the_text() -> None:
    published = datetime(1996, 12, 7, 8, tzinfo=UTC)
    assert filed_date(published, RECEIVED, CONLL) == (published, None)


@pytest.mark.parametrize(
    "text",
    [
        "Budget talks resume\nFinance ministers met in Brussels on Monday.",
        # A date in a sentence is the story's, not the article's.
        "Budget talks resume\nThe talks of July 21, 2017 failed; ministers met again on Monday.",
        # Below the first lines.
        "Title\none\ntwo\nthree\nfour\nfive\nROME 1996-12-06\nText.",
        # Days that do not exist, a month that is no month, a dateline without a date.
        "Title\nROME 1996-02-30\nText.",
        "Title\nMarching 12, 2017\nText.",
        "Title\nLONDON (AP) -- Text.",
        "Title\nLONDON, Feb 29 (Reuters) - Text.",  # no February 29 in 2026 or 2025
    ],
)
def test_without_a_date_at_the_top_the_article_is_dated_when_received(text: str) -> None:
    assert filed_date(None, RECEIVED, text) == (RECEIVED, None)


@pytest.mark.parametrize(
    ("text", "said"),
    [("Title\nROME 2099-01-01\nText.", "is in the future"), ("Title\nROME 1901-01-01\nText.", "implausibly old")],
)
def test_a_text_date_out_of_range_is_replaced_by_the_receipt_and_said_so(text: str, said: str) -> None:
    when, note = filed_date(None, RECEIVED, text)
    assert when == RECEIVED
    assert note is not None and said in note and "its dateline" in note


@given(st.text(max_size=400))
def test_any_text_gives_a_date_in_range(text: str) -> None:
    when, _ = filed_date(None, RECEIVED, text)
    assert RECEIVED - PAST_LIMIT <= when <= RECEIVED + FUTURE_TOLERANCE
