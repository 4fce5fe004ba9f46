"""What the project knows about names, independently of the model: places, outlets, demonyms, weapons.

The entity stage (processors/entities.py) asks this module, per entity of an article:

- :func:`place_name`: the canonical name of a place under any of its spellings
  ("Kiev" -> "Kyiv", "USA" -> "United States"), from the gazetteer (GeoNames'
  alternate names, kept only when they are transliterations of the name: the
  same consonants, so "Kharkov" joins "Kharkiv" but a translated or
  unrelated alternate does not) and a small curated table of country names;
- :func:`outlet_name`: the canonical name of a news outlet or agency
  (data/outlets.tsv, curated; plus safe name patterns such as "* Gazeta");
- :func:`organisation_name`: the canonical name of a listed company, exchange, sports body or band
  (data/organisations.tsv, curated);
- :func:`party_name`, :func:`party_of_members`: the canonical name of a political
  party under its names ("Labour", "Tory") or its members' plural ("Tories")
  (data/parties.tsv, curated);
- :func:`is_demonym`: "Ukrainian", "Russians", "British": nationalities, never places;
- :func:`is_weapon`: "HIMARS", "S-300", "Javelin": weapon systems, no facet at all;
- :func:`is_slavic_surname`: "Aretovych", "Humeniuk": a person's surname shape.

Everything is built once per process from files shipped in the package.
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources

import wordfreq

from newsflow.processors import gazetteer
from newsflow.schemas.articles import name_words

OUTLETS_FILE = "outlets.tsv"
ORGANISATIONS_FILE = "organisations.tsv"
PARTIES_FILE = "parties.tsv"
GIVEN_NAMES_FILE = "given_names.txt.gz"  # tools/build_given_names.py (Faker's first names, MIT)
SURNAMES_FILE = "surnames.txt.gz"  # the same, Faker's last names
SURNAME_WORD_ZIPF = 4.0  # wordfreq's Zipf scale: "studios" 4.2, "capital" 5.0; "Vlachakis" is near 0
# Words that open companies' and bodies' names and are someone's given name somewhere ("General Motors",
# "Royal Dutch", "Union Carbide"): kept out of the given names.
NOT_GIVEN_NAMES = frozenset(
    {
        "general", "royal", "union", "national", "united", "standard", "liberty", "victory", "independence",
        "justice", "pacific", "atlantic", "central", "federal", "continental", "imperial", "premier", "capital",
        "credit", "banco", "banca", "bank", "china", "india", "asia", "africa", "america", "europa", "euro",
        "new", "north", "south", "east", "west", "saint", "santa", "san", "sun", "star", "king", "prince",
        "princess", "queen", "duke", "baron", "major", "young", "rich", "rock", "river", "ocean", "sky",
        "red", "little", "big", "golden", "silver", "black", "white", "green", "blue", "grand", "great", "old",
        "velvet", "iron", "diamond", "crystal", "happy", "lucky", "city", "metro", "global", "world", "first",
        "tory", "rio", "roma", "les", "belle", "doc", "la", "le", "el", "al", "van", "von", "de", "da", "di", "del",
        "french", "indie",
    }
)  # fmt: skip
# Countries as news names them, beside the gazetteer's names (GeoNames has no alternates for countries).
# Nations and regions in the news that the gazetteer (countries, US states, cities) lacks, with their
# country's ISO code. Curated by hand.
REGIONS: dict[str, str] = {
    "England": "GB", "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB", "Catalonia": "ES",
    "Basque Country": "ES", "Bavaria": "DE", "Flanders": "BE", "Wallonia": "BE", "Sicily": "IT", "Sardinia": "IT",
    "Corsica": "FR", "Brittany": "FR", "Tibet": "CN", "Xinjiang": "CN", "Kashmir": "IN", "Punjab": "IN",
    "Chechnya": "RU", "Dagestan": "RU", "Siberia": "RU", "Crimea": "UA", "Donbas": "UA", "Quebec": "CA",
    "Tasmania": "AU", "Darfur": "SD", "Kurdistan": "IQ", "Patagonia": "AR", "Transnistria": "MD",
}  # fmt: skip
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "United States": ("US", "U.S.", "USA", "U.S.A.", "America", "United States of America", "the States"),
    "United Kingdom": ("UK", "U.K.", "Britain", "Great Britain", "GB"),
    "Czechia": ("Czech Republic",),
    "Netherlands": ("The Netherlands", "Holland"),
    "Russia": ("Russian Federation",),
    "South Korea": ("Republic of Korea", "Korea Republic", "ROK"),
    "North Korea": ("DPRK", "Democratic People's Republic of Korea"),
    "United Arab Emirates": ("UAE", "U.A.E.", "Emirates"),
    "Ivory Coast": ("Cote d'Ivoire", "Côte d'Ivoire"),
    "Myanmar": ("Burma",),
    "Eswatini": ("Swaziland",),
    "North Macedonia": ("Macedonia", "FYROM"),
    "Democratic Republic of the Congo": ("DR Congo", "DRC", "Congo-Kinshasa", "Zaire"),
    "Republic of the Congo": ("Congo-Brazzaville",),
    "Cabo Verde": ("Cape Verde",),
    "Timor Leste": ("East Timor", "Timor-Leste"),
    "Palestinian Territory": ("Palestine", "Palestinian Territories"),
    "Vatican": ("Vatican City", "Holy See"),
    "Turkey": ("Turkiye", "Türkiye"),
    "China": ("PRC", "People's Republic of China", "Mainland China"),
}
# Canonical names for gazetteer countries whose GeoNames name news never uses.
COUNTRY_RENAMES = {"The Netherlands": "Netherlands"}
# Names shorter than this, and alternates that are another place's name, never join a place by spelling.
MIN_ALTERNATE_CHARS = 4
NOT_SKELETON = str.maketrans("", "", "aeiouy -'0123456789")
DOUBLED = re.compile(r"(.)\1+")

# A name ending in one of these words is a publication (the word before it makes it a name).
OUTLET_SUFFIXES = frozenset({"Gazeta", "Gazette", "Zeitung", "Pravda", "Times", "Herald", "Tribune", "Chronicle"})
OUTLET_TAILS = ("News Agency", "Press Agency", "Broadcasting Corporation", "Broadcasting Company", "News Service")

# Nationalities that do not start like their country's name (the others are found by rule).
DEMONYMS = frozenset(
    {
        "french", "dutch", "swiss", "greek", "greeks", "welsh", "scots", "scot", "irish", "danish", "dane", "danes",
        "arab", "arabs", "kurd", "kurds", "kurdish", "basque", "basques", "filipino", "filipinos", "czech", "czechs",
        "slovak", "slovaks", "turk", "turks", "croat", "croats", "serb", "serbs", "pole", "poles", "finn", "finns",
        "swede", "swedes", "brit", "brits", "kiwi", "kiwis", "aussie", "aussies", "yankee", "yankees", "magyar",
        "pashtun", "tajik", "uzbek", "kazakh", "kyrgyz", "tatar", "tatars", "cossack", "cossacks", "roma",
        "western", "eastern", "northern", "southern", "soviet", "soviets", "allied",
    }
)  # fmt: skip
DEMONYM_ENDING = re.compile(r"(?:ians?|eans?|ans?|ese|ish|is?|ic|iots?|ers?|ites?)$")
MIN_DEMONYM_STEM = 4
# "the West", "the East": directions and blocs, not places a facet can show.
COMPASS = frozenset({"west", "east", "north", "south", "northeast", "northwest", "southeast", "southwest", "midwest"})

# Weapon systems news names by themselves; designations like "S-300", "F-16s", "T-72" are matched by pattern.
WEAPONS = frozenset(
    {
        "himars", "harm", "javelin", "javelins", "nlaw", "nlaws", "stinger", "stingers", "switchblade",
        "switchblades", "bayraktar", "bayraktars", "tb2", "iskander", "kalibr", "kinzhal", "zircon", "sarmat",
        "excalibur", "nasams", "iris t", "gepard", "gepards", "atacms", "gmlrs", "storm shadow", "scalp", "taurus",
        "shahed", "shaheds", "lancet", "tomahawk", "tomahawks", "hellfire", "scud", "scuds", "kornet", "buk",
        "pantsir", "grad", "smerch", "uragan", "tochka", "tochka u", "leopard", "leopards", "leopard 2", "abrams",
        "bradley", "bradleys", "stryker", "strykers", "marder", "caesar", "krab", "patriot", "patriots missiles",
        "aegis", "thaad", "predator", "reaper", "mq 9 reaper", "high mobility artillery rocket system",
        "high speed anti radiation missile", "ak 47", "kalashnikov", "uzi",
    }
)  # fmt: skip
WEAPON_DESIGNATION = re.compile(r"(?:S|Su|MiG|Tu|Ka|Mi|T|BM|AK|F|M|B|Il|An|AH|UH|MQ|RQ|Kh|BMP|BTR)-?\d{1,4}[A-Z]?s?")
WEAPON_HEADS = frozenset(
    {"missile", "missiles", "rocket", "rockets", "launcher", "launchers", "howitzer", "howitzers", "drone", "drones"}
)

# Surname endings of Ukrainian, Russian, Belarusian and Polish names ("Aretovych", "Humeniuk", "Syniehubov").
SLAVIC_SURNAME = re.compile(
    r"\w{2,}(?:ovych|evych|ovich|evich|enko|chuk|iuk|yuk|czuk|ov|ova|ev|eva|skyi|sky|skiy|ska|ski|vych)"
)


def fold(text: str) -> str:
    """Case-folded words without accents, single-spaced (the comparison key of processors/entities.py)."""
    return " ".join(name_words(text))


def _skeleton(key: str) -> str:
    """The consonants of a key, doubled letters once: transliterations of one name share it ("kharkiv" -> "khrkv")."""
    return DOUBLED.sub(r"\1", key.translate(NOT_SKELETON))


@lru_cache(maxsize=1)
def _places() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Place key -> canonical name, and place key -> the countries (ISO codes) of places of that name."""
    best: dict[str, tuple[int, int, str]] = {}  # key -> (kind rank, population, name)
    countries: dict[str, set[str]] = defaultdict(set)
    alternates: dict[str, tuple[int, str, str]] = {}  # alternate key -> (population, name, country)
    rank = {gazetteer.PlaceKind.COUNTRY: 2, gazetteer.PlaceKind.STATE: 1, gazetteer.PlaceKind.CITY: 0}
    for place in gazetteer.places():
        name = COUNTRY_RENAMES.get(place.name, place.name)
        key = fold(name)
        size = place.population or 0
        countries[key].add(place.country)
        # Of places of one name, a country beats a state beats a city, and the larger city gives the spelling.
        candidate = (rank[place.kind], size, name)
        if key not in best or candidate > best[key]:
            best[key] = candidate
        skeleton = _skeleton(key)
        for alternate in place.alternates:
            alt = fold(alternate)
            # Cheap tests first: about 97 000 alternates, and a transliteration starts alike and is as long.
            if (
                alt[:1] == key[:1]
                and abs(len(alt) - len(key)) <= 3
                and len(alt) >= MIN_ALTERNATE_CHARS
                and alt != key
                and _skeleton(alt) == skeleton
                and (alt not in alternates or alternates[alt][0] < size)
            ):
                alternates[alt] = (size, name, place.country)
    names = {key: name for key, (_, _, name) in best.items()}
    for alt, (_, name, country) in alternates.items():
        if alt not in names:  # a place's own name beats another place's alternate
            names[alt] = name
            countries[alt].add(country)
    for region, code in REGIONS.items():
        names.setdefault(fold(region), region)
        countries[fold(region)].add(code)
    for canonical, aliases in COUNTRY_ALIASES.items():
        code = next(iter(countries[fold(canonical)]), "")
        for alias in aliases:
            names[fold(alias)] = canonical
            countries[fold(alias)].add(code)
    return names, {key: frozenset(codes) for key, codes in countries.items()}


