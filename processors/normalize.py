"""Raw article -> normalised article: clean text, language, exact fingerprint, MinHash signature."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import py3langid

from newsflow.processors.similarity import minhash_signature, shingles
from newsflow.schemas.articles import NormalizedArticle, RawArticle

# Zero-width and other invisible format characters that differ between copies of one text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_DERIVED_TITLE = 120
LANGUAGE_SAMPLE_CHARS = 5000
# A line of prose has this many lowercase words; results tables, line-ups and lists of names have fewer, and
# the identifier reads a page of them as some language of names ("Werder Bremen 2 Hansa Rostock 0": Nigerian
# Pidgin). A text with less prose than MIN_PROSE_CHARS is identified whole.
PROSE_LINE_WORDS = 4
MIN_PROSE_CHARS = 40
_LETTERS = re.compile(r"[^\W\d_]+")


def clean_text(text: str) -> str:
    """NFC, no invisible characters, single spaces, paragraphs separated by one blank line at most."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def fingerprint_text(title: str, body: str) -> str:
    """Canonical form for the exact fingerprint: the cleaned words and punctuation, layout ignored.

    Only encoding and whitespace differences are erased; any edit of the words
    (even "$100m share" -> "$100m-share") makes another text, which near-duplicate
    detection then links to the first.
    """
    return " ".join(f"{title}\n{body}".split())


def article_id(title: str, body: str) -> str:
    """128-bit hex id of a cleaned title and body: the same text gets the same id, whatever file it came in."""
    return hashlib.sha256(fingerprint_text(title, body).encode()).hexdigest()[:32]


def raw_article_id(title: str | None, body: str) -> str:
    """The id :func:`normalize` will give an article with this raw title and body."""
    return article_id(clean_text(title) if title else "", clean_text(body))


def derive_title(body: str) -> str:
    """A title for an article that has none: its first sentence, shortened at a word boundary."""
    first_line = body.split("\n", 1)[0]
    sentence = re.split(r"(?<=[.!?])\s", first_line, maxsplit=1)[0]
    if len(sentence) <= MAX_DERIVED_TITLE:
        return sentence
    return sentence[:MAX_DERIVED_TITLE].rsplit(" ", 1)[0] + "\u2026"


def detect_language(text: str, declared: str | None) -> str:
    """ISO 639-1 code; the source's declaration wins when it is a plausible code."""
    if declared and re.fullmatch(r"[A-Za-z]{2}([-_][A-Za-z]{2})?", declared.strip()):
        return declared.strip()[:2].lower()

    prose = "\n".join(line for line in text.split("\n") if _lowercase_words(line) >= PROSE_LINE_WORDS)
    sample = prose if len(prose) >= MIN_PROSE_CHARS else text
    code, _score = py3langid.classify(sample[:LANGUAGE_SAMPLE_CHARS])
    return str(code)


def _lowercase_words(line: str) -> int:
    return sum(1 for word in _LETTERS.findall(line) if word.islower())


def normalize(raw: RawArticle) -> NormalizedArticle:
    """The pure normalisation step (no I/O)."""
    body = clean_text(raw.body)
    given_title = clean_text(raw.title) if raw.title else ""
    # The exact id covers headline and body; a changed headline makes a near-duplicate (same body shingles).
    return NormalizedArticle(
        article_id=article_id(given_title, body),
        title=given_title or derive_title(body),
        body=body,
        outlet=raw.outlet.strip() if raw.outlet else None,
        url=raw.url,
        published_at=raw.published_at,
        language=detect_language(body, raw.language),
        word_count=len(_WORD.findall(body)),
        minhash=minhash_signature(shingles(body)),
        source=raw.source,
    )
