"""billbot's own two-level spending taxonomy: categories, their sub-categories, labels per locale.

Slugs are plain snake_case and unique across both levels (`food`, `coffee`, `fees_interest`,
`late_fees`), so a sub-category slug alone names its category and one `label(slug)` call serves
either level. Slugs are stored on transactions and rules: rename a label freely, never a slug.
The taxonomy ships as `data/taxonomy.json` and is loaded once per process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

DEFAULT_LOCALE = "en"
LOCALES = ("en", "zh-CN")


def resolve_locale(locale: str | None) -> str:
    """Map any spelling of a supported locale (`zh`, `zh_CN`, `zh-Hans`) to `en` or `zh-CN`."""
    if not locale:
        return DEFAULT_LOCALE
    tag = locale.replace("_", "-").casefold()
    if tag == "zh" or tag.startswith(("zh-cn", "zh-hans", "zh-sg")):
        return "zh-CN"
    return DEFAULT_LOCALE


@dataclass(frozen=True, slots=True)
class SubCategory:
    """A leaf of the taxonomy, the level transactions are labelled with."""

    slug: str
    category: str
    labels: dict[str, str]


@dataclass(frozen=True, slots=True)
class Category:
    """A top-level spending category and its sub-categories, in display order."""

    slug: str
    labels: dict[str, str]
    sub_categories: list[SubCategory]


class TaxonomyError(ValueError):
    """The taxonomy data is inconsistent (duplicate slug, missing label)."""


class Taxonomy:
    """Lookups over the category tree; build it with `load_taxonomy()`."""

    def __init__(self, categories: list[Category]) -> None:
        self.categories = categories
        self._labels: dict[str, dict[str, str]] = {}
        self._category_of: dict[str, str] = {}
        for category in categories:
            self._add_label(category.slug, category.labels)
            for sub in category.sub_categories:
                self._add_label(sub.slug, sub.labels)
                self._category_of[sub.slug] = category.slug

    def _add_label(self, slug: str, labels: dict[str, str]) -> None:
        if slug in self._labels:
            raise TaxonomyError(f"slug {slug!r} is used twice")
        missing = [locale for locale in LOCALES if not labels.get(locale)]
        if missing:
            raise TaxonomyError(f"slug {slug!r} has no label for {', '.join(missing)}")
        self._labels[slug] = labels

    @property
    def sub_category_slugs(self) -> list[str]:
        """Every sub-category slug, in display order."""
        return list(self._category_of)

    def is_sub_category(self, slug: str) -> bool:
        """Whether `slug` names a sub-category (not a category, not unknown)."""
        return slug in self._category_of

    def is_category(self, slug: str) -> bool:
        """Whether `slug` names a top-level category."""
        return slug in self._labels and slug not in self._category_of

    def category_of(self, sub_slug: str) -> str:
        """The category slug a sub-category belongs to; `KeyError` for an unknown slug."""
        try:
            return self._category_of[sub_slug]
        except KeyError:
            raise KeyError(f"unknown sub-category {sub_slug!r}") from None

    def label(self, slug: str, locale: str | None = DEFAULT_LOCALE) -> str:
        """The label of a category or sub-category in `locale`, falling back to English."""
        try:
            labels = self._labels[slug]
        except KeyError:
            raise KeyError(f"unknown category or sub-category {slug!r}") from None
        return labels[resolve_locale(locale)]

    def to_tree(self, locale: str | None = None) -> list[dict[str, Any]]:
        """A JSON-ready tree; with a locale each node has `label`, without it all `labels`."""

        def node(slug: str, labels: dict[str, str]) -> dict[str, Any]:
            if locale is None:
                return {"slug": slug, "labels": dict(labels)}
            return {"slug": slug, "label": labels[resolve_locale(locale)]}

        return [
            {
                **node(category.slug, category.labels),
                "sub_categories": [node(sub.slug, sub.labels) for sub in category.sub_categories],
            }
            for category in self.categories
        ]


def parse_taxonomy(document: dict[str, Any]) -> Taxonomy:
    """Build a `Taxonomy` from the JSON document shape of `data/taxonomy.json`."""
    categories = []
    for raw in document["categories"]:
        subs = [
            SubCategory(slug=sub["slug"], category=raw["slug"], labels=dict(sub["labels"]))
            for sub in raw["sub_categories"]
        ]
        if not subs:
            raise TaxonomyError(f"category {raw['slug']!r} has no sub-categories")
        categories.append(
            Category(slug=raw["slug"], labels=dict(raw["labels"]), sub_categories=subs)
        )
    return Taxonomy(categories)


@cache
def load_taxonomy() -> Taxonomy:
    """The shipped taxonomy, parsed once per process."""
    text = files("billbot.categorize").joinpath("data/taxonomy.json").read_text(encoding="utf-8")
    return parse_taxonomy(json.loads(text))
