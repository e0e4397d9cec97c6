"""The shipped taxonomy: size, unique slugs, labels in both locales, lookups and the API tree."""

from __future__ import annotations

import json

import pytest

from billbot.categorize import load_taxonomy
from billbot.categorize.taxonomy import LOCALES, TaxonomyError, parse_taxonomy, resolve_locale


def test_taxonomy_covers_everyday_spending() -> None:
    taxonomy = load_taxonomy()
    assert len(taxonomy.categories) >= 14
    assert len(taxonomy.sub_category_slugs) >= 80
    assert {category.slug for category in taxonomy.categories} >= {
        "food",
        "transport",
        "shopping",
        "bills_utilities",
        "health",
        "education",
        "entertainment",
        "travel",
        "subscriptions_digital",
        "personal_care",
        "home",
        "family_pets",
        "fees_interest",
        "transfers_cash",
        "income_refunds",
        "uncategorised",
    }


def test_slugs_are_unique_snake_case_across_both_levels() -> None:
    taxonomy = load_taxonomy()
    slugs = [category.slug for category in taxonomy.categories] + taxonomy.sub_category_slugs
    assert len(slugs) == len(set(slugs))
    for slug in slugs:
        assert (
            slug.isascii() and slug == slug.lower() and " " not in slug and slug.strip("_") == slug
        )


def test_every_node_is_labelled_in_english_and_chinese() -> None:
    taxonomy = load_taxonomy()
    for category in taxonomy.categories:
        assert category.sub_categories
        for node in [category, *category.sub_categories]:
            for locale in LOCALES:
                assert node.labels[locale].strip(), (node.slug, locale)
            assert node.labels["zh-CN"] != node.labels["en"] or node.slug == "karaoke"


def test_lookups() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.category_of("coffee") == "food"
    assert taxonomy.category_of("ride_hailing") == "transport"
    assert taxonomy.is_sub_category("coffee")
    assert not taxonomy.is_sub_category("food")
    assert taxonomy.is_category("food")
    assert not taxonomy.is_sub_category("nonsense")
    assert taxonomy.label("coffee", "en") == "Coffee"
    assert taxonomy.label("coffee", "zh-CN") == "咖啡"
    assert taxonomy.label("food", "zh") == "餐饮美食"
    assert taxonomy.label("food_delivery", "zh_CN") == "外卖"
    with pytest.raises(KeyError):
        taxonomy.category_of("food")
    with pytest.raises(KeyError):
        taxonomy.label("nonsense", "en")


@pytest.mark.parametrize(
    ("locale", "resolved"),
    [
        ("zh-CN", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh_CN", "zh-CN"),
        ("zh-Hans-CN", "zh-CN"),
        ("en-GB", "en"),
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_locales_resolve_with_english_fallback(locale: str | None, resolved: str) -> None:
    assert resolve_locale(locale) == resolved


def test_tree_is_json_ready_in_one_locale_or_all() -> None:
    taxonomy = load_taxonomy()
    localised = taxonomy.to_tree("zh-CN")
    food = next(node for node in localised if node["slug"] == "food")
    assert food["label"] == "餐饮美食"
    assert {"slug": "coffee", "label": "咖啡"} in food["sub_categories"]
    everything = taxonomy.to_tree()
    assert everything[0]["labels"].keys() == {"en", "zh-CN"}
    assert sum(len(node["sub_categories"]) for node in everything) == len(
        taxonomy.sub_category_slugs
    )
    json.dumps(everything, ensure_ascii=False)


def test_loaded_once() -> None:
    assert load_taxonomy() is load_taxonomy()


def _document(sub_labels: dict[str, str], sub_slug: str = "coffee") -> dict[str, object]:
    return {
        "categories": [
            {
                "slug": "food",
                "labels": {"en": "Food", "zh-CN": "餐饮"},
                "sub_categories": [{"slug": sub_slug, "labels": sub_labels}],
            }
        ]
    }


def test_rejects_duplicate_slugs_and_missing_labels() -> None:
    with pytest.raises(TaxonomyError, match="twice"):
        parse_taxonomy(_document({"en": "Food", "zh-CN": "餐饮"}, sub_slug="food"))
    with pytest.raises(TaxonomyError, match="zh-CN"):
        parse_taxonomy(_document({"en": "Coffee"}))
