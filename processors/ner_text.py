"""Text the model reads well: lines in capitals truecased, datelines taken out as entities.

The small spaCy model learned from mixed-case prose. Newswire also has
headlines and whole lines in capitals ("SOCCER - JAPAN GET LUCKY WIN, CHINA
IN SURPRISE DEFEAT.") and datelines ("ROME 1996-12-06", "KYIV, Sept 13
(Reuters) -", "LONDON (AP) --"), which it misreads: every capitalised word
looks like a name, and a city beside a date or an agency looks like a person.

:func:`prepare` returns the text to give the model and the names the
datelines gave:

- a **dateline** at the start of a line: its place (and region: "AL-AIN,
  United Arab Emirates") becomes a place, the agency in brackets an
  organisation; the dateline itself is left out of the model's text (what
  follows it on the line stays);
- a **line in capitals** (no lowercase letter, at least two words of two
  letters or more; or most of its letters capitals) is truecased word by word:
  a word the article writes elsewhere in lowercase is lowercased, one it
  writes capitalised keeps that form; an acronym without vowels or a known one
  stays ("NATO", "BBC"); English function words are lowercased; in an article
  with little prose, so are frequent English words ("SQUAD TO FACE"); any other
  word is capitalised, as a name ("KYIV" -> "Kyiv", "NADIM LADKI" -> "Nadim Ladki").

Control and invisible format characters are removed first (they split words).
Offsets are not kept (entities are per document), no text besides a dateline
is dropped, and the work is linear in the text's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import wordfreq
from spacy.lang.en.stop_words import STOP_WORDS

from newsflow.processors.entity_knowledge import fold, place_name

# Acronyms that have vowels but stay in capitals when a line is truecased.
ACRONYMS = frozenset(
    {
        "NATO", "UN", "US", "USA", "UK", "EU", "UAE", "FIFA", "UEFA", "IOC", "NBA", "NFL", "NHL", "IMF", "OPEC",
        "AFP", "AP", "BBC", "CNN", "TASS", "ANSA", "EFE", "DPA", "OSCE", "ASEAN", "AU", "IAEA", "WHO", "UNICEF",
        "UNHCR", "ICC", "ICJ", "OECD", "WTO", "NASA", "FBI", "CIA", "KGB", "FSB", "SBU", "PLO", "IRA", "ETA", "ANC",
        "PSV", "AEK", "AIK", "AC", "FC", "CSKA", "SV", "VFB", "IBM", "AT", "ABC", "CBS", "NBC", "RAI", "ORF",
    }
)  # fmt: skip
# Abbreviations without vowels that are no acronyms: "PARIS ST GERMAIN" is "Paris St Germain".
ABBREVIATIONS = {"ST": "St", "STS": "Sts", "MT": "Mt", "FT": "Ft"}
# Words that a news line in capitals has and that are no name even when the article has them nowhere else.
FUNCTION_WORDS = frozenset(STOP_WORDS) | frozenset({"vs", "v", "says", "said", "new", "win", "wins", "beat", "beats"})
MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# "ROME 1996-12-06", "AL-AIN, United Arab Emirates 1996-12-06": the CoNLL/Reuters dateline, a line of its own.
DATE_LINE = re.compile(
    r"^[ \t]*(?P<place>[A-Z][A-Z.'\- ]{1,40}?)(?:,[ \t]*(?P<region>[A-Z][A-Za-z.'\- ]{1,40}?))?"
    r"[ \t]+(?P<date>\d{4}-\d{2}-\d{2})[ \t]*$",
    re.MULTILINE,
)
# "KYIV, Sept 13 (Reuters) -", "LONDON (AP) --", "WASHINGTON, D.C., March 3 (Reuters) -", "KIEV 1996-12-06 (
# Reuters ) -": at a line's start.
AGENCY_LINE = re.compile(
    r"^[ \t]*(?P<place>[A-Z][A-Z.'\- ]{1,40}?)(?:,[ \t]*(?P<region>[A-Z][A-Za-z.'\- ]{1,40}?))?"
    rf",?[ \t]*(?:(?P<month>{MONTHS})[ \t]+(?P<day>\d{{1,2}})[ \t]*|(?P<date>\d{{4}}-\d{{2}}-\d{{2}})[ \t]*)?"
    r"\([ \t]*(?P<agency>[A-Z][A-Za-z.&'\- ]{0,30}?)[ \t]*\)[ \t]*[-\u2013\u2014]{1,2}[ \t]*",
    re.MULTILINE,
)
# The sport newswire puts before a headline in capitals ("SOCCER - ", "NBA BASKETBALL - "): no name, and the model
# runs it into the headline's first name ("Golf - Australian"). A league before it stays, on a line of its own.
SPORTS = (
    "SOCCER", "CRICKET", "TENNIS", "GOLF", "ATHLETICS", "RUGBY UNION", "RUGBY LEAGUE", "BASKETBALL", "BASEBALL",
    "ICE HOCKEY", "AMERICAN FOOTBALL", "MOTOR RACING", "MOTORCYCLING", "BOXING", "CYCLING", "ALPINE SKIING",
    "NORDIC SKIING", "SKIING", "SWIMMING", "HORSE RACING", "BADMINTON", "SQUASH", "VOLLEYBALL", "HANDBALL",
    "SNOOKER", "ROWING", "SAILING", "YACHTING", "TABLE TENNIS", "JUDO", "WRESTLING", "GYMNASTICS", "DARTS",
)  # fmt: skip
SPORT_SLUG = re.compile(
    # The league only when the sport does not start there: "TABLE TENNIS" is no league "TABLE".
    r"^(?P<league>[ \t]*(?:[A-Z]{2,5}[ \t]+)??)(?:" + "|".join(SPORTS) + r")[ \t]+[-\u2013\u2014][ \t]+",
    re.MULTILINE,
)
# Control characters (not line breaks or tabs) and invisible format characters (bidi marks, zero-width
# spaces, soft hyphens): no text, but they split or hide words from the model ("Zel\x00ensky").
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
WORD = re.compile(r"[^\W\d_]+(?:['\u2019.\-][^\W\d_]+)*\.?")
MIN_CAPS_WORDS = 2
CAPS_SHARE = 0.8  # a line whose cased letters are at least this share capitals is "in capitals"
VOWELS = frozenset("AEIOUY")
MIN_HEADING_WORDS = 3
MAX_HEADING_WORDS = 12
HEADING_ENDS = frozenset(".!?:;,\"'\u201d)")
PARAGRAPH_ENDS = frozenset(".!?:\"'\u201d)")
MIN_EVIDENCE_WORDS = 60  # distinct words of mixed-case lines: beyond this, the article's prose decides
# In a short article (no evidence), a headline word at least this frequent in English (Zipf: log10 per billion
# words; "squad" 4.7, "face" 5.5, "clinton" 4.6, "bolton" 3.7) is a common word unless the article capitalises
# it elsewhere: "ISRAEL NAME SQUAD TO FACE BULGARIA" has no "Squad to Face Bulgaria".
COMMON_WORD_ZIPF = 4.65


@dataclass
class PreparedText:
    """The text for the model, and the names its datelines gave (places and agencies, in order)."""

    text: str
    places: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)


def _name_case(words: str) -> str:
    """A dateline's words in name case: "AL-AIN" -> "Al-Ain", "NEW YORK" -> "New York", "D.C." kept."""
    return re.sub(r"[A-Za-z]+", lambda m: m[0] if len(m[0]) == 1 else m[0].capitalize(), words.strip(" ."))


