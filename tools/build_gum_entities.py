"""Build the entity benchmark's articles and gold from GUM's Wikinews news (and interview) documents.

    python -m tools.build_gum_entities           # rewrite bench/data/gum-news's articles/ and gold.json
    python -m tools.build_gum_entities --check   # exit 1 when the committed files are not what this builds
    python -m tools.build_gum_entities --set gum-interviews [--check]   # the same for bench/data/gum-interviews

Two sets (``SETS``), each a folder of ``bench/data`` with a ``LICENSE.md`` that says where
from and under which licences. Standard library only, no network.

- ``gum-news``: ``bench/data/gum-news/source/GUM_news_*.conllu``, the 24 news documents
  of GUM V11.1.0's ``dep/`` folder, vendored unchanged; hand-reviewed (``CORRECTIONS``),
  a frozen test part (``TEST_DOCS``).
- ``gum-interviews``: the 19 ``gum/GUM_interview_*.conllu`` members of
  ``models/data/gum-cc-by.tar.gz`` (the same release, read from the archive); the
  automatic gold only, no hand review, every document dev.

Output (in the set's folder):

- ``articles/<doc>.txt`` (``<doc>`` is the GUM name without ``GUM_news_`` or
  ``GUM_interview_``): the title on the first line, then one line per paragraph,
  joined from the sentences' ``# text`` lines (the original spacing). Image
  captions and photo credits (``# newpar_block = figure``) are left out.
- The title is the ``head`` block that opens the document; the sentences after it
  in the same paragraph (an interview's date) make a line of their own. News
  titles must equal ``meta::title``; interview titles are kept as the text spells
  them ("Simon Ličen", where ``meta::title`` has "Licen"). A document without an
  opening head block (``GUM_interview_mckenzie``) gets ``meta::title`` as its
  first line: not GUM's text, so none of its names is gold.
- ``gold.json``: ``{doc: {title, source_url, date, split, entities}}``, keys sorted.
  Each entity is ``{type, name, aliases, wikipedia}``: one per named PERSON,
  ORGANIZATION or PLACE of the document, outside the captions.

How the gold is derived (docs/research/entity-evaluation-data.md, section 1.4):

- GUM's ``Entity=`` brackets (MISC column) give the mentions; the type and the
  Wikipedia identity of the first mention that has them hold for the whole
  coreference chain. ``person``, ``organization`` and ``place`` map to the
  three facets; every other type is dropped.
- A mention is a name when its syntactic head has XPOS NNP/NNPS, or the head is
  a common noun with an ``appos``/``flat`` NNP dependent ("captain Harry Kane"),
  or the entity is Wikified and an NNP ``compound`` precedes the head ("Yonhap
  news agency"). Coordinations ("A of X and B of Y") and PERSON names headed by
  NNPS ("Texans": a group) are not names; nor is a bare title ("Secretary").
- A person's name is the head and its ``flat``/NNP ``compound`` descendants
  (titles are ``nmod:desc`` and fall away); an organisation's or place's name is
  the run of capitalised tokens around the head, across of/and/&/-/the, starting
  after any ``nmod:desc`` title.
- One entity per (type, Wikipedia title, or GUM entity id when there is none).
  ``name`` is the longest name form (words, then characters); ``aliases`` are all
  its name forms plus the Wikipedia title without a trailing "(...)".

For gum-news, the hand review's ``CORRECTIONS`` are then applied (each one names its document,
the entity by its automatic name, the change and why). They follow the written rules
above and these, nothing else:

- A name is the entity's own name: titles and roles are not part of it ("US President
  Barack Obama" is "Barack Obama"), a bare first name or a title is not its name when
  the text gives the full name.
- Only the outermost name counts (as in CoNLL-2003 and OntoNotes): a place, person or
  organisation named only inside another name ("Colorado" in "Colorado State
  University", "Croucher" in "Croucher Foundation", "Volgograd" in "Volgograd Arena")
  is not an entity of the article. "City, State" ("Clearwater, Florida") names both.
- Groups of people (peoples, nationalities: "Rohingya") are not persons; a movement
  or group with a name ("Taliban") is an organisation.
- An alias is a name of the same entity in the text or its Wikipedia title; stray
  words that GUM's coreference chain put in ("Booker" for Margaret Atwood) are removed.
- One entity per referent: two records of one referent are merged.

The news split is the frozen ``TEST_DOCS`` below, not recomputed from GUM's ``splits.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "gum-news"
SOURCE = DATA / "source"
ARTICLES = DATA / "articles"
GOLD = DATA / "gold.json"
PREFIX = "GUM_news_"
# The GUM documents whose texts are CC BY, vendored for the NER model (models/data/LICENSE.md).
GUM_ARCHIVE = ROOT / "models" / "data" / "gum-cc-by.tar.gz"

# The test part, frozen (nobody tunes on it). Rule, applied once to GUM V11.1.0: GUM's own
# held-out news documents (splits.md: homeopathic, iodine in dev; nasa, sensitive in test),
# plus the other 20 sorted by name at the odd 0-based positions 1, 3, ..., 19.
# Do not recompute it when GUM changes. Every other document is dev.
TEST_DOCS = frozenset(
    {
        "homeopathic", "iodine", "nasa", "sensitive",
        "asylum", "crane", "election", "flag", "ie9",
        "korea", "questionnaire", "stampede", "warhol", "worship",
    }
)  # fmt: skip

TYPES = {"person": "PERSON", "organization": "ORGANIZATION", "place": "PLACE"}
PROPER = ("NNP", "NNPS")
LINKERS = frozenset({"of", "and", "&", "-", "de", "da", "del", "van", "von", "for", "the"})
TITLES = frozenset(
    {
        "secretary", "minister", "undersecretary", "president", "senator", "sheriff", "mp", "man",
        "republican", "democrat", "student", "refugee", "widow", "critic", "governor", "mayor",
        "administrator", "spokesperson", "general", "chairman", "judge",
    }
)  # fmt: skip
# "(single)", "(open", "close)": the parts of a CorefUD Entity= value.
BRACKET = re.compile(r"\(([^()]+)\)|\(([^()]+)|([^()]+)\)")
ENTITY = re.compile(r"(?:^|\|)Entity=([^|]+)")
BLOCK = re.compile(r"# newpar_block = (\w+).*?\((\d+) s\)")
WIKI_QUALIFIER = re.compile(r" \(.*\)$")


class GoldEntity(TypedDict):
    type: str
    name: str
    aliases: list[str]
    wikipedia: str | None


class GoldDocument(TypedDict):
    title: str
    source_url: str
    date: str
    split: str
    entities: list[GoldEntity]


@dataclass(frozen=True)
class Correction:
    """One change of the hand review to an automatic gold entity (or a missing entity when ``entity`` is empty).

    ``entity`` is the automatic ``name`` (of type ``etype``, Wikipedia title ``link`` when given); with ``merge_into``
    the entity's aliases join that entity's (its own name: every record of that name join the first)
    and the record goes; ``drop`` removes it; otherwise ``name``, ``type``, ``add`` and ``remove``
    (aliases) change it. ``reason`` says why, in one line.
    """

    doc: str
    entity: str
    reason: str
    etype: str | None = None
    link: str | None = None
    name: str | None = None
    type: str | None = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    drop: bool = False
    merge_into: str | None = None


C = Correction
NESTED = "named only inside a longer name of another entity"
# The hand review of 2026-12-02 (LICENSE.md): every gold entity of the 24 documents read against its text once.
CORRECTIONS: tuple[Correction, ...] = (
    # afghan
    C("afghan", "American Revolution Constitution Hall", "the hall's name in the text is the whole run",
      name="Daughters of the American Revolution Constitution Hall",
      add=("Daughters of the American Revolution Constitution Hall", "Constitution Hall"),
      remove=("American Revolution Constitution Hall",)),
    C("afghan", "Daughters", NESTED + " (the hall)", drop=True),
    C("afghan", "Kamen", "the text names him Dean Kamen", name="Dean Kamen"),
    C("afghan", "Rodaba", "the text names her Rodaba Noori", name="Rodaba Noori", add=("Rodaba Noori",)),
    C("afghan", "Taliban", "a movement, an organisation, not a person", type="ORGANIZATION"),
    C("afghan", "Mexico", NESTED + " (Mexico City)", drop=True),
    # clock
    C("clock", "US President Barack Obama", "a title is not part of a name", name="Barack Obama",
      remove=("US President Barack Obama",)),
    C("clock", "Mark", "the text names him Mark Zuckerberg only", name="Mark Zuckerberg", remove=("Mark",)),
    C("clock", "Amneh Jafari", "one person in two records", merge_into="Amneh Jafari"),
    C("clock", "Arlington", NESTED + " (University of Texas Arlington)", drop=True),
    C("clock", "Council", "the organisation's full name, as in the text", name="Council on American-Islamic Relations",
      remove=("Council",)),
    C("clock", "Memon", "the text names her Sehar Memon; 'Sehar' alone never occurs", name="Sehar Memon",
      add=("Sehar Memon",), remove=("Sehar",)),
    # defector
    C("defector", "L.", "an initial is not the name", name="L. Ron Hubbard", remove=("L.",)),
    C("defector", "Freedom Magazine", "'Scientology' is another entity", remove=("Scientology",)),
    C("defector", "Kendrick Moxon", "'Scientology' is another entity", remove=("Scientology",)),
    C("defector", "Devocht", "one person in two records", merge_into="Tom Devocht"),
    C("defector", "LA Sheriff", "the LA (Los Angeles) Sheriff's office, an organisation, named twice in the text",
      type="ORGANIZATION", name="LA Sheriff's office",
      add=("LA Sheriff's office", "Los Angeles Sheriff", "Los Angeles Sheriff's office")),
    C("defector", "Tiziano", "the text names him Tiziano Lugli", name="Tiziano Lugli", add=("Tiziano Lugli",),
      remove=("Tiziano",)),
    C("defector", "Jason", "the text names him Jason Beghe only", name="Jason Beghe", remove=("Jason",)),
    # expo
    C("expo", "Fan", "not a person: part of the event's name Fan Expo Canada", drop=True),
    C("expo", "Margaret Atwood", "'Booker' is the prize she won", remove=("Booker",)),
    C("expo", "Cloud9", "'US' is another entity", remove=("US",)),
    C("expo", "Arkham", NESTED + " (the game Batman: Arkham VR)", drop=True),
    C("expo", "Ontario", NESTED + " (Ontario Ghostbusters)", drop=True),
    C("expo", "Who", NESTED + " (Doctor Who Society of Canada)", drop=True),
    C("expo", "Who Society of Canada", "the group's full name", name="Doctor Who Society of Canada",
      add=("Doctor Who Society of Canada",), remove=("Who Society of Canada",)),
    C("expo", "Mickey", NESTED + " (the game Epic Mickey)", drop=True),
    # hackers
    C("hackers", "Scientology-critic", "an adjective of a website, not a person", drop=True),
    # imprisoned
    C("imprisoned", "Florida", "the entity is Clearwater (its Wikipedia link); Florida is the next record",
      link="Clearwater,_Florida", name="Clearwater", add=("Clearwater",), remove=("Florida",)),
    # lanterns
    C("lanterns", "Hau", "the text names him Hau Lung-bin", name="Hau Lung-bin", add=("Hau Lung-bin",)),
    C("lanterns", "Chiang Kai Shek", NESTED + " (the memorial hall and its station)", drop=True),
    C("lanterns", "NTU Hospital", NESTED + " (NTU Hospital Station)", drop=True),
    C("lanterns", "Shandao", NESTED + " (Shandao Station)", drop=True),
    C("lanterns", "Taipei", "one city in two records", etype="PLACE", merge_into="Taipei City"),
    # soccer
    C("soccer", "World", NESTED + " (the World Cup, an event)", drop=True),
    C("soccer", "Belgians", "the team's name is Belgium; a demonym is not its name", name="Belgium",
      remove=("Belgians",)),
    C("soccer", "Hernan Dario Gomez", "'Panama' is the team he coaches", remove=("Panama",)),
    C("soccer", "Nizhny Novgorod", NESTED + " (Nizhny Novgorod Stadium)", drop=True),
    C("soccer", "Fisht", NESTED + " (Fisht Stadium)", drop=True),
    C("soccer", "Volgograd", NESTED + " (Volgograd Arena)", drop=True),
    C("soccer", "Budweiser", NESTED + " (the Budweiser Man of the Match award)", drop=True),
    # taxes
    C("taxes", "Bogliasco", NESTED + " (Municipality of Bogliasco)", etype="PLACE", drop=True),
    C("taxes", "Lombardy", "'State' is the Italian state, not Lombardy", remove=("State",)),
    C("taxes", "Municipality of Livorno", "the municipality is not the province (a wrong Wikipedia link)",
      remove=("Province of Livorno",)),
    # warming
    C("warming", "Massachusetts", NESTED + " (Massachusetts Institute of Technology)", drop=True),
    C("warming", "Colorado State", NESTED + " (Colorado State University)", drop=True),
    C("warming", "Sheffield", NESTED + " (University of Sheffield)", drop=True),
    C("warming", "Croucher", NESTED + " (Croucher Foundation)", drop=True),
    C("warming", "National Park", NESTED + " (US National Park Service)", drop=True),
    # asylum
    C("asylum", "Indonesia", "the entity linked to Aceh is Aceh ('Aceh, Indonesia'); Indonesia is the next record",
      link="Aceh", name="Aceh", remove=("Indonesia",)),
    C("asylum", "Muhammad Amin", "'Rohingya' is his people", remove=("Rohingya",)),
    C("asylum", "Rohingya", "a people, not a person", drop=True),
    C("asylum", "State Department Spokesperson", "a title is not a name; the text names him Jeff Rathke",
      name="Jeff Rathke", remove=("State Department Spokesperson",)),
    # election
    C("election", "Pro-Beijing DAB", "'pro-Beijing' describes the camp, not the party's name", name="DAB",
      remove=("Pro-Beijing DAB",)),
    C("election", "New People Party", "'Party' alone is no name", remove=("Party",)),
    C("election", "Lam", "the text names him Lam Cheuk-ting", name="Lam Cheuk-ting", add=("Lam Cheuk-ting",),
      remove=("Lam",)),
    C("election", "Cyd", "the text names her Cyd Ho", name="Cyd Ho", add=("Cyd Ho",), remove=("Cyd",)),
    C("election", "Wilson", "the text names him Wilson Or", name="Wilson Or", add=("Wilson Or",), remove=("Wilson",)),
    C("election", "Paul", "the text names him Paul Tse", name="Paul Tse", add=("Paul Tse",), remove=("Paul",)),
    C("election", "Wu", "the text names him Wu Chi-wai", name="Wu Chi-wai", add=("Wu Chi-wai",), remove=("Wu",)),
    C("election", "Wong", "the text names him Wong Kwok-hing; 'Wong' alone is four people here",
      name="Wong Kwok-hing", add=("Wong Kwok-hing",), remove=("Wong",)),
    C("election", "Kowloon", NESTED + " (the Kowloon West constituency)", drop=True),
    C("election", "", "a named candidate the automatic rules missed ('Raymond Wong of the Proletariat ...')",
      type="PERSON", name="Raymond Wong"),
    # flag
    C("flag", "Emeritus Professor John Burrows", "a title is not part of a name", name="John Burrows",
      remove=("Emeritus Professor John Burrows",)),
    # homeopathic
    C("homeopathic", "Mark Tedeschi", "'Crown' is the prosecution he speaks for", remove=("Crown",)),
    # iodine
    C("iodine", "Australia", "one country in two records ('mainland Australia')", merge_into="Australia"),
    C("iodine", "Cres Eastman", "'Director' is a title", remove=("Director",)),
    C("iodine", "Mu", "the text names him Mu Li", name="Mu Li", add=("Mu Li",), remove=("Mu",)),
    C("iodine", "University of NSW", "one university in two records", merge_into="University of NSW"),
    C("iodine", "New Zealand", NESTED + " (Food Standards of Australia and New Zealand)", drop=True),
    # korea
    C("korea", "Army", "the army's name", name="Korean People's Army"),
    # nasa
    C("nasa", "Administration", "the agency's name is NASA", name="NASA", remove=("Administration",)),
    C("nasa", "Steven F. Udvar-Hazy", NESTED + " (the Steven F. Udvar-Hazy Center)", drop=True),
    C("nasa", "Dulles", NESTED + " (Washington Dulles International Airport)", drop=True),
    C("nasa", "National Museum", "the museum's full name, as in the text",
      name="National Museum of the U.S. Air Force", add=("National Museum of the U.S. Air Force",),
      remove=("National Museum",)),
    C("nasa", "Bonnie Dunbar", "'Museum' is her employer", remove=("Museum",)),
    # questionnaire
    C("questionnaire", "Shadow Home Secretary", "a title is not a name", name="Yvette Cooper",
      remove=("Shadow Home Secretary",)),
    C("questionnaire", "Nations High Commissioner", "a title is not a name", name="Filippo Grandi",
      remove=("Nations High Commissioner",)),
    C("questionnaire", "Suella Braverman", "'Home Secretary' is a title", remove=("Home Secretary",)),
    C("questionnaire", "Channel", "the sea's name", name="English Channel"),
    C("questionnaire", "Colin", "the text names him Colin Yeo", name="Colin Yeo", add=("Colin Yeo",),
      remove=("Colin",)),
    C("questionnaire", "Enver", "the text names him Enver Solomon", name="Enver Solomon", add=("Enver Solomon",),
      remove=("Enver",)),
    C("questionnaire", "Boswell", "the text names her Caitlin Boswell", name="Caitlin Boswell",
      add=("Caitlin Boswell",), remove=("Caitlin",)),
    C("questionnaire", "Joint Council", "the organisation's full name, as in the text",
      name="Joint Council for the Welfare of Immigrants", add=("Joint Council for the Welfare of Immigrants",)),
    # sensitive
    C("sensitive", "Ottawa New Democrat MP", "a title is not a name", name="Paul Dewar",
      remove=("Ottawa New Democrat MP",)),
    C("sensitive", "Toronto", NESTED + " (the Toronto Star)", etype="PLACE", drop=True),
    # warhol
    C("warhol", "Southern Indiana", NESTED + " (University of Southern Indiana)", drop=True),
    C("warhol", "Mary", NESTED + " (Mary & Leigh Block Museum of Art)", drop=True),
    C("warhol", "Leigh", NESTED + " (Mary & Leigh Block Museum of Art)", drop=True),
    C("warhol", "Weatherspoon", NESTED + " (Weatherspoon Art Museum)", etype="PERSON", drop=True),
    C("warhol", "North Carolina", NESTED + " (the University of North Carolina at Greensboro and Chapel Hill)",
      drop=True),
    C("warhol", "Greensboro", NESTED + " (University of North Carolina at Greensboro)", drop=True),
    C("warhol", "Chapel Hill", NESTED + " (University of North Carolina at Chapel Hill)", drop=True),
    C("warhol", "Tang", NESTED + " (the Tang Teaching Museum)", drop=True),
    C("warhol", "Vitas Gerulaitis", "one person in two records", merge_into="Vitas Gerulaitis"),
)  # fmt: skip


def apply_corrections(doc: str, entities: list[GoldEntity], corrections: tuple[Correction, ...]) -> list[GoldEntity]:
    """``entities`` with the document's corrections applied; a correction that matches nothing is an error."""
    result = [GoldEntity(**e) for e in entities]
    for fix in (c for c in corrections if c.doc == doc):
        if not fix.entity:
            if not (fix.type and fix.name):
                raise ValueError(f"{doc}: an added entity needs a type and a name: {fix}")
            result.append(GoldEntity(type=fix.type, name=fix.name, aliases=[fix.name], wikipedia=None))
            continue
        found = [
            e
            for e in result
            if e["name"] == fix.entity and fix.etype in (None, e["type"]) and fix.link in (None, e["wikipedia"])
        ]
        if not found:
            raise ValueError(f"{doc}: no gold entity {fix.entity!r} to correct; update CORRECTIONS")
        if fix.merge_into is not None:
            targets = [e for e in result if e["name"] == fix.merge_into and e["type"] == found[0]["type"]]
            target = targets[0]
            merged = [e for e in found if e is not target]
            if not merged:
                raise ValueError(f"{doc}: nothing to merge into {fix.merge_into!r}")
            for entity in merged:
                target["aliases"] = sorted({*target["aliases"], *entity["aliases"]})
                target["wikipedia"] = target["wikipedia"] or entity["wikipedia"]
            result = [e for e in result if not any(e is m for m in merged)]
            continue
        if len(found) > 1:
            raise ValueError(f"{doc}: {fix.entity!r} is ambiguous; give its etype")
        (entity,) = found
        if fix.drop:
            result = [e for e in result if e is not entity]
            continue
        missing = set(fix.remove) - set(entity["aliases"])
        if missing:
            raise ValueError(f"{doc}: {fix.entity!r} has no aliases {sorted(missing)} to remove")
        entity["type"] = fix.type or entity["type"]
        entity["name"] = fix.name or entity["name"]
        entity["aliases"] = sorted(({*entity["aliases"], *fix.add} - set(fix.remove)) | {entity["name"]})
    return result


