"""Spending categorisation: taxonomy, merchant normalisation, rules and the categoriser.

The engine (taxonomy, normalise, suffixes, mcc, patterns, rules, result, engine, batch) is pure
computation: no database, no HTTP. The core loads transactions and rules, calls
`Categoriser.categorise` (one transaction) or `Categoriser.categorise_frame` (an import or a whole
history), and stores the sub-category with its source and rule so the bot can explain it.
"""

from billbot.categorize.engine import Categoriser
from billbot.categorize.normalise import merchant_key, normalise_merchant
from billbot.categorize.result import Categorisation, explain
from billbot.categorize.rules import Rule, RuleError
from billbot.categorize.taxonomy import Category, SubCategory, Taxonomy, load_taxonomy

__all__ = [
    "Categorisation",
    "Categoriser",
    "Category",
    "Rule",
    "RuleError",
    "SubCategory",
    "Taxonomy",
    "explain",
    "load_taxonomy",
    "merchant_key",
    "normalise_merchant",
]
