"""Plain-text articles: an optional headline line, paragraphs, an optional outlet line.

Heuristics, as in the sample feeds:
- the first non-empty line is the headline when it is short and does not end
  like a sentence ("Ad sales boost Time Warner profit");
- a last line like "- Reuters" or "— AP News" names the outlet and is not body text.
"""

from __future__ import annotations

import re

from newsflow.producers.formats.base import ParsedArticle, ParseResult, checked

MAX_TITLE_CHARS = 150
MAX_TITLE_WORDS = 20
_OUTLET_LINE = re.compile(r"^\s*[-\u2013\u2014]\s*(?P<outlet>[A-Z][\w.&' ]{1,60}?)\s*$")


def _looks_like_title(line: str, rest: list[str]) -> bool:
    if not rest:
        return False  # a single line is the article, not a headline without text
    stripped = line.strip()
    return (
        len(stripped) <= MAX_TITLE_CHARS
        and len(stripped.split()) <= MAX_TITLE_WORDS
        and not stripped.endswith((".", ":", ";", ","))
    )


def parse_text(text: str) -> ParseResult:
    """One article per file."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)

    outlet = None
    if lines and (match := _OUTLET_LINE.match(lines[-1])):
        outlet = match.group("outlet").strip()
        lines.pop()

    title = None
    if lines and _looks_like_title(lines[0], lines[1:]):
        title = lines.pop(0).strip()

    body = "\n".join(lines).strip()
    return [checked(ParsedArticle(body=body, title=title, outlet=outlet), 0)]
