"""Merchant category codes (ISO 18245) mapped onto billbot's sub-categories.

`data/mcc.csv` lists every code in the ISO 18245 list as published by the `iso18245` package
(the ISO, Visa, Mastercard, Amex, Stripe and USDA lists) plus the public-domain greggles list,
each with its sub-category and description; the airline (3000–3350), car rental (3351–3500) and
lodging (3501–3999) brand codes are listed individually. `data/mcc_ranges.csv` covers a code
that no list names by the ISO range it falls in, so every valid code lands somewhere.

A *weak* code describes how something was sold rather than what was bought: the catch-alls
("not elsewhere classified", 5999 miscellaneous retail, 7399 business services, 8999
professional services), digital-delivery codes (5815–5818 except games, 5734, 7372, 4816) and
pay TV (4899, shared by cable companies, broadband bundles and streaming services). A weak code
lets merchant-name patterns decide first and is only the fallback; see `engine`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_RESOLVED_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class MccEntry:
    """What one merchant category code means for categorisation."""

    code: str
    sub_category: str
    weak: bool
    description: str


@dataclass(frozen=True, slots=True)
class _Range:
    first: int
    last: int
    sub_category: str
    weak: bool
    description: str


class MccTable:
    """Code lookups: a listed code first, then the ISO range it falls in."""

    def __init__(self, entries: list[MccEntry], ranges: list[_Range]) -> None:
        self.entries = {entry.code: entry for entry in entries}
        self._ranges = ranges
        self._resolved: dict[str, MccEntry | None] = {}

    def lookup(self, mcc: object) -> MccEntry | None:
        """The entry for a code (`"5814"`, `5814`, `" 742"`); `None` for no, invalid or reserved."""
        if mcc is None:
            return None
        raw = str(mcc)
        if raw in self._resolved:
            return self._resolved[raw]
        entry = self._resolve(normalise_mcc(mcc))
        if len(self._resolved) < _RESOLVED_LIMIT:  # garbage codes must not grow it without bound
            self._resolved[raw] = entry
        return entry

    def _resolve(self, code: str | None) -> MccEntry | None:
        if code is None:
            return None
        if code in self.entries:
            return self.entries[code]
        number = int(code)
        for span in self._ranges:
            if span.first <= number <= span.last:
                return MccEntry(code, span.sub_category, span.weak, span.description)
        return None


def normalise_mcc(mcc: object) -> str | None:
    """Four digits (`"0742"`) from what issuers send (`742`, `"742"`, `5814.0`), else `None`."""
    if mcc is None or isinstance(mcc, bool):
        return None
    if isinstance(mcc, float):
        if mcc != mcc or not mcc.is_integer():  # NaN from a pandas column, or garbage
            return None
        mcc = int(mcc)
    text = str(mcc).strip()
    if not text.isdigit() or len(text) > 4 or not text.isascii():
        return None
    return text.zfill(4)


def _read_csv(name: str) -> list[dict[str, str]]:
    text = files("billbot.categorize").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def load_mcc_table() -> MccTable:
    """The shipped MCC mapping, parsed once per process."""
    entries = [
        MccEntry(row["mcc"], row["sub_category"], row["weak"] == "1", row["description"])
        for row in _read_csv("mcc.csv")
    ]
    ranges = [
        _Range(
            int(row["first"]),
            int(row["last"]),
            row["sub_category"],
            row["weak"] == "1",
            row["description"],
        )
        for row in _read_csv("mcc_ranges.csv")
    ]
    return MccTable(entries, ranges)
