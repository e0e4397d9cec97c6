"""Merchant-name patterns: well-known merchants worldwide and in China, and generic words.

`data/patterns.csv` has one row per pattern: the text as a person would write it, the
sub-category, and a kind:

- `exact`: a short or everyday-word brand ("uber", "shell", "united", "boots") that only counts
  when it is the whole merchant key, so "Shell Blackheath" matches but "Seashell Cafe" does not;
- `merchant`: a brand matched anywhere in the key ("starbucks", "瑞幸咖啡", "whole foods");
- `keyword`: a generic word ("pharmacy", "taxi", "超市", "外卖", "咖啡").

Latin patterns match whole words; Chinese patterns match as substrings, since Chinese names have
no spaces. Every key is searched once by one Aho-Corasick automaton over all patterns. When
several match, the longest wins (a Chinese character counts double: it carries about as much as a
short word), so "uber eats" beats "uber" and "animal hospital" beats "hospital"; on equal length
a merchant beats a keyword, then the match further right wins, because names put their head noun
last ("Kids Academy Daycare" is a daycare).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal, cast

import ahocorasick

from billbot.categorize.normalise import merchant_key

PatternKind = Literal["exact", "merchant", "keyword"]
_KINDS: frozenset[str] = frozenset({"exact", "merchant", "keyword"})
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class MerchantPattern:
    """One curated pattern; `pattern` is the text shown in reasons, `key` what is matched."""

    pattern: str
    key: str
    sub_category: str
    kind: PatternKind

    @property
    def weight(self) -> int:
        """Length used to rank overlapping matches; Chinese characters count double."""
        return len(self.key) + len(_CJK.findall(self.key))


class PatternError(ValueError):
    """A pattern row that cannot be used (unknown kind, empty key, duplicate key)."""


def make_pattern(pattern: str, sub_category: str, kind: str = "merchant") -> MerchantPattern:
    """Build a pattern from its written form, validating the kind and the key."""
    if kind not in _KINDS:
        raise PatternError(f"pattern {pattern!r}: kind must be one of {sorted(_KINDS)}")
    key = merchant_key(pattern)
    if not key:
        raise PatternError(f"pattern {pattern!r} has no letters or digits")
    return MerchantPattern(pattern, key, sub_category, cast(PatternKind, kind))


class PatternMatcher:
    """All patterns compiled into one exact-key dict and one Aho-Corasick automaton."""

    def __init__(self, patterns: Iterable[MerchantPattern]) -> None:
        self.patterns: list[MerchantPattern] = []
        self._exact: dict[str, int] = {}
        self._automaton = ahocorasick.Automaton()
        seen: set[str] = set()
        for pattern in patterns:
            if pattern.key in seen:
                raise PatternError(f"pattern key {pattern.key!r} is listed twice")
            seen.add(pattern.key)
            index = len(self.patterns)
            self.patterns.append(pattern)
            if pattern.kind == "exact":
                self._exact[pattern.key] = index
            else:
                self._automaton.add_word(_needle(pattern.key), index)
        self._searchable = len(self._automaton) > 0
        if self._searchable:
            self._automaton.make_automaton()

    def matches(self, key: str) -> list[MerchantPattern]:
        """Every pattern found in a merchant key, best first (see the module docstring)."""
        ranked: list[tuple[tuple[int, int, int, int, int], int]] = []
        exact = self._exact.get(key)
        if exact is not None:
            ranked.append(((1, 0, 0, 0, -exact), exact))
        if self._searchable and key:
            for end, index in self._automaton.iter(f" {key} "):
                pattern = self.patterns[index]
                is_merchant = 1 if pattern.kind == "merchant" else 0
                ranked.append(((0, pattern.weight, is_merchant, end, -index), index))
        ranked.sort(reverse=True)
        best: list[MerchantPattern] = []
        taken: set[int] = set()
        for _, index in ranked:
            if index not in taken:
                taken.add(index)
                best.append(self.patterns[index])
        return best

    def sub_categories(self) -> set[str]:
        """Every sub-category some pattern points at."""
        return {pattern.sub_category for pattern in self.patterns}


def _needle(key: str) -> str:
    # Spaces around a Latin key make the automaton match whole words of the padded merchant key.
    return key if _CJK.search(key) else f" {key} "


def read_patterns(rows: Sequence[dict[str, str]]) -> list[MerchantPattern]:
    """Patterns from CSV rows with `pattern`, `sub_category` and `kind` columns."""
    return [make_pattern(row["pattern"], row["sub_category"], row["kind"]) for row in rows]


@cache
def load_pattern_matcher() -> PatternMatcher:
    """The shipped patterns, compiled once per process."""
    text = files("billbot.categorize").joinpath("data/patterns.csv").read_text(encoding="utf-8")
    return PatternMatcher(read_patterns(list(csv.DictReader(text.splitlines()))))