@lru_cache(maxsize=1)
def _country_keys() -> frozenset[str]:
    """The keys of the countries under their gazetteer names and curated aliases, and of the nations and regions
    sport names as countries ("England", "Scotland")."""
    names = [p.name for p in gazetteer.places() if p.kind is gazetteer.PlaceKind.COUNTRY]
    names += [*COUNTRY_ALIASES, *(alias for aliases in COUNTRY_ALIASES.values() for alias in aliases), *REGIONS]
    return frozenset(fold(name) for name in names)


def is_country(key: str) -> bool:
    """Whether ``key`` (see :func:`fold`) names a country or a nation: "denmark", "u.s.", "england"."""
    return key in _country_keys()


def place_name(key: str) -> str | None:
    """The canonical name of the place whose name or spelling has ``key`` (see :func:`fold`), or None."""
    return _places()[0].get(key)


def place_countries(key: str) -> frozenset[str]:
    """The ISO codes of the countries that have a place named ``key`` (empty when none)."""
    return _places()[1].get(key, frozenset())


@cache
def _names_file(file_name: str) -> frozenset[str]:
    """The folded names of a gzipped list in data/ (one a line, after its comment lines)."""
    data = resources.files(__package__ or "newsflow.processors").joinpath("data", file_name).read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_given_name(word: str) -> bool:
    """Whether ``word`` is someone's given name in one of Faker's locales ("Christos", "Oleksandr", "Kevin")."""
    return fold(word) in _names_file(GIVEN_NAMES_FILE)


