"""The words beside a mention as evidence of its type (processors/mention_context.py), alone and in build_entities."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from newsflow.processors.entities import (
    Mention,
    _mentions,
    build_entities,
    joined_at_particles,
    with_hyphened_first_names,
    with_listed_spans,
)
from newsflow.processors.mention_context import context_type, names_a_team, names_a_work
from newsflow.processors.ner_text import PreparedText
from newsflow.schemas.articles import EntityType

PERSON, ORG, PLACE = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.PLACE


@pytest.mark.parametrize(
    ("before", "name", "after", "expected"),
    [
        ("ongoing problems for beleaguered Russian oil giant ", "Yukos", " have also prompted", ORG),
        ("executives at milk firm ", "Yili", ", with reports", ORG),
        ("investors bought shares in ", "Euronext", " on Monday", ORG),
        ("The finals saw US team ", "Cloud9", " and Immortals", ORG),
        ("", "Yukos", " spokesman Mike Lake said", ORG),
        ("said ", "Yili", "'s shares were suspended", ORG),
        ("help fund ", "Gazprom", "'s plans", None),
        ("even ", "Gazprom", ", the state gas firm which opted out", ORG),
        ("", "Al-Walid bin Talal", ", the firm's two main shareholders, will buy", None),
        ("", "Valeska Paris", ", an Australian woman and former member", PERSON),
        ("the lyrics of U2 ", "Bono", " were", None),
        ("a duet with U2 singer ", "Bono", "'s friend", PERSON),
        ("but Afghan Ambassador ", "Hamdullah Mohib", " says", PERSON),
        ("talks with Mr. ", "Khodorkovsky", " ended", PERSON),
        ("It was a profitable firm. ", "Smith", " said", None),
        ("the deal, the firm, ", "Smith", " said", None),
        ("", "Downing Street", " spokesman said", None),
        ("", "Blair", " shares the view", None),
        ("On Monday, ", "Mr Blair", "'s spokesman said", PERSON),
        ("", "Blair", "'s chief of staff", None),
        ("", "General Motors", " spokesman", ORG),
        ("board include Royal Bank of ", "Scotland", " chief executive Fred Goodwin", None),
        ("At ", "Gatwick", ", the company has written to homes", None),
        ("", "Gazprom", ", the biggest gas company in the world", ORG),
        ("", "Montalvo", " said he had read", PERSON),
        ("A spokesperson for ", "the San Francisco Police Department", " said he may", None),
        ("continuing work on the sister ", "Xiluodu dam", ", said", None),
        ("an analyst at fund manager ", "Matrix Asset Advisors", ", which", None),
        ('strategy" ', "Rennard", " said it was not a term", None),
        ("elections chief Lord ", "Rennard", " said it was", PERSON),
        ("a deal with aid agency ", "Oxfam", " to", ORG),
        ("in the eastern Ukrainian town of ", "Gorlovka", " on Friday", PLACE),
        ("grain loaded at the port of ", "Rouen", " this week", PLACE),
        ("in a firm market . ", "Veba", " firmed 0.55 to 86.30 on talk", ORG),
        ("", "Hoechst", " fell 1.20 marks", ORG),
        ("and ", "Tabacalera", " eased 30 to 5,620", ORG),
        ("with ", "Endesa", " up 180 pesetas at 7,390 ,", ORG),
        (", ", "Iberdrola", " 35 higher at 1,385", ORG),
    ],
)
def test_the_words_beside_a_name_say_what_it_names(
    before: str, name: str, after: str, expected: EntityType | None
) -> None:
    assert context_type(name, before, after) is expected


def test_a_cue_overrules_the_models_label_at_every_mention_of_the_name() -> None:
    mentions = [
        Mention("Gazprom", "GPE", ", the state gas firm which", before="or even "),
        Mention("Gazprom", "GPE", " to work on joint", before="an agreement with "),
        Mention("Gazprom", "PERSON", " said", before="On Monday "),
    ]
    (entity,) = build_entities(mentions)
    assert (entity.type, entity.canonical, entity.confidence) == (ORG, "Gazprom", 1.0)


def test_a_name_after_a_persons_and_of_is_the_persons_organisation() -> None:
    text = "said mining analyst Ian Fraser of Nesbitt Burns ."
    fraser, nesbitt = text.index("Ian Fraser"), text.index("Nesbitt Burns")
    found = [(fraser, fraser + 10, "PERSON"), (nesbitt, nesbitt + 13, "PERSON")]
    doc = SimpleNamespace(ents=[SimpleNamespace(start_char=s, end_char=e, label_=label) for s, e, label in found])
    assert [(m.text, m.label) for m in _mentions(PreparedText(text=text), doc)] == [
        ("Ian Fraser", "PERSON"), ("Nesbitt Burns", "ORG"),
    ]  # fmt: skip


def test_the_hague_keeps_its_article_and_a_mention_run_into_and_loses_it() -> None:
    entities = build_entities([Mention("The Hague", "GPE"), Mention("Midland Bank and", "ORG"), Mention("Sejm", "GPE")])
    assert {e.canonical: e.type for e in entities} == {"The Hague": PLACE, "Midland Bank": ORG, "Sejm": ORG}


def test_a_known_city_the_model_took_for_a_person_is_a_place() -> None:
    (city,) = build_entities([Mention("Ho Chi Minh City", "PERSON", " in big volumes")])
    assert (city.canonical, city.type) == ("Ho Chi Minh City", PLACE)


def test_a_known_place_stays_a_place_whatever_the_words_beside_it() -> None:
    (entity,) = build_entities([Mention("Kyiv", "GPE", " spokesman said")])
    assert entity.type is PLACE


def test_a_name_followed_by_an_age_is_a_person_at_all_its_mentions() -> None:
    mentions = [
        Mention("Daniel Montalvo", "PERSON", ", 19, a member of"),
        *[Mention("Montalvo", "ORG", " was charged") for _ in range(5)],
    ]
    (entity,) = build_entities(mentions)
    assert (entity.type, entity.canonical) == (PERSON, "Daniel Montalvo")


def test_a_name_the_model_took_for_a_work_is_kept_when_a_cue_names_a_band() -> None:
    (entity,) = build_entities([Mention("Green Day", "WORK_OF_ART", " were", before="US rock band ")])
    assert entity.type is ORG


def test_a_work_without_a_cue_is_no_entity() -> None:
    assert build_entities([Mention("American Idiot", "WORK_OF_ART", " was", before="the album ")]) == []


def test_an_event_or_a_law_is_no_entity_but_a_place_it_is_named_after_is() -> None:
    entities = build_entities(
        [
            Mention("the Iraq war", "EVENT", "."),
            Mention("Rotterdam Film Festival", "GPE", " opened"),
            Mention("the Gambling Bill", "ORG", " was"),
            Mention("Bill", "PERSON", " is debated", before="when the "),
        ]
    )
    assert [(e.type, e.canonical) for e in entities] == [(PLACE, "Iraq")]


@pytest.mark.parametrize(("name", "label"), [("Oscar", "PERSON"), ("the Golden Globes", "GPE"), ("Super Bowl", "ORG")])
def test_an_award_or_an_event_known_by_its_own_name_is_no_entity(name: str, label: str) -> None:
    assert build_entities([Mention(name, label, " was")]) == []
    (writer,) = build_entities([Mention("Oscar Wilde", "PERSON", " wrote")])
    assert writer.type is PERSON


@pytest.mark.parametrize(("name", "label"), [("GMT", "ORG"), ("R&B", "ORG"), ("hip-hop", "PERSON")])
def test_a_time_zone_or_a_genre_is_no_entity(name: str, label: str) -> None:
    assert build_entities([Mention(name, label, " at")]) == []


@pytest.mark.parametrize("name", ["MPs", "Thatcherites", "Eurosceptics", "Islamists", "Europhiles"])
def test_a_word_for_a_group_of_people_is_no_person_or_place(name: str) -> None:
    assert build_entities([Mention(name, "PERSON", " said"), Mention(name, "GPE", " voted")]) == []


def test_a_religion_is_no_organisation() -> None:
    assert build_entities([Mention("Islam", "ORG", " teaches")]) == []


def test_a_place_the_model_ran_into_the_weapon_after_it_is_the_place() -> None:
    (entity,) = build_entities([Mention("Ukraine NASAMS", "GPE", " surface-to-air")])
    assert (entity.type, entity.canonical) == (PLACE, "Ukraine")


@pytest.mark.parametrize(
    ("name", "label", "expected"),
    [
        ("Volgograd Arena", "ORG", PLACE),
        ("Chiang Kai Shek Memorial Hall Station", "PERSON", PLACE),
        ("Metro Toronto Convention Centre", "ORG", PLACE),
        ("Pew Research Center", "ORG", ORG),
        ("Stuart Hall", "PERSON", PERSON),
        ("Municipality of Livorno", "GPE", ORG),
        ("University of Texas", "GPE", ORG),
        ("West Bank", "GPE", PLACE),
        ("Ohio State University", "GPE", ORG),
    ],
)
def test_a_facility_is_a_place_and_an_institution_an_organisation(name: str, label: str, expected: EntityType) -> None:
    (entity,) = build_entities([Mention(name, label, " opened")])
    assert entity.type is expected


def test_an_outlet_the_model_misread_or_cut_is_found_in_the_text() -> None:
    text = "He told the Evening Standard newspaper and the Sunday Telegraph that Radio 4 was wrong."
    found = [(text.index("Evening"), text.index("Evening") + 7, Mention("Evening", "TIME"))]
    start = text.index("Telegraph")
    found.append((start, start + 9, Mention("Telegraph", "ORG")))
    names = {e.canonical for e in build_entities(with_listed_spans(text, found)) if e.type is ORG}
    assert names == {"Evening Standard", "Sunday Telegraph", "Radio 4"}


def test_an_outlet_named_by_an_everyday_word_is_not_searched_for() -> None:
    text = "Look in the mirror, the Sun said, under the sun."
    assert with_listed_spans(text, []) == []


def test_a_person_split_at_a_name_particle_is_joined() -> None:
    text = "Festival director Sandra den Hamer said Robin van Persie and Hamid Karzai met."
    spans = [
        (text.index("Sandra"), text.index(" Hamer"), "PERSON"),
        (text.index("Hamer"), text.index("Hamer") + 5, "ORG"),
        (text.index("Robin"), text.index("Robin") + 5, "PERSON"),
        (text.index("Persie"), text.index("Persie") + 6, "PERSON"),
        (text.index("Hamid"), text.index(" met"), "PERSON"),
    ]
    names = [text[start:end] for start, end, _ in joined_at_particles(text, spans)]
    assert names == ["Sandra den Hamer", "Robin van Persie", "Hamid Karzai"]


def test_an_international_body_is_an_organisation_though_the_model_said_place() -> None:
    (entity,) = build_entities([Mention("UN", "GPE", " aids agency")])
    assert (entity.type, entity.confidence) == (ORG, 1.0)


def test_a_hashtag_or_a_handle_is_no_entity() -> None:
    assert build_entities([Mention("#IStandWithAhmed", "ORG", ","), Mention("@BBCNews", "ORG", " said")]) == []


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ("Long-running soap ", True),
        ("who created controversial TV show ", True),
        ("action against NBC over its programme ", True),
        ("polls show ", False),
        ("they will play ", False),
        ("the hurricane hit ", False),
        ("a new film. ", False),
    ],
)
def test_a_works_noun_before_a_name_makes_it_a_work(before: str, expected: bool) -> None:
    assert names_a_work(before) is expected


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (" star Imelda Staunton looks", True),
        (" co-star Kate Winslet", True),
        (" director Annie Walker said", False),  # a company's director
        (" star was", False),
        (" star, Patti", False),
    ],
)
def test_a_work_role_before_a_persons_name_makes_the_name_a_work(after: str, expected: bool) -> None:
    assert names_a_work("", after) is expected


def test_a_club_or_a_party_with_stars_is_no_work() -> None:
    entities = build_entities(
        [
            Mention("Chelsea", "GPE", " star Frank Lampard"),
            Mention("Labour", "ORG", " star Ken Livingstone"),
            Mention("Vera Drake", "PERSON", " star Imelda Staunton"),
        ]
    )
    assert sorted(e.canonical for e in entities) == ["Chelsea", "Labour"]


def test_a_work_is_no_entity_at_any_of_its_mentions() -> None:
    mentions = [Mention("EastEnders", "ORG", " .", before="soap "), Mention("EastEnders", "PERSON", " said")]
    assert build_entities(mentions) == []


def test_a_title_at_a_sentences_end_says_nothing_of_the_next_name() -> None:
    assert context_type("NUJ", "Jeremy Dear, NUJ General Secretary. ", " official Barry") is None


def test_a_role_before_one_word_the_model_calls_an_organisation_keeps_it_one() -> None:
    (entity,) = build_entities([Mention("Boeing", "ORG", ".", before="senior vice president ")])
    assert entity.type is ORG


@pytest.mark.parametrize("name", ["Lord Chief Justice", "Lord Chancellor's Department", "Lord Justices"])
def test_an_office_a_peers_title_opens_is_no_persons_name(name: str) -> None:
    assert context_type(name, "the ", " said") is None


def test_a_span_the_model_ran_over_a_line_break_ends_at_it() -> None:
    text = "Fans came dressed as characters from\nDisney\nSuperheroes\nAnime\nVideo games."
    start = text.index("Disney")
    span = SimpleNamespace(start_char=start, end_char=text.index(" games"), label_="ORG")
    mentions = _mentions(PreparedText(text=text), SimpleNamespace(ents=[span]))
    assert [(m.text, m.label) for m in mentions] == [("Disney", "ORG")]


def test_a_players_role_after_a_city_makes_it_the_club_but_not_a_countrys_team() -> None:
    assert names_a_team(" goalkeeper Gareth Pryce , who")
    assert not names_a_team(" 's coach said")  # "Brazil 's coach": the country's
    assert not names_a_team(" shares rose")
    entities = build_entities(
        [
            Mention("Forest", "GPE", after=" goalkeeper Gareth Pryce"),
            Mention("Liverpool", "GPE", after=" striker Robbie Fowler"),
            Mention("Brazil", "GPE", after=" coach Mario Zagallo"),
        ]
    )
    kinds = {e.canonical: e.type for e in entities}
    assert kinds["Liverpool"] is EntityType.ORGANIZATION and kinds["Forest"] is EntityType.ORGANIZATION
    assert kinds["Brazil"] is EntityType.PLACE


def test_a_hyphened_given_name_the_model_cut_is_whole_again() -> None:
    text = "judge Marc-Andre Giroux said ; Anti-Smith marchers"
    spans = with_hyphened_first_names(text, [(11, 23, "PERSON"), (36, 41, "PERSON")])
    assert [text[start:end] for start, end, _ in spans] == ["Marc-Andre Giroux", "Smith"]
