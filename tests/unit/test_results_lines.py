"""Results and standings lines: their names are teams; lines of individual results: their names are people
(processors/results_lines.py, processors/entities.py)."""

from __future__ import annotations

import pytest

from newsflow.processors.entities import EntityExtractor, Mention, build_entities
from newsflow.processors.results_lines import line_names, player_names, row_names, team_names
from newsflow.schemas.articles import EntityType

RESULTS_ARTICLE = """Results of English league matches on Saturday :
Barnsley 2 Wolverhampton 1
Manchester United 3 Leeds 0
Bolton 1 Ipswich 2
Standings :
Bolton 20 12 5 3 40 20 41
Barnsley 20 10 6 4 33 25 36
Japan 2 Syria 1
Tiger Woods ( U.S. ) 69 70 71
"""


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor()


def test_results_and_standings_lines_give_their_names() -> None:
    # The golfer's country first: a bracket's country is named like a squad's side.
    assert team_names(RESULTS_ARTICLE) == [
        "U.S.", "Barnsley", "Wolverhampton", "Manchester United", "Leeds", "Bolton", "Ipswich",
        "Bolton", "Barnsley", "Japan", "Syria",
    ]  # fmt: skip


def test_fixture_lines_give_both_sides() -> None:
    fixtures = "New York at Baltimore\nLeeds v Chelsea\nAjax vs. PSV"
    assert team_names(f"Utah 105 Houston 97\n{fixtures}") == [
        "Utah", "Houston", "New York", "Baltimore", "Leeds", "Chelsea", "Ajax", "PSV",
    ]  # fmt: skip
    assert team_names(fixtures) == []  # no scores: headings, not a sports page
    assert team_names("Utah 105 Houston 97\nTalks at Geneva went on for hours at the hotel.") == ["Utah", "Houston"]


def test_a_score_between_the_sides_gives_both() -> None:
    lines = "Group G \u2014 Belgium 3 \u2013 0 Panama\nChelsea 2-1 Arsenal\nReal Madrid 3-3 Barcelona (aet)"
    assert team_names(lines) == ["Belgium", "Panama", "Chelsea", "Arsenal", "Real Madrid", "Barcelona"]
    assert team_names("Labour won 3-0 in Hull\nThe vote was 52-48 against") == []  # no side after the score


def test_prose_with_numbers_and_bracketed_individuals_give_none() -> None:
    prose = "Japan began the defence of their title with a 2-1 win against Syria on Friday .\nIn 1996 sales rose 5 %"
    assert team_names(prose) == []
    assert team_names("Tiger Woods ( U.S. ) 69 70 71") == ["U.S."]  # his country, not the golfer
    assert team_names("A " * 150 + "2 B 1") == []  # a long line is prose


def test_clubs_are_organisations_countries_places_players_people() -> None:
    mentions = [Mention("Hamburg", "GPE"), Mention("Japan", "GPE"), Mention("Alan Shearer", "PERSON")]
    entities = build_entities(
        mentions, teams=["Hamburg", "Bayern Munich", "Japan", "Alan Shearer"], rows=["Alan Shearer"]
    )
    kinds = {e.canonical: e.type for e in entities}
    assert kinds == {
        "Hamburg": EntityType.ORGANIZATION,
        "Bayern Munich": EntityType.ORGANIZATION,
        "Japan": EntityType.PLACE,
        "Alan Shearer": EntityType.PERSON,
    }


def test_a_results_table_through_the_model(extractor: EntityExtractor) -> None:
    (entities,) = extractor.extract([RESULTS_ARTICLE])
    kinds = {e.canonical: e.type for e in entities}
    for club in ("Barnsley", "Wolverhampton", "Manchester United", "Leeds", "Bolton", "Ipswich"):
        assert kinds.get(club) is EntityType.ORGANIZATION, club
    assert kinds.get("Japan") is EntityType.PLACE
    assert not any(any(w.isdigit() for w in name.split()) for name in kinds if kinds[name] is EntityType.PERSON)