@dataclass(frozen=True)
class GumSet:
    """One benchmark set built from one GUM genre: where its documents are and how they become articles and gold."""

    name: str  # its folder under bench/data
    source: Path  # a folder of .conllu files or a .tar.gz holding them
    prefix: str  # the documents' file names start with it; ``<doc>`` is the rest
    documents: int  # how many there are (fewer means the source is not the release the set was built from)
    test_docs: frozenset[str] = frozenset()
    corrections: tuple[Correction, ...] = ()
    # News titles are checked against meta::title; interview titles are kept as the annotated text spells them.
    title_is_metadata: bool = False

    @property
    def data(self) -> Path:
        """The set's folder: articles/, gold.json, LICENSE.md."""
        return ROOT / "bench" / "data" / self.name


NEWS = GumSet("gum-news", SOURCE, PREFIX, 24, TEST_DOCS, CORRECTIONS, title_is_metadata=True)
# Dev only and not hand-reviewed: for iterating on rules with GUM-like text that is not gum-news' test part.
INTERVIEWS = GumSet("gum-interviews", GUM_ARCHIVE, "GUM_interview_", 19)
SETS = {gum_set.name: gum_set for gum_set in (NEWS, INTERVIEWS)}


@dataclass(frozen=True)
class Token:
    sentence: int
    index: int  # 1-based within the sentence
    form: str
    xpos: str
    head: int  # 0 for the root
    relation: str
    misc: str


