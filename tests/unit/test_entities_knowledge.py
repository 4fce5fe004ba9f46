"""The entity rules without the model: knowledge of places, outlets, demonyms and weapons; confidence; ner_text."""

from __future__ import annotations

import pytest

from newsflow.processors import entity_knowledge as knowledge
from newsflow.processors.entities import (
    Mention,
    build_entities,
    confidence,
    post_nominal_person,
    strip_person_title,
    with_listed_spans,
)
from newsflow.processors.ner_text import prepare, truecase_line
from newsflow.schemas.articles import Entity, EntityType

PERSON, ORG, PLACE = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.PLACE


def _by_name(entities: list[Entity]) -> dict[str, Entity]:
    return {e.canonical: e for e in entities}


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Kiev", "Kyiv"),
        ("Kharkov", "Kharkiv"),
        ("Izium", "Izyum"),
        ("Kupiansk", "Kupyansk"),
        ("Balakliia", "Balakliya"),
        ("USA", "United States"),
        ("America", "United States"),
        ("Britain", "United Kingdom"),
        ("UK", "United Kingdom"),
        ("Czech Republic", "Czechia"),
        ("Holland", "Netherlands"),
    ],
)
def test_spellings_of_a_place_have_one_canonical_name(spelling: str, canonical: str) -> None:
    assert knowledge.place_name(knowledge.fold(spelling)) == canonical


def test_alternates_that_are_not_transliterations_do_not_join() -> None:
    assert knowledge.place_name("zoya") is None
    assert knowledge.place_name("kijow") is None  # GeoNames has it for Kyiv, but its consonants differ
    assert knowledge.place_name("paris") == "Paris"  # a place's own name beats any alternate


def test_two_spellings_of_one_town_become_one_place_entity() -> None:
    entities = build_entities(
        [Mention("Kiev", "GPE"), Mention("Kyiv", "PERSON"), Mention("Ukraine", "GPE"), Mention("Kupiansk", "ORG")]
    )
    places = _by_name(entities)
    assert places["Kyiv"].type is PLACE and places["Kyiv"].mentions == 2
    assert places["Kyiv"].surface_forms == ["Kiev", "Kyiv"]
    # A town of a country the article names is a place even when the model said ORG.
    assert places["Kyiv"].id == "place:kyiv"
    # Its id is the gazetteer's name, its name the article's spelling.
    assert places["Kupiansk"].type is PLACE and places["Kupiansk"].confidence == 1.0
    assert places["Kupiansk"].id == "place:kupyansk"


def test_a_small_town_of_another_country_typed_org_stays_an_organisation() -> None:
    (nokia,) = build_entities([Mention("Nokia", "ORG")])
    assert nokia.type is ORG


@pytest.mark.parametrize("name", ["Rossiyskaya Gazeta", "Reuters", "AFP", "Interfax", "TASS", "Taipei Times"])
def test_outlets_and_agencies_are_organisations(name: str) -> None:
    (outlet,) = build_entities([Mention(name, "PERSON")])
    assert (outlet.type, outlet.canonical, outlet.confidence) == (ORG, name, 1.0)


def test_outlet_patterns_are_safe() -> None:
    assert knowledge.outlet_name("Good News") is None
    assert knowledge.outlet_name("Times Square") is None
    assert knowledge.outlet_name("Emily Post") is None


@pytest.mark.parametrize(
    ("name", "label"), [("Gazprom", "GPE"), ("Kasabian", "PERSON"), ("Goldman Sachs", "PERSON"), ("Beatles", "GPE")]
)
def test_listed_organisations_are_organisations_under_their_own_spelling(name: str, label: str) -> None:
    (organisation,) = build_entities([Mention(name, label)])
    assert (organisation.type, organisation.canonical, organisation.confidence) == (ORG, name, 1.0)


def test_the_organisation_list_leaves_out_everyday_words_and_common_names() -> None:
    for name in ("Amazon", "Ford", "Virgin", "Queen", "Apple", "Shell Beach"):
        assert knowledge.organisation_name(name) is None
    assert knowledge.organisation_name("Royal Dutch Shell") == "Royal Dutch Shell"
    assert knowledge.organisation_name("Shell") == "Royal Dutch Shell"


