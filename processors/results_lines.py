"""Sports results and standings lines: the names in them are teams.

Newswire carries results as lines of names and numbers, which the small model
reads badly (it has learned from prose: a club named after its city looks like
the city, and many names in a table are not marked at all):

    Barnsley 2 Wolverhampton 1            a result: two sides, each with a score
    Group G - Belgium 3-0 Panama          the same with the score between the sides (a label may open it)
    Utah 105 Houston 97 (OT)              the same in basketball
    Barnsley 10 6 3 1 20 10 21            a standings row: a name, then three or more numbers
    MIAMI 13 6 .684 1 1/2                 (shares, games behind and "-" count as numbers)
    Ajax 2 ( Kluivert 12 ) NAC Breda 0    a match summary: the sides, with their scorers in brackets
    Chicago at Boston                     a fixture (also "Leeds v Chelsea", "Ajax vs. PSV"; several on a line)
    Kansas ( 1 ) 91 Santa Clara 62        a result with a side's ranking

:func:`line_names` gives the names on such lines (``teams``). The entity stage makes them
organisations (clubs), except a country, which stays a place, and a name the
model marks as a person somewhere in the article (a golfer's row of scores).
A name followed by a bracket ("Tiger Woods (U.S.) 69 70 71") is an
individual with a nationality, not a team.

:func:`line_names` also gives the names on the lines of individual results,
which are people (``players``):

    Pete Sampras (U.S.) beat Goran Ivanisevic (Croatia) 6-3 6-4     a match (a seed or rank may open it)
    Tiger Woods (U.S.) 69 70 71 210                                 a golfer's rounds
    134 Ernie Els ( South Africa ) 65 69                            a total, then the rounds so far
    1. Michael Johnson (U.S.) 43.49                                 a time or a distance
    Ijaz Ahmad c Spearman b Vaughan 59                              a batsman, a fielder and a bowler
    Cairns 10-0-47-2                                                a bowler's figures
    Ajax 2 ( Kluivert 12 , Litmanen 44 ) NAC Breda 0                a match summary's scorers (its sides are teams)
    Scorers : Alan Shearer ( 7th minute ) , Les Ferdinand ( 55 )    a list of scorers
    Tim Stimpson ( Newcastle ) , Will Carling ( Harlequins )       a squad (the brackets: clubs or countries)
    Israel - Itzik Peretz ; Moshe Glam , Avi Cohen , Nir Klinger    a line-up after its side (or "To bat :")
    Zimbabwe 215 ( A. Flower 63 , G. Whittall 45 ; D. Gough 3-40 )  an innings: its batsmen and bowlers
    ATLANTA ( 91 ) Mosley 7-15 4-4 19 , Brantley 3-9 0-0 8          a box score: the side, its players
    Rebounds - Atlanta 44 ( Okonjo 11 ) , Detroit 52 ( Vance 14 )   a game summary's labelled line (also goals,
                                                                    penalties and goalies of hockey's)
    LASK Linz - Peter Hubmer ( 5th ) ; SV Ried - Josef Angerer ( 30th )   each side's scorers after it
    200 metres backstroke : Anke de Haan ( Netherlands ) 2:10.33    a winner after the event's label
    1. Norway ( Oddvar Brenna , Knut Aasland ) 1:36:48.2            a team's members (a sled: "Germany II")
    70 69 69 68 - 276 Kevin Durham                                  a leaderboard's line, the rounds first
    Vadim Korolyov ( Russia ) 1 Javier Ochoa ( Spain ) 0            a chess game: its sides are ``rows``, players
                                                                    where the model or a given name says so

A country in brackets after a player or a club ("( Denmark )") is among the ``teams``: a place of the article.

A club with its country in brackets ("Rapid Vienna (Austria) 1 ...") has a
single score after the bracket, so it is no player.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from newsflow.processors.entity_knowledge import fold, is_country, place_name

# One to four capitalised words ("Manchester United", "St Johnstone", "Paris St Germain", "Queens Park Rangers"), with
# particles between ("Queen of the South", "Queen 's Park" as CoNLL splits it, "Van der Sar").
_NAME = r"[A-Z][\w.'&\-]*(?:[ \t]+(?:[A-Z][\w.'&\-]*|&|(?:de|del|la|of|the|and|van|von|der|den|da|di|dos|'s)\b)){0,3}"
_SCORE = r"\d{1,3}"
# Each side may have its country in brackets: "ASVEL Villeurbanne ( France ) 80 Maccabi Tel Aviv ( Israel ) 77", or
# its ranking: "Kansas ( 1 ) 91 Santa Clara 62". A chess game's score is a point or half of one ("1/2").
_COUNTRY = r"(?:[ \t]*\([ \t]*(?:[A-Z][\w.' ]{0,30}?|\d{1,2})[ \t]*\))?"
_RESULT_SCORE = r"(?:1/2|\d{1,3})"
RESULT_LINE = re.compile(
    rf"^[ \t]*(?P<home>{_NAME})(?P<home_bracket>{_COUNTRY})[ \t]+(?P<home_score>{_RESULT_SCORE})[ \t]*,?[ \t]+"
    rf"(?P<away>{_NAME})(?P<away_bracket>{_COUNTRY})[ \t]+(?P<away_score>{_RESULT_SCORE})(?![\w/])"
)
CHESS_SCORES = frozenset({"0", "1", "1/2"})
# The score between the sides, the whole line: "Chelsea 2-1 Arsenal", "Group G: Belgium 3 - 0 Panama" (or en dashes),
# "Real Madrid 3-3 Barcelona (aet)". Not in prose: "Labour won 3-0 in Hull" has no side after the score.
SCORE_BETWEEN_LINE = re.compile(
    rf"^[ \t]*(?:[A-Z][\w ]{{0,30}}?[ \t]+[\u2014\u2013:-][ \t]+)?(?P<home>{_NAME})[ \t]+{_SCORE}[ \t]*[-\u2013\u2014:]"
    rf"[ \t]*{_SCORE}[ \t]+(?P<away>{_NAME})[ \t]*(?:\([^)\n]{{0,30}}\))?[ \t]*\.?[ \t]*$"
)
# A standings row's figures: counts, a share (".778", "45.5%"), games behind ("1 1/2", or "-" for the leader).
_FIGURE = r"(?:-?\d*\.?\d+%?|\d+/\d+|-)"
STANDINGS_LINE = re.compile(rf"^[ \t]*(?:\d{{1,3}}\.?[ \t]+)?(?P<name>{_NAME})(?:[ \t]+{_FIGURE}){{3,}}[ \t]*$")
# A match summary: each side's score and, in brackets after it, its scorers with their minutes
# ("Ajax Amsterdam 2 ( Kluivert 12 , Litmanen 44 pen ) NAC Breda 0 . Halftime 2-0 .").
SUMMARY_LINE = re.compile(
    rf"^[ \t]*(?P<home>{_NAME})[ \t]+{_SCORE}[ \t]*\((?P<home_scorers>[^()\n]{{1,200}})\)[ \t]*,?[ \t]*"
    rf"(?P<away>{_NAME})[ \t]+{_SCORE}\b[ \t]*(?:\((?P<away_scorers>[^()\n]{{1,200}})\))?"
)
# A scorer in a summary's brackets: a name and a minute ("Kluivert 12").
SCORER = re.compile(rf"(?P<name>{_NAME})[ \t]+\d{{1,3}}\b")
# "Scorers : Alan Shearer ( 7th minute ) , Les Ferdinand ( 55 )": each name before a bracket or a minute.
SCORERS_LINE = re.compile(r"^[ \t]*(?:Goal)?[Ss]corers?[ \t]*:(?P<scorers>.*)$")
SCORERS_NAME = re.compile(rf"(?P<name>{_NAME})[ \t]*(?:\(|\d)")
SIDE_BEFORE_SCORERS = re.compile(rf"(?:^|;)[ \t]*({_NAME})[ \t]+-[ \t]+(?=[A-Z])")
# A fixture: "Chicago at Boston", "Leeds v Chelsea", "Ajax vs. PSV" (the whole line, maybe after a label:
# "Playing on Monday : Dallas at New England").
FIXTURE_LINE = re.compile(
    rf"^[ \t]*(?:[A-Z][\w ]{{0,30}}?[ \t]*:[ \t]*)?(?P<home>{_NAME})[ \t]+(?:at|AT|v|V|vs\.?|VS\.?)[ \t]+"
    rf"(?P<away>{_NAME})[ \t]*\.?[ \t]*$"
)
# Fixtures on one line, parted by commas: "Denver at Green Bay , Jacksonville at Seattle , Miami at N.Y. Giants".
_FIXTURE = rf"{_NAME}[ \t]+(?:at|AT|v|V|vs\.?|VS\.?)[ \t]+{_NAME}"
FIXTURES_LINE = re.compile(rf"^[ \t]*{_FIXTURE}(?:[ \t]*,[ \t]*{_FIXTURE})+[ \t]*\.?[ \t]*$")
FIXTURE = re.compile(rf"(?P<home>{_NAME})[ \t]+(?:at|AT|v|V|vs\.?|VS\.?)[ \t]+(?P<away>{_NAME})")
# A side's scorers with their minutes, the sides parted by semicolons: "LASK Linz - Peter Hubmer ( 5th , 61st ) ,
# Andreas Lindl ( 44th ) ; SV Ried - Josef Angerer ( 30th )".
_MINUTES = r"\([ \t]*\d{1,3}(?:st|nd|rd|th)?\b[^()\n]{0,30}\)"
SIDE_SCORERS = re.compile(
    rf"[ \t]*(?P<side>{_NAME})[ \t]+-[ \t]+"
    rf"(?P<scorers>{_NAME}[ \t]*{_MINUTES}(?:[ \t]*,[ \t]*{_NAME}[ \t]*{_MINUTES})*)[ \t]*\.?[ \t]*"
)
# A squad or a field: a line of nothing but people with their club or country in brackets, two or more, after an
# optional label ("Squad : Tim Stimpson ( Newcastle ) , Will Carling ( Harlequins )"). Prose with tickers or
# parties in brackets has other words between them.
# A shirt number may open an entry ("15 - Nick Bramley ( Wasps ) ;").
_SHIRT = r"(?:\d{1,2}[ \t]*[-.][ \t]*)?"
_SQUAD_ENTRY = rf"{_SHIRT}{_NAME}[ \t]*\([ \t]*{_NAME}[ \t]*\)"
SQUAD_ENTRY = re.compile(rf"{_SHIRT}(?P<player>{_NAME})[ \t]*\([ \t]*(?P<side>{_NAME})[ \t]*\)")
# One entry after a rank or a tally: "14 - Ramon Echevarria ( Real Madrid )" (a scoring chart).
RANKED_ENTRY_LINE = re.compile(rf"[ \t]*\d{{1,3}}[ \t]*[-.][ \t]*{_SQUAD_ENTRY}[ \t]*[.;,]?[ \t]*")
SQUAD_LINE = re.compile(
    rf"[ \t]*(?:[A-Z][\w ]{{0,30}}?[ \t]*:[ \t]*)?(?P<entries>{_SQUAD_ENTRY}(?:[ \t]*[,;][ \t]*{_SQUAD_ENTRY})+)"
    r"[ \t]*[.;,]?[ \t]*"
)
MAX_SQUAD_CHARS = 1000
MAX_LINE_CHARS = 200  # a results line is short; a long line is prose, whatever its start
MAX_SUMMARY_CHARS = 400  # a match summary with its scorers is longer
# A nationality in brackets, spaced or not ("(U.S.)", "( Croatia )").
_NATIONALITY = r"\([ \t]*[A-Z][\w.' ]{0,30}?(?:[ \t]*/[ \t]*[A-Z][\w.' ]{0,30}?)?[ \t]*\)"
# A cyclist's country and trade team: "( Belgium / Palmans )".
COUNTRY_AND_TEAM = re.compile(
    r"\([ \t]*(?P<country>[A-Z][\w.' ]{0,30}?)[ \t]*/[ \t]*(?P<team>[A-Z][\w.' ]{0,30}?)[ \t]*\)"
)
# One player or a doubles pair: "Chandra Gunadi and Yohan Setiawan", "Mehra / Sood".
_PLAYERS = rf"{_NAME}(?:[ \t]+(?:and|/)[ \t]+{_NAME})?"
# What follows a player's nationality: a win ("beat", "bt", "d."), a time or distance ("43.49", "2:07:12"), or
# three or more rounds' scores ("69 70 71").
_INDIVIDUAL_RESULT = r"(?:beat\b|bt\b|d\.|\d+(?:[.:]\d+)+\b|(?:\d{2,3}[ \t]+){2,}\d{2,3}\b)"
# An event's label may open a winner's line: "200 metres backstroke : Anke de Haan ( Netherlands ) 2:10.33".
_EVENT_LABEL = r"(?:[\w ,'-]{1,40}?[ \t]*:[ \t]*)?"
PLAYER_LINE = re.compile(
    rf"^[ \t]*{_EVENT_LABEL}(?:\d{{1,3}}[ \t]*[-.=]?[ \t]+)?(?P<player>{_PLAYERS})[ \t]*{_NATIONALITY}[ \t]*"
    rf"{_INDIVIDUAL_RESULT}"
    rf"(?:[ \t]*(?:\d{{1,3}}[ \t]*[-.=]?[ \t]+)?(?P<loser>{_PLAYERS})[ \t]*{_NATIONALITY})?"
)
# A player's line of scores or times after a rank or a total ("134 Ernie Els ( South Africa ) 65 69",
# "1. Luc Alphand ( France ) 1 minute 50.23 seconds"): the whole line. A club with its country and one score
# ("Rapid Vienna ( Austria ) 1") has neither the rank nor two figures.
_TALLY = (
    r"(?:[-+]?\d{1,3}(?:[.:,]\d+)*|hours?|minutes?|seconds?|mins?|secs?|pts|points|behind|same|time|laps?|one|two|"
    r"three)"
)
# A bracket of figures may close it: a run's times, a shooting's misses ("1:35.74 ( 48.02 / 47.72 )", "28:12.0 ( 1 )").
# A pair may share the line, each with a nationality: "3. Brett Ashby ( Australia ) / Lars Holst ( Denmark ) 301".
RANKED_LINE = re.compile(
    rf"^[ \t]*(?P<rank>[T=]?\d{{1,3}}[ \t]*[-.=]?[ \t]+)?(?P<player>{_NAME})[ \t]*{_NATIONALITY}"
    rf"(?:[ \t]*/[ \t]*(?P<partner>{_NAME})[ \t]*{_NATIONALITY})?"
    rf"(?P<tally>(?:[ \t]+{_TALLY})+)[ \t]*(?:\([\d .:/,-]*\))?[ \t]*\.?[ \t]*$"
)
SLED_NUMBER = re.compile(r"[ \t]+(?:I|II|III|IV)$")
# A country in brackets after a player or a club: "( Denmark )", "( U.S. )".
BRACKETED = re.compile(r"\([ \t]*([A-Z][\w.' ]{0,30}?)[ \t]*\)")
MIN_TALLIES = 2
# A winner without a nationality after an event's label: "200 metres butterfly : Graham Tolley 1:57.90".
LABELLED_TIME_LINE = re.compile(
    rf"^[ \t]*[\w ,'-]{{1,40}}?[ \t]*:[ \t]*(?P<player>{_NAME})[ \t]+\d+(?:[.:]\d+)+[ \t]*\.?[ \t]*$"
)
# A cricket scorecard's batting line: how the batsman was out, by whom, and the runs.
BATTING_LINE = re.compile(
    rf"^[ \t]*(?P<batsman>{_NAME})[ \t]+(?:"
    rf"(?:c|st)[ \t]+(?P<fielder>{_NAME})[ \t]+b[ \t]+(?P<bowler>{_NAME})"
    rf"|(?:c[ \t]+&[ \t]+b|lbw[ \t]+b|b)[ \t]+(?P<taker>{_NAME})"
    r"|run[ \t]+out|not[ \t]+out|retired[ \t]+hurt"
    r")[ \t]+\d{1,3}\b"
)
# A side's innings with its batsmen's runs and bowlers' figures in brackets, no other side on the line
# ("Zimbabwe 215 ( A. Flower 63 , G. Whittall 45 ; D. Gough 3-40 )", "Australia 141 for four ( M. Taylor 55 )").
INNINGS_LINE = re.compile(
    rf"^[ \t]*(?P<side>{_NAME})[ \t]+{_SCORE}(?:-\d{{1,2}}|[ \t]+for[ \t]+\w+|[ \t]+all[ \t]+out)?"
    r"(?:[ \t]+declared)?[ \t]*\((?P<scorers>[^()\n]{1,300})\)[ \t]*\.?[ \t]*$"
)
# A line-up after a label: the side or a heading, then names parted by commas and semicolons (the semicolons
# part goalkeeper, defence, midfield, attack): "Israel - Itzik Peretz ; Moshe Glam , Avi Cohen , Nir Klinger",
# "To bat : D. Ashby , P. Gillespie , B. Tuffin".
# A substitute in brackets after the player he replaced, with the minute: "Blind ( Bogarde 46 )", "( Ohno 70th )".
_LINEUP_ENTRY = rf"{_NAME}(?:[ \t]*\([ \t]*{_NAME}[ \t]+\d{{1,3}}(?:st|nd|rd|th)?[ \t]*\))?"
LINEUP_LINE = re.compile(
    rf"^[ \t]*(?P<label>[A-Z][\w .']{{0,30}}?)[ \t]+[-:][ \t]+"
    rf"(?P<entries>{_LINEUP_ENTRY}(?:[ \t]*[,;][ \t]*{_LINEUP_ENTRY})+)[ \t]*\.?[ \t]*$"
)
LINEUP_ENTRY = re.compile(_NAME)
_NAMES = LINEUP_ENTRY
LINEUP_HEADINGS = frozenset({"team", "teams", "squad", "side", "line-up", "lineup", "substitutes", "subs", "reserves"})
MIN_LINEUP_NAMES = 3
# An innings anywhere in a line of close-of-play scores: "In Melbourne : Victoria 320 ( Luke Harwood 112 ; Craig
# Braddock 4-71 ) and 150-4 ( Nathan Fairbairn 65 not out ) ; South Australia 280 ( Jason Penhall 88 )".
INNINGS = re.compile(
    rf"(?:(?P<side>{_NAME})|\band)[ \t]+{_SCORE}(?:-\d{{1,2}})?(?:[ \t]+declared)?"
    r"[ \t]*\((?P<scorers>[^()\n]{1,300})\)"
)
# A golf leaderboard's line: a total, then the players on it, some with their country ("71 Sipho Ndlovu , Grant
# Fairweather ( Zimbabwe ) , Kevin Stroud ( England )").
_LEADER = rf"{_NAME}(?:[ \t]*\([ \t]*[A-Z][\w.' ]{{0,30}}?[ \t]*\))?"
# The rounds may come first, then the total: "70 69 69 68 - 276 Kevin Durham".
_ROUNDS = r"(?P<rounds>(?:\d{2}[ \t]+){2,}(?:-[ \t]+)?)?"
LEADERBOARD_LINE = re.compile(
    rf"^[ \t]*{_ROUNDS}\d{{2,3}}[ \t]+(?P<entries>{_LEADER}(?:[ \t]*,[ \t]*{_LEADER})*)[ \t]*\.?[ \t]*$"
)
# A team with its members in brackets and its time or points: "1. Norway ( Oddvar Brenna , Knut Aasland , Einar
# Haugen ) 1:36:48.2", "Germany I ( Harald Czudaj , Udo Lehmann ) 1:52.30".
TEAM_MEMBERS_LINE = re.compile(
    rf"^[ \t]*(?:\d{{1,3}}[ \t]*[-.=]?[ \t]+)?(?P<side>{_NAME})[ \t]*"
    rf"\((?P<members>[ \t]*{_NAME}(?:[ \t]*,[ \t]*{_NAME})+)[ \t]*\)[ \t]+\d[\d:.,]*"
)
LEADER = re.compile(rf"(?P<name>{_NAME})(?P<country>[ \t]*\()?")
# A cricketer as scorecards write him: an initial and a surname ("D. Ashby").
INITIALLED = re.compile(r"[A-Z]\.[ \t]*[A-Z][a-z][\w'\-]*")
# The agate of a game's summary: lines opened by a label and a dash, their sentences parted by " . "
# ("Rebounds - Atlanta 44 ( Okonjo 11 ) , Detroit 52 ( Vance 14 )", "First period - 1 , Detroit , Vasiliev 9
# ( Lindqvist , Hartley ) 6:12 .", "Goalies - St Louis , Fontaine ( 9-7-2 )").
AGATE_LINE = re.compile(r"^[ \t]*[A-Z](?=[\w' -]{0,30}?[ \t]+-)[\w' -]*?[a-z][\w' -]*?[ \t]+-[ \t]+\S")
AGATE_SENTENCE = re.compile(r"[ \t]+\.[ \t]+|[ \t]*;[ \t]*")
_FIGURES = r"\d{1,3}(?:-\d{1,3})*"
# A side with its figure and, in brackets, its players with theirs: "Atlanta 4-15 ( Brantley 2-6 , Mosley 1-4 )".
SIDE_FIGURES = re.compile(rf"(?P<team>{_NAME})[ \t]+{_FIGURES}\b(?:[ \t]*\((?P<players>[^()\n]*)\))?")
PLAYER_FIGURES = re.compile(rf"(?P<name>{_NAME})[ \t]+{_FIGURES}\b")
# A goal: its number, the side, the scorer with his goals so far, the assists ("1 , Detroit , Vasiliev 9 ( Lindqvist ,
# Hartley )"); a penalty ("Hartley , Detroit ( hooking )"); a goalie and his record ("St Louis , Fontaine ( 9-7-2 )").
GOAL = re.compile(
    rf"\b\d{{1,2}}[ \t]*,[ \t]*(?P<team>{_NAME})[ \t]*,[ \t]*(?P<scorer>{_NAME})[ \t]+\d{{1,2}}\b"
    r"(?:[ \t]*\((?P<assists>[^()\n]*)\))?"
)
PENALTY = re.compile(rf"(?P<player>{_NAME})[ \t]*,[ \t]*(?P<team>{_NAME})[ \t]*\([ \t]*[a-z][a-z -]*\)")
GOALIE = re.compile(rf"(?P<team>{_NAME})[ \t]*,[ \t]*(?P<player>{_NAME})[ \t]*\([ \t]*\d+-\d+-\d+[ \t]*\)")
# A box score's line: the side and its points, then each player's shots, free throws and points ("ATLANTA ( 91 )
# Mosley 7-15 4-4 19 , Brantley 3-9 0-0 8").
BOX_SIDE = re.compile(rf"^[ \t]*(?P<team>{_NAME})[ \t]*\([ \t]*\d{{1,3}}[ \t]*\)")
BOX_PLAYER = re.compile(rf"(?P<name>{_NAME})[ \t]+\d{{1,2}}-\d{{1,2}}[ \t]+\d{{1,2}}-\d{{1,2}}[ \t]+\d{{1,3}}\b")
MIN_BOX_PLAYERS = 2
_WORDS = re.compile(r"[^\W\d_]+")
MAX_PROSE_SHARE = 2  # at most half of an agate line's words are lowercase ("goals", "none", "hooking", "not out")
BOX_TOTALS = frozenset({"Totals", "Total", "TOTALS", "TOTAL", "Team"})
# A bowler's figures: overs, maidens, runs and wickets ("Cairns 10-0-47-2", "Wasim 9.4-1-40-3"), one to a line
# or listed ("Bowling : Aqib Hameed 18-4-51-2 , Waqar Shah 16-3-44-1").
BOWLING_FIGURES = re.compile(rf"(?P<bowler>{_NAME})[ \t]+\d{{1,2}}(?:\.\d)?-\d{{1,2}}-\d{{1,3}}-\d{{1,2}}\b")


@dataclass(frozen=True)
class LineNames:
    """What the results, standings and individual-results lines of an article name (repeats kept, in order)."""

    teams: list[str]  # clubs and countries: squads' sides, then the sides of results, standings and fixtures
    players: list[str]  # people: on lines of individual results, scorers, squads
    rows: list[str]  # the names opening standings rows (a club's, or a golfer's with a round's scores)


def line_names(text: str) -> LineNames:
    """The names on the lines of ``text`` that list results, in one pass over its lines.

    Fixture lines count only in an article that has scores too: alone, "Talks at Geneva" is a heading.
    """
    scored: list[str] = []
    fixtures: list[str] = []
    sides: list[str] = []  # the clubs and countries of a squad's players
    players: list[str] = []
    rows: list[str] = []
    for line in text.split("\n"):
        if (squad := _squad(line)) is not None:
            sides += [side for _, side in squad]
            players += [player for player, _ in squad]
        elif (agate := _agate(line)) is not None and not _lineup(line) and not SCORE_BETWEEN_LINE.match(line):
            sides += agate.teams
            players += agate.players
        elif len(line) > MAX_SUMMARY_CHARS:
            continue
        elif (summary := SUMMARY_LINE.match(line)) is not None:
            scored += [summary["home"], summary["away"]]
            for scorers in (summary["home_scorers"], summary["away_scorers"]):
                players += [m["name"] for m in SCORER.finditer(scorers or "")]
        elif (innings := INNINGS_LINE.match(line)) is not None and (batsmen := SCORER.findall(innings["scorers"])):
            scored.append(innings["side"])
            players += batsmen
        elif (listed := _listed(line)) is not None:
            sides += listed.teams
            players += listed.players
        elif (innings_found := _innings(line)) is not None:
            scored += innings_found.teams
            players += innings_found.players
        elif (lineup := _lineup(line)) is not None:
            side, lineup_players = lineup
            sides += [side] if side else []
            players += lineup_players
        elif len(line) > MAX_LINE_CHARS:
            continue
        elif (result := _result(line)) is not None:
            scored += result.teams
            rows += result.rows
        elif (row := STANDINGS_LINE.match(line)) is not None:
            scored.append(row["name"])
            rows.append(row["name"])
        elif found_fixtures := _fixtures(line):
            fixtures += found_fixtures
        elif (side_scorers := _side_scorers(line)) is not None:
            sides += side_scorers.teams
            players += side_scorers.players
        else:
            individuals = _individuals(line)
            sides += individuals.teams
            players += individuals.players
    # A standings row may be a golfer's, but not one whose name also plays a match on another line (the name is
    # then among the sides more often than among the rows).
    sides_seen, rows_seen = Counter(scored), Counter(rows)
    rows = [row for row in rows if sides_seen[row] <= rows_seen[row]]
    return LineNames(teams=sides + (scored + fixtures if scored else []), players=players, rows=rows)


def team_names(text: str) -> list[str]:
    """The clubs and countries of ``text``'s squads, results, standings and fixtures (:func:`line_names`)."""
    return line_names(text).teams