@dataclass
class Mention:
    entity: str  # GUM's entity id within the document
    etype: str | None
    wikipedia: str | None
    start: int  # token positions in the document, inclusive
    end: int


@dataclass
class Document:
    meta: dict[str, str] = field(default_factory=dict)
    paragraphs: list[list[str]] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    figure_sentences: set[int] = field(default_factory=set)
    title_sentences: int = 0  # the sentences of the head block that opens the document (its title), if any


def read_conllu(text: str) -> Document:
    """Metadata, paragraphs (sentence texts, captions left out) and tokens of one GUM .conllu file."""
    doc = Document()
    sentence, caption_left = -1, 0
    for line in text.split("\n"):
        if line.startswith("# meta::"):
            key, _, value = line[len("# meta::") :].partition(" = ")
            doc.meta[key] = value
        elif line == "# newpar":
            doc.paragraphs.append([])
        elif line.startswith("# newpar_block = "):  # "figure (2 s) | caption (2 s)"
            block = BLOCK.match(line)
            caption_left = int(block[2]) if block and block[1] == "figure" else 0
            if block and block[1] == "head" and sentence == -1:
                doc.title_sentences = int(block[2])
        elif line.startswith("# text = "):
            sentence += 1
            if caption_left:
                doc.figure_sentences.add(sentence)
                caption_left -= 1
            else:
                if not doc.paragraphs:  # GUM_interview_mckenzie opens with its date before any "# newpar"
                    doc.paragraphs.append([])
                doc.paragraphs[-1].append(line[len("# text = ") :])
        elif line[:1].isdigit():
            columns = line.split("\t")
            if columns[0].isdigit():  # not the "12-13" multiword rows nor "8.1" empty nodes
                doc.tokens.append(
                    Token(sentence, int(columns[0]), columns[1], columns[4], int(columns[6]), columns[7], columns[9])
                )
    return doc