SCORECARD = """CRICKET - PAKISTAN V NEW ZEALAND ONE-DAY SCOREBOARD.
SIALKOT, Pakistan 1996-12-06
Pakistan
Saeed Anwar run out 91
Zahoor Elahi b Cairns 86
Ijaz Ahmad c Spearman b Vaughan 59
Wasim Akram c & b Harris 0
Moin Khan not out 10
Extras (lb-3 w-4) 7
Total (for 8 wickets, 50 overs) 277
Bowling
Cairns 10-0-47-2
Vaughan 9.4-1-40-3
"""


@pytest.mark.parametrize(
    ("line", "players"),
    [
        ("1 - Pete Sampras (U.S.) beat Mark Woodforde (Australia) 6-3 6-4", ["Pete Sampras", "Mark Woodforde"]),
        ("Goran Ivanisevic ( Croatia ) beat Thomas Enqvist ( Sweden ) 7-6 6-2", ["Goran Ivanisevic", "Thomas Enqvist"]),
        ("Tiger Woods ( U.S. ) 69 70 71 210", ["Tiger Woods"]),
        ("1. Michael Johnson (U.S.) 43.49", ["Michael Johnson"]),
        ("Ijaz Ahmad c Spearman b Vaughan 59", ["Ijaz Ahmad", "Spearman", "Vaughan"]),
        ("Cairns 10-0-47-2", ["Cairns"]),
        # A club with its country has one score after the bracket; prose has words.
        ("Rapid Vienna (Austria) 1 Juventus (Italy) 2", []),
        ("Labour (UK) said it would win 3-0.", []),
        ("Extras (lb-3 w-4) 7", []),
    ],
)  # fmt: skip
def test_lines_of_individual_results_give_their_players(line: str, players: list[str]) -> None:
    assert player_names(line) == players


def test_a_scorecard_gives_its_batsmen_fielders_and_bowlers() -> None:
    assert player_names(SCORECARD) == [
        "Saeed Anwar", "Zahoor Elahi", "Cairns", "Ijaz Ahmad", "Spearman", "Vaughan", "Wasim Akram", "Harris",
        "Moin Khan", "Cairns", "Vaughan",
    ]  # fmt: skip


def test_players_are_people_and_spans_run_across_a_line_are_no_names() -> None:
    mentions = [
        Mention("Cairns", "GPE"),  # a town of that name: a bowler here
        Mention("Wasim Akram b Harris", "ORG"),  # the model ran three names into one
        Mention("Swansea 1", "ORG"),  # and a team into its score
    ]
    entities = build_entities(mentions, teams=["Swansea", "Lincoln"], players=["Cairns", "Wasim Akram", "Harris"])
    kinds = {e.canonical: e.type for e in entities}
    assert kinds == {
        "Cairns": EntityType.PERSON,
        "Wasim Akram": EntityType.PERSON,
        "Harris": EntityType.PERSON,
        "Swansea": EntityType.ORGANIZATION,
        "Lincoln": EntityType.ORGANIZATION,
    }


def test_a_scorecard_through_the_model(extractor: EntityExtractor) -> None:
    (entities,) = extractor.extract([SCORECARD])
    kinds = {e.canonical: e.type for e in entities}
    for player in ("Saeed Anwar", "Zahoor Elahi", "Cairns", "Ijaz Ahmad", "Wasim Akram", "Harris", "Moin Khan"):
        assert kinds.get(player) is EntityType.PERSON, player
    assert kinds.get("Pakistan") is EntityType.PLACE
    assert "Cricket" not in kinds  # the sport before the headline is no name
    assert not [name for name in kinds if " b " in f" {name} " or " c " in f" {name} "]


SUMMARY = """SOCCER - DUTCH FIRST DIVISION SUMMARY .
AMSTERDAM 1996-12-08
Summary of Dutch first division matches played on Sunday :
Ajax Amsterdam 2 ( Kluivert 12 , Litmanen 44 pen ) NAC Breda 0 . Halftime 2-0 . Attendance 45,000 .
PSV Eindhoven 3 ( Nilis 10 , Jonk 40 , Cocu 77 ) Vitesse Arnhem 1 ( Gillhaus 60 ) . Halftime 2-0 .
Scorers : Alan Shearer ( 7th minute ) , Les Ferdinand ( 55 )
"""