def test_a_listed_organisation_the_model_missed_or_split_is_found_in_the_text() -> None:
    text = "Shares in Goldman Sachs rose, HSBC said."
    found = [(10, 16, Mention("Goldman", "PERSON"))]
    mentions = with_listed_spans(text, found)
    assert sorted((m.text, m.label) for m in mentions) == [("Goldman Sachs", "ORG"), ("HSBC", "ORG")]


def test_a_mention_run_from_within_a_listed_name_past_its_end_keeps_only_its_rest() -> None:
    text = "Auxerre beat Paris St Germain 's side ; Lib Dem Norman Baker said ."
    psg = text.index("St Germain")
    baker = text.index("Dem Norman")
    found = [(psg, psg + len("St Germain 's"), Mention("St Germain 's", "PERSON"))]
    found.append((baker, baker + len("Dem Norman Baker"), Mention("Dem Norman Baker", "PERSON")))
    mentions = with_listed_spans(text, found)
    assert sorted((m.text, m.label) for m in mentions) == [
        ("Lib Dem", "ORG"), ("Norman Baker", "PERSON"), ("Paris St Germain", "ORG"),
    ]  # fmt: skip


def test_a_clubs_title_before_its_name_is_no_part_of_it() -> None:
    (club,) = build_entities([Mention("Champions Auxerre", "ORG")])
    assert (club.canonical, club.type) == ("Auxerre", ORG)


def test_an_ordinals_ending_is_no_evidence_of_a_common_word() -> None:
    text = "SOCCER - AUXERRE STUN PARIS ST GERMAIN .\nRebeyrol scored in the 71st minute at the Parc des Princes ."
    assert "Paris St Germain" in prepare(text).text.split("\n")[0]


def test_a_listed_name_inside_another_lists_name_adds_nothing() -> None:
    text = "as per a Yahoo! News story"
    assert [(m.text, m.label) for m in with_listed_spans(text, [])] == [("Yahoo! News", "ORG")]


def test_a_listed_one_word_name_is_found_but_not_two_letters() -> None:
    text = "Clearstream and U2 backed GM crops; BP declined."
    assert [text[s:e] for s, e in knowledge.organisation_spans(text)] == ["Clearstream", "U2"]


@pytest.mark.parametrize(
    ("name", "club"),
    [
        ("Leeds United", True),
        ("Ipswich Town", True),
        ("Tottenham Hotspur", True),
        ("Bolton Wanderers", True),
        ("Cape Town", False),  # a place, and not British
        ("Edinburgh City", False),  # "City" is as often the place itself
        ("United", False),
        ("Ashley Town", False),  # no place before it
    ],
)
def test_club_names_are_recognised_by_their_shape(name: str, club: bool) -> None:
    assert knowledge.is_club_name(name) is club


def test_a_club_is_an_organisation_though_its_town_is_a_place() -> None:
    (club,) = build_entities([Mention("Leeds United", "GPE")])
    assert club.type is ORG


@pytest.mark.parametrize(("name", "label"), [("Mengniu Dairy", "GPE"), ("China Eastern Airlines", "PERSON")])
def test_a_company_word_at_the_end_makes_an_organisation(name: str, label: str) -> None:
    (company,) = build_entities([Mention(name, label)])
    assert company.type is ORG


def test_a_storm_is_no_entity_nor_its_name_alone_in_that_article() -> None:
    """ "Cyclone Phailin" is an event; the model's "Phailin" person of the same article goes with it."""
    text = "Cyclone Phailin hit Odisha. Officials in Bhubaneshwar said Phailin had weakened."
    assert knowledge.storm_spans(text) == [(0, 15)]
    found = build_entities(
        [
            Mention("Cyclone Phailin", "EVENT"),
            Mention("Odisha", "GPE"),
            Mention("Phailin", "PERSON", before="Officials in Bhubaneshwar said "),
        ]
    )
    assert [(e.canonical, e.type) for e in found] == [("Odisha", PLACE)]


