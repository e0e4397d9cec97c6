"""Categorisation rules: a borrower's own (learned from their corrections) and the operator's.

An `exact` rule matches when the merchant key of the normalised description equals the key of
the normalised pattern, so a rule saved from the merchant name "Luckin Coffee" also catches
"LUCKIN COFFEE #0456 XIAMEN CN". A `contains` rule matches when the key of its pattern occurs
anywhere in the merchant key ("acme payroll" in "acme payroll inc").

Within one rule set an exact match beats a contains match, and among several matches the rule
given first wins: callers pass rules in priority order (for a borrower, newest correction first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ahocorasick

from billbot.categorize.normalise import merchant_key, normalise_merchant
from billbot.categorize.taxonomy import Taxonomy

RuleSource = Literal["user", "operator"]
RuleMatch = Literal["exact", "contains"]


class RuleError(ValueError):
    """A rule that cannot be applied: wrong source, unknown sub-category, empty pattern."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One categorisation rule; `label` is how people see it ("Luckin Coffee", "ACME payroll")."""

    id: str
    source: RuleSource
    match: RuleMatch
    pattern: str
    sub_category: str
    label: str

    def __post_init__(self) -> None:
        if self.source not in ("user", "operator"):
            raise RuleError(f"rule {self.id!r}: source must be 'user' or 'operator'")
        if self.match not in ("exact", "contains"):
            raise RuleError(f"rule {self.id!r}: match must be 'exact' or 'contains'")
        if not self.id:
            raise RuleError("a rule needs an id")
        if not self.key:
            raise RuleError(f"rule {self.id!r}: pattern {self.pattern!r} has no letters or digits")

    @property
    def key(self) -> str:
        """The merchant key this rule compares against."""
        if self.match == "exact":
            return merchant_key(normalise_merchant(self.pattern))
        return merchant_key(self.pattern)


class RuleSet:
    """Rules of one source, compiled: a dict of exact keys and an automaton for the rest."""

    def __init__(self, rules: Sequence[Rule], *, source: RuleSource, taxonomy: Taxonomy) -> None:
        self.rules = tuple(rules)
        self._exact: dict[str, int] = {}
        self._contains = ahocorasick.Automaton()
        for index, rule in enumerate(self.rules):
            if rule.source != source:
                raise RuleError(f"rule {rule.id!r} is a {rule.source} rule, expected {source}")
            if not taxonomy.is_sub_category(rule.sub_category):
                raise RuleError(f"rule {rule.id!r}: unknown sub-category {rule.sub_category!r}")
            key = rule.key
            if rule.match == "exact":
                self._exact.setdefault(key, index)
            elif key not in self._contains:
                self._contains.add_word(key, index)
        self._has_contains = len(self._contains) > 0
        if self._has_contains:
            self._contains.make_automaton()

    def __bool__(self) -> bool:
        return bool(self.rules)

    def match(self, key: str) -> Rule | None:
        """The winning rule for a merchant key, or `None`."""
        index = self._exact.get(key)
        if index is not None:
            return self.rules[index]
        if not self._has_contains or not key:
            return None
        first = min((found for _, found in self._contains.iter(key)), default=None)
        return None if first is None else self.rules[first]
