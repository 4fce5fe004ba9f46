"""What the words right beside a mention say it names: "oil giant Yukos", "Gazprom shares", "singer Bono".

The model types a name it has not seen by its shape, and news is full of such names:
companies, bands, people quoted once. News writing tells the reader what they are in
the words next to them: a noun in apposition before the name ("rock band Green Day",
"Russian oil firm Yuganskneftegas", "singer Bono") or a noun the name modifies after
it ("Yukos spokesman", "Gazprom's chief", "Arsenal boss Arsene Wenger": Arsenal is the
club, Wenger the person). :func:`context_type` reads those two places only, with short
lists of nouns that name one type; everything else says nothing.

The words are those of newswire English, not of one corpus. A noun that can also be a
verb after a name ("shares", "bosses") or that fits people and organisations alike
("leader", "rival", "owner") is left out: a cue must be right nearly every time,
because it overrules the model (processors/entities.py).
"""

from __future__ import annotations

import re

from newsflow.schemas.articles import EntityType

# Before a name, in apposition: "dairy firm Mengniu", "rock band Kasabian", "shares in Euronext".
ORGANIZATION_BEFORE = frozenset(
    {
        "firm", "company", "giant", "bank", "band", "rockers", "carrier", "airline", "retailer", "supermarket",
        "manufacturer", "carmaker", "insurer", "broadcaster", "brewer", "conglomerate", "subsidiary", "label",
        "newspaper", "tabloid", "magazine", "charity", "watchdog", "regulator", "studio", "chain", "operator",
        "publisher", "distributor", "lender", "airlines", "outfit", "club", "side", "franchise", "team", "squad",
        "group", "agency", "organisation", "organization", "federation", "association", "union", "party",
        "exporter", "importer", "refiner",
        "firms", "companies", "banks", "bands", "groups", "clubs", "sides", "teams", "carriers", "retailers",
    }
)  # fmt: skip
ORGANIZATION_BEFORE_PAIRS = frozenset({("shares", "in"), ("stake", "in"), ("takeover", "of"), ("bid", "for")})
# "the town of Gorlovka", "the port of Antwerp": a place, whatever the model made of a name it did not know.
PLACE_BEFORE_PAIRS = frozenset(
    (kind, "of") for kind in ("town", "city", "village", "port", "province", "region", "district", "island")
)
# After a company's name in a market report: its shares' move and price ("Veba firmed 0.55 to 86.30", "BMW fell
# 3.5 pence", "Daimler-Benz rose 1.20 marks").
_PRICE_UNITS = (
    r"(?:pence|p|marks|pfennigs?|francs|centimes|cents|yen|pesetas|lire|lira|escudos|kroner|kronor|crowns|forints|"
    r"zlotys?|rand|baht|rupees|ringgit|won|pesos|dollars|schillings|guilders|drachmas|shekels|yuan|percent)\b"
)
_PRICE = r"\d[\d.,]*"
_MOVED = (
    r"(?:rose|fell|gained|firmed|eased|lost|dropped|slipped|climbed|added|shed|jumped|slid|dipped|edged"
    r"(?:[ \t]+(?:up|down))?|advanced|declined|tumbled|plunged|surged|soared|rallied)"
)
PRICE_MOVE_AFTER = re.compile(
    rf"^[ \t]+(?:{_MOVED}[ \t]+{_PRICE}[ \t]*(?:to\b|{_PRICE_UNITS}|%|,|\.)"
    rf"|(?:up|down)[ \t]+{_PRICE}[ \t]+(?:{_PRICE_UNITS}[ \t]+)?(?:at|to)\b"
    rf"|{_PRICE}[ \t]+(?:higher|lower)[ \t]+at\b)"
)
# Before a name, in apposition: "singer Bono", "character Den Watts", "campaigner Neil Herron".
PERSON_BEFORE = frozenset(
    {
        "singer", "actor", "actress", "comedian", "musician", "rapper", "presenter", "novelist", "author",
        "writer", "playwright", "poet", "artist", "guitarist", "drummer", "bassist", "frontman", "dj",
        "composer", "conductor", "dancer", "model", "designer", "chef", "character", "campaigner",
        "activist", "lawyer", "economist", "analyst", "striker", "midfielder", "defender", "goalkeeper",
        "wife", "husband", "son", "daughter", "widow", "colleague",
        "spokesman", "spokeswoman", "mp", "senator", "congressman", "congresswoman", "chairman", "chairwoman",
        "founder", "executive", "boss", "coach", "captain", "minister", "secretary", "president",
        "woman", "man", "girl", "boy", "teenager", "student", "teacher", "pensioner", "officer", "soldier",
        "doctor", "nurse", "team-mate", "teammate",
    }
)  # fmt: skip
# A title written with a capital right before a name the model did not take it into ("Ambassador Hamdullah Mohib").
PERSON_TITLES_BEFORE = frozenset(
    {
        "mr", "mrs", "ms", "miss", "dr", "sir", "dame", "ambassador", "president", "senator", "governor", "mayor",
        "minister", "chancellor", "secretary", "judge", "general", "colonel", "captain", "professor", "prof",
        "rev", "reverend", "sheriff", "detective", "sergeant", "inspector", "coach", "manager", "lord", "lady",
        "baroness", "baron", "prince", "princess", "king", "queen", "pope", "cardinal", "bishop", "archbishop",
    }
)  # fmt: skip
# Words of offices a peer's title opens ("Lord Chief Justice", "Lord Chancellor"): no person's name.
OFFICE_WORDS = frozenset(
    {"justice", "justices", "chief", "chancellor", "mayor", "speaker", "president", "advocate", "provost", "privy",
     "seal", "high", "commissioner", "lieutenant", "chamberlain", "steward", "protector"}
)  # fmt: skip
# Titles written with a stop that does not end a sentence ("Mr. Khodorkovsky", "Gen. Petraeus").
ABBREVIATED_TITLES = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "rev", "gen", "col", "lt", "capt", "sgt", "sen", "rep", "gov"}
)
# Honorifics that open a person's name in the model's span ("Mr Blair", "Lady Gaga"); not "General" or "King",
# which open companies' and colleges' names too.
HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "baroness", "baron", "rev", "reverend"}
)
# After a name (possessive or not), a noun it modifies: "Yukos spokesman", "Green Day frontman", "Sony's chief".
ORGANIZATION_AFTER = frozenset(
    {
        "spokesman", "spokeswoman", "spokesperson", "boss", "chief", "chairman", "chairwoman", "executives",
        "shareholders", "subsidiary", "plc", "inc", "ltd", "corp", "frontman", "guitarist", "drummer", "bassist",
        "striker", "midfielder", "defender", "goalkeeper", "manager", "bosses", "profits", "employees",
    }
)  # fmt: skip
ORGANIZATION_AFTER_PAIRS = frozenset({("lead", "singer"), ("chief", "executive"), ("share", "price")})
# After a name's possessive only, where the noun cannot be a verb: "Yili's shares", "Gazprom's board".
ORGANIZATION_AFTER_POSSESSIVE = frozenset(
    {
        "shares", "board", "shareholders", "stake", "takeover", "headquarters", "accounts", "debts", "assets",
        "customers", "subscribers", "lineup",
    }
)  # fmt: skip
# A seat of power stands for who works there ("Downing Street spokesman", "White House spokesman") but stays a
# place: no cue types it. Not entity_knowledge.FACILITY_HEADS, which leaves "house" out ("Random House").
SEAT_HEADS = frozenset({"street", "house", "hall", "square", "palace", "road", "avenue", "stadium", "building"})
PERSON_AFTER_POSSESSIVE = frozenset(
    {"wife", "husband", "widow", "son", "daughter", "brother", "sister", "girlfriend", "boyfriend"}
)