@pytest.mark.parametrize(("name", "storm"), [("Hurricane Katrina", "Katrina"), ("Tropical Storm Bill", "Bill")])
def test_storm_names(name: str, storm: str) -> None:
    assert knowledge.storm_name(name) == storm


@pytest.mark.parametrize("name", ["Storm Ltd", "Storm", "Desert Storm", "hurricane force"])
def test_names_that_are_no_storms(name: str) -> None:
    assert knowledge.storm_name(name) is None


def test_a_company_word_alone_is_no_company() -> None:
    assert not knowledge.has_company_ending("Airlines")
    assert not knowledge.has_company_ending("Dairy farming")


@pytest.mark.parametrize("name", ["Ukrainian", "Russians", "British", "Americans", "Dutch", "Chinese"])
def test_demonyms_are_never_places(name: str) -> None:
    assert build_entities([Mention(name, "GPE")]) == []
    assert build_entities([Mention(name, "NORP")]) == []


def test_a_curated_table_header_is_no_outlet() -> None:
    assert knowledge.outlet_name("Name") is None
    assert knowledge.party_name("name") is None


def test_a_party_the_model_calls_a_group_is_one_organisation_under_all_its_names() -> None:
    entities = build_entities(
        [Mention("Labour", "NORP"), Mention("Labour Party", "ORG"), Mention("Labour", "ORG"), Mention("Tory", "NORP")]
    )
    assert [(e.type, e.id, e.canonical, e.mentions) for e in entities] == [
        (ORG, "organization:labour-party", "Labour", 3),
        (ORG, "organization:conservative-party", "Tory", 1),
    ]
    (labour, _) = entities
    assert (labour.surface_forms, labour.confidence) == (["Labour", "Labour Party"], 1.0)


def test_members_plural_is_the_party_only_where_the_article_names_the_party() -> None:
    (tories,) = build_entities([Mention("Tories", "NORP"), Mention("Tories", "NORP"), Mention("Tory", "NORP")])
    assert (tories.id, tories.surface_forms, tories.mentions) == (
        "organization:conservative-party",
        ["Tories", "Tory"],
        3,
    )
    # "Republicans" alone is a group of people (as GUM annotates it), no organisation.
    assert build_entities([Mention("Republicans", "NORP"), Mention("Democrats", "NORP")]) == []
    (party,) = build_entities([Mention("Democrats", "NORP"), Mention("Democratic Party", "ORG")])
    assert (party.id, party.mentions) == ("organization:democratic-party", 2)


def test_party_names_are_found_in_text_but_not_everyday_words_or_other_names() -> None:
    text = (
        "Labour costs rose. Meanwhile Labour backbencher Stephen Pound backed the Liberal Democrat "
        "candidate; Labour Day and the Labor Department said so, as did Labour MPs in the Democratic Republic."
    )
    assert [text[a:b] for a, b in knowledge.party_spans(text)] == ["Labour", "Liberal Democrat", "Labour"]


def test_a_party_span_replaces_the_pieces_the_model_split_it_into() -> None:
    text = "the Liberal Democrat candidate, the Parliamentary Labour Party and Labour backbenchers"

    def at(name: str, label: str) -> tuple[int, int, Mention]:
        start = text.index(name)
        return start, start + len(name), Mention(name, label)

    found = [at("Liberal", "ORG"), at("Democrat", "NORP"), at("Parliamentary Labour Party", "ORG")]
    mentions = with_listed_spans(text, found)
    assert [(m.text, m.label) for m in mentions] == [
        ("Parliamentary Labour Party", "ORG"),
        ("Liberal Democrat", "ORG"),
        ("Labour", "ORG"),
    ]
    assert {e.id for e in build_entities(mentions)} == {
        "organization:liberal-democrats",
        "organization:labour-party",
        "organization:parliamentary-labour-party",
    }


def test_a_nationality_stays_out_beside_a_party() -> None:
    (labour,) = build_entities([Mention("Labour", "NORP"), Mention("British", "NORP")])
    assert labour.id == "organization:labour-party"