def player_names(text: str) -> list[str]:
    """The people on ``text``'s lines of individual results, scorers and squads (:func:`line_names`)."""
    return line_names(text).players


def row_names(text: str) -> list[str]:
    """The names opening ``text``'s standings rows, where a golfer's name may stand among clubs (:func:`line_names`)."""
    return line_names(text).rows


def _agate(line: str) -> LineNames | None:
    """The sides and players of a box score's line or of a game summary's labelled line, or None when ``line``
    is neither."""
    if len(line) > MAX_SQUAD_CHARS:
        return None
    if (box := BOX_SIDE.match(line)) is not None:
        players = [m["name"] for m in BOX_PLAYER.finditer(line, box.end()) if m["name"] not in BOX_TOTALS]
        return LineNames([box["team"]], players, []) if len(players) >= MIN_BOX_PLAYERS else None
    if not AGATE_LINE.match(line) or _is_prose(line):  # "The cuts - amounting to 3% of the staff - will ..."
        return None
    teams: list[str] = []
    players = []
    for sentence in AGATE_SENTENCE.split(line):
        body = sentence.split(" - ", 1)[-1]  # after the label
        if found := [*GOAL.finditer(body)]:
            for goal in found:
                teams.append(goal["team"])
                players += [goal["scorer"], *(m[0] for m in _NAMES.finditer(goal["assists"] or ""))]
        elif found := [*PENALTY.finditer(body), *GOALIE.finditer(body)]:
            teams += [m["team"] for m in found]
            players += [m["player"] for m in found]
        else:
            for side in SIDE_FIGURES.finditer(body):
                teams.append(side["team"])
                players += [m["name"] for m in PLAYER_FIGURES.finditer(side["players"] or "")]
    return LineNames(teams, players, []) if teams else None


