"""Sports results and standings lines: the names in them are teams.

Newswire carries results as lines of names and numbers, which the small model
reads badly (it has learned from prose: a club named after its city looks like
the city, and many names in a table are not marked at all):

    Barnsley 2 Wolverhampton 1            a result: two sides, each with a score
    Group G - Belgium 3-0 Panama          the same with the score between the sides (a label may open it)
    Utah 105 Houston 97 (OT)              the same in basketball
    Barnsley 10 6 3 1 20 10 21            a standings row: a name, then three or more numbers
    Chicago at Boston                     a fixture (also "Leeds v Chelsea", "Ajax vs. PSV")

:func:`team_names` gives the names on such lines. The entity stage makes them
organisations (clubs), except a country, which stays a place, and a name the
model marks as a person somewhere in the article (a golfer's row of scores).
A name followed by a bracket ("Tiger Woods (U.S.) 69 70 71") is an
individual with a nationality, not a team, and is left to the model.
"""

from __future__ import annotations

import re

# One to four capitalised words ("Manchester United", "St Johnstone", "Paris St Germain", "Queens Park Rangers").
_NAME = r"[A-Z][\w.'&\-]*(?:[ \t]+(?:[A-Z][\w.'&\-]*|de|del|la|of|and|&)){0,3}"
_SCORE = r"\d{1,3}"
RESULT_LINE = re.compile(rf"^[ \t]*(?P<home>{_NAME})[ \t]+{_SCORE}[ \t]*,?[ \t]+(?P<away>{_NAME})[ \t]+{_SCORE}\b")
# The score between the sides, the whole line: "Chelsea 2-1 Arsenal", "Group G: Belgium 3 - 0 Panama" (or en dashes),
# "Real Madrid 3-3 Barcelona (aet)". Not in prose: "Labour won 3-0 in Hull" has no side after the score.
SCORE_BETWEEN_LINE = re.compile(
    rf"^[ \t]*(?:[A-Z][\w ]{{0,30}}?[ \t]+[\u2014\u2013:-][ \t]+)?(?P<home>{_NAME})[ \t]+{_SCORE}[ \t]*[-\u2013\u2014:]"
    rf"[ \t]*{_SCORE}[ \t]+(?P<away>{_NAME})[ \t]*(?:\([^)\n]{{0,30}}\))?[ \t]*\.?[ \t]*$"
)
STANDINGS_LINE = re.compile(rf"^[ \t]*(?:\d{{1,3}}\.?[ \t]+)?(?P<name>{_NAME})(?:[ \t]+-?\d+(?:\.\d+)?%?){{3,}}[ \t]*$")
# A fixture: "Chicago at Boston", "Leeds v Chelsea", "Ajax vs. PSV" (the whole line).
FIXTURE_LINE = re.compile(rf"^[ \t]*(?P<home>{_NAME})[ \t]+(?:at|v|vs\.?)[ \t]+(?P<away>{_NAME})[ \t]*\.?[ \t]*$")
MAX_LINE_CHARS = 200  # a results line is short; a long line is prose, whatever its start


def team_names(text: str) -> list[str]:
    """The names on the results and standings lines of ``text``, in order (repeats kept).

    Fixture lines count only in an article that has scores too: alone, "Talks at Geneva" is a heading.
    """
    scored: list[str] = []
    fixtures: list[str] = []
    for line in text.split("\n"):
        if len(line) > MAX_LINE_CHARS:
            continue
        if (result := RESULT_LINE.match(line) or SCORE_BETWEEN_LINE.match(line)) is not None:
            scored += [result["home"], result["away"]]
        elif (row := STANDINGS_LINE.match(line)) is not None:
            scored.append(row["name"])
        elif (fixture := FIXTURE_LINE.match(line)) is not None:
            fixtures += [fixture["home"], fixture["away"]]
    return scored + fixtures if scored else []