def test_a_word_the_model_calls_a_nationality_is_no_place_in_that_article() -> None:
    assert build_entities([Mention("Kurd", "GPE"), Mention("Kurd", "NORP")]) == []


@pytest.mark.parametrize("name", ["HIMARS", "HARM", "Javelin", "S-300", "F-16s", "Storm Shadow", "Kinzhal missiles"])
def test_weapons_are_kept_out_of_the_facets(name: str) -> None:
    assert build_entities([Mention(name, "ORG")]) == []


def test_directions_are_no_places() -> None:
    assert build_entities([Mention("West", "LOC"), Mention("the East", "LOC")]) == []


def test_a_person_named_like_a_known_place_stays_as_the_gazetteer_rule_says() -> None:
    entities = _by_name(build_entities([Mention("Kyiv", "PERSON"), Mention("Paris Hilton", "PERSON")]))
    assert entities["Kyiv"].type is PLACE
    assert entities["Paris Hilton"].type is PERSON


def test_a_name_followed_by_an_age_is_a_person() -> None:
    (zoya,) = build_entities([Mention("Zoya", "GPE", after=", 76, in the")])
    assert zoya.type is PERSON


def test_a_name_with_letters_after_it_is_a_person() -> None:
    (lawyer,) = build_entities([Mention("Guy Mansfield QC", "ORG")])
    assert (lawyer.type, lawyer.canonical) == (PERSON, "Guy Mansfield")
    assert post_nominal_person("Frank Field MP") == "Frank Field"
    for member in ("Lib Dem MP", "Bolton West MP", "Independence Party MEP", "Labour MP"):
        assert post_nominal_person(member) is None  # a party's or a seat's member names no one


def test_a_partys_member_title_after_its_name_leaves_the_party() -> None:
    entities = build_entities([Mention("Labour MP", "ORG"), Mention("Independence Party MEP", "ORG")])
    assert sorted((e.type, e.canonical) for e in entities) == [(ORG, "Independence Party"), (ORG, "Labour")]


def test_a_leading_article_is_no_part_of_a_name() -> None:
    (court,) = build_entities([Mention("a Supreme Court", "ORG"), Mention("the Supreme Court", "ORG")])
    assert (court.canonical, court.mentions) == ("Supreme Court", 2)
    (band,) = build_entities([Mention("A Tribe Called Quest", "ORG")])
    assert band.canonical == "A Tribe Called Quest"  # a capital "A" may open a name


def test_a_share_after_a_country_is_no_age() -> None:
    (germany,) = build_entities([Mention("Germany", "PERSON", after=", 10.4% in Spain")])
    assert germany.type is PLACE


def test_a_person_cue_outweighs_a_town_of_the_same_name() -> None:
    # GeoNames has a town Bush (Egypt) and a city Jackson (US); the model and the title say person.
    (bush,) = build_entities([Mention("Bush", "PERSON", " said", before="said President ")])
    assert bush.type is PERSON
    (daughter,) = build_entities(
        [Mention("Victoria", "PERSON", " over", before="with daughter "), Mention("Victoria", "GPE", ", a lobbyist")]
    )
    assert daughter.type is PERSON  # a tie of the model's votes: the cue decides
    (country,) = build_entities([Mention("Romania", "PERSON", ", 45, said")] * 2)
    assert country.type is PLACE  # a country names no one, whatever the words beside it
    # GeoNames spells Bonn "Bono" too: a cue says person, though the model read every mention as a place.
    (singer,) = build_entities([Mention("Bono", "GPE", " said", before="U2 singer "), Mention("Bono", "GPE", ".")])
    assert singer.type is PERSON
    (town,) = build_entities([Mention("Kharkov", "PERSON", " fell")])
    assert (town.type, town.id) == (PLACE, "place:kharkiv")  # a transliteration without a cue stays the place
    (plain,) = build_entities([Mention("Bush", "PERSON", " rose")])
    assert plain.type is PLACE  # without a cue, a known place still decides