def mentions(tokens: list[Token]) -> list[Mention]:
    """Every mention of the Entity= brackets: eid-etype-infstat-salience-centering-minspan-link-identity."""
    opened: dict[str, list[Mention]] = {}
    found: list[Mention] = []
    for n, token in enumerate(tokens):
        value = ENTITY.search(token.misc)
        for single, start, end in BRACKET.findall(value[1]) if value else ():
            if single or start:
                fields = (single or start).split("-")  # a "-" inside a value is escaped as %2D
                mention = Mention(
                    entity=fields[0],
                    etype=fields[1] if len(fields) > 1 else None,
                    wikipedia=unquote(fields[7]) if len(fields) > 7 else None,
                    start=n,
                    end=n,
                )
                if single:
                    found.append(mention)
                else:
                    opened.setdefault(mention.entity, []).append(mention)
            else:
                mention = opened[end].pop()
                mention.end = n
                found.append(mention)
    return sorted(found, key=lambda m: m.start)


def _head(tokens: list[Token], n: int) -> int | None:
    """The document position of token n's syntactic head (None for a root)."""
    token = tokens[n]
    return None if token.head == 0 else n - token.index + token.head


def _surface(tokens: list[Token], first: int, last: int) -> str:
    return "".join(
        tokens[j].form + ("" if j == last or "SpaceAfter=No" in tokens[j].misc else " ") for j in range(first, last + 1)
    )