# The words of the context: letters (with inner hyphens or apostrophes) between spaces; any other mark
# (a full stop, a comma, a dash, a line break) between the cue and the name ends the context.
_WORDS_BEFORE = re.compile(r"(?:^|(?<=\s))((?:[A-Za-z][\w'-]*\.?[ \t]+){1,2})$")
# An apposition after the name: "Gazprom, the state gas firm which", "Neil Herron, a campaigner". Its head
# noun is the last of at most four words before a mark or a word that ends the noun phrase.
_APPOSITION_AFTER = re.compile(r"^,[ \t]+(?:the|a|an)[ \t]+((?:[A-Za-z][\w'\u2019-]*[ \t]*){1,4})")
_CLOSES_APPOSITION = frozenset(
    {
        "which", "that", "who", "whose", "of", "in", "at", "for", "and", "with", "on", "from", "based", "owned",
        "founded", "since", "whom",
    }
)  # fmt: skip
# A verb after the noun phrase makes it a clause's subject ("At Gatwick, the company has written").
_NOT_IN_APPOSITION = frozenset({"is", "was", "has", "had", "have", "are", "were", "said", "says", "will", "would"})
_TOKEN = re.compile(r"[A-Za-z][\w'\u2019-]*|[^\sA-Za-z]")
MAX_APPOSITION_WORDS = 4
# The pronoun a report of speech takes: "Montalvo said he had". Not "it": "Lord Rennard said it was not a term".
_SAID_PRONOUN_AFTER = re.compile(r"^[ \t]+(?:said|says|told [A-Za-z]+|added|stated|denied)[ \t]+(he|she)\b")
# Where a clause starts: the text's start, a sentence's or a quotation's end, a comma.
_CLAUSE_START = re.compile(r"(?:^|[.!?:;,\"\u201c\u201d])\s*$")
_WORDS_AFTER = re.compile(r"^((?:['\u2019]s?)?)[ \t]+([A-Za-z][\w-]*)(?:[ \t]+([A-Za-z][\w-]*))?")