def test_a_river_or_an_oblast_typed_org_is_a_place() -> None:
    entities = _by_name(
        build_entities(
            [
                Mention("Siverskyi Donets River", "ORG"),
                Mention("Kharkiv Oblast", "ORG"),
                Mention("Kharkiv Regional Council", "ORG"),
                Mention("River", "ORG"),
            ]
        )
    )
    assert entities["Siverskyi Donets River"].type is PLACE
    assert entities["Kharkiv Oblast"].type is PLACE
    assert entities["Kharkiv Regional Council"].type is ORG  # the head word decides, not a place inside
    assert entities["River"].type is ORG  # one word is no feature's name


def test_a_slavic_full_name_typed_org_is_a_person_and_unsure() -> None:
    (name,) = build_entities([Mention("Oleksiy Aretovych", "ORG")])
    assert (name.type, name.confidence) == (PERSON, 0.0)  # no mention of the model said PERSON
    (ministry,) = build_entities([Mention("Defence Ministry", "ORG")])
    assert ministry.type is ORG


def test_a_surname_joins_its_full_name_whatever_type_the_model_gave() -> None:
    entities = build_entities(
        [
            Mention("Natalia Humeniuk", "ORG"),
            Mention("Humeniuk", "PERSON"),
            Mention("Zelensky", "GPE"),
            Mention("Volodymyr Zelensky", "PERSON"),
        ]
    )
    names = _by_name(entities)
    assert names["Natalia Humeniuk"].type is PERSON and names["Natalia Humeniuk"].mentions == 2
    assert names["Volodymyr Zelensky"].type is PERSON and names["Volodymyr Zelensky"].mentions == 2


@pytest.mark.parametrize(("share", "mentions", "expected"), [(1.0, 1, 0.5), (1.0, 3, 0.75), (2 / 3, 3, 0.5)])
def test_confidence_is_the_share_discounted_for_few_mentions(share: float, mentions: int, expected: float) -> None:
    assert confidence(share, mentions) == expected


def test_confidence_of_model_votes_and_of_knowledge() -> None:
    entities = _by_name(
        build_entities(
            [
                Mention("Acme Corp", "ORG"),
                Mention("Acme Corp", "ORG"),
                Mention("Acme Corp", "PERSON"),
                Mention("Ukraine", "PERSON"),
            ]
        )
    )
    assert entities["Acme Corp"].confidence == round(2 / 3 * 3 / 4, 3)
    assert entities["Ukraine"].confidence == 1.0  # the gazetteer decided
    assert entities["Acme Corp"].id == "organization:acme-corp"


@pytest.mark.parametrize(
    ("text", "places", "organizations", "rest"),
    [
        ("ROME 1996-12-06\nItaly won.", ["Rome"], [], "Italy won."),
        ("AL-AIN, United Arab Emirates 1996-12-06\nA match.", ["Al-Ain", "United Arab Emirates"], [], "A match."),
        ("KYIV, Sept 13 (Reuters) - Ukraine said.", ["Kyiv"], ["Reuters"], "Ukraine said."),
        ("LONDON (AP) -- Britain said.", ["London"], ["AP"], "Britain said."),
    ],
)
def test_datelines_give_a_place_and_an_agency(
    text: str, places: list[str], organizations: list[str], rest: str
) -> None:
    prepared = prepare(text)
    assert (prepared.places, prepared.organizations) == (places, organizations)
    assert prepared.text.strip() == rest


def test_dateline_entities_are_decided_by_knowledge() -> None:
    entities = _by_name(
        build_entities([Mention("Rome", "GPE", decided=PLACE), Mention("Rome", "PERSON"), Mention("AP", "ORG")])
    )
    assert (entities["Rome"].type, entities["Rome"].confidence) == (PLACE, 1.0)


def test_a_line_in_capitals_is_truecased_from_the_article_itself() -> None:
    text = (
        "SOCCER - JAPAN GET LUCKY WIN, CHINA IN SURPRISE DEFEAT.\n"
        "Japan began the defence of their title with a lucky 2-1 win against Syria on Friday, a surprise."
    )
    headline = prepare(text).text.split("\n")[0]
    assert headline == "Japan get lucky win, China in surprise Defeat."  # the sport left out: no name