def _capitalised(token: Token) -> bool:
    return token.xpos in PROPER or token.form[:1].isupper() or token.form[:1].isdigit()


def name_of(tokens: list[Token], mention: Mention, etype: str, wikified: bool) -> str | None:
    """The name a mention gives its entity, or None when the mention is not a name."""
    lo, hi = mention.start, mention.end
    span = range(lo, hi + 1)
    head = next(j for j in span if (_head(tokens, j) or -1) not in span)
    if any(tokens[j].relation == "conj" and _head(tokens, j) == head for j in span):
        return None  # "Lee Cheuk-yan of the Labour Party and Frederick Fung of ADPL": a group
    core: int | None = head
    if tokens[head].xpos not in PROPER:
        appositions = [
            j
            for j in span
            if tokens[j].xpos in PROPER and _head(tokens, j) == head and tokens[j].relation in ("appos", "flat")
        ]
        modifiers = (
            [j for j in range(lo, head) if tokens[j].xpos in PROPER and tokens[j].relation == "compound"]
            if wikified
            else []
        )
        core = appositions[0] if appositions else modifiers[-1] if modifiers else None
    if core is None:
        return None  # "the company", "his wife", pronouns
    if etype == "PERSON":
        if tokens[core].xpos == "NNPS":
            return None  # "Texans", "Bangladeshis": groups, not people
        keep = {core}  # the name and its flat/compound chain; titles hang off it as nmod:desc
        while more := {
            j
            for j in span
            if j not in keep
            and _head(tokens, j) in keep
            and (tokens[j].relation == "flat" or (tokens[j].relation == "compound" and tokens[j].xpos in PROPER))
        }:
            keep |= more
        first, last = min(keep), max(keep)
        if first == last and tokens[first].form.lower() in TITLES:
            return None
        return _surface(tokens, first, last)
    first = last = core
    while first > lo and (
        _capitalised(tokens[first - 1])
        or (tokens[first - 1].form.lower() in LINKERS and first - 2 >= lo and _capitalised(tokens[first - 2]))
    ):
        first -= 1
    while last < hi and (
        _capitalised(tokens[last + 1])
        or (tokens[last + 1].form.lower() in LINKERS and last + 2 <= hi and _capitalised(tokens[last + 2]))
    ):
        last += 1
    while tokens[first].form.lower() in LINKERS:
        first += 1
    titles = [j for j in range(first, core) if tokens[j].relation == "nmod:desc"]
    return _surface(tokens, max(titles) + 1 if titles else first, last)