# After a club's name, a player's or coach's role: "Forest goalkeeper Gareth Pryce", "Cincinnati coach Wally
# Brenner". The name is the club's even where a city has it.
TEAM_ROLES_AFTER = frozenset(
    {"striker", "midfielder", "defender", "goalkeeper", "keeper", "winger", "coach", "captain", "skipper", "full-back"}
)


def names_a_team(after: str) -> bool:
    """Whether the word right after a mention is a player's or coach's role ("Liverpool striker"), not after a
    possessive ("Brazil 's coach" may be a country's)."""
    match = _WORDS_AFTER.match(after)
    return match is not None and not match.group(1) and match.group(2) in TEAM_ROLES_AFTER


# Before a name, in apposition: a work's noun ("soap EastEnders", "TV show Brass Eye", "programme Fear Factor").
# Nouns that are also verbs before a name ("show", "play", "hit") count only after a kind of show.
WORK_BEFORE = frozenset(
    {
        "film", "movie", "programme", "program", "series", "sitcom", "soap", "drama", "documentary", "comedy",
        "album", "song", "novel", "musical", "opera", "sequel", "episode", "blockbuster", "biopic", "thriller",
        "remake",
    }
)  # fmt: skip
# After a name, before a person's name: the role the person has in a work ("Vera Drake star Imelda Staunton").
# A club or a town has stars too ("Chelsea star"): the entity stage asks its knowledge first. Not "director"
# or "producer": companies have them ("Pipa director Steven Kull", "Warner producer").
WORK_ROLE_AFTER = frozenset({"star", "co-star", "screenwriter"})
_ROLE_THEN_NAME = re.compile(r"^[ \t]+([a-z][\w-]*)[ \t]+[A-Z][a-z]")
SHOW_KINDS = frozenset({"tv", "talk", "chat", "quiz", "reality", "game", "comedy", "cookery"})


def names_a_work(before: str, after: str = "") -> bool:
    """Whether the words right before a mention say it names a work ("soap EastEnders", "TV show Brass Eye"), or
    the words after it ("Vera Drake star Imelda Staunton")."""
    if (role := _ROLE_THEN_NAME.match(after)) and role.group(1) in WORK_ROLE_AFTER:
        return True
    if not (match := _WORDS_BEFORE.search(before)):
        return False
    words = [w.casefold() for w in match.group(1).split()]
    if words[-1].endswith("."):
        return False
    return words[-1] in WORK_BEFORE or (words[-1] == "show" and len(words) == 2 and words[0] in SHOW_KINDS)


