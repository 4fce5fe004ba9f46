"""Named entities with spaCy, canonicalised so one person is one facet value across articles.

spaCy finds mentions; this module turns them into entities:
- the text is prepared first (processors/ner_text.py): lines in capitals are
  truecased, datelines ("KYIV, Sept 13 (Reuters) -") give a place and an agency;
- people: a short mention ("Zelensky") joins the one full name in the article
  that ends or starts with it ("Volodymyr Zelensky"), even when the model typed
  the full name otherwise ("Natalia Humeniuk" as ORG, "Humeniuk" as PERSON);
- transliteration variants of -sky surnames meet on one spelling
  ("Zelenskyy", "Zelenskiy" -> "Zelensky");
- the type is the majority label of an entity's mentions, unless knowledge
  decides it (processors/entity_knowledge.py): a known country or city
  (GeoNames) is a place, under its canonical spelling ("Kiev" -> "Kyiv", "USA" ->
  "United States"), even when the model said PERSON or ORG (the small model
  tags "Kyiv" as a person); a smaller town of a country the article names is a
  place when the model said ORG; a news outlet or agency is an organisation;
  a dateline's place and agency are what the dateline says;
- a political party is an organisation under one id whatever the model said
  (spaCy's NORP for "Labour", "Tory"); its members' plural ("the Tories") only
  in an article that names the party otherwise (entity_knowledge.party_name);
- dropped: nationalities and demonyms ("Ukrainian": spaCy's NORP is never a
  place), bare directions ("the West"), weapon systems ("HIMARS", "S-300"),
  products (spaCy's PRODUCT is not mapped), religions, words for groups of
  people ("MPs", "Blairites") and events, laws and lists ("Gambling Bill"; but
  "the Iraq war" gives the place Iraq);
- the words beside a mention (processors/mention_context.py: "oil giant Yukos",
  "singer Bono", "Zoya, 76,") type the name at all its mentions; a two- or three-word
  name ending in a Slavic surname ("Oleksiy Aretovych") that the model typed
  ORG or place is a person;
- each entity has a confidence (see :func:`confidence`), and the caps below
  bound what one article can produce.

Caps (bad input: an article of 5 000 names, a 10 000-character "name"):
an entity's name and surface forms are cut to MAX_ENTITY_NAME_CHARS
characters (at a word boundary when there is one), an entity keeps at most
MAX_SURFACE_FORMS spellings, and an article keeps its MAX_ENTITIES_PER_ARTICLE
entities with the most mentions (ties: the first named first). Control and bidirectional
formatting characters are removed from names; names in scripts without case
(Arabic, Hebrew, Chinese) are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from newsflow.infra.ner_models import SMALL_PACKAGE, ner_model_location
from newsflow.infra.settings import get_settings
from newsflow.processors import entity_knowledge as knowledge
from newsflow.processors import gazetteer
from newsflow.processors.mention_context import context_type, names_a_team, names_a_work
from newsflow.processors.ner_pipeline import load_ner_pipeline
from newsflow.processors.ner_text import PreparedText, prepare
from newsflow.processors.results_lines import line_names
from newsflow.schemas.articles import Entity, EntityType, entity_id

PERSON_LABEL = "PERSON"
MAX_EVENT_NAME_WORDS = 8  # the words of an event's name searched for a place (quadratic in them: bad input)
# The benchmarks' "raw model" baseline: the stock small pipeline (NEWSFLOW_NER_MODEL picks what the stage runs).
BASELINE_MODEL = SMALL_PACKAGE
SPACY_LABEL_TYPES = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "GPE": EntityType.PLACE,
    "LOC": EntityType.PLACE,
    "FAC": EntityType.PLACE,
}
# Cities at least this large count as known places.
MIN_CITY_POPULATION = 50_000
MAX_NER_CHARS = 100_000  # spaCy's cost grows with length; the head of a long article carries its entities
# The caps of one article's entities (bad input): a name as long as the schema's ids allow, a facet list people read.
MAX_ENTITY_NAME_CHARS = 200
MAX_SURFACE_FORMS = 20
MAX_ENTITIES_PER_ARTICLE = 500
# The text around a mention that build_entities looks at: an age after it, and the nouns next to it
# (processors/mention_context.py: "oil giant Yukos", "Yukos spokeswoman's").
AFTER_CHARS = 48
BEFORE_CHARS = 32
# The model's labels a context cue may overrule: the three facet types, and names it took for products or works
# ("rock band Green Day" as WORK_OF_ART).
CUE_LABELS = frozenset({*SPACY_LABEL_TYPES, "PRODUCT", "WORK_OF_ART"})
# "Zoya, 76," / "John Smith, 45, said": a name followed by an age is a person.
AGE_AFTER = re.compile(r",\s*\d{1,3}\s*(?:[,;)]|\.(?!\d))")
# A person as scorecards and wire copy write one: an initial and a surname ("B. Tuffin", "A. Flower"). Not the
# compass initials, which shorten places ("S. Africa", "W. Indies", "N. Korea").
INITIAL_AND_SURNAME = re.compile(r"[A-DF-MO-RT-VX-Z]\. ?[A-Z][a-z]+(?:-[A-Z][a-z]+)?")
LIST_SEPARATOR = re.compile(r"\s*[,/]\s*")
# A country run into its points or score in a prose table ("Japan 6 points , China 3 , Syria 3").
COUNTRY_AND_NUMBER = re.compile(r"(?P<name>.+?)\s+\d{1,3}")
# ... where the number ends a cell of the table, not a name ("the Sudan 1 food scare": a dye).
TABLE_CELL_END = re.compile(r"\s*(?:[,.;)]|points\b|pts\b|$)")
# What a report calls a club before its name at the start of a sentence ("Champions Auxerre inflicted ...").
TEAM_ROLES = frozenset({"champions", "holders", "leaders", "hosts", "visitors", "title-holders", "newcomers"})
NOT_A_MENTION_AFTER_A_NAME = frozenset({"'s", "\u2019s", *knowledge.PARTY_MEMBER_TITLES})
CITY_WORDS = frozenset({"city", "town", *knowledge.PLACE_HEADS})
# "Midland Bank and", "J. Tully b" (a scorecard's "bowled by"): the model ran on into the next word.
TRAILING_CONNECTOR = re.compile(r"\s+(?:and|&|of|the|b|c|st|lbw)$")
# A time, a share or half a point run into the name from a results line ("Joanne Pryce 2:14.91", "Korolyov 4 1/2");
# a whole number may be the name's own ("Channel 4").
TRAILING_FIGURES = re.compile(r"(?:\s+\d+)*\s+(?:\d*[:.]\d[\d:.]*|1/2)$")  # not "Fahrenheit 9/11"
COMPANY_OF_PLACE = re.compile(r"(?P<company>.+?) of (?P<place>[A-Z][\w .'-]+)")
RANK_BEFORE = re.compile(r"^\d{1,3}\s*[-.]\s+(?=[A-Z])")
# "Furey v Camilleri", "Ajax vs. PSV": two names the model ran into one across the word between them.
NAME_START = re.compile(r"(?:(?:van|von|de|der|den|da|di|del|al|el|le|la)\s+)*[A-Z]")  # "van Tilburg", "Graham"
SPACED_DASH = re.compile(r" [-\u2013\u2014] ")  # a dash between words, not a hyphen ("Group G \u2014 Belgium 3")
VERSUS = re.compile(r"\s+(?:v|vs\.?|versus)\s+(?=[A-Z])")
# Words that make a name an organisation's or a place's, not a person's ("Kyiv Post", "Bank of Russia").
NOT_PERSON_WORDS = frozenset(
    {
        "academy", "agency", "airlines", "airport", "airways", "army", "assembly", "association", "bank", "bay",
        "board", "bureau", "center", "centre", "church", "city", "club", "college", "commission", "committee",
        "company", "corp", "council", "county", "court", "department", "district", "fc", "federation", "force",
        "forces", "foundation", "fund", "government", "group", "holdings", "hospital", "inc", "institute",
        "international", "island", "islands", "kingdom", "lake", "league", "ltd", "media", "ministry", "motors",
        "museum", "network", "news", "oblast", "office", "parliament", "party", "police", "post", "press",
        "province", "region", "republic", "river", "school", "sea", "service", "services", "square", "state",
        "states", "station", "street", "times", "union", "united", "university", "valley", "house", "hills",
        "story", "diaries", "pavilion", "fellowship", "rock", "song",
    }
)  # fmt: skip


# Honorifics and titles the model often takes into a person's name ("Mr Blair", "Prime Minister Tony Blair",
# "Musician Alan Wass" at a sentence's start): a name is what follows them.
PERSON_TITLES = frozenset(
    {
        "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "rev", "reverend", "president",
        "vice", "prime", "minister", "premier", "chancellor", "secretary", "senator", "sen", "rep", "governor",
        "gov", "mayor", "general", "gen", "colonel", "col", "lieutenant", "lt", "captain", "capt", "sergeant",
        "sgt", "admiral", "commander", "judge", "justice", "chairman", "chairwoman", "chief", "executive",
        "director", "spokesman", "spokeswoman", "spokesperson", "coach", "manager", "striker", "midfielder",
        "defender", "goalkeeper", "singer", "singers", "musician", "actor", "actress", "comedian", "sprinter",
        "backbencher", "rapper", "star", "veteran", "king", "queen", "prince", "princess", "pope", "ambassador",
        "deputy", "leader", "former", "foreign", "defence", "defense", "interior", "finance", "state",
        # a player's position, as team news writes it ("Centre Stuart Beddow", "Fly-half Paul Grayson")
        "centre", "wing", "winger", "prop", "lock", "hooker", "flanker", "fly-half", "scrum-half", "full-back",
        "fullback", "keeper", "skipper", "forward", "substitute", "guard", "center", "pitcher", "quarterback",
        "major",
    }
)  # fmt: skip
# A nationality before a name ("Dutchman Henk van Tilburg", "Briton Tim Henman"): no part of it.
NATIONALITY_NOUNS = frozenset(
    {"dutchman", "frenchman", "englishman", "irishman", "scotsman", "welshman", "briton", "spaniard", "swede",
     "dane", "finn", "pole", "turk", "scot", "kiwi", "aussie", "dutchwoman", "frenchwoman", "englishwoman"}
)  # fmt: skip
# A player's position opening a name the model took for an organisation's ("Centre Stuart Beddow").
PLAYER_POSITIONS = frozenset(
    {"centre", "winger", "prop", "lock", "hooker", "flanker", "fly-half", "scrum-half", "full-back", "striker", "guard",
     "forward", "pitcher", "quarterback", "goalkeeper", "midfielder", "defender"}
)  # fmt: skip
# An ordinal the model ran into a finisher's name ("Bruno Cassagne third").
TRAILING_PLACING = re.compile(r"\s+(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)$")


# Letters after a person's name: "Philippe Sands QC", "Frank Field MP". The model calls some such names bodies.
POST_NOMINALS = frozenset({"QC", "KC", "MP", "MEP", "MSP", "OBE", "MBE", "CBE", "KBE"})
NOT_IN_PERSON_NAMES = frozenset({"party", "north", "south", "east", "west", "central"})


def post_nominal_person(text: str) -> str | None:
    """The person's name in ``text`` when it is two or three capitalised words and a post-nominal ("Guy
    Mansfield QC" -> "Guy Mansfield"); None otherwise ("Labour MP" names the party)."""
    words = text.split()
    if not 3 <= len(words) <= 4 or words[-1] not in POST_NOMINALS:
        return None
    name = words[:-1]
    if not all(w[:1].isupper() and w[1:].islower() for w in name):
        return None
    if knowledge.party_name(entity_key(" ".join(name))) or knowledge.party_name(entity_key(name[0])):
        return None  # "Lib Dem MP", "Labour Party MP"
    if any(w.casefold() in NOT_IN_PERSON_NAMES for w in name):
        return None  # "Bolton West MP", "Independence Party MEP": a seat's or a party's member
    return " ".join(name)