def convert(conllu: str, doc: str, gum_set: GumSet | None = None) -> tuple[str, GoldDocument]:
    """One GUM document of ``gum_set`` (by default gum-news): its article text and its gold record."""
    gum_set = gum_set or NEWS
    parsed = read_conllu(conllu)
    tokens = parsed.tokens
    found = [m for m in mentions(tokens) if tokens[m.start].sentence not in parsed.figure_sentences]
    etypes: dict[str, str] = {}
    wikis: dict[str, str] = {}
    for m in found:  # the chain's type and identity: the first mention that gives them
        if m.etype:
            etypes.setdefault(m.entity, m.etype)
        if m.wikipedia:
            wikis.setdefault(m.entity, m.wikipedia)
    names: dict[tuple[str, str], set[str]] = {}
    identities: dict[tuple[str, str], str | None] = {}
    for m in found:
        etype = TYPES.get(etypes.get(m.entity, ""))
        if etype is None:
            continue
        wiki = wikis.get(m.entity)
        name = name_of(tokens, m, etype, wiki is not None)
        if name:
            key = (etype, wiki or f"gum:{m.entity}")
            names.setdefault(key, set()).add(name)
            identities[key] = wiki
    entities: list[GoldEntity] = []
    for (etype, _), forms in names.items():  # in order of first named mention
        wiki = identities[(etype, _)]
        aliases = set(forms)
        if wiki:
            aliases.add(WIKI_QUALIFIER.sub("", wiki.replace("_", " ")))
        name = max(sorted(forms), key=lambda s: (len(s.split()), len(s)))
        entities.append(GoldEntity(type=etype, name=name, aliases=sorted(aliases), wikipedia=wiki))
    entities = apply_corrections(doc, entities, gum_set.corrections)
    title, paragraphs = _title_and_paragraphs(parsed)
    if gum_set.title_is_metadata and title != parsed.meta["title"]:
        raise ValueError(f"{doc}: the first paragraph is not the title {parsed.meta['title']!r}")
    gold = GoldDocument(
        title=title,
        source_url=parsed.meta["sourceURL"],
        date=parsed.meta["dateCreated"],
        split="test" if doc in gum_set.test_docs else "dev",
        entities=entities,
    )
    return "\n".join([title, *paragraphs]) + "\n", gold