def test_a_match_summary_gives_its_sides_and_scorers() -> None:
    assert team_names(SUMMARY) == ["Ajax Amsterdam", "NAC Breda", "PSV Eindhoven", "Vitesse Arnhem"]
    assert player_names(SUMMARY) == [
        "Kluivert", "Litmanen", "Nilis", "Jonk", "Cocu", "Gillhaus", "Alan Shearer", "Les Ferdinand",
    ]  # fmt: skip


def test_standings_with_shares_and_games_behind_give_their_teams() -> None:
    table = "EASTERN CONFERENCE\nW L PCT GB\nNEW YORK 14 4 .778 -\nMIAMI 13 6 .684 1 1/2"
    assert team_names(table) == ["NEW YORK", "MIAMI"]


def test_a_match_summary_through_the_model(extractor: EntityExtractor) -> None:
    (entities,) = extractor.extract([SUMMARY])
    kinds = {e.canonical: e.type for e in entities}
    for club in ("Ajax Amsterdam", "NAC Breda", "PSV Eindhoven", "Vitesse Arnhem"):
        assert kinds.get(club) is EntityType.ORGANIZATION, club
    for player in ("Kluivert", "Litmanen", "Nilis", "Cocu", "Gillhaus", "Alan Shearer", "Les Ferdinand"):
        assert kinds.get(player) is EntityType.PERSON, player
    # Nothing run into a minute or cut from a club's name, and the sport before the headline is no name.
    assert not [name for name in kinds if any(word.isdigit() for word in name.split())]
    assert "NAC" not in kinds and "Vitesse" not in kinds and "Soccer" not in kinds


def test_a_tables_column_heads_are_no_name() -> None:
    (entity,) = build_entities([Mention("W L", "GPE"), Mention("Miami", "GPE")])
    assert entity.canonical == "Miami"


def test_a_squad_line_gives_people_and_their_clubs_or_countries() -> None:
    squad = "Squad : Tim Stimpson ( Newcastle ) , Jon Sleightholme ( Bath ) , Will Carling ( Harlequins ) ."
    assert player_names(squad) == ["Tim Stimpson", "Jon Sleightholme", "Will Carling"]
    assert team_names(squad) == ["Newcastle", "Bath", "Harlequins"]
    field = "Greg Norman ( Australia ) , Tom Lehman ( U.S. )"
    assert (player_names(field), team_names(field)) == (["Greg Norman", "Tom Lehman"], ["Australia", "U.S."])
    # Prose with brackets, and a line of share tickers, are no squad.
    for line in ("Shares in Hoechst AG (HFAG.F) rose while Bayer (BAYG.F) fell.", "Royal Dutch Shell (RDS), BP (BP.L)"):
        assert (player_names(line), team_names(line)) == ([], [])


def test_fixtures_in_capitals_give_both_sides() -> None:
    assert team_names("HARTFORD 12 7 6 72 73 30\nCHICAGO AT PHILADELPHIA") == ["HARTFORD", "CHICAGO", "PHILADELPHIA"]


def test_a_squad_through_the_model(extractor: EntityExtractor) -> None:
    text = (
        "RUGBY UNION - ENGLAND NAME SQUAD .\nLONDON 1996-12-06\nEngland coach Jack Rowell named his squad on Friday .\n"
        "Squad : Tim Stimpson ( Newcastle ) , Jon Sleightholme ( Bath ) , Will Carling ( Harlequins ) , "
        "Lawrence Dallaglio ( Wasps )"
    )
    (entities,) = extractor.extract([text])
    kinds = {e.canonical: e.type for e in entities}
    for player in ("Tim Stimpson", "Jon Sleightholme", "Will Carling", "Lawrence Dallaglio", "Jack Rowell"):
        assert kinds.get(player) is EntityType.PERSON, player
    for club in ("Bath", "Harlequins", "Wasps"):
        assert kinds.get(club) is EntityType.ORGANIZATION, club
    assert not [name for name in kinds if "(" in name]