def strip_person_title(text: str) -> str:
    """A person's name without the honorifics and titles before it ("Mr Tony Blair" -> "Tony Blair") or a placing
    after it ("Bruno Cassagne third"); unchanged when nothing capitalised would be left."""
    words = TRAILING_PLACING.sub("", text).split()
    start = 0
    while start < len(words) - 1 and (
        words[start].rstrip(".").casefold() in PERSON_TITLES
        or (words[start].casefold() in NATIONALITY_NOUNS and start < len(words) - 2)
    ):
        start += 1
    rest = words[start:]
    return " ".join(rest) if rest and rest[0][:1].isupper() else text


@dataclass(frozen=True)
class Mention:
    """One mention: its text, spaCy's label, the text right after and before it, and a type knowledge decided
    (a dateline)."""

    text: str
    label: str
    after: str = ""
    decided: EntityType | None = None
    before: str = ""


def _strip_controls(text: str) -> str:
    """Control characters become spaces; format characters (bidi marks, zero-width) go."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in text if unicodedata.category(c) != "Cf")


def clean_surface(text: str) -> str:
    """A mention without controls, leading articles ("the", "a"), possessives, line breaks or edge punctuation."""
    text = " ".join(_strip_controls(text).split())
    if not (text.startswith("The ") and knowledge.place_name(knowledge.fold(text)) == text):  # "The Hague"
        text = re.sub(r"^(?:the|The|an?(?=\s+[A-Z]))\s+", "", text)  # "a Golden Globe": no name has a lowercase "a"
    text = re.sub(r"['\u2019]s$", "", text)
    text = TRAILING_CONNECTOR.sub("", text)  # "Midland Bank and": the model ran on into a list
    text = TRAILING_FIGURES.sub("", text)
    return text.strip(" .,;:!?\"'()[]-\u2013\u2014")


def cap_name(name: str, limit: int = MAX_ENTITY_NAME_CHARS) -> str:
    """``name`` cut to ``limit`` characters, at the last space of its second half when there is one."""
    if len(name) <= limit:
        return name
    cut = name[:limit]
    space = cut.rfind(" ", limit // 2)
    return (cut[:space] if space > 0 else cut).rstrip(" .,;:-")


def canonical_spelling(name: str) -> str:
    """One spelling for the transliterations of Slavic -sky surnames: -skyy, -skiy, -skii become -sky."""
    return re.sub(r"(?<=sk)(?:yy|iy|ii)\b", "y", name)


def entity_key(name: str) -> str:
    """Comparison key: no accents, case-folded, single-spaced, canonical spelling."""
    return canonical_spelling(knowledge.fold(name))


@lru_cache(maxsize=1)
def known_places() -> frozenset[str]:
    """Keys of countries, US states and cities above MIN_CITY_POPULATION (the gazetteer's names)."""
    return frozenset(
        entity_key(place.name)
        for place in gazetteer.places()
        if place.kind is not gazetteer.PlaceKind.CITY or (place.population or 0) >= MIN_CITY_POPULATION
    )


def is_known_place(key: str) -> bool:
    """Whether ``key`` names a country, US state or large city under any of its spellings ("kiev", "usa")."""
    if key in known_places():
        return True
    canonical = knowledge.place_name(key)
    return canonical is not None and entity_key(canonical) in _known_place_or_country_keys()


@lru_cache(maxsize=1)
def _country_and_state_keys() -> frozenset[str]:
    """Keys of countries and US states under their gazetteer names and the curated aliases and regions."""
    kinds = (gazetteer.PlaceKind.COUNTRY, gazetteer.PlaceKind.STATE)
    return _country_alias_keys() | {entity_key(p.name) for p in gazetteer.places() if p.kind in kinds}


@lru_cache(maxsize=1)
def _country_alias_keys() -> frozenset[str]:
    return frozenset(entity_key(name) for name in (*knowledge.COUNTRY_ALIASES, *knowledge.REGIONS))


@lru_cache(maxsize=1)
def _known_place_or_country_keys() -> frozenset[str]:
    # Built once: the union of two large sets per lookup cost more than the rest of build_entities.
    return known_places() | _country_alias_keys()


def confidence(share: float, mentions: int) -> float:
    """How sure the model's type is: the share of mentions with it, discounted for few mentions (1 -> 0.5)."""
    return round(share * mentions / (mentions + 1), 3)


def _could_be_person(text: str) -> bool:
    """A name of two or three capitalised words, none an organisation's or place's word."""
    words = text.split()
    return (
        2 <= len(words) <= 3
        and all(w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha() for w in words)
        and not any(w.casefold() in NOT_PERSON_WORDS for w in words)
        and not is_known_place(entity_key(text))
    )


def _person_groups(forms: Counter[str], other_names: Iterable[str] = ()) -> dict[str, str]:
    """Map each person form to the full name it belongs to (itself when it is a full name or unmatched).

    ``other_names`` are multi-word names the model typed otherwise that a short person form may
    still join ("Humeniuk" -> "Natalia Humeniuk", typed ORG).
    """
    full = [f for f in forms if len(f.split()) >= 2]
    candidates = full + [n for n in other_names if n not in forms and _could_be_person(n)]
    owner: dict[str, str] = {}
    for form in forms:
        if form in full:
            owner[form] = form
            continue
        key = entity_key(form)
        matches = {f for f in candidates if key in (entity_key(f.split()[-1]), entity_key(f.split()[0]))}
        # Only an unambiguous short form joins a full name ("Mr Smith" with two Smiths stays apart).
        owner[form] = matches.pop() if len(matches) == 1 else form
    return owner


AGENCY_SUFFIX = " news agency"
FIRM_BEFORE = (" at ", " of ")
PLACE_LAST_WORDS = frozenset(
    {*knowledge.FACILITY_HEADS, *knowledge.PLACE_HEADS, "park", "lane", "gardens", "green", "ridge", "creek", "springs",
     "falls", "heights"}
)  # fmt: skip
FIGURES = re.compile(r"\d+(?:[-.]\d+)+")
# A cricket scorecard's words between names ("Ijaz Ahmad c Spearman b Vaughan"): no name holds them.
SCORECARD_WORDS = frozenset({"b", "c", "st", "lbw"})


@dataclass
class _Typed:
    text: str
    kind: EntityType
    decided: bool
    team: bool = False  # added from a results line, not the model's
    cued: bool = False  # typed by the words beside it (processors/mention_context.py), not the model
    before: str = ""  # the text right before the mention (the model's mentions only)
    team_cued: bool = False  # a player's or coach's role follows it ("Forest goalkeeper")


def _place_inside(name: str) -> str | None:
    """The longest run of words of an event's or a law's name, without its last word, that is a known place."""
    words = [w for w in name.split()[:MAX_EVENT_NAME_WORDS] if not any(c.isdigit() for c in w)]
    words = words[1:] if words[:1] in (["the"], ["The"]) else words
    words = words[:-1] if len(words) > 1 else words
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            run = " ".join(words[start : start + size])
            if run[:1].isupper() and is_known_place(entity_key(run)):
                return run
    return None


def _no_name(mention: Mention, text: str) -> _Typed | str | None:
    """What a mention the model took for a name stands for when it names no person, organisation or place:
    a place it contains (an event's: "the Iraq war"), the key of a work or a storm ("soap EastEnders",
    "Cyclone Phailin" -> "phailin": no entity at any of its mentions), "" when nothing; None when it is a name."""
    if storm := knowledge.storm_name(text):
        return entity_key(storm)
    if " " not in text and mention.before.endswith(("the ", "The ")) and knowledge.is_event_or_law_noun(text):
        return ""  # "the Bill is debated": a law named by its head noun alone, not a person called Bill
    if mention.label == "EVENT" or knowledge.is_event_or_law(text):
        # "the Iraq war": no entity, but its place is the article's; a place inside a longer name is not
        # ("Rotterdam Film Festival", as "Manchester United" names no place).
        place = _place_inside(text) if text.rsplit(maxsplit=1)[-1].islower() else None
        return _Typed(place, EntityType.PLACE, False) if place else ""
    if names_a_work(mention.before, mention.after) and not _known_name(entity_key(text)):
        return entity_key(text)
    return None


def _known_name(key: str) -> bool:
    """Whether the project's knowledge names ``key`` a place, party, outlet, club or listed organisation: no
    work, though a cue says so ("Chelsea star Frank Lampard", "Labour star")."""
    return bool(is_known_place(key) or knowledge.party_name(key) or knowledge.is_listed_organisation(key))


def _cue(mention: Mention, text: str) -> EntityType | None:
    """The type the words beside a mention give it (processors/mention_context.py), when they may overrule
    the model's label."""
    if mention.decided or mention.label not in CUE_LABELS:
        return None
    cue = context_type(text, mention.before, mention.after)
    if cue is not EntityType.ORGANIZATION and mention.label not in SPACY_LABEL_TYPES:
        return None  # a work or product the model named is kept only as a band or a company ("band Green Day")
    if cue is EntityType.PERSON and mention.label == "ORG" and " " not in text:
        return None  # "senior vice president Boeing": a role word before one word the model knows as a body
    return cue


def _name_of(mention: Mention) -> str | None:
    """The mention's text cleaned (:func:`clean_surface`), or None when it is no name at all."""
    text = clean_surface(mention.text)
    if "(" in text and ")" not in text:
        text = text.split("(", 1)[0].strip()  # run into a bracket: "Will Carling ( Harlequins"
    text = RANK_BEFORE.sub("", text)  # a chart's rank run into the name: "14 - Ramon Echevarria"
    if text.endswith(AGENCY_SUFFIX):
        text = text.removesuffix(AGENCY_SUFFIX)  # "Interfax news agency": the agency's name is "Interfax"
    words = text.split()
    if len(words) >= 2 and knowledge.is_weapon(words[-1]):
        text = " ".join(words[:-1])  # "sent Ukraine NASAMS": the model ran a place into the weapon after it
    if len(words) >= 2 and words[-1] in knowledge.PARTY_MEMBER_TITLES:
        party = " ".join(words[:-1])
        if knowledge.party_name(entity_key(party)) or words[-2] == "Party":
            text = party  # "Labour MP", "Independence Party MEP": the party
    if len(text) < 2 or not any(c.isalpha() for c in text) or text[0] in "#@":
        return None  # no name; a hashtag or a handle ("#IStandWithAhmed") names no one
    if all(len(word) == 1 for word in text.split()):
        return None  # a table's column heads ("W L PCT"), not initials ("U.S.", "J.K. Rowling")
    # A name in a cased script has a capital; Arabic, Hebrew or Chinese names have no case at all.
    if any(c.islower() for c in text) and not any(c.isupper() for c in text):
        return None
    return text


def _versus_parts(mention: Mention) -> list[Mention]:
    """The two sides of a mention run across a "v" ("Furey v Camilleri"), each with the model's label; else it."""
    parts = VERSUS.split(mention.text)
    return [replace(mention, text=part) for part in parts] if len(parts) == 2 else [mention]


def _as_named(text: str, kind: EntityType, after: str) -> tuple[str, EntityType] | None:
    """The name a typed mention gives and its type: without a title, a team's role or a player's position before
    it ("Champions Auxerre", "Centre Stuart Beddow"), a company without its city ("Tamarack Resources of
    Toronto"), a country without its points in a prose table ("China 3 ,"); None when it is a span run across a
    table's figures."""
    scored = COUNTRY_AND_NUMBER.fullmatch(text)
    if scored and TABLE_CELL_END.match(after) and entity_key(scored["name"]) in _country_keys():
        return scored["name"], EntityType.PLACE  # "China 3" in "Japan 6 points , China 3 , Syria 3"
    # A number between words is a span run across a results line ("Bolton 1 Ipswich"), not a name; so is one
    # with a score or bowling figures ("Charlotte 108-97", "Waqar Shah 16-3-44-1"), or a scorecard's "b" or
    # "lbw" between names ("Wasim Akram b Harris").
    words = text.split()
    if kind is not EntityType.ORGANIZATION and any(word.isdigit() for word in words):
        return None
    if any(FIGURES.fullmatch(word) for word in words) or SCORECARD_WORDS.intersection(words[1:-1]):
        return None
    if kind is EntityType.PERSON:
        return strip_person_title(text), kind
    if kind is EntityType.ORGANIZATION and len(words) >= 2 and words[0].casefold() in TEAM_ROLES:
        return text.split(" ", 1)[1], kind  # "Champions Auxerre": the club is Auxerre
    if len(words) >= 3 and words[0].casefold() in PLAYER_POSITIONS and _could_be_person(rest := " ".join(words[1:])):
        return rest, EntityType.PERSON  # "Centre Stuart Beddow"; not "Centre for Social Evolution"
    based = COMPANY_OF_PLACE.fullmatch(text) if kind is EntityType.ORGANIZATION else None
    if based and knowledge.has_company_ending(based["company"]) and is_known_place(entity_key(based["place"])):
        return based["company"], kind  # "Tamarack Resources of Toronto": the company
    return text, kind


def _typed_mentions(mentions: Iterable[Mention]) -> tuple[list[_Typed], set[str]]:
    """The mentions with a facet type, cleaned; and the keys the model called nationalities (NORP)."""
    typed: list[_Typed] = []
    nationalities: set[str] = set()
    works: set[str] = set()
    members: list[str] = []  # "Tories", "Democrats": the party only where the article names it otherwise
    for mention in (part for found in mentions for part in _versus_parts(found)):
        text = _name_of(mention)
        if text is None:
            continue
        if mention.label == "NORP":
            key = entity_key(text)
            if knowledge.party_name(key):  # "Labour", "Tory leader": the party, an organisation
                typed.append(_Typed(text, EntityType.ORGANIZATION, False))
            elif knowledge.party_of_members(key):
                members.append(text)
            else:
                nationalities.add(key)
            continue
        if not mention.decided and (thing := _no_name(mention, text)) is not None:
            if isinstance(thing, _Typed):
                typed.append(thing)
            elif thing:
                works.add(thing)
            continue
        kind = mention.decided or SPACY_LABEL_TYPES.get(mention.label)
        if not mention.decided and kind is not None and (person := post_nominal_person(text)):
            typed.append(_Typed(person, EntityType.PERSON, False, cued=True))
            continue
        cue = _cue(mention, text)
        kind = cue or kind
        if kind is None:
            continue
        if not mention.decided and AGE_AFTER.match(mention.after) and len(text.split()) <= 3:
            kind = cue = EntityType.PERSON  # "Zoya, 76," is as sure a cue as a word beside the name
        if (named := _as_named(text, kind, mention.after)) is None:
            continue
        text, kind = named
        typed.append(
            _Typed(
                text,
                kind,
                mention.decided is not None,
                cued=cue is kind,
                before=mention.before,
                team_cued=names_a_team(mention.after),
            )
        )
    named_parties = {knowledge.party_name(entity_key(t.text)) for t in typed} - {None}
    for text in members:
        key = entity_key(text)
        if knowledge.party_of_members(key) in named_parties:
            typed.append(_Typed(text, EntityType.ORGANIZATION, False))
        else:
            nationalities.add(key)
    if works:
        typed = [t for t in typed if t.decided or entity_key(t.text) not in works]
    return typed, nationalities


def _group(typed: list[_Typed]) -> tuple[dict[str, list[_Typed]], set[str]]:
    """Mentions by entity key; and the keys of full names a short person form joined."""
    person_forms = Counter(t.text for t in typed if t.kind is EntityType.PERSON)
    others = {t.text for t in typed if t.kind is not EntityType.PERSON and not t.decided}
    person_owner = _person_groups(person_forms, others)
    # A surname alone that the model typed ORG or place ("Lukaku" beside "Romelu Lukaku") is the person's,
    # unless it is a known place.
    surnames: dict[str, set[str]] = defaultdict(set)
    for form in person_forms:
        if len(form.split()) >= 2:
            surnames[entity_key(form.split()[-1])].add(form)
    groups: dict[str, list[_Typed]] = defaultdict(list)
    for t in typed:
        head = person_owner.get(t.text, t.text) if t.kind is EntityType.PERSON else t.text
        owners = surnames.get(entity_key(t.text), set()) if t.kind is not EntityType.PERSON else set()
        if len(owners) == 1 and not t.decided and not is_known_place(entity_key(t.text)):
            head = next(iter(owners))
            person_owner.setdefault(t.text, head)
        groups[entity_key(head)].append(t)
    joined: set[str] = set()
    # A short person form that joined a full name may also have been tagged ORG/GPE elsewhere: merge it.
    for form, head in person_owner.items():
        short, long = entity_key(form), entity_key(head)
        if short != long:
            joined.add(long)
            if short in groups:
                groups[long].extend(groups.pop(short))
    return groups, joined


def _article_countries(groups: dict[str, list[_Typed]]) -> frozenset[str]:
    """The countries (ISO codes) the article's known places are in, when a name has only one."""
    codes: set[str] = set()
    for key in groups:
        countries = knowledge.place_countries(key)
        if len(countries) == 1 and is_known_place(key):
            codes |= countries
    return frozenset(codes)


@lru_cache(maxsize=1)
def _country_keys() -> frozenset[str]:
    """Keys of the countries under their gazetteer names and the curated aliases."""
    names = [p.name for p in gazetteer.places() if p.kind is gazetteer.PlaceKind.COUNTRY]
    names += [alias for aliases in knowledge.COUNTRY_ALIASES.values() for alias in aliases]
    return frozenset(entity_key(name) for name in names) | _country_alias_keys()


def _on_lines(mention: _Typed, names: Mapping[str, str], teams: Mapping[str, str]) -> _Typed | None:
    """A mention of a results line's name, as that name: one run into the score or minute after it ("Swansea 1",
    "Kluivert 12", "Bolton 3 Oldham"), or the first words of one team's name alone ("Vitesse" for "Vitesse
    Arnhem", "Sheffield" for "Sheffield Wednesday"). None for a mention run across a list of them ("Litmanen ,
    Musampa", "Belgium / Palmans"): its names are there on their own."""
    parts = LIST_SEPARATOR.split(mention.text)
    if len(parts) > 1 and all(entity_key(part) in names for part in parts):
        return None
    if SPACED_DASH.search(mention.text):  # a label or a side run into it: "Halftime - Detroit 50", "Lemgo - Stefan"
        return _on_lines(replace(mention, text=_dashed_part(mention.text, names)), names, teams)
    words = mention.text.split()
    scored = next((n for n, word in enumerate(words) if n and word.isdigit()), None)
    if scored is not None and entity_key(" ".join(words[:scored])) in names:
        return replace(mention, text=" ".join(words[:scored]))
    key = entity_key(mention.text)
    if mention.kind is not EntityType.PERSON and key not in names:
        longer = [team for team_key, team in teams.items() if team_key.startswith(key + " ")]
        if len(longer) == 1:
            return replace(mention, text=longer[0])
    # The last words of a team's name, right after its first ones: "Belgrade" of "Partizan Belgrade".
    if key not in names:
        tail = len(mention.text)
        whole = [t for t in teams.values() if t.endswith(" " + mention.text) and mention.before.endswith(t[:-tail])]
        if whole:
            return replace(mention, text=whole[0])
    return mention


def _dashed_part(text: str, names: Mapping[str, str]) -> str:
    """The name in a mention run across a dash: a listed name ("Lemgo - Stefan" -> "Stefan Reinhold"), else the
    one capitalised part ("Graham King - with"), else the name after a one-word label ("MPs - Keith Vaz", "Cocoa -
    London"), else the part before the dash ("Jerry Springer - The Opera")."""
    *lefts, right = SPACED_DASH.split(text)
    left = lefts[-1]
    parts: list[str] = []
    for part in (left, right):
        key = entity_key(part)
        whole = [name for name_key, name in names.items() if name_key.startswith(key + " ")]
        if key in names or len(whole) == 1:
            return part if key in names else whole[0]
        if NAME_START.match(part):
            parts.append(part)
    if len(parts) == 1:
        return parts[0]
    return right if " " not in left.strip() else left


def _team(key: str, items: list[_Typed], row: bool) -> tuple[EntityType, str | None, bool]:
    """A name on a results or standings line (processors/results_lines.py): a club, a country's team
    (a place, as newswire's annotations have it) or, heading a ``row`` the model calls a person's or that opens
    with a given name, a player."""
    model = Counter(t.kind for t in items if not t.team)
    # A player's row has a first and a last name; one word on a results line is a club ("Bolton"), and a
    # match's two sides are teams whatever the model says ("Willem II Tilburg 1 PSV Eindhoven 1").
    if row and len(key.split()) >= 2 and model and model.most_common(1)[0][0] is EntityType.PERSON:
        return EntityType.PERSON, None, False
    longest = max((t.text for t in items), key=len)
    if row and _could_be_person(longest) and _opens_with_given_name(longest, items):
        return EntityType.PERSON, None, False  # "Istvan Farago ( Hungary ) 1/2": a chess player, not a club
    if key in _country_keys():
        return EntityType.PLACE, knowledge.place_name(key), True
    return EntityType.ORGANIZATION, None, True


def _opens_with_given_name(name: str, items: list[_Typed]) -> bool:
    """Whether ``name`` is a given name and a surname ("Christos Vlachakis"), not a firm named after its founder
    or a thing: its last word is a surname, or no given name ("Hakobyan"; not "Morgan Stanley", which the listed
    organisations name, as they do "Philip Morris"), and no common word ("Atticus Capital"); and no mention
    follows "at" or "of" ("an analyst at James Capel")."""
    words = name.split()
    last = words[-1]
    return (
        knowledge.is_given_name(words[0])
        and (knowledge.is_surname(last) or not knowledge.is_given_name(last))
        and knowledge.could_be_surname(last)
        and last.casefold() not in PLACE_LAST_WORDS  # "Luna Park", "Drury Lane", "Reid Hall"
        and not any(t.before.endswith(FIRM_BEFORE) for t in items)
    )


def _alternate_only(key: str) -> bool:
    """Whether ``key`` is a known place only under another spelling of its name ("Bono" for Bonn): a person's
    cue then outweighs the place."""
    name = knowledge.place_name(key)
    return key not in _known_place_or_country_keys() and (name is None or entity_key(name) != key)


def _decide(
    key: str,
    items: list[_Typed],
    joined: bool,
    nationalities: set[str],
    countries: frozenset[str],
    *,
    teams: frozenset[str] = frozenset(),
    players: frozenset[str] = frozenset(),
    rows: frozenset[str] = frozenset(),
) -> tuple[EntityType, str | None, bool] | None:
    """The entity's type, a canonical name knowledge gives (or None) and whether knowledge decided; None: no entity."""
    if key in teams:
        return _team(key, items, key in rows)
    if key in players:  # "Cairns 10-0-47-2": a bowler, though a town has the name
        return EntityType.PERSON, None, True
    votes = Counter(t.kind for t in items)
    longest = max((t.text for t in items), key=len)
    decided = Counter(t.kind for t in items if t.decided)
    if decided:
        kind = decided.most_common(1)[0][0]
        return kind, knowledge.place_name(key) if kind is EntityType.PLACE else None, True
    majority = max(votes, key=lambda k: (votes[k], joined and k is EntityType.PERSON, k is EntityType.PLACE))
    party = knowledge.party_name(key) or (
        knowledge.party_of_members(key) if majority is EntityType.ORGANIZATION else None
    )
    if party:  # one id under all the party's names: "Labour", "Labour Party" and "Labour party" are one facet
        return EntityType.ORGANIZATION, party, True
    if any(knowledge.is_weapon(t.text) for t in items) or knowledge.is_compass(key):
        return None
    if knowledge.is_generic_institution(key) or knowledge.is_belief(key) or knowledge.is_no_name(key):
        return None
    if knowledge.is_international_body(key) and majority is not EntityType.PERSON:
        return EntityType.ORGANIZATION, None, True
    if majority is not EntityType.ORGANIZATION and knowledge.is_group_plural(longest):
        return None
    if majority is not EntityType.PERSON and (key in nationalities or knowledge.is_demonym(key)):
        return None
    # The outlet's own spelling stays the name ("BBC News" is not "BBC"): joining variants is the registry's.
    if knowledge.is_listed_organisation(longest):
        return EntityType.ORGANIZATION, None, True
    if majority is not EntityType.PERSON and knowledge.opens_with_institution(longest):
        return EntityType.ORGANIZATION, None, False  # "University of Texas", though GeoNames has a town of that name
    cued = Counter(t.kind for t in items if t.cued)
    person_cued = bool(cued) and max(cued, key=lambda k: (cued[k], k is EntityType.PERSON)) is EntityType.PERSON
    if (
        person_cued
        and (votes[EntityType.PERSON] >= votes[majority] or _alternate_only(key))
        and key not in _country_and_state_keys()  # "Princess Marguerite of Romania": a country names no one
    ):
        # "President Bush", "Mr Jackson": a person, though towns have the name; "singer Bono", though the model
        # read his other mentions as Bonn's Italian name
        return EntityType.PERSON, None, True
    if any(t.team_cued for t in items) and key not in _country_keys() and majority is not EntityType.PERSON:
        return EntityType.ORGANIZATION, None, True  # "Forest goalkeeper", "Cincinnati coach": a club, not the city
    if majority is not EntityType.PERSON and INITIAL_AND_SURNAME.fullmatch(longest):
        return EntityType.PERSON, None, False  # "B. Tuffin", which the model took for a place
    if is_known_place(key) and (
        key in _country_and_state_keys()  # "Sierra Leone" names no one, whatever the model reads
        or not (majority is EntityType.PERSON and len(key.split()) >= 2 and key.rsplit(" ", 1)[-1] not in CITY_WORDS)
    ):  # a known place, unless the model reads a person's name there ("Jordan Henderson"; not "Ho Chi Minh City")
        return EntityType.PLACE, knowledge.place_name(key), True
    place = knowledge.place_name(key)
    if place and majority is not EntityType.PERSON and knowledge.place_countries(key) & countries:
        return EntityType.PLACE, place, True  # a town of a country the article is about ("Balakliya")
    if cued:  # the words beside a mention outweigh the model's guesses at its other mentions
        return max(cued, key=lambda k: (cued[k], k is majority)), None, True
    if knowledge.has_facility_head(longest) and (
        majority is EntityType.ORGANIZATION or (majority is EntityType.PERSON and len(longest.split()) >= 3)
    ):  # "Volgograd Arena"; a two-word person may be called Hall or Street ("Stuart Hall")
        return EntityType.PLACE, None, False
    if majority is not EntityType.ORGANIZATION and knowledge.has_company_ending(longest):
        return EntityType.ORGANIZATION, None, False  # "Mengniu Dairy", "Sony Pictures"
    if majority is EntityType.PLACE and knowledge.has_institution_word(longest):
        return EntityType.ORGANIZATION, None, False  # "University of Texas", "Municipality of Livorno"
    if majority is EntityType.ORGANIZATION and knowledge.has_place_head(longest):
        return EntityType.PLACE, None, False  # "Siverskyi Donets River", "Kharkiv Oblast"
    if (
        majority is not EntityType.PERSON
        and _could_be_person(longest)
        and (knowledge.is_slavic_surname(longest.split()[-1]) or _opens_with_given_name(longest, items))
    ):
        return EntityType.PERSON, None, False
    return majority, place if majority is EntityType.PLACE else None, False


def build_entities(
    mentions: Iterable[Mention], teams: Iterable[str] = (), players: Iterable[str] = (), rows: Iterable[str] = ()
) -> list[Entity]:
    """Group one article's mentions into canonical entities (pure: no model needed).

    ``teams`` are the names on the article's results lines, ``players`` those on its lines of individual
    results, ``rows`` those of ``teams`` that open a standings row, where a golfer's name may stand
    (processors/results_lines.py).
    """
    typed, nationalities = _typed_mentions(mentions)
    on_results = {entity_key(name): name for name in (clean_surface(t) for t in teams) if len(name) >= 2}
    on_lines = {entity_key(name): name for name in (clean_surface(p) for p in players) if len(name) >= 2}
    listed = {**on_lines, **on_results}
    typed = [t for t in (_on_lines(m, listed, on_results) for m in typed) if t is not None]
    typed += [_Typed(name, EntityType.ORGANIZATION, False, team=True) for name in on_results.values()]
    typed += [_Typed(name, EntityType.PERSON, False) for key, name in on_lines.items() if key not in on_results]
    groups, joined = _group(typed)
    countries = _article_countries(groups)
    team_keys, player_keys = frozenset(on_results), frozenset(on_lines)
    row_keys = frozenset(entity_key(clean_surface(r)) for r in rows)
    merged: dict[tuple[EntityType, str], Entity] = {}
    first_seen: dict[tuple[EntityType, str], int] = {}
    for position, (key, items) in enumerate(groups.items()):  # groups are in order of first mention
        decision = _decide(
            key,
            items,
            key in joined,
            nationalities,
            countries,
            teams=team_keys,
            players=player_keys,
            rows=row_keys,
        )
        if decision is None:
            continue
        kind, known_name, by_knowledge = decision
        spellings = Counter(canonical_spelling(t.text) for t in items)
        longest = max(len(s.split()) for s in spellings)
        canonical = max((s for s in spellings if len(s.split()) == longest), key=lambda s: (spellings[s], s))
        share = sum(t.kind is kind for t in items) / len(items)
        # A known place is one id under all its spellings ("Kiev", "Kyiv": place:kyiv), but its name here is the
        # article's own: a facet then shows what the text says, and search finds it.
        entity = Entity(
            id=entity_id(kind, cap_name(known_name)) if known_name else "",
            type=kind,
            canonical=cap_name(canonical),
            surface_forms=sorted({cap_name(t.text) for t in items})[:MAX_SURFACE_FORMS],
            mentions=len(items),
            confidence=1.0 if by_knowledge else confidence(share, len(items)),
        )
        # Two spellings of one place ("Kiev", "Kyiv") become one entity, named by the more mentioned.
        slot = (kind, entity.id)
        if slot in merged:
            other = merged[slot]
            named = max((other, entity), key=lambda e: (e.mentions, e.id == entity_id(kind, e.canonical)))
            entity = named.model_copy(
                update={
                    "surface_forms": sorted({*other.surface_forms, *entity.surface_forms})[:MAX_SURFACE_FORMS],
                    "mentions": other.mentions + entity.mentions,
                    "confidence": max(other.confidence, entity.confidence),
                }
            )
        merged[slot] = entity
        first_seen.setdefault(slot, position)
    # The most mentioned first; of equals, the one the article names first (its lead says what matters).
    ranked = sorted(merged, key=lambda slot: (-merged[slot].mentions, first_seen[slot]))
    return [merged[slot] for slot in ranked[:MAX_ENTITIES_PER_ARTICLE]]


def with_listed_spans(text: str, found: Sequence[tuple[int, int, Mention]]) -> list[Mention]:
    """The model's mentions (``found``: each with its start and end in ``text``) with the parties, outlets and
    listed organisations it split or missed (entity_knowledge.party_spans, outlet_spans, organisation_spans): a
    listed name's span replaces the model's mentions inside it ("Liberal", "Democrat" -> "Liberal Democrat";
    "Telegraph" -> "Sunday Telegraph") and cuts one that runs on past its end ("Lib Dem Norman Baker" -> "Norman
    Baker"); one inside a model's mention ("Parliamentary Labour Party") adds nothing.
    """
    spans = {*knowledge.party_spans(text), *knowledge.outlet_spans(text), *knowledge.organisation_spans(text)}
    listed = [
        (start, end)
        for start, end in sorted(spans)
        if not any(s <= start and end <= e for s, e, _ in found)
        # one list's name inside another's ("Yahoo" in the outlet "Yahoo! News") adds nothing either
        and not any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans)
    ]
    kept = []
    for s, e, mention in found:
        end = max((end for start, end in listed if start <= s < end), default=None)
        if end is None:
            kept.append(mention)
        elif e > end and (rest := text[end:e].strip()) and rest not in NOT_A_MENTION_AFTER_A_NAME:
            # run from within a listed name past its end: the rest is a mention of its own ("Lib Dem Norman Baker")
            kept.append(replace(mention, text=rest, before=text[max(0, e - len(rest) - BEFORE_CHARS) : e - len(rest)]))
        # else inside the listed name, or it and a possessive or a title ("St Germain 's" of "Paris St Germain 's",
        # "MEP" of "UK Independence Party MEP"): gone
    return kept + [
        Mention(
            text[start:end], "ORG", text[end : end + AFTER_CHARS], before=text[max(0, start - BEFORE_CHARS) : start]
        )
        for start, end in listed
    ]