def _listed(line: str) -> LineNames | None:
    """The people (and their sides) of a list of scorers, a leaderboard's line or a team's members, or None."""
    if (scorers := SCORERS_LINE.match(line)) is not None:
        # Each side's scorers may follow its name and a dash: "Lemgo - Stefan Reinhold 7 ; Drammen - Frode Hagen 6".
        teams = [side[1] for side in SIDE_BEFORE_SCORERS.finditer(scorers["scorers"])]
        return LineNames(teams, [m["name"] for m in SCORERS_NAME.finditer(scorers["scorers"])], [])
    if (leaders := LEADERBOARD_LINE.match(line)) is not None and ("(" in line or leaders["rounds"]):
        entries = leaders["entries"]
        return LineNames([], [m["name"] for m in LEADER.finditer(entries) if not _in_brackets(entries, m)], [])
    if (team := TEAM_MEMBERS_LINE.match(line)) is not None:
        side = SLED_NUMBER.sub("", team["side"])  # "Germany II": the country's second sled
        return LineNames([side], [m[0] for m in _NAMES.finditer(team["members"])], [])
    return None


def _individuals(line: str) -> LineNames:
    """The people of a line of individual results, a batsman's or a bowler's, and the countries and trade teams
    in its brackets (none when ``line`` is none of those)."""
    if match := PLAYER_LINE.match(line) or BATTING_LINE.match(line) or LABELLED_TIME_LINE.match(line):
        players = [one for name in match.groups() if name and name[0].isupper() for one in _pair(name)]
        return LineNames(_teams_in_brackets(line) + _countries_in_brackets(line), players, [])
    ranked = RANKED_LINE.match(line)
    if ranked is not None and (ranked["rank"] or len(re.findall(r"\d+", ranked["tally"])) >= MIN_TALLIES):
        players = _pair(ranked["player"]) + ([ranked["partner"]] if ranked["partner"] else [])
        return LineNames(_teams_in_brackets(line) + _countries_in_brackets(line), players, [])
    return LineNames([], [figures["bowler"] for figures in BOWLING_FIGURES.finditer(line)], [])


