"""Build the entity benchmark's articles and gold from GUM's Wikinews news documents.

    python -m tools.build_gum_entities           # rewrite articles/ and gold.json
    python -m tools.build_gum_entities --check   # exit 1 when the committed files are not what this builds

Input: ``bench/data/gum-news/source/GUM_news_*.conllu``, the 24 news documents of
GUM V11.1.0's ``dep/`` folder, vendored unchanged (``LICENSE.md`` there says where
from and under which licences). Standard library only, no network.

Output, next to ``source/``:

- ``articles/<doc>.txt`` (``<doc>`` is the GUM name without ``GUM_news_``): the
  title on the first line, then one line per paragraph, joined from the
  sentences' ``# text`` lines (the original spacing). Image captions and photo
  credits (``# newpar_block = figure``) are left out.
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

The gold is automatic and has not been reviewed by hand yet. The split is the
frozen ``TEST_DOCS`` below, not recomputed from GUM's ``splits.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
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
        elif line.startswith("# text = "):
            sentence += 1
            if caption_left:
                doc.figure_sentences.add(sentence)
                caption_left -= 1
            else:
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


def convert(conllu: str, doc: str) -> tuple[str, GoldDocument]:
    """One GUM news document: its article text and its gold record."""
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
    paragraphs = [" ".join(p) for p in parsed.paragraphs if p]
    title = parsed.meta["title"]
    if paragraphs[0] != title:
        raise ValueError(f"{doc}: the first paragraph is not the title {title!r}")
    gold = GoldDocument(
        title=title,
        source_url=parsed.meta["sourceURL"],
        date=parsed.meta["dateCreated"],
        split="test" if doc in TEST_DOCS else "dev",
        entities=entities,
    )
    return "\n".join(paragraphs) + "\n", gold


def build(source: Path = SOURCE) -> tuple[dict[str, str], str]:
    """Every document's article text (by ``<doc>``), and gold.json's text."""
    articles: dict[str, str] = {}
    gold: dict[str, GoldDocument] = {}
    for path in sorted(source.glob(f"{PREFIX}*.conllu")):
        doc = path.stem[len(PREFIX) :]
        articles[doc], gold[doc] = convert(path.read_text(encoding="utf-8"), doc)
    if set(gold) < TEST_DOCS or not gold:
        raise ValueError(f"{source}: missing test documents {sorted(TEST_DOCS - set(gold))}")
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files differ from the build")
    args = parser.parse_args(argv)
    articles, gold = build()
    if args.check:
        wrong = differences(articles, gold)
        for name in wrong:
            print(f"differs from the build: {DATA.relative_to(ROOT) / name}", file=sys.stderr)
        return 1 if wrong else 0
    ARTICLES.mkdir(parents=True, exist_ok=True)
    for stale in ARTICLES.glob("*.txt"):
        if stale.stem not in articles:
            stale.unlink()
    for doc, text in articles.items():
        (ARTICLES / f"{doc}.txt").write_text(text, encoding="utf-8")
    GOLD.write_text(gold, encoding="utf-8")
    counts = {t: sum(e["type"] == t for d in json.loads(gold).values() for e in d["entities"]) for t in TYPES.values()}
    print(f"{len(articles)} articles, gold {counts} -> {DATA.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