def is_surname(word: str) -> bool:
    """Whether ``word`` is someone's surname in one of Faker's locales ("Heyward", "Morris", "Nagano")."""
    return fold(word) in _names_file(SURNAMES_FILE)


def could_be_surname(word: str) -> bool:
    """Whether ``word`` is someone's surname in one of Faker's locales ("Brown", "Baker", "Nagano") or no common
    English word ("Vlachakis"; not "Capital", "Research", "Studios")."""
    return is_surname(word) or wordfreq.zipf_frequency(word, "en") < SURNAME_WORD_ZIPF


def _table_rows(file_name: str) -> Iterator[list[str]]:
    """The rows of a curated table in data/: tab-separated fields, after its comment lines and column names."""
    text = resources.files(__package__ or "newsflow.processors").joinpath("data", file_name).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    for line in lines[1:]:  # the first is the column names
        yield line.split("\t")


@cache
def _listed(file_name: str) -> dict[str, str]:
    """Key -> canonical name of a curated list of organisations (data/outlets.tsv, data/organisations.tsv):
    one a line, its canonical name and then its other names, tab-separated; each name with and without a
    leading "The"."""
    listed: dict[str, str] = {}
    for canonical, *aliases in _table_rows(file_name):
        for name in (canonical, *aliases):
            listed[fold(name)] = canonical
            # The entity stage takes a leading "The" off a mention: "The Telegraph" arrives as "Telegraph".
            listed.setdefault(fold(name).removeprefix("the "), canonical)
    return listed