def _title_and_paragraphs(parsed: Document) -> tuple[str, list[str]]:
    """The document's title (its opening head block, else ``meta::title``) and its other paragraphs' texts."""
    paragraphs = [p for p in parsed.paragraphs if p]
    if not parsed.title_sentences:
        return parsed.meta["title"], [" ".join(p) for p in paragraphs]
    first = paragraphs[0]
    # An interview's date follows its title in the same paragraph: a line of its own, as in the news.
    rest = [first[parsed.title_sentences :]] if first[parsed.title_sentences :] else []
    return " ".join(first[: parsed.title_sentences]), [" ".join(p) for p in [*rest, *paragraphs[1:]]]


def read_sources(source: Path, prefix: str) -> dict[str, str]:
    """The text of each ``<prefix>*.conllu`` file in ``source`` (a folder, or a .tar.gz read in place), by ``<doc>``."""
    texts: dict[str, str] = {}
    if source.is_dir():
        for path in sorted(source.glob(f"{prefix}*.conllu")):
            texts[path.stem[len(prefix) :]] = path.read_text(encoding="utf-8")
        return texts
    with tarfile.open(source) as archive:
        for member in archive.getmembers():
            name = Path(member.name)
            handle = archive.extractfile(member)
            if handle is not None and name.name.startswith(prefix) and name.suffix == ".conllu":
                texts[name.stem[len(prefix) :]] = io.TextIOWrapper(handle, encoding="utf-8").read()
    return dict(sorted(texts.items()))


