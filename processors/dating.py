"""Which date an article is filed under: the one its source gave, else the one its first lines give, unless
that date cannot be right.

A plain-text file has no date field, but wire copy and web pages print their date at the top. Without it,
every file of an archive dropped at once would be dated when it arrived: search's date filters and the story
stage's time window would see one day. So when the source gives no date, the title and the body's first
lines (:data:`HEAD_LINES`) are read for
- a CoNLL/Reuters dateline, a line of its own: "ROME 1996-12-06" (or with its agency: "KIEV 1996-12-06 ( Reuters ) -");
- an agency dateline with month and day: "KYIV, Sept 13 (Reuters) -". The year is the one of receipt, or the
  one before when that would put the date after the receipt (wire copy is filed before it arrives);
- a line that is a date and nothing else: "Friday, July 21, 2017", "21 July 2017", "2017-07-21".

A date from the text is noon UTC of its day (the text gives no hour), and ``date_note`` says where it came
from. A date further down the text is about the story, not the article, and is not read.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from newsflow.processors.ner_text import AGENCY_LINE, DATE_LINE, MONTHS

# A publication date more than this after the file arrived is a wrong clock or a typo, not news from the future.
FUTURE_TOLERANCE = timedelta(days=1)
# Older than this before arrival: an epoch-zero or otherwise broken date (an archive that old is not news).
PAST_LIMIT = timedelta(days=50 * 365)
# The title and this many of the body's first non-empty lines may hold the article's date (headline, byline,
# dateline: the CoNLL layout).
HEAD_LINES = 4
MAX_NOTED_CHARS = 80

_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?[ \t]+)?"
_MONTH_DAY_YEAR = re.compile(
    rf"[ \t]*{_WEEKDAY}(?P<month>{MONTHS})[ \t]+(?P<day>\d{{1,2}}),?[ \t]+(?P<year>\d{{4}})[ \t]*\.?[ \t]*"
)
_DAY_MONTH_YEAR = re.compile(
    rf"[ \t]*{_WEEKDAY}(?P<day>\d{{1,2}})[ \t]+(?P<month>{MONTHS}),?[ \t]+(?P<year>\d{{4}})[ \t]*\.?[ \t]*"
)
_ISO_DAY = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip


def filed_date(published_at: datetime | None, received_at: datetime, text: str = "") -> tuple[datetime, str | None]:
    """The article's date, and a note when it is not the source's own: taken from ``text`` (the title and body),
    or the receipt time because the date found was out of range."""
    if published_at is not None:
        return _in_range(published_at, received_at, "published_at", None)
    found = text_date(text, received_at)
    if found is None:
        return received_at, None
    when, where = found
    return _in_range(when, received_at, where, f"dated by {where}")


def text_date(text: str, received_at: datetime) -> tuple[datetime, str] | None:
    """The date the first lines of ``text`` give (noon UTC), and where it was found; None when they give none."""
    lines = [line for line in text.splitlines() if line.strip()][: HEAD_LINES + 1]
    for line in lines:
        found = _line_date(line, received_at)
        if found is not None:
            return found
    return None


def _line_date(line: str, received_at: datetime) -> tuple[datetime, str] | None:
    if match := DATE_LINE.fullmatch(line):
        day = _iso_day(match["date"])
        return (day, _quoted("its dateline", match[0])) if day else None
    if (match := AGENCY_LINE.match(line)) and match["date"]:
        day = _iso_day(match["date"])
        return (day, _quoted("its dateline", match[0])) if day else None
    if match and match["month"]:
        month = _month_number(match["month"])
        day = _recent_day(month, int(match["day"]), received_at) if month else None
        where = _quoted("its dateline", match[0]) + ", the year inferred from its receipt"
        return (day, where) if day else None
    if (match := _MONTH_DAY_YEAR.fullmatch(line) or _DAY_MONTH_YEAR.fullmatch(line)) is not None:
        month = _month_number(match["month"])
        day = _day(int(match["year"]), month, int(match["day"])) if month else None
        return (day, _quoted("its date line", line)) if day else None
    if (match := _ISO_DAY.fullmatch(line.strip())) is not None:
        day = _iso_day(match[0])
        return (day, _quoted("its date line", line)) if day else None
    return None


def _in_range(when: datetime, received_at: datetime, what: str, note: str | None) -> tuple[datetime, str | None]:
    if when > received_at + FUTURE_TOLERANCE:
        return received_at, f"{what} {when.isoformat()} is in the future: dated when received"
    if when < received_at - PAST_LIMIT:
        return received_at, f"{what} {when.isoformat()} is implausibly old: dated when received"
    return when, note


def _quoted(what: str, text: str) -> str:
    return f'{what} "{text.strip()[:MAX_NOTED_CHARS]}"'


def _month_number(word: str) -> int | None:
    """1-12 for a month's name or abbreviation ("Sept.", "September"); None for another word ("Marching")."""
    return _MONTH_NUMBERS.get(word.rstrip(".").casefold())


def _day(year: int, month: int | None, day: int) -> datetime | None:
    """Noon UTC of the day, or None when there is no such day ("2023-02-30")."""
    if month is None:
        return None
    try:
        return datetime(year, month, day, 12, tzinfo=UTC)
    except ValueError:
        return None


def _iso_day(text: str) -> datetime | None:
    year, month, day = (int(part) for part in text.split("-"))
    return _day(year, month, day)


def _recent_day(month: int, day: int, received_at: datetime) -> datetime | None:
    """The month and day in the receipt's year, or the year before when that would be after the receipt."""
    for year in (received_at.year, received_at.year - 1):
        when = _day(year, month, day)
        if when is not None and when <= received_at + FUTURE_TOLERANCE:
            return when
    return None