def _listed_name(file_name: str, name: str) -> str | None:
    """The canonical name ``name`` has in a curated list (:func:`_listed`), with or without a leading "the"."""
    listed, key = _listed(file_name), fold(name)
    return listed.get(key) or listed.get(key.removeprefix("the "))


def outlet_name(name: str) -> str | None:
    """The canonical name of the outlet or agency ``name`` is, or None.

    Listed outlets by any of their names; otherwise a capitalised name of two or more words
    ending in a publication's word ("Kyiv Gazeta", "Taipei Times") or an agency's words
    ("Xinhua News Agency"). "* News" and "* Post" alone are not enough ("Good News", "Emily Post").
    """
    if listed := _listed_name(OUTLETS_FILE, name):
        return listed
    words = name.split()
    if len(words) >= 2 and all(w[:1].isupper() for w in words) and words[-1] in OUTLET_SUFFIXES:
        return name
    if any(name.endswith(tail) for tail in OUTLET_TAILS) and len(words) > 2:
        return name
    return None


def _names_pattern(forms: set[str]) -> re.Pattern[str]:
    """A pattern of ``forms`` as written, whole words, the longest first (so "Sunday Telegraph" beats "Telegraph")."""
    alternation = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])")


def _is_distinctive(name: str) -> bool:
    """Two or more capitalised words (or numbers, "of", "and", "the" between), or an acronym of three letters."""
    words = name.split()
    if len(words) == 1:
        return len(name) >= 3 and name.isupper()
    return all(w[:1].isupper() or w[:1].isdigit() or w in ("of", "and", "the") for w in words)


def _is_single_name(name: str) -> bool:
    """One word of three characters or more, or with a digit ("Gazprom", "SonyBMG", "U2"; not "GM", "BP")."""
    return " " not in name and (len(name) >= 3 or any(c.isdigit() for c in name))


@cache
def _listed_pattern(file_name: str, *, single_words: bool = False) -> re.Pattern[str]:
    """A pattern of a curated list's names that are no everyday words, case as written, whole words: two or
    more capitalised words ("Evening Standard", "Channel 4"; a leading "The" may be absent) or an acronym of
    three letters or more ("ITV"); with ``single_words``, any one-word name of :func:`_is_single_name` (for a
    list that leaves everyday words out). "Mirror" or "Sun" alone count only where the model found them."""
    forms: set[str] = set()
    for canonical, *aliases in _table_rows(file_name):
        for name in (canonical, *aliases):
            bare = name.removeprefix("The ")
            if _is_distinctive(bare) or (single_words and _is_single_name(bare)):
                forms.add(bare)
    return _names_pattern(forms)