def test_truecasing_keeps_acronyms_and_capitalises_names() -> None:
    assert truecase_line("NATO AND THE BBC SAY NADIM LADKI LEFT") == "NATO and the BBC say Nadim Ladki left"
    assert truecase_line("AL-AIN") == "Al-Ain"


def test_mixed_case_lines_are_left_alone() -> None:
    text = "Ukraine's President Volodymyr Zelensky spoke. The UN and NATO met."
    assert prepare(text).text == text


def test_titles_and_honorifics_are_not_part_of_a_person_name() -> None:
    mentions = [Mention("Mr Blair", "PERSON"), Mention("Prime Minister Tony Blair", "PERSON")]
    (blair,) = build_entities(mentions)
    assert (blair.canonical, blair.mentions) == ("Tony Blair", 2)
    assert strip_person_title("Musician Alan Wass") == "Alan Wass"
    assert strip_person_title("Mr") == "Mr"  # nothing would be left
    assert strip_person_title("Sir elton") == "Sir elton"  # what follows is not a name


def test_a_bare_common_noun_for_an_institution_is_no_organisation() -> None:
    entities = build_entities([Mention("Government", "ORG"), Mention("State", "ORG"), Mention("Gazprom", "ORG")])
    assert [e.canonical for e in entities] == ["Gazprom"]
    # The model's span stopped before an office's noun: "Home Secretary", "Party leader".
    assert build_entities([Mention("Home", "ORG", " Secretary"), Mention("Party", "ORG", " leader")]) == []


def test_with_prose_around_a_capitals_line_keeps_only_known_names() -> None:
    # Plenty of mixed-case evidence (distinct words) and no names in it.
    prose = " ".join("".join(chr(ord("a") + int(d)) for d in f"{n:03d}") + "x" for n in range(70))
    text = f"STANDINGS AFTER GAMES PLAYED ON FRIDAY IN NEW YORK\n{prose}."
    assert prepare(text).text.split("\n")[0] == "Standings after games played on friday in New York"
    # Without such evidence (a short article, one all in capitals), unknown words are taken for names.
    assert truecase_line("NADIM LADKI IN NEW YORK") == "Nadim Ladki in New York"


def test_a_title_case_heading_is_truecased_and_ends_as_a_sentence() -> None:
    text = (
        "Troops near Kherson were seen waving a white flag, officials said.\n"
        "Russian Troops Waving the White Flag\n"
        "Meanwhile, Russian forces were negotiating."
    )
    lines = prepare(text).text.split("\n")
    assert lines[1] == "Russian troops waving the white flag."
    assert lines[2] == "Meanwhile, Russian forces were negotiating."


def test_a_line_of_prose_is_no_heading() -> None:
    text = "The Ministry of Defence said on Monday\nthat Kharkiv was shelled."
    assert prepare(text).text == text


@pytest.mark.parametrize("line", ["Volodymyr Zelensky", "By Jane Doe", "Kharkiv Region Governor Oleh Syniehubov"])
def test_a_line_of_names_keeps_its_capitals(line: str) -> None:
    text = f"The offensive went on.\n{line}\nTroops advanced."
    assert prepare(text).text.split("\n")[1] == line


@pytest.mark.parametrize(
    ("headline", "opening"),
    [
        ("GOLF - AUSTRALIAN OPEN FIRST ROUND SCORES .", "Australian "),
        ("NBA BASKETBALL - STANDINGS AFTER THURSDAY 'S GAMES .", "NBA .\nStandings "),
        ("RUGBY UNION - ENGLAND SQUAD TO FACE ARGENTINA .", "England "),
        ("TABLE TENNIS - CHINA WIN WORLD TEAM TITLE .", "China "),
    ],
)
def test_the_sport_before_a_capitals_headline_is_left_out_a_league_kept(headline: str, opening: str) -> None:
    assert prepare(headline).text.startswith(opening)


def test_a_name_run_into_a_bracket_or_a_news_agency_is_the_name() -> None:
    entities = build_entities(
        [Mention("British Medical Association (BMA", "ORG"), Mention("Interfax news agency", "ORG")]
    )
    assert sorted(e.canonical for e in entities) == ["British Medical Association", "Interfax"]
