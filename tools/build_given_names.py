"""Build processors/data/given_names.txt.gz and surnames.txt.gz, the person names of the entity stage, from Faker.

    python -m tools.build_given_names           # or: make person-names
    python -m tools.build_given_names --check   # exit 1 when a shipped file is not what this builds

The entity stage types a name of two or three words that opens with a given name as a person's when the model
called it an organisation or a place and nothing else says what it is ("Christos Vlachakis", "Kevin Durham" in a
results table), unless its last word is a common English word and no surname ("Atticus Capital"):
processors/entity_knowledge.py ``is_given_name``, ``is_surname``. Faker (MIT) carries first-name and last-name
lists for about ninety locales. This keeps, of each:

- the Latin-script names of every locale, and the Cyrillic and Greek ones of the Russian, Ukrainian,
  Bulgarian and Greek locales transliterated by the tables below (newswire writes "Oleksandr", "Christos");
- names of at least three letters, made only of letters, hyphens and apostrophes;
- of the given names: not a country's, a US state's or a known city's name (processors/gazetteer.py:
  "Georgia", "Florence", "Austin"), nor a demonym ("French"), nor a word of ``NOT_GIVEN_NAMES``, which
  companies and bodies open with.

Faker is a dev dependency (pinned in pyproject's dev extra), so every dev environment can rebuild the files, and
tests/unit/test_person_names.py compares the shipped files with what this builds. The runtime does not install it.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import pkgutil
import re
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

import faker.providers.person

from newsflow.processors import gazetteer
from newsflow.processors.entity_knowledge import DEMONYMS, GIVEN_NAMES_FILE, NOT_GIVEN_NAMES, SURNAMES_FILE, fold

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "processors" / "data"
MIN_LETTERS = 3
_NAME = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
GIVEN_ATTRIBUTES = (
    "first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
    "first_romanized_names", "first_names_male_romanized", "first_names_female_romanized",
)  # fmt: skip
SURNAME_ATTRIBUTES = ("last_names", "last_names_male", "last_names_female", "last_romanized_names")
# Romanisation of the Cyrillic and Greek names, as English-language newswire writes them.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        (
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "yo",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "-",
            "y",
            "-",
            "e",
            "yu",
            "ya",
            "i",
            "yi",
            "ye",
            "g",
        ),
        strict=True,
    )
)
_UKRAINIAN = {**_CYRILLIC, "г": "h", "и": "y", "і": "i"}  # noqa: RUF001 (Cyrillic on purpose)
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ",
        (
            "a",
            "v",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
            "a",
            "e",
            "i",
            "i",
            "o",
            "y",
            "o",
            "i",
            "y",
            "i",
            "y",
        ),
        strict=True,
    )
)
_TRANSLITERATED = {"ru_RU": _CYRILLIC, "bg_BG": _CYRILLIC, "uk_UA": _UKRAINIAN, "el_GR": _GREEK}


def _romanised(name: str, table: dict[str, str]) -> str:
    """``name`` in Latin letters by ``table``, capitalised ("Олександр" -> "Oleksandr")."""
    return "".join(table.get(c, c) for c in name.casefold()).replace("-", "").capitalize()


def _locale_names(locale: str, attributes: tuple[str, ...]) -> set[str]:
    """The names of one of Faker's person locales under ``attributes``, in Latin letters where a table romanises
    them."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    names: set[str] = set()
    for attribute in attributes:
        value = provider.__dict__.get(attribute) or next(
            (klass.__dict__[attribute] for klass in provider.__mro__ if attribute in klass.__dict__), None
        )
        if isinstance(value, (list, tuple, dict, set, frozenset)):
            names.update(str(name) for name in value)
    if table := _TRANSLITERATED.get(locale):
        names = {_romanised(name, table) for name in names}
    return {name for name in names if all(unicodedata.name(c, "").startswith("LATIN") or c in "'-" for c in name)}


def person_names(attributes: tuple[str, ...], excluded: frozenset[str] = frozenset()) -> list[str]:
    """The folded names under ``attributes`` of every locale this build keeps, sorted; none of ``excluded``."""
    locales = [m.name for m in pkgutil.iter_modules(faker.providers.person.__path__) if m.ispkg]
    kept: set[str] = set()
    for locale in locales:
        for name in _locale_names(locale, attributes):
            key = fold(name)
            if len(key) >= MIN_LETTERS and _NAME.fullmatch(key) and key not in excluded:
                kept.add(key)
    return sorted(kept)


def _places() -> frozenset[str]:
    """The folded names of the gazetteer's places and the other names of its countries and states."""
    regions = (gazetteer.PlaceKind.COUNTRY, gazetteer.PlaceKind.STATE)
    return frozenset({fold(p.name) for p in gazetteer.places()}) | {
        fold(alternate) for p in gazetteer.places() if p.kind in regions for alternate in p.alternates
    }


def render(names: list[str], what: str) -> bytes:
    """A file's bytes: a header naming the source, then one folded name a line (gzip without a timestamp)."""
    version = metadata.version("faker")
    header = f"# {what} from Faker {version} (MIT) person providers; built by tools/build_given_names.py\n"
    return gzip.compress((header + "\n".join(names) + "\n").encode("utf-8"), mtime=0)


def files() -> dict[Path, bytes]:
    """Each file this builds and its bytes."""
    given = [name for name in person_names(GIVEN_ATTRIBUTES, _places() | NOT_GIVEN_NAMES) if name not in DEMONYMS]
    return {
        DATA / GIVEN_NAMES_FILE: render(given, "Given names"),
        DATA / SURNAMES_FILE: render(person_names(SURNAME_ATTRIBUTES), "Surnames"),
    }


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) processors/data/given_names.txt.gz and surnames.txt.gz."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a shipped file differs")
    args = parser.parse_args(argv)
    differ = 0
    for target, data in files().items():
        if args.check:
            same = target.exists() and gzip.decompress(target.read_bytes()) == gzip.decompress(data)
            print(f"{target.name}: up to date" if same else f"{target.name}: differs; run make person-names")
            differ += not same
        else:
            target.write_bytes(data)
            print(f"wrote {target} ({len(data)} bytes)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