def test_a_matchs_two_sides_are_teams_though_the_model_calls_one_a_person() -> None:
    lines = "Willem II Tilburg 1 PSV Eindhoven 1\nBolton 20 12 5 3 40 20 41"
    assert row_names(lines) == ["Bolton"]
    mentions = [Mention("PSV Eindhoven", "PERSON"), Mention("Bolton 3 Oldham", "ORG"), Mention("Sheffield", "GPE")]
    entities = build_entities(
        mentions, teams=["Willem II Tilburg", "PSV Eindhoven", "Bolton", "Oldham", "Sheffield Wednesday"]
    )
    kinds = {e.canonical: e.type for e in entities}
    assert kinds == {
        "PSV Eindhoven": EntityType.ORGANIZATION,
        "Bolton": EntityType.ORGANIZATION,
        "Willem II Tilburg": EntityType.ORGANIZATION,
        "Oldham": EntityType.ORGANIZATION,
        "Sheffield Wednesday": EntityType.ORGANIZATION,
    }


def test_seeded_losers_numbered_squads_and_listed_bowling_figures_give_their_players() -> None:
    assert player_names("Mikael Strand ( Sweden ) beat 5 - Todd Ashford ( U.S. ) 3-6 6-3 6-2") == [
        "Mikael Strand", "Todd Ashford",
    ]  # fmt: skip
    assert player_names("15 - Nick Bramley ( Wasps ) ; 14 - Tony Ruddock ( Bath ) , 13 - Phil Dawlish ( Bath ) ;") == [
        "Nick Bramley", "Tony Ruddock", "Phil Dawlish",
    ]  # fmt: skip
    assert player_names("Bowling ( to date ) : Aqib Hameed 18-4-51-2 , Waqar Shah 16-3-44-1") == [
        "Aqib Hameed", "Waqar Shah",
    ]  # fmt: skip


def test_a_name_run_into_figures_is_no_name() -> None:
    assert build_entities([Mention("Waqar Shah 16-3-44-1", "PERSON"), Mention("Charlotte 108-97", "PERSON")]) == []


def test_a_line_up_gives_its_people_and_its_side() -> None:
    line_up = "Israel - Itzik Peretz ; Moshe Glam , Avi Cohen , Nir Klinger ; Eyal Berkovic , Haim Revivo ."
    assert player_names(line_up) == [
        "Itzik Peretz",
        "Moshe Glam",
        "Avi Cohen",
        "Nir Klinger",
        "Eyal Berkovic",
        "Haim Revivo",
    ]
    assert team_names(line_up) == ["Israel"]
    # Substitutes in brackets are players too, Dutch names keep their particles, and a heading is no side.
    dutch = "Team : Van der Sar ; Reiziger , Blind ( Bogarde 46 ) , Frank de Boer ; Litmanen ."
    assert player_names(dutch) == ["Van der Sar", "Reiziger", "Blind", "Bogarde", "Frank de Boer", "Litmanen"]
    assert team_names(dutch) == []
    # Two cricketers written with initials are a line-up; two other names are not, nor a list of places.
    assert player_names("Did not bat : M. Ealham , A. Mullally .") == ["M. Ealham", "A. Mullally"]
    assert player_names("Winners : Jane Smith , John Brown .") == []
    assert player_names("Venues : Harare , Bulawayo , Kwekwe .") == []


def test_an_innings_gives_its_side_and_its_batsmen_and_bowlers() -> None:
    innings = "Zimbabwe 215 ( A. Flower 63 , G. Whittall 45 ; D. Gough 3-40 )"
    assert player_names(innings) == ["A. Flower", "G. Whittall", "D. Gough"]
    assert team_names(innings) == ["Zimbabwe"]
    assert player_names("Australia 141 for four ( M. Taylor 55 ) .") == ["M. Taylor"]
    # A share price with last week's in brackets is no innings.
    assert player_names("Volvo 145 ( 142 )") == []


def test_a_name_with_an_initial_is_a_person_unless_a_compass_point_shortens_a_place() -> None:
    entities = build_entities([Mention("B. Tuffin", "GPE"), Mention("S. Africa", "GPE"), Mention("J.P. Morgan", "ORG")])
    assert {e.canonical: e.type for e in entities} == {
        "B. Tuffin": EntityType.PERSON,
        "S. Africa": EntityType.PLACE,
        "J.P. Morgan": EntityType.ORGANIZATION,
    }


