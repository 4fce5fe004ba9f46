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
        "firms", "companies", "banks", "bands", "groups", "clubs", "sides", "teams", "carriers", "retailers",
    }
)  # fmt: skip
ORGANIZATION_BEFORE_PAIRS = frozenset({("shares", "in"), ("stake", "in"), ("takeover", "of"), ("bid", "for")})
# Before a name, in apposition: "singer Bono", "character Den Watts", "campaigner Neil Herron".
PERSON_BEFORE = frozenset(
    {
        "singer", "actor", "actress", "comedian", "musician", "rapper", "presenter", "novelist", "author",
        "writer", "playwright", "poet", "artist", "guitarist", "drummer", "bassist", "frontman", "dj",
        "composer", "conductor", "dancer", "model", "designer", "chef", "character", "campaigner",
        "activist", "lawyer", "economist", "analyst", "striker", "midfielder", "defender", "goalkeeper",
        "wife", "husband", "son", "daughter", "brother", "sister", "widow", "mother", "father", "colleague",
        "spokesman", "spokeswoman", "mp", "senator", "congressman", "congresswoman", "chairman", "chairwoman",
        "founder", "executive", "boss", "manager", "coach", "captain", "minister", "secretary", "president",
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
# A building or street stands for who works there ("Downing Street spokesman"), but stays a place.
FACILITY_HEADS = frozenset({"street", "house", "hall", "square", "palace", "road", "avenue", "stadium", "building"})
PERSON_AFTER_POSSESSIVE = frozenset(
    {"wife", "husband", "widow", "son", "daughter", "brother", "sister", "girlfriend", "boyfriend"}
)

# The words of the context: letters (with inner hyphens or apostrophes) between spaces; any other mark
# (a full stop, a comma, a dash, a line break) between the cue and the name ends the context.
_WORDS_BEFORE = re.compile(r"(?:^|(?<=\s))((?:[A-Za-z][\w'-]*\.?[ \t]+){1,2})$")
# An apposition after the name: "Gazprom, the state gas firm which", "Neil Herron, a campaigner". Its head
# noun is the last of at most four words before a mark or a word that ends the noun phrase.
_APPOSITION_AFTER = re.compile(r"^,[ \t]+(?:the|a|an)[ \t]+((?:[A-Za-z][\w'\u2019-]*[ \t]*){1,4})")
_ENDS_NOUN_PHRASE = frozenset(
    {
        "which", "that", "who", "whose", "of", "in", "at", "for", "and", "with", "to", "on", "from", "by", "is",
        "was", "has", "had", "said", "says",
    }
)  # fmt: skip
# The pronoun a report of speech takes: "Montalvo said he had". Not "it": "Lord Rennard said it was not a term".
_SAID_PRONOUN_AFTER = re.compile(r"^[ \t]+(?:said|says|told [A-Za-z]+|added|stated|denied)[ \t]+(he|she)\b")
_WORDS_AFTER = re.compile(r"^((?:['\u2019]s?)?)[ \t]+([A-Za-z][\w-]*)(?:[ \t]+([A-Za-z][\w-]*))?")


# Before a name, in apposition: a work's noun ("soap EastEnders", "TV show Brass Eye", "programme Fear Factor").
# Nouns that are also verbs before a name ("show", "play", "hit") count only after a kind of show.
WORK_BEFORE = frozenset(
    {
        "film", "movie", "programme", "program", "series", "sitcom", "soap", "drama", "documentary", "comedy",
        "album", "song", "novel", "musical", "opera", "sequel", "episode",
    }
)  # fmt: skip
SHOW_KINDS = frozenset({"tv", "talk", "chat", "quiz", "reality", "game", "comedy", "cookery"})


def names_a_work(before: str) -> bool:
    """Whether the words right before a mention say it names a work ("soap EastEnders", "TV show Brass Eye")."""
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
    if words and words[-1].casefold() in FACILITY_HEADS:
        return None
    if match := _WORDS_BEFORE.search(before):
        words = match.group(1).split()
        last = words[-1]
        folded = last.casefold().rstrip(".")
        if last[:1].isupper() and folded in PERSON_TITLES_BEFORE:
            return EntityType.PERSON
        if last.endswith("."):  # the end of a sentence, not an abbreviated title
            pass
        elif last.islower() or last == "DJ":
            if folded in PERSON_BEFORE:
                return EntityType.PERSON
            if folded in ORGANIZATION_BEFORE or tuple(w.casefold() for w in words[-2:]) in ORGANIZATION_BEFORE_PAIRS:
                return EntityType.ORGANIZATION
    if match := _WORDS_AFTER.match(after):
        possessive, first, second = match.group(1), match.group(2), match.group(3) or ""
        if first.islower():
            if first in ORGANIZATION_AFTER or (first, second) in ORGANIZATION_AFTER_PAIRS:
                return EntityType.ORGANIZATION
            if possessive and first in ORGANIZATION_AFTER_POSSESSIVE:
                return EntityType.ORGANIZATION
            if possessive and first in PERSON_AFTER_POSSESSIVE:
                return EntityType.PERSON
    if match := _SAID_PRONOUN_AFTER.match(after):
        return EntityType.PERSON
    return _apposition_type(after)


def _apposition_type(after: str) -> EntityType | None:
    """The type the head noun of an apposition after a name gives it (", the state gas firm which")."""
    if not (match := _APPOSITION_AFTER.match(after)):
        return None
    words: list[str] = []
    for word in match.group(1).split():
        if word in _ENDS_NOUN_PHRASE:
            break
        words.append(word)
    head = words[-1] if words else ""
    if head in PERSON_BEFORE:
        return EntityType.PERSON
    if head in ORGANIZATION_BEFORE:
        return EntityType.ORGANIZATION
    return None