def _fixtures(line: str) -> list[str]:
    """Both sides of each fixture on a line of fixtures ("Chicago at Boston"), or none."""
    if (fixture := FIXTURE_LINE.match(line)) is not None:
        return [fixture["home"], fixture["away"]]
    if FIXTURES_LINE.match(line):
        return [name for found in FIXTURE.finditer(line) for name in (found["home"], found["away"])]
    return []


def _result(line: str) -> LineNames | None:
    """The two sides of a result line (``rows``: those that may be chess players), or None when ``line`` is none."""
    if (result := RESULT_LINE.match(line)) is not None:
        # A side with its country scoring a point or half of one may be a chess player: the model's person decides.
        chess = {result["home_score"], result["away_score"]} <= CHESS_SCORES
        bracketed = [result[side] for side in ("home", "away") if any(c.isalpha() for c in result[f"{side}_bracket"])]
        sides = [result["home"], result["away"], *_countries_in_brackets(line)]
        return LineNames(sides, [], bracketed if chess else [])
    if (result := SCORE_BETWEEN_LINE.match(line)) is not None:
        return LineNames([result["home"], result["away"]], [], [])
    return None


def _side_scorers(line: str) -> LineNames | None:
    """The sides and scorers of a line of sides' scorers ("GAK - Kurt Felber ( 17th ) ; ..."), or None."""
    found = [SIDE_SCORERS.fullmatch(part) for part in line.split(";")]
    if not found or any(m is None for m in found):
        return None
    teams = [m["side"] for m in found if m is not None]
    players = [n[0] for m in found if m is not None for n in _NAMES.finditer(re.sub(r"\([^()]*\)", " ", m["scorers"]))]
    return LineNames(teams, players, [])