def test_a_mention_run_across_a_line_ups_names_gives_the_names_alone() -> None:
    entities = build_entities([Mention("Litmanen , Musampa", "ORG")], players=["Litmanen", "Musampa"])
    assert {e.canonical: e.type for e in entities} == {"Litmanen": EntityType.PERSON, "Musampa": EntityType.PERSON}


def test_a_line_up_and_a_scorecard_through_the_model(extractor: EntityExtractor) -> None:
    text = (
        "SOCCER - ISRAEL NAME SQUAD TO FACE BULGARIA\nTEL AVIV 1996-12-06\n"
        "Israel coach Shlomo Scharf named the following side :\n"
        "Israel - Itzik Peretz ; Moshe Glam , Avi Cohen , Nir Klinger ; Eyal Berkovic , Haim Revivo , Tal Banin .\n"
        "Zimbabwe 215 ( A. Flower 63 , G. Whittall 45 ; D. Gough 3-40 )\n"
        "To bat : D. Ashby , P. Gillespie , B. Tuffin , R. Croft ."
    )
    (entities,) = extractor.extract([text])
    kinds = {e.canonical: e.type for e in entities}
    for person in ("Itzik Peretz", "Tal Banin", "A. Flower", "G. Whittall", "D. Gough", "D. Ashby", "B. Tuffin"):
        assert kinds.get(person) is EntityType.PERSON, person
    # The headline's common words are no name ("Squad to Face Bulgaria").
    assert kinds.get("Bulgaria") is EntityType.PLACE and kinds.get("Israel") is EntityType.PLACE
    assert not [name for name in kinds if "Squad" in name or "Face" in name]


def test_a_players_rank_or_total_before_the_name_gives_the_player() -> None:
    assert player_names("134 Ernie Els ( South Africa ) 65 69\nT3 Greg Norman ( Australia ) 66 69") == [
        "Ernie Els", "Greg Norman",
    ]  # fmt: skip
    assert player_names("1. Luc Alphand ( France ) 1 minute 50.23 seconds") == ["Luc Alphand"]
    # A club with its country and one score is no player.
    assert player_names("Rapid Vienna ( Austria ) 1") == []


def test_a_cyclists_country_and_trade_team_and_a_doubles_pair() -> None:
    line = (
        "1. Wim Verstraeten ( Belgium / Palmans ) 1 hour 02 minutes 11 seconds\n6. Jo Smet ( France / Gan ) same time"
    )
    assert player_names(line) == ["Wim Verstraeten", "Jo Smet"]
    assert team_names(line) == ["Belgium", "Palmans", "France", "Gan"]
    doubles = "1 - Chandra Gunadi and Yohan Setiawan ( Indonesia ) beat Tomas Bager and Henrik Holst ( Denmark ) 15-12"
    assert player_names(doubles) == ["Chandra Gunadi", "Yohan Setiawan", "Tomas Bager", "Henrik Holst"]


def test_a_scoring_charts_ranked_entry_a_labelled_fixture_and_clubs_with_particles() -> None:
    assert player_names("14 - Ramon Echevarria ( Real Madrid )") == ["Ramon Echevarria"]
    assert team_names("14 - Ramon Echevarria ( Real Madrid )") == ["Real Madrid"]
    assert team_names("Denver 21 Oakland 19\nPlaying on Monday : Dallas at New England") == [
        "Denver", "Oakland", "Dallas", "New England",
    ]  # fmt: skip
    assert team_names("Queen of the South 3 Dumbarton 1\nQueen 's Park 2 East Stirlingshire 2") == [
        "Queen of the South", "Dumbarton", "Queen 's Park", "East Stirlingshire",
    ]  # fmt: skip
    # Substitutes' minutes may be ordinals.
    line_up = "Japan : Takeshi Onodera ; Masato Kurihara , Akira Kuwabara ( Daisuke Ohno 70th ) ; Kenji Morimoto"
    assert "Daisuke Ohno" in player_names(line_up)