def outlet_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a listed outlet by a distinctive name (start and end offsets), whatever a model
    made of it (it reads "Evening Standard" as a time, or takes "Telegraph" alone out of "Sunday Telegraph")."""
    return [(found.start(), found.end()) for found in _listed_pattern(OUTLETS_FILE).finditer(text)]


def organisation_name(name: str) -> str | None:
    """The canonical name of the listed organisation ``name`` is (data/organisations.tsv: companies, exchanges,
    sports bodies, bands the model takes for people or places: "Gazprom", "Kasabian"), or None."""
    return _listed_name(ORGANISATIONS_FILE, name)


def organisation_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a listed organisation ("Goldman Sachs", "HSBC", "Clearstream"), whatever a model made
    of it. The list leaves everyday words out, so one word counts too, but not two letters alone ("GM crops")."""
    pattern = _listed_pattern(ORGANISATIONS_FILE, single_words=True)
    return [(found.start(), found.end()) for found in pattern.finditer(text)]


@lru_cache(maxsize=1)
def _parties() -> tuple[dict[str, str], dict[str, str]]:
    """Party key -> canonical name, from data/parties.tsv: by the names that name the party; by its members' plural."""
    names: dict[str, str] = {}
    members: dict[str, str] = {}
    for canonical, other_names, member_names in _table_rows(PARTIES_FILE):
        for name in (canonical, *other_names.split("; ")):
            if name:
                names[fold(name)] = canonical
        for name in member_names.split("; "):
            if name:
                members[fold(name)] = canonical
    return names, members


def party_name(key: str) -> str | None:
    """The canonical name of the party ``key`` names ("labour", "tory", "the snp"), or None.

    Parties are organisations; spaCy's English models call most of their names
    nationalities or groups (NORP, as OntoNotes does), so the model's label alone would drop them.
    """
    names = _parties()[0]
    return names.get(key) or names.get(key.removeprefix("the "))


def party_of_members(key: str) -> str | None:
    """The canonical name of the party whose members ``key`` names ("tories", "democrats"), or None.

    A plural of members is a group of people as often as the party itself (GUM annotates
    "Republicans" as people), so the entity stage takes it for the party only in an
    article that names the party otherwise.
    """
    members = _parties()[1]
    return members.get(key) or members.get(key.removeprefix("the "))


# What may follow a party's everyday-word form ("Labour", "Tory", "Democratic") when the next word has a capital:
# its elected members' titles. Another capitalised word makes it part of another name ("Labour Day",
# "Labor Department", "Democratic Republic of Congo").
PARTY_MEMBER_TITLES = frozenset(
    {"MP", "MPs", "MEP", "MEPs", "MSP", "MSPs", "AM", "AMs", "Senator", "Senators", "Congressman", "Congresswoman"}
)
# The end of what comes before a sentence's first word: a full stop, a line, an opening quote, a dash.
SENTENCE_START = re.compile(r"(?:[.!?:;\n\"\u201c\u2018]\s*|\s[-\u2013\u2014]\s*)$")
SENTENCE_START_CHARS = 4  # the characters before a word that SENTENCE_START reads (not the whole text before it)


