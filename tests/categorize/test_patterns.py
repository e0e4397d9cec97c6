"""Merchant patterns: the shipped data is consistent, and overlapping matches rank sensibly."""

from __future__ import annotations

import pytest

from billbot.categorize import load_taxonomy
from billbot.categorize.patterns import (
    PatternError,
    PatternMatcher,
    load_pattern_matcher,
    make_pattern,
)


def test_shipped_patterns_point_at_real_sub_categories() -> None:
    matcher, taxonomy = load_pattern_matcher(), load_taxonomy()
    assert len(matcher.patterns) > 1000
    for pattern in matcher.patterns:
        assert taxonomy.is_sub_category(pattern.sub_category), pattern
    kinds = {pattern.kind for pattern in matcher.patterns}
    assert kinds == {"exact", "merchant", "keyword"}
    chinese = [p for p in matcher.patterns if any("\u4e00" <= char <= "\u9fff" for char in p.key)]
    assert len(chinese) > 300


def _best(matcher: PatternMatcher, key: str) -> str | None:
    found = matcher.matches(key)
    return found[0].pattern if found else None


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(
        [
            make_pattern("uber", "ride_hailing", "exact"),
            make_pattern("uber eats", "food_delivery"),
            make_pattern("starbucks", "coffee"),
            make_pattern("coffee", "coffee", "keyword"),
            make_pattern("hospital", "hospitals", "keyword"),
            make_pattern("animal hospital", "vet", "keyword"),
            make_pattern("academy", "school_fees", "keyword"),
            make_pattern("daycare", "childcare", "keyword"),
            make_pattern("咖啡", "coffee", "keyword"),
            make_pattern("瑞幸咖啡", "coffee"),
            make_pattern("pharmacy", "pharmacy", "keyword"),
            make_pattern("walmart", "general_merchandise"),
        ]
    )


def test_exact_patterns_need_the_whole_key(matcher: PatternMatcher) -> None:
    assert _best(matcher, "uber") == "uber"
    assert _best(matcher, "uber technologies") is None


def test_latin_patterns_match_whole_words_only(matcher: PatternMatcher) -> None:
    assert _best(matcher, "blue bottle coffee") == "coffee"
    assert _best(matcher, "coffeeshop") is None
    assert _best(matcher, "starbucksy") is None


def test_chinese_patterns_match_inside_words(matcher: PatternMatcher) -> None:
    assert _best(matcher, "瑞幸咖啡国贸店") == "瑞幸咖啡"
    assert _best(matcher, "街角咖啡馆") == "咖啡"


def test_longest_match_wins_then_the_rightmost(matcher: PatternMatcher) -> None:
    assert _best(matcher, "uber eats") == "uber eats"
    assert _best(matcher, "greenwood animal hospital") == "animal hospital"
    assert _best(matcher, "walmart pharmacy") == "pharmacy"
    assert _best(matcher, "kids academy daycare") == "daycare"
    assert [p.pattern for p in matcher.matches("starbucks coffee")] == ["starbucks", "coffee"]


def test_bad_patterns_are_refused() -> None:
    with pytest.raises(PatternError, match="kind"):
        make_pattern("acme", "coffee", "fuzzy")
    with pytest.raises(PatternError, match="no letters"):
        make_pattern(" -- ", "coffee")
    with pytest.raises(PatternError, match="twice"):
        PatternMatcher([make_pattern("Acme", "coffee"), make_pattern("ACME", "groceries")])