def test_mentions_run_across_a_v_a_slash_or_a_countrys_points_give_their_names() -> None:
    entities = build_entities(
        [Mention("Furey v Camilleri", "PERSON"), Mention("China 3", "ORG"), Mention("Belgium / Palmans", "ORG")],
        teams=["Belgium", "Palmans"],
    )
    assert {e.canonical: e.type for e in entities} == {
        "Furey": EntityType.PERSON,
        "Camilleri": EntityType.PERSON,
        "China": EntityType.PLACE,
        "Belgium": EntityType.PLACE,
        "Palmans": EntityType.ORGANIZATION,
    }
    (ranked,) = build_entities([Mention("14 - Ramon Echevarria", "ORG")], players=["Ramon Echevarria"])
    assert (ranked.canonical, ranked.type) == ("Ramon Echevarria", EntityType.PERSON)


def test_a_results_heading_at_a_sentences_start_is_no_name() -> None:
    entities = build_entities([Mention("Scoreboard", "PERSON"), Mention("Attendance", "ORG"), Mention("Cairns", "GPE")])
    assert [e.canonical for e in entities] == ["Cairns"]


def test_a_box_score_and_a_games_summary_give_their_sides_and_players() -> None:
    box = "ATLANTA ( 91 ) Mosley 7-15 4-4 19 , Brantley 3-9 0-0 8 , Okonjo 6-10 2-5 14 . Totals 35-78 17-22 91 ."
    assert (team_names(box), player_names(box)) == (["ATLANTA"], ["Mosley", "Brantley", "Okonjo"])
    stats = "Halftime - Detroit 50 , Atlanta 44 . Rebounds - Atlanta 44 ( Okonjo 11 ) , Detroit 52 ( Vance 14 ) ."
    assert (team_names(stats), player_names(stats)) == (
        ["Detroit", "Atlanta", "Atlanta", "Detroit"], ["Okonjo", "Vance"],
    )  # fmt: skip
    period = (
        "First period - 1 , Detroit , Vasiliev 9 ( Lindqvist , Hartley ) 6:12 . 2 , St Louis , Cormier 7 ( Pelletier )"
        " 14:40 ( pp ) . Penalties - Hartley , Detroit ( hooking ) 13:05 ; Dufresne , St Louis ( tripping ) 17:22 ."
    )
    assert player_names(period) == ["Vasiliev", "Lindqvist", "Hartley", "Cormier", "Pelletier", "Hartley", "Dufresne"]
    assert set(team_names(period)) == {"Detroit", "St Louis"}
    assert player_names("Goalies - St Louis , Fontaine ( 9-7-2 ) ; Detroit , Halvorsen ( 11-4-3 ) .") == [
        "Fontaine", "Halvorsen",
    ]  # fmt: skip
    # A headline with a dash and a score, and prose after a dash, are no summary.
    for line in ("Pistons hold off Hawks - Detroit win 98-91 .", "Reuters - Shares in Siemens rose 2 percent ."):
        assert (team_names(line), player_names(line)) == ([], [])


def test_a_label_a_position_or_a_placing_run_into_a_name_is_cut() -> None:
    entities = build_entities(
        [
            Mention("Halftime - Detroit 50", "ORG"),
            Mention("Centre Stuart Beddow", "ORG"),
            Mention("Bruno Cassagne third", "PERSON"),
            Mention("Centre for Social Evolution", "ORG"),
            Mention("Tamarack Resources of Toronto", "ORG"),
        ],
        teams=["Detroit"],
    )
    assert {e.canonical: e.type for e in entities} == {
        "Detroit": EntityType.ORGANIZATION,
        "Stuart Beddow": EntityType.PERSON,
        "Bruno Cassagne": EntityType.PERSON,
        "Centre for Social Evolution": EntityType.ORGANIZATION,
        "Tamarack Resources": EntityType.ORGANIZATION,
    }


