"""Trailing location and company suffixes on merchant descriptors.

Card networks append where a purchase happened (`SAN FRANCISCO CA`, `LONDON GB`,
`SEATTLE WA US`, `TORONTO ON`) and acquirers keep the legal form (`LTD`, `GMBH`, `INC`).
Both are stripped from the end of the token list, with care for the codes that are also words
or name endings (`IN`, `ON`, `CO`, `DE`, `SE`): those go only after a known city, another place,
or a phone or reference number, so "SONIC DRIVE IN" keeps its IN and "AIR FRANCE" its FRANCE.
Places live in `data/places.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

CORPORATE_ANYWHERE = frozenset(
    {"INC", "LLC", "LTD", "PLC", "GMBH", "CORP", "BV", "PTY", "PTE", "SARL", "SRL", "KK"}
)
CORPORATE_AT_END = CORPORATE_ANYWHERE | {
    "CO",
    "SA",
    "SE",
    "AB",
    "AS",
    "AG",
    "NV",
    "OY",
    "LIMITED",
    "CORPORATION",
    "COMPANY",
}


@dataclass(frozen=True, slots=True)
class _Places:
    countries: frozenset[str]
    country_names: frozenset[str]
    regions: frozenset[str]
    ambiguous: frozenset[str]
    cities: frozenset[tuple[str, ...]]
    city_lengths_by_last_word: dict[str, tuple[int, ...]]


@cache
def _places() -> _Places:
    """The shipped places, loaded once per process."""
    raw = json.loads(files("billbot.categorize").joinpath("data/places.json").read_text("utf-8"))
    cities = frozenset(tuple(city.split()) for city in raw["cities"])
    lengths: dict[str, set[int]] = {}
    for city in cities:
        lengths.setdefault(city[-1], set()).add(len(city))
    return _Places(
        countries=frozenset(raw["countries"]),
        country_names=frozenset(raw["country_names"]),
        regions=frozenset(raw["regions"]),
        ambiguous=frozenset(raw["ambiguous"]),
        cities=cities,
        city_lengths_by_last_word={
            word: tuple(sorted(found, reverse=True)) for word, found in lengths.items()
        },
    )


def strip_suffixes(tokens: list[str], numeric: list[bool]) -> None:
    """Drop trailing numbers, places and company suffixes in place, keeping one word at least."""
    places = _places()
    words = numeric.count(False)
    after_location = False
    while words > 1:
        if numeric[-1]:
            tokens.pop()
            numeric.pop()
            continue
        last = tokens[-1]
        if last in places.countries or last in places.regions:
            anchored = numeric[-2] or _city_length(tokens, len(tokens) - 1, places) > 0
            if last not in places.ambiguous or anchored or after_location:
                tokens.pop()
                numeric.pop()
                words -= 1
                after_location = True
                continue
        # "AIR FRANCE" and "VIRGIN AUSTRALIA" end in a country: only strip one after a city.
        if last in places.country_names and after_location:
            tokens.pop()
            numeric.pop()
            words -= 1
            continue
        length = _city_length(tokens, len(tokens), places)
        if 0 < length < words:
            del tokens[-length:]
            del numeric[-length:]
            words -= length
            after_location = True
            continue
        if last in CORPORATE_AT_END:
            tokens.pop()
            numeric.pop()
            words -= 1
            continue
        break


def _city_length(tokens: list[str], end: int, places: _Places) -> int:
    """How many tokens before `end` spell a known city (longest first), or 0."""
    lengths = places.city_lengths_by_last_word.get(tokens[end - 1]) if end else None
    if not lengths:
        return 0
    for length in lengths:
        if length <= end and tuple(tokens[end - length : end]) in places.cities:
            return length
    return 0