def _is_prose(line: str) -> bool:
    """Whether more than half of ``line``'s words are lowercase: a sentence, not a line of names and figures."""
    words: list[str] = _WORDS.findall(line)
    return sum(word.islower() for word in words) * MAX_PROSE_SHARE > len(words)


def _in_brackets(text: str, match: re.Match[str]) -> bool:
    """Whether ``match`` in ``text`` stands inside brackets (a country, not a player)."""
    return text.count("(", 0, match.start()) > text.count(")", 0, match.start())


def _innings(line: str) -> LineNames | None:
    """The sides and players of a line of innings ("Victoria 320 ( Luke Harwood 112 ) ; South Australia 280 ( ...
    )"), or None when ``line`` has none or is prose."""
    if "(" not in line or _is_prose(line):
        return None
    teams: list[str] = []
    players: list[str] = []
    for innings in INNINGS.finditer(line):
        if batsmen := SCORER.findall(innings["scorers"]):
            teams += [innings["side"]] if innings["side"] else []  # "and 150-4 ( ... )": the side's second innings
            players += batsmen
    return LineNames(teams, players, []) if teams else None


def _pair(name: str) -> list[str]:
    """A doubles pair's two players ("Chandra Gunadi and Yohan Setiawan", "Mehra / Sood"), else ``name`` alone."""
    first, joined, second = name.partition(" / ")  # surnames alone: "Mehra / Sood"
    if joined:
        return [first, second]
    first, joined, second = name.partition(" and ")
    return [first, second] if joined and len(first.split()) >= 2 and len(second.split()) >= 2 else [name]