class EntityExtractor:
    """spaCy NER over batches of texts; only the components NER needs are loaded."""

    def __init__(self, model: str | None = None) -> None:
        """Load ``model`` (a package name or a pipeline folder), by default ``NEWSFLOW_NER_MODEL``'s pipeline.

        Raises newsflow.infra.ner_models.NerModelMissingError when the configured pipeline was not fetched.
        """
        location = model or ner_model_location(get_settings())
        self._nlp: Any = load_ner_pipeline(location)

    def extract(self, texts: Sequence[str], batch_size: int = 32) -> list[list[Entity]]:
        """Entities of each text, in order (datelines and capitals handled by processors/ner_text.py first)."""
        prepared = [prepare(t[:MAX_NER_CHARS]) for t in texts]
        # A worker runs for weeks over text it has never seen: without a memory zone every new word
        # stays in spaCy's vocabulary for good (728k strings and +180 MB after 1600 articles with
        # fresh names and numbers; 85k and +40 MB inside zones). Nothing of a Doc outlives the zone:
        # entities are built from plain strings.
        with self._nlp.memory_zone():
            docs = self._nlp.pipe((p.text for p in prepared), batch_size=batch_size)
            return [_entities_of(p, doc) for p, doc in zip(prepared, docs, strict=True)]