@lru_cache(maxsize=1)
def _party_forms() -> tuple[re.Pattern[str], frozenset[str]]:
    """A pattern of every party name and other name in data/parties.tsv (the longest first, case as
    written, whole words), and the forms that are also everyday words: single-word other names in title case."""
    forms: set[str] = set()
    everyday: set[str] = set()
    for canonical, other_names, _members in _table_rows(PARTIES_FILE):
        others = [name for name in other_names.split("; ") if name]
        forms.update([canonical, *others])
        everyday.update(n for n in others if " " not in n and n[:1].isupper() and not n.isupper())
    return _names_pattern(forms), frozenset(everyday)


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` is the first of the text or of a sentence, line or quotation."""
    before = text[max(0, start - SENTENCE_START_CHARS) : start]
    return (start <= SENTENCE_START_CHARS and not before.strip()) or bool(SENTENCE_START.search(before))


def party_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a party (start and end offsets), whatever a model made of it.

    The model splits some ("Liberal" ORG, "Democrat" NORP for "Liberal Democrat") and misses others
    ("Labour backbencher"). An everyday-word form counts only inside a sentence and not before another
    capitalised word other than a member's title: "Labour costs rose" and "Labour Day" are no party.
    """
    pattern, everyday = _party_forms()
    spans = []
    for found in pattern.finditer(text):
        if found.group() in everyday:
            if _starts_sentence(text, found.start()):
                continue
            following = text[found.end() : found.end() + 40].split(maxsplit=1)
            if (
                following
                and following[0][:1].isupper()
                and following[0].rstrip(".,;:'\u2019s") not in (PARTY_MEMBER_TITLES)
            ):
                continue
        spans.append((found.start(), found.end()))
    return spans


@lru_cache(maxsize=1)
def _demonym_stems() -> frozenset[str]:
    """The first MIN_DEMONYM_STEM letters of every country's and US state's names and aliases."""
    names = [p.name for p in gazetteer.places() if p.kind is not gazetteer.PlaceKind.CITY]
    names += [alias for aliases in COUNTRY_ALIASES.values() for alias in aliases]
    return frozenset(fold(n).replace(" ", "")[:MIN_DEMONYM_STEM] for n in names if len(n) >= MIN_DEMONYM_STEM)


def is_demonym(key: str) -> bool:
    """Whether ``key`` (one word) names a nationality or people: "ukrainian", "russians", "british", "dutch"."""
    if " " in key or place_name(key):
        return False
    if key in DEMONYMS:
        return True
    return bool(DEMONYM_ENDING.search(key)) and key[:MIN_DEMONYM_STEM] in _demonym_stems()


def is_compass(key: str) -> bool:
    """Whether ``key`` is a bare direction or bloc ("west", "the East" folded)."""
    return key.removeprefix("the ") in COMPASS


# Words that alone are a common noun with a capital (a heading, "the Government said"), not an institution's name.
GENERIC_INSTITUTIONS = frozenset(
    {
        "government", "state", "education", "ministry", "department", "police", "court", "council", "committee",
        "agency", "administration", "authority", "authorities", "company", "group", "media", "press", "board",
        "office", "service", "opposition", "management", "industry", "market", "markets", "budget", "party",
        "bank", "home", "defence", "defense", "foreign", "health", "culture", "environment", "interior", "finance",
    }
)  # fmt: skip


def is_generic_institution(key: str) -> bool:
    """Whether ``key`` is a bare common noun for an institution ("Government", "State"): no organisation's name."""
    return key.removeprefix("the ") in GENERIC_INSTITUTIONS


# Religions and isms the model takes for organisations: no facet's ("Islam" is a faith, not a body).
BELIEFS = frozenset(
    {
        "islam", "christianity", "judaism", "hinduism", "buddhism", "sikhism", "catholicism", "protestantism",
        "islamophobia", "antisemitism", "anti semitism", "zionism", "communism", "socialism", "capitalism",
    }
)  # fmt: skip
# One word for a group of people: a plural of an acronym ("MPs", "MEPs") or of a follower's word
# ("Thatcherites", "Eurosceptics", "Islamists", "Europhiles"), which the model types as a person or a place.
GROUP_PLURAL = re.compile(r"(?:[A-Z]{2,}s|[A-Z][a-z]+(?:ites|ists|sceptics|skeptics|philes|phobes))")
# The last word of a name for an event, a law or a list: no person, organisation or place
# ("Rotterdam Film Festival", "Gambling Bill", "Anglo-Irish Agreement", "Official UK Singles Chart").
NOT_ENTITY_HEADS = frozenset(
    {
        "festival", "fair", "awards", "award", "prize", "prizes", "championship", "championships", "cup",
        "olympics", "summit", "conference", "expo", "tournament", "marathon", "elections", "election", "bill",
        "act", "agreement", "treaty", "accord", "directive", "chart", "charts", "prix", "open", "shield", "trophy",
    }
)  # fmt: skip


# International bodies the model sometimes takes for places ("the UN aids agency"): organisations, as every
# annotation guideline has them.
INTERNATIONAL_BODIES = frozenset(
    {
        "un", "united nations", "eu", "european union", "nato", "wto", "imf", "world bank", "opec", "who",
        "world health organization", "unesco", "unicef", "unhcr", "unaids", "osce", "asean", "african union",
        "arab league", "oecd", "iaea", "interpol", "europol", "g7", "g8", "g20", "red cross", "red crescent",
        "council of europe", "european commission", "european parliament", "security council",
    }
)  # fmt: skip


def is_international_body(key: str) -> bool:
    """Whether ``key`` names an international organisation ("un", "the eu", "nato")."""
    return key.removeprefix("the ") in INTERNATIONAL_BODIES


def is_belief(key: str) -> bool:
    """Whether ``key`` names a religion or an ism ("islam"): in no facet."""
    return key in BELIEFS


def is_group_plural(name: str) -> bool:
    """Whether ``name`` is one word for a group of people ("MPs", "Blairites", "Eurosceptics")."""
    return bool(GROUP_PLURAL.fullmatch(name))


# Awards and events known by a name of their own, without an event's noun ("the Oscars", "Super Bowl"): no
# entity, as "Brit Awards" is none. "Bafta" alone is left out: it is also the academy ("Bafta said").
NAMED_EVENTS = frozenset(
    {
        "oscar", "oscars", "golden globe", "golden globes", "grammy", "grammys", "emmy", "emmys", "baftas",
        "brit", "brits", "mobo", "mobos", "super bowl", "eurovision", "live aid", "grand national", "paralympics",
        "tour de france",
    }
)  # fmt: skip
# The first words of a storm's name ("Hurricane Katrina", "Cyclone Phailin"): an event, whatever the model's label.
STORM_WORDS = ("hurricane", "typhoon", "cyclone", "tropical storm", "storm", "superstorm", "tropical cyclone")
# Words the model takes for names that name nothing of a facet: time zones, music genres, and the headings of
# wire copy's results ("Scoreboard in the second one-day international ...").
NOT_NAMES = frozenset(
    {"gmt", "bst", "utc", "cet", "r b", "hip hop", "scoreboard", "scorers", "attendance", "standings", "halftime"}
)


def is_event_or_law(name: str) -> bool:
    """Whether ``name`` of two or more words ends with an event's, a law's or a list's noun ("Gambling Bill"),
    or names an award or event of :data:`NAMED_EVENTS` ("Oscars")."""
    key = fold(name)
    words = key.split()
    return (len(words) >= 2 and words[-1] in NOT_ENTITY_HEADS) or key.removeprefix("the ") in NAMED_EVENTS


# A storm named in the text, whether or not the model marks it ("Cyclone Phailin hit Odisha").
STORM = re.compile(
    r"\b(?:" + "|".join(w.title().replace(" ", r"\s") for w in STORM_WORDS) + r")\s[A-Z][\w'\-]+(?:\s[A-Z][\w'\-]+)?"
)


def storm_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a storm (start and end offsets), its word capitalised: "Hurricane Katrina"."""
    return [(found.start(), found.end()) for found in STORM.finditer(text)]


# A whole name that is a storm's, its word in any case. A pattern, as most mentions fail at their first letter.
STORM_NAMED = re.compile(r"(?i:" + "|".join(w.replace(" ", r"\s") for w in STORM_WORDS) + r")\s(?P<name>\S.*)")


def storm_name(name: str) -> str | None:
    """The storm's own name when ``name`` names a storm ("Phailin" of "Cyclone Phailin"), else None."""
    found = STORM_NAMED.fullmatch(name)
    if found is None or not found["name"][:1].isupper() or has_company_ending(name):  # "Storm Ltd"
        return None
    return found["name"]


def is_no_name(key: str) -> bool:
    """Whether ``key`` is a time zone, a genre or a results heading the model takes for a name ("GMT", "R&B",
    "Scoreboard")."""
    return key in NOT_NAMES


def is_event_or_law_noun(word: str) -> bool:
    """Whether ``word`` ends with an event's, a law's or a list's noun ("Bill" in "the Bill is debated")."""
    words = fold(word).split()
    return bool(words) and words[-1] in NOT_ENTITY_HEADS


# The last word of a geographic feature's or an administrative area's name ("Siverskyi Donets River",
# "Kharkiv Oblast"): a place whatever the model's label. Words that also end organisations' names
# ("State", "Valley" of a company) are left out.
PLACE_HEADS = frozenset(
    {
        "river", "lake", "sea", "ocean", "gulf", "strait", "straits", "bay", "peninsula", "mountains", "mountain",
        "desert", "island", "islands", "oblast", "province", "krai", "governorate", "prefecture", "county",
    }
)  # fmt: skip


# The last word of a facility's or a venue's name ("Volgograd Arena", "Shandao Station"): places, as the
# benchmarks' guidelines have them; "Centre" only after a venue's word ("Metro Toronto Convention Centre",
# not "Pew Research Center").
FACILITY_HEADS = frozenset(
    {
        "station", "stadium", "arena", "airport", "hall", "tower", "towers", "bridge", "cathedral", "prison",
        "square", "street", "avenue", "road",
    }
)  # fmt: skip
VENUE_CENTRE_WORDS = frozenset({"convention", "exhibition", "shopping", "leisure", "trade", "sports", "arts"})


def has_place_head(name: str) -> bool:
    """Whether ``name`` of two or more words ends with a geographic feature or administrative area noun."""
    words = fold(name).split()
    return len(words) >= 2 and words[-1] in PLACE_HEADS


# An institution's word that opens ("University of Texas", "Municipality of Livorno") or ends ("Ohio State
# University") its name: an organisation, though the place in the name leads the model to a place.
INSTITUTION_WORDS = frozenset(
    {
        "university", "college", "school", "institute", "council", "ministry", "department", "bank", "society",
        "association", "federation", "union", "committee", "commission", "board", "office", "bureau", "agency",
        "academy", "foundation", "municipality", "corporation", "company", "party", "league", "authority",
    }
)  # fmt: skip


# Institution words that also end places' names ("West Bank", "Oval Office", "Soviet Union", "Board Walk").
PLACE_LIKE_INSTITUTION_WORDS = frozenset({"bank", "office", "union", "board", "school"})
INSTITUTION_ENDINGS = INSTITUTION_WORDS - PLACE_LIKE_INSTITUTION_WORDS


def opens_with_institution(name: str) -> bool:
    """Whether ``name`` opens with an institution's word and "of"/"for"/"on" ("University of Texas", which
    GeoNames also lists as a town)."""
    words = fold(name).split()
    return len(words) >= 3 and words[0] in INSTITUTION_WORDS and words[1] in ("of", "for", "on")


def has_institution_word(name: str) -> bool:
    """Whether ``name`` opens with an institution's word and "of"/"for"/"on", or ends with one that names
    no place ("Ohio State University"; "West Bank", "Oval Office" are places)."""
    words = fold(name).split()
    ending = len(words) >= 2 and words[-1] in INSTITUTION_ENDINGS
    return opens_with_institution(name) or ending


# A sports club's name: a word only clubs end with ("Tottenham Hotspur", "Bolton Wanderers"), "United" or
# "Rangers" after a place ("Leeds United"), "Town" after a British town ("Ipswich Town"). "City" is left out:
# "Edinburgh City", "Gaza City" and "Quebec City" are as often the places themselves.
CLUB_ENDINGS = frozenset({"hotspur", "wanderers", "albion", "rovers", "athletic", "fc", "afc"})
CLUB_AFTER_PLACE = frozenset({"united", "rangers"})
CLUB_AFTER_BRITISH_TOWN = frozenset({"town"})


def is_club_name(name: str) -> bool:
    """Whether ``name`` is shaped like a sports club's name ("Leeds United", "Ipswich Town", "Bolton Wanderers")."""
    words = fold(name).split()
    if len(words) < 2:
        return False
    if words[-1] in CLUB_ENDINGS:
        return True
    town, whole = " ".join(words[:-1]), " ".join(words)
    if place_name(whole) is not None or place_name(town) is None:
        return False
    return words[-1] in CLUB_AFTER_PLACE or (words[-1] in CLUB_AFTER_BRITISH_TOWN and "GB" in place_countries(town))


def is_listed_organisation(name: str) -> bool:
    """Whether ``name`` is an outlet, a listed organisation or shaped like a club's name: an organisation
    whatever the model or the words beside it say."""
    return bool(outlet_name(name) or organisation_name(name) or is_club_name(name))


# A company's last word ("Mengniu Dairy", "Rosneft Holdings", "China Eastern Airlines"): the model takes the
# place or the founder's name in it for the whole.
COMPANY_ENDINGS = frozenset(
    {
        "inc", "corp", "ltd", "plc", "llc", "ag", "gmbh", "holdings", "airlines", "airways", "motors", "dairy",
        "foods", "pharmaceuticals", "industries", "enterprises", "technologies", "electronics", "telecom",
        "telecommunications", "communications", "entertainment", "records", "pictures", "brewery", "breweries",
        "petroleum", "chemicals", "insurance", "securities", "investments", "bancorp", "software", "mining",
        "resources", "group",
    }
)  # fmt: skip


def has_company_ending(name: str) -> bool:
    """Whether ``name`` of two or more words ends with a company's word ("Bright Dairy", "Sony Pictures")."""
    words = fold(name).split()
    return len(words) >= 2 and words[-1] in COMPANY_ENDINGS


def has_facility_head(name: str) -> bool:
    """Whether ``name`` of two or more words ends with a facility's or venue's noun ("Volgograd Arena")."""
    words = fold(name).split()
    if len(words) < 2:
        return False
    if words[-1] in ("centre", "center"):
        return words[-2] in VENUE_CENTRE_WORDS
    return words[-1] in FACILITY_HEADS


def is_weapon(name: str) -> bool:
    """Whether ``name`` names a weapon system: a listed one, a designation ("S-300", "F-16s") or "* Missile"."""
    key = fold(name)
    if key in WEAPONS or WEAPON_DESIGNATION.fullmatch(name.strip()):
        return True
    words = key.split()
    return len(words) >= 2 and words[-1] in WEAPON_HEADS


def is_slavic_surname(word: str) -> bool:
    """Whether ``word`` has the shape of a Slavic surname ("Aretovych", "Humeniuk", "Peskov")."""
    return word[:1].isupper() and word[1:].islower() and bool(SLAVIC_SURNAME.fullmatch(word.casefold()))