def test_results_with_countries_close_of_play_innings_and_a_leaderboard() -> None:
    assert team_names("ASVEL Villeurbanne ( France ) 80 Maccabi Tel Aviv ( Israel ) 77") == [
        "ASVEL Villeurbanne", "Maccabi Tel Aviv", "France", "Israel",
    ]  # fmt: skip
    close = (
        "In Melbourne : Victoria 320 ( Luke Harwood 112 ; Craig Braddock 4-71 ) and 150-4 ; "
        "South Australia 280 ( Jason Penhall 88 )"
    )
    assert team_names(close) == ["Victoria", "South Australia"]
    assert player_names(close) == ["Luke Harwood", "Craig Braddock", "Jason Penhall"]
    leaders = "71 Sipho Ndlovu , Grant Fairweather ( Zimbabwe ) , Kevin Stroud ( England ) , Deon Visagie"
    assert player_names(leaders) == ["Sipho Ndlovu", "Grant Fairweather", "Kevin Stroud", "Deon Visagie"]
    assert player_names("8. Mark Pennington ( Britain / Kawasaki ) one lap behind") == ["Mark Pennington"]
    # Prose with a score and a bracket is no innings.
    assert team_names("Labour won 320 seats ( up from 270 ) in a vote that surprised Smith 12 of them .") == []


def test_a_teams_last_words_a_second_innings_and_a_bowled_batsman() -> None:
    lines = "Partizan Belgrade ( Yugoslavia ) 70 Limoges ( France ) 73\nPartizan Belgrade 8 4 4 12"
    assert row_names(lines) == []  # a side of a match, not a golfer
    belgrade = Mention("Belgrade", "GPE", before="Partizan ")
    entities = build_entities([belgrade, Mention("J. Tully b", "PERSON")], teams=team_names(lines))
    kinds = {e.canonical: e.type for e in entities}
    assert kinds["Partizan Belgrade"] is EntityType.ORGANIZATION and "Belgrade" not in kinds
    assert kinds["J. Tully"] is EntityType.PERSON
    assert player_names("Victoria 320 ( Luke Harwood 112 ) and 150-4 ( Nathan Fairbairn 65 not out )") == [
        "Luke Harwood", "Nathan Fairbairn",
    ]  # fmt: skip


def test_ranked_college_results_fixture_lists_and_sides_scorers() -> None:
    assert team_names("Kansas ( 1 ) 91 Santa Clara 62\nXavier 81 Cincinnati ( 4 ) 79") == [
        "Kansas", "Santa Clara", "Xavier", "Cincinnati",
    ]  # fmt: skip
    fixtures = "Houston 23 Baltimore 20\nDenver at Green Bay , Jacksonville at Seattle , Miami at N.Y. Giants"
    assert team_names(fixtures) == ["Houston", "Baltimore", "Denver", "Green Bay", "Jacksonville", "Seattle", "Miami",
                                    "N.Y. Giants"]  # fmt: skip
    scorers = "LASK Linz - Peter Hubmer ( 5th , 61st ) , Andreas Lindl ( 44th ) ; SV Ried - Josef Angerer ( 30th )"
    assert team_names(scorers) == ["LASK Linz", "SV Ried"]
    assert player_names(scorers) == ["Peter Hubmer", "Andreas Lindl", "Josef Angerer"]
    # A sentence with a dash and a bracket is not a side's scorers.
    assert player_names("Rapid - who won ( 2-1 ) on Saturday - lead the table") == []


def test_chess_results_and_labelled_winners_give_players() -> None:
    chess = (
        "Vadim Korolyov ( Russia ) 1 Javier Ochoa ( Spain ) 0\n"
        "Istvan Farago ( Hungary ) 1/2 Nigel Pembury ( England ) 1/2"
    )
    assert row_names(chess) == ["Vadim Korolyov", "Javier Ochoa", "Istvan Farago", "Nigel Pembury"]
    # A club with its country and a basketball score is no chess player.
    assert row_names("Zalgiris Kaunas ( Lithuania ) 82 Efes Pilsen ( Turkey ) 77") == []
    winners = "50 metres freestyle : Graham Tolley ( Britain ) 22.31\n200 metres butterfly : Graham Tolley 1:57.90"
    assert player_names(winners) == ["Graham Tolley", "Graham Tolley"]