def _entities_of(prepared: PreparedText, doc: Any) -> list[Entity]:
    """The entities of one prepared text and the model's ``doc`` of it, with what its results lines name."""
    names = line_names(prepared.text)
    return build_entities(_mentions(prepared, doc), teams=names.teams, players=names.players, rows=names.rows)


# The lowercase particles of names ("Sandra den Hamer", "Robin van Persie", "Osama bin Laden") at which the
# model sometimes ends one span and starts another.
NAME_PARTICLES = frozenset(
    {"van", "von", "de", "den", "der", "da", "di", "du", "la", "le", "bin", "ibn", "al", "el", "del", "dos", "das"}
)


def joined_at_particles(text: str, spans: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The model's spans (start, end, label; in order), with a person's span joined to the capitalised span
    after it when a name particle stands between them or ends the first ("Sandra den" + "Hamer")."""
    joined: list[tuple[int, int, str]] = []
    for start, end, label in spans:
        if joined:
            last_start, last_end, last_label = joined[-1]
            gap = text[last_end:start]
            ends_in_particle = text[last_start:last_end].rsplit(" ", 1)[-1] in NAME_PARTICLES
            particle_between = gap.strip() in NAME_PARTICLES and gap.startswith(" ") and gap.endswith(" ")
            if (
                PERSON_LABEL in (last_label, label)
                and text[start : start + 1].isupper()
                and ((gap == " " and ends_in_particle) or particle_between)
            ):
                joined[-1] = (last_start, end, PERSON_LABEL)
                continue
        joined.append((start, end, label))
    return joined


HYPHENED_FIRST_PART = re.compile(r"(?<![\w-])[A-Z][a-z]+-$")  # "Marc-" of "Marc-Andre Giroux"


def with_hyphened_first_names(text: str, spans: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The model's spans, a person's widened to the first part of a hyphened given name it left out ("Andre
    Giroux" in "Marc-Andre Giroux": spaCy splits at the hyphen)."""
    widened: list[tuple[int, int, str]] = []
    for start, end, label in spans:
        first = HYPHENED_FIRST_PART.search(text, max(0, start - 20), start) if label == PERSON_LABEL else None
        given = first is not None and knowledge.is_given_name(first[0][:-1])  # "Marc-", "Jean-", "Per-"; not "Anti-"
        widened.append((first.start() if first is not None and given else start, end, label))
    return widened


def _line_end(text: str, start: int, end: int) -> int:
    """A span's end, cut at its first line break: a name does not run on into the next line, a list's next
    item or the paragraph after a heading ("Disney\nSuperheroes\nAnime")."""
    newline = text.find("\n", start, end)
    return end if newline < 0 else newline


def _employers(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``spans`` with a name right after a person's and "of" an organisation: "analyst Ian Fraser of Nesbitt
    Burns" names the analyst's firm, which the model often takes for another person."""
    out = list(spans)
    for n in range(1, len(out)):
        (_, before_end, before_label), (start, end, label) = out[n - 1], out[n]
        if before_label == "PERSON" and label == "PERSON" and text[before_end:start] == " of ":
            out[n] = (start, end, "ORG")
    return out


def _mentions(prepared: PreparedText, doc: Any) -> list[Mention]:
    """The model's mentions of one prepared text, its parties and outlets (:func:`with_listed_spans`) and its
    dateline's."""
    text = prepared.text  # not doc.text: spaCy rebuilds doc.text from every token at each access
    spans = joined_at_particles(
        text, [(e.start_char, _line_end(text, e.start_char, e.end_char), e.label_) for e in doc.ents]
    )
    spans = _employers(text, with_hyphened_first_names(text, spans))
    found = [
        (
            start,
            end,
            Mention(
                text[start:end],
                label,
                text[end : end + AFTER_CHARS],
                before=text[max(0, start - BEFORE_CHARS) : start],
            ),
        )
        for start, end, label in spans
    ]
    return [
        *with_listed_spans(text, found),
        *(Mention(name, "GPE", decided=EntityType.PLACE) for name in prepared.places),
        *(Mention(name, "ORG", decided=EntityType.ORGANIZATION) for name in prepared.organizations),
        *(Mention(text[start:end], "EVENT") for start, end in knowledge.storm_spans(text)),
    ]