def _countries_in_brackets(line: str) -> list[str]:
    """The countries a line names in brackets after its players or clubs ("Lars Holst ( Denmark )")."""
    return [found[1] for found in BRACKETED.finditer(line) if is_country(fold(found[1]))]


def _teams_in_brackets(line: str) -> list[str]:
    """The countries and trade teams of a line's "( Belgium / Palmans )" brackets."""
    return [name for found in COUNTRY_AND_TEAM.finditer(line) for name in (found["country"], found["team"])]


def _lineup(line: str) -> tuple[str | None, list[str]] | None:
    """The side (None: a heading such as "To bat") and the people of a line-up line, or None when ``line`` is none.

    Three names or more, or two cricketers written with initials ("Did not bat : M. Ealham , A. Mullally"); a
    list of places ("Venues : Harare , Bulawayo , Kwekwe") is none.
    """
    if (lineup := LINEUP_LINE.match(line)) is None:
        return None
    names = [m[0] for m in LINEUP_ENTRY.finditer(lineup["entries"])]
    if len(names) < MIN_LINEUP_NAMES and not all(INITIALLED.fullmatch(name) for name in names):
        return None
    if sum(place_name(fold(name)) is not None for name in names) * 2 > len(names):
        return None
    label = lineup["label"].strip()
    side = label if re.fullmatch(_NAME, label) and fold(label) not in LINEUP_HEADINGS else None
    return side, names


def _squad(line: str) -> list[tuple[str, str]] | None:
    """The (person, club or country) entries of a squad line, or None when ``line`` is none."""
    if len(line) > MAX_SQUAD_CHARS:
        return None
    if (squad := SQUAD_LINE.fullmatch(line)) is not None:
        listed = squad["entries"]
    elif RANKED_ENTRY_LINE.fullmatch(line):
        listed = line
    else:
        return None
    entries = [(entry["player"], entry["side"]) for entry in SQUAD_ENTRY.finditer(listed)]
    # A club or a country is written in words ("Bath") or as initials ("U.S."); "RDS" or "BP.L" is a share's ticker.
    if any(not any(c.islower() for c in side) and not side.endswith(".") for _, side in entries):
        return None
    return entries