def test_a_time_or_half_point_run_into_a_name_is_cut_and_a_country_is_never_a_person() -> None:
    entities = build_entities(
        [
            Mention("Joanne Pryce 2:14.91", "PERSON"),
            Mention("Hakobyan 4 1/2", "PERSON"),
            Mention("Sierra Leone", "PERSON"),
            Mention("Channel 4", "ORG"),
        ]
    )
    kinds = {e.canonical: e.type for e in entities}
    assert kinds == {
        "Joanne Pryce": EntityType.PERSON,
        "Hakobyan": EntityType.PERSON,
        "Sierra Leone": EntityType.PLACE,
        "Channel 4": EntityType.ORGANIZATION,
    }


def test_relay_teams_rounds_first_leaderboards_slashed_doubles_and_sides_before_scorers() -> None:
    relay = "1. Norway ( Oddvar Brenna , Knut Aasland , Trond Sandvik ) 1:36:48.2"
    assert team_names(relay) == ["Norway"]
    assert player_names(relay) == ["Oddvar Brenna", "Knut Aasland", "Trond Sandvik"]
    assert player_names("70 69 69 68 - 276 Kevin Durham") == ["Kevin Durham"]
    assert player_names("Mehra / Sood ( India ) beat Peretz / Yusupov ( Israel / Uzbekistan ) 6-4 6-4") == [
        "Mehra", "Sood", "Peretz", "Yusupov",
    ]  # fmt: skip
    scorers = "Scorers : Lemgo - Stefan Reinhold 7 , Marc Detmold 6 ; Drammen - Frode Skogvang 6"
    assert team_names(f"TBV Lemgo 26 Drammen 20\n{scorers}") == ["Lemgo", "Drammen", "TBV Lemgo", "Drammen"]
    assert player_names(scorers) == ["Stefan Reinhold", "Marc Detmold", "Frode Skogvang"]


def test_a_mention_run_across_a_dash_is_the_name_after_it() -> None:
    lines = "TBV Lemgo 26 Drammen 20\nScorers : Lemgo - Stefan Reinhold 7 , Marc Detmold 6"
    entities = build_entities(
        [Mention("Lemgo - Stefan", "ORG"), Mention("Cocoa - London", "ORG", after=" cocoa futures")],
        teams=team_names(lines),
        players=player_names(lines),
    )
    kinds = {e.canonical: e.type for e in entities}
    assert kinds["Stefan Reinhold"] is EntityType.PERSON
    assert "Lemgo - Stefan" not in kinds and "Stefan" not in kinds and "Cocoa - London" not in kinds


def test_countries_in_brackets_on_results_lines_are_named_and_a_closing_bracket_of_figures_is_allowed() -> None:
    lines = (
        "3. Brett Ashby ( Australia ) / Lars Holst ( Denmark ) 301\n"
        "11. Taras Dolny ( Ukraine ) 28:12.0 ( 1 )\n"
        "Podravka Koprivnica ( Croatia ) 23 Viborg ( Denmark ) 25 ( 11-13 )"
    )
    found = line_names(lines)
    assert found.players == ["Brett Ashby", "Lars Holst", "Taras Dolny"]
    assert found.teams == ["Australia", "Denmark", "Ukraine", "Podravka Koprivnica", "Viborg", "Croatia", "Denmark"]
    # A club in a bracket is no country: "( Harlequins )" is left to the squad rules.
    assert line_names("1. John Smith ( Harlequins ) 12 points").teams == []


def test_a_nationality_or_a_position_before_a_name_is_no_part_of_it() -> None:
    entities = build_entities(
        [
            Mention("Dutchman Henk van Tilburg", "PERSON"),
            Mention("Guard Tyrell Banks", "ORG"),
            Mention("Major Abu Conteh", "PERSON"),
            Mention("Briton Jones", "PERSON"),  # one word left: kept whole, a title never empties a name
        ]
    )
    assert {e.canonical for e in entities} == {"Henk van Tilburg", "Tyrell Banks", "Abu Conteh", "Briton Jones"}


def test_a_countrys_numbered_sled_is_the_country() -> None:
    line = "7. Germany II ( Jens Kuhnert , Mirko Sachse ) 1:54.02 ( 57.01 / 57.01 )"
    assert team_names(line) == ["Germany"]
    assert player_names(line) == ["Jens Kuhnert", "Mirko Sachse"]