def _datelines(text: str, found: PreparedText) -> str:
    """``text`` without its datelines; their places and agencies added to ``found``."""

    def take(match: re.Match[str]) -> str:
        place = match["place"].strip()
        if not any(c.isalpha() for c in place):
            return match[0]
        found.places.append(_name_case(place))
        if match["region"]:
            found.places.append(
                match["region"].strip() if not match["region"].isupper() else _name_case(match["region"])
            )
        agency = match.groupdict().get("agency")
        if agency:
            found.organizations.append(agency.strip())
        return ""

    text = DATE_LINE.sub(take, text)
    return AGENCY_LINE.sub(take, text)


def _in_capitals(line: str) -> bool:
    upper = sum(c.isupper() for c in line)
    lower = sum(c.islower() for c in line)
    if upper + lower == 0:
        return False
    long_words = sum(1 for w in WORD.findall(line) if len(w) >= 2 and w.isupper())
    return long_words >= MIN_CAPS_WORDS and upper / (upper + lower) >= CAPS_SHARE


def _evidence(caps_lines: set[int], lines: list[str]) -> dict[str, str]:
    """Lowercased word -> its form in the article's mixed-case lines.

    A word the article writes in lowercase anywhere is a common word ("win"); one it
    writes capitalised inside a sentence keeps that form ("Syria", "McDonald").
    """
    lower: set[str] = set()
    capitalised: dict[str, str] = {}
    for n, line in enumerate(lines):
        if n in caps_lines:
            continue
        for match in WORD.finditer(line):
            word = match[0].rstrip(".")
            if match.start() and line[match.start() - 1].isdigit():
                continue  # an ordinal's ending ("71st") is no evidence that "ST" (Saint) is a common word
            if word.islower():
                lower.add(word)
            elif not word.isupper():
                before = line[: match.start()].rstrip()
                # A sentence's first word says nothing about its case.
                if before and before[-1] not in ".!?\"'\u201c\u201d:;-\u2013\u2014(":
                    capitalised.setdefault(word.lower(), word)
    return {**capitalised, **{word: word for word in lower}}


def _name_cased(word: str) -> str:
    return "-".join(part.capitalize() for part in word.lower().split("-"))


