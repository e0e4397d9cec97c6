"""Rules: validation, exact against normalised names, contains, and order within a rule set."""

from __future__ import annotations

import pytest

from billbot.categorize import Rule, RuleError, load_taxonomy, merchant_key, normalise_merchant
from billbot.categorize.rules import RuleSet


def _key(raw: str) -> str:
    return merchant_key(normalise_merchant(raw))


def test_rule_validates_its_fields() -> None:
    with pytest.raises(RuleError, match="source"):
        Rule("r1", "admin", "exact", "Luckin", "coffee", "Luckin")  # type: ignore[arg-type]
    with pytest.raises(RuleError, match="match"):
        Rule("r1", "user", "regex", "Luckin", "coffee", "Luckin")  # type: ignore[arg-type]
    with pytest.raises(RuleError, match="no letters"):
        Rule("r1", "user", "contains", " -*- ", "coffee", "dashes")
    with pytest.raises(RuleError, match="id"):
        Rule("", "user", "exact", "Luckin", "coffee", "Luckin")


def test_exact_rule_matches_every_descriptor_of_the_normalised_merchant() -> None:
    rules = RuleSet(
        [Rule("r1", "user", "exact", "Luckin Coffee", "restaurants", "Luckin Coffee")],
        source="user",
        taxonomy=load_taxonomy(),
    )
    assert rules.match(_key("LUCKIN COFFEE #0456 XIAMEN CN")) is not None
    assert rules.match(_key("SQ *LUCKIN COFFEE")) is not None
    assert rules.match(_key("LUCKIN COFFEE ROASTERY")) is None


def test_contains_rule_matches_inside_the_key() -> None:
    rules = RuleSet(
        [Rule("op1", "operator", "contains", "ACME payroll", "salary", "ACME payroll")],
        source="operator",
        taxonomy=load_taxonomy(),
    )
    matched = rules.match(_key("ACH CREDIT ACME PAYROLL INC 0391"))
    assert matched is not None and matched.id == "op1"
    assert rules.match(_key("ACME HARDWARE")) is None
    assert rules.match("") is None


def test_exact_beats_contains_and_earlier_rules_beat_later_ones() -> None:
    taxonomy = load_taxonomy()
    rules = RuleSet(
        [
            Rule("c1", "user", "contains", "coffee", "groceries", "coffee"),
            Rule("c2", "user", "contains", "blue bottle", "restaurants", "blue bottle"),
            Rule("e1", "user", "exact", "Blue Bottle Coffee", "coffee", "Blue Bottle Coffee"),
        ],
        source="user",
        taxonomy=taxonomy,
    )
    assert rules.match("blue bottle coffee").id == "e1"  # type: ignore[union-attr]
    assert rules.match("blue bottle coffee roasters").id == "c1"  # type: ignore[union-attr]
    assert rules.match("blue bottle bakery").id == "c2"  # type: ignore[union-attr]


def test_rule_set_rejects_foreign_sources_and_unknown_sub_categories() -> None:
    taxonomy = load_taxonomy()
    with pytest.raises(RuleError, match="operator rule"):
        RuleSet(
            [Rule("o", "operator", "exact", "X", "coffee", "X")], source="user", taxonomy=taxonomy
        )
    with pytest.raises(RuleError, match="unknown sub-category"):
        RuleSet([Rule("u", "user", "exact", "X", "food", "X")], source="user", taxonomy=taxonomy)
    assert not RuleSet([], source="user", taxonomy=taxonomy)