def context_type(name: str, before: str, after: str) -> EntityType | None:
    """The type the words right before and after the mention ``name`` give it, or None when they say nothing.

    ``before`` is the text up to the mention, ``after`` the text from its end. A cue before
    the name wins over one after it ("singer Bono's wife": Bono is the singer).
    """
    words = name.split()
    if not words or words[-1].casefold() in SEAT_HEADS:
        return None
    if words[0].casefold().rstrip(".") in HONORIFICS and _is_name_after_honorific(words[1:]):
        return EntityType.PERSON  # "Mr Blair" whatever follows: "Mr Blair's spokesman" is his
    if (cue := _before_type(before)) is not None:
        return cue
    if PRICE_MOVE_AFTER.match(after):  # "Tabacalera eased 30 to 5,620", "Endesa up 180 pesetas at 7,390"
        return EntityType.ORGANIZATION
    # "Royal Bank of" + "Scotland chief executive": the chief is the longer name's, not this part's.
    if not before.endswith((" of ", " and ", " & ")) and (cue := _after_type(after)) is not None:
        return cue
    if _SAID_PRONOUN_AFTER.match(after) and _CLAUSE_START.search(before):
        return EntityType.PERSON  # the subject of "said he": not "A spokesperson for X said he"
    return _apposition_type(after)


def _is_name_after_honorific(words: list[str]) -> bool:
    """Whether ``words`` after an honorific are a name ("Blair"), not an office ("Chief Justice",
    "Chancellor's Department")."""
    return 1 <= len(words) <= 3 and all(
        w[:1].isupper() and "'" not in w and "\u2019" not in w and w.casefold() not in OFFICE_WORDS for w in words
    )


def _before_type(before: str) -> EntityType | None:
    """The type a noun in apposition right before a name gives it ("oil giant Yukos", "Ambassador Mohib")."""
    if not (match := _WORDS_BEFORE.search(before)):
        return None
    words = match.group(1).split()
    last = words[-1]
    folded = last.casefold().rstrip(".")
    if last.endswith(".") and folded not in ABBREVIATED_TITLES:
        return None  # "NUJ General Secretary. NUJ official": a sentence ended before the name
    if last[:1].isupper() and folded in PERSON_TITLES_BEFORE:
        return EntityType.PERSON
    if not (last.islower() or last == "DJ"):  # a name, not a noun before it
        return None
    if folded in PERSON_BEFORE:
        return EntityType.PERSON
    pair = tuple(w.casefold() for w in words[-2:])
    if folded in ORGANIZATION_BEFORE or pair in ORGANIZATION_BEFORE_PAIRS:
        return EntityType.ORGANIZATION
    if pair in PLACE_BEFORE_PAIRS:
        return EntityType.PLACE
    return None


def _after_type(after: str) -> EntityType | None:
    """The type a noun the name modifies gives it: "Yukos spokesman", "Yili's shares", "Blair's wife". A role
    after a possessive says nothing ("Mr Blair's spokesman", "Sony's chief")."""
    if not (match := _WORDS_AFTER.match(after)):
        return None
    possessive, first, second = match.group(1), match.group(2), match.group(3) or ""
    if not first.islower():
        return None
    if possessive:
        if first in ORGANIZATION_AFTER_POSSESSIVE:
            return EntityType.ORGANIZATION
        return EntityType.PERSON if first in PERSON_AFTER_POSSESSIVE else None
    if first in ORGANIZATION_AFTER or (first, second) in ORGANIZATION_AFTER_PAIRS:
        return EntityType.ORGANIZATION
    return None


def _apposition_type(after: str) -> EntityType | None:
    """The type the head noun of an apposition after a name gives it (", the state gas firm which"). The noun
    phrase must close (a mark, "which", "and", "in"...): in "At Gatwick, the company has written" it is a
    sentence's subject, not an apposition."""
    if not (match := _APPOSITION_AFTER.match(after)):
        return None
    words: list[str] = []
    for token in _TOKEN.findall(after[match.start(1) :]):
        if not token[0].isalpha() or token in _CLOSES_APPOSITION:
            break
        if len(words) == MAX_APPOSITION_WORDS or token in _NOT_IN_APPOSITION:
            return None
        words.append(token)
    else:
        return None  # the window ended inside the noun phrase: unknown
    head = words[-1] if words else ""
    if head in PERSON_BEFORE:
        return EntityType.PERSON
    if head in ORGANIZATION_BEFORE:
        return EntityType.ORGANIZATION
    return None