def _truecase_word(word: str, seen: dict[str, str], unknown_as_names: bool) -> str:
    bare = word.rstrip(".")
    key = bare.lower()
    if key in seen:
        return seen[key] + word[len(bare) :]
    if bare in ABBREVIATIONS:
        return ABBREVIATIONS[bare] + word[len(bare) :]
    if bare in ACRONYMS or (len(bare) >= 2 and not VOWELS.intersection(bare.upper())):
        return word
    if key in FUNCTION_WORDS or not unknown_as_names or wordfreq.zipf_frequency(key, "en") >= COMMON_WORD_ZIPF:
        return word.lower()
    # Anything else is taken for a name, as a headline's names are ("KYIV" -> "Kyiv", "NADIM LADKI").
    return _name_cased(word)


def _known_places(words: list[str]) -> set[int]:
    """Positions of the words that form place names the gazetteer knows ("NEW YORK", "AL-AIN"), longest first."""
    known: set[int] = set()
    start = 0
    while start < len(words):
        for size in (3, 2, 1):
            phrase = words[start : start + size]
            key = fold(" ".join(phrase))
            # One English word alone is no place ("SAY" is a town in Niger); "NEW YORK" is.
            if len(phrase) == size and (size > 1 or key not in FUNCTION_WORDS) and place_name(key) is not None:
                known.update(range(start, start + size))
                start += size
                break
        else:
            start += 1
    return known


def truecase_line(line: str, seen: dict[str, str] | None = None, *, unknown_as_names: bool = True) -> str:
    """``line`` with each word in the case the article (``seen``), the gazetteer, the name lists or English
    give it; a word none of them knows is a name when ``unknown_as_names``, else a common word."""
    evidence = seen or {}
    matches = list(WORD.finditer(line))
    places = _known_places([m[0] for m in matches])
    cased_words = [
        _name_cased(m[0]) if n in places and m[0].rstrip(".") not in ACRONYMS and m[0].lower() not in evidence
        else _truecase_word(m[0], evidence, unknown_as_names)
        for n, m in enumerate(matches)
    ]  # fmt: skip
    pieces, last = [], 0
    for match, cased_word in zip(matches, cased_words, strict=True):
        pieces += [line[last : match.start()], cased_word]
        last = match.end()
    cased = "".join([*pieces, line[last:]])
    # A line's first letter stays a capital, as in a headline.
    first = next((i for i, c in enumerate(cased) if c.isalpha()), None)
    return cased if first is None else cased[:first] + cased[first].upper() + cased[first + 1 :]


def _is_heading(lines: list[str], n: int) -> bool:
    """Whether line ``n`` is a subheading in title case ("Russian Troops Waving the White Flag"): a few words,
    all capitalised but English stop words, one of which is written in lowercase, no closing punctuation,
    between a paragraph's end and a capital. A hard-wrapped line of prose ("The Ministry of Defence said on
    Monday" / "that ...") is none, nor a line of names only, a caption or a byline ("John Smith", "By John
    Smith"): their capitals are names'."""
    words = WORD.findall(lines[n])
    content = [w for w in words if w.lower() not in STOP_WORDS]
    before = lines[n - 1].rstrip() if n > 0 else ""
    after = lines[n + 1].lstrip() if n + 1 < len(lines) else ""
    return (
        MIN_HEADING_WORDS <= len(words) <= MAX_HEADING_WORDS
        and bool(content)
        and any(w.islower() and w in STOP_WORDS for w in words[1:])
        and words[0] != "By"
        and all(w[:1].isupper() for w in content)
        and lines[n].rstrip()[-1:] not in HEADING_ENDS
        and (not before or before[-1] in PARAGRAPH_ENDS)
        and (not after or not after[0].islower())
    )


def _league_only(slug: re.Match[str]) -> str:
    # The league a line of its own, so that the model does not run it into the headline ("NHL - Standings").
    league = slug["league"].strip()
    return f"{league} .\n" if league else ""


def prepare(text: str) -> PreparedText:
    """The text for the model (controls and datelines out, lines in capitals and headings truecased) and the
    datelines' names."""
    found = PreparedText(text="")
    text = _datelines(SPORT_SLUG.sub(_league_only, INVISIBLE.sub("", text)), found)
    lines = text.split("\n")
    caps = {n for n, line in enumerate(lines) if _in_capitals(line)}
    headings = {n for n in range(len(lines)) if n not in caps and _is_heading(lines, n)}
    if caps or headings:
        seen = _evidence(caps | headings, lines)
        # With enough prose around, a name of a line in capitals shows up in it (or in the gazetteer); a word
        # that does not is a common one ("SURPRISE DEFEAT", "EASTERN DIVISION"). An article all in capitals
        # has no such evidence: there, unknown words are taken for names.
        unknown_as_names = len(seen) < MIN_EVIDENCE_WORDS
        for n in caps:
            lines[n] = truecase_line(lines[n], seen, unknown_as_names=unknown_as_names)
        # A heading's words are names only where the prose or the gazetteer says so (its other capitals are
        # title case), and it ends as a sentence: without the stop the model runs a name on into the next
        # line ("White Flag Meanwhile").
        for n in headings:
            lines[n] = truecase_line(lines[n], seen, unknown_as_names=False) + "."
    found.text = "\n".join(lines)
    return found