def build(gum_set: GumSet | None = None) -> tuple[dict[str, str], str]:
    """Every document's article text (by ``<doc>``), and gold.json's text, of ``gum_set`` (by default gum-news)."""
    gum_set = gum_set or NEWS
    articles: dict[str, str] = {}
    gold: dict[str, GoldDocument] = {}
    for doc, text in read_sources(gum_set.source, gum_set.prefix).items():
        try:
            articles[doc], gold[doc] = convert(text, doc, gum_set)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"{gum_set.source}: {gum_set.prefix}{doc}: {error!r}") from error
    missing = gum_set.test_docs - set(gold)
    if missing or len(gold) != gum_set.documents:
        raise ValueError(
            f"{gum_set.source}: {len(gold)} {gum_set.prefix}* documents, not {gum_set.documents}"
            f"; missing test documents {sorted(missing)}"
        )
    return articles, json.dumps(gold, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def differences(articles: dict[str, str], gold: str, data: Path = DATA) -> list[str]:
    """The committed files (under ``data``) that differ from what was built, or are extra or missing."""
    wrong = [] if (data / "gold.json").is_file() and (data / "gold.json").read_text("utf-8") == gold else ["gold.json"]
    present = {p.stem for p in (data / "articles").glob("*.txt")}
    for doc in sorted(present | set(articles)):
        path = data / "articles" / f"{doc}.txt"
        if doc not in articles or not path.is_file() or path.read_text("utf-8") != articles[doc]:
            wrong.append(f"articles/{doc}.txt")
    return wrong


def main(argv: list[str] | None = None) -> int:
    """Build one set's files (``--set``), or with ``--check`` compare the committed ones; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", default=NEWS.name, choices=sorted(SETS), help="the benchmark set to build")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files differ from the build")
    args = parser.parse_args(argv)
    gum_set = SETS[args.set]
    data, articles_dir = gum_set.data, gum_set.data / "articles"
    articles, gold = build(gum_set)
    if args.check:
        wrong = differences(articles, gold, data)
        for name in wrong:
            print(f"differs from the build: {data.relative_to(ROOT) / name}", file=sys.stderr)
        return 1 if wrong else 0
    articles_dir.mkdir(parents=True, exist_ok=True)
    for stale in articles_dir.glob("*.txt"):
        if stale.stem not in articles:
            stale.unlink()
    for doc, text in articles.items():
        (articles_dir / f"{doc}.txt").write_text(text, encoding="utf-8")
    (data / "gold.json").write_text(gold, encoding="utf-8")
    counts = {t: sum(e["type"] == t for d in json.loads(gold).values() for e in d["entities"]) for t in TYPES.values()}
    print(f"{len(articles)} articles, gold {counts} -> {data.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
