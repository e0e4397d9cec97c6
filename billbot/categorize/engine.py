"""The categoriser: which sub-category a transaction belongs to, and why.

Sources are tried in order and the first that decides wins; each result records its source and
the rule that decided:

1. **Transaction kind.** Repayments, fees, interest and cash advances are recognised from the
   kind the issuer sent, never guessed from the description: repayment → credit repayment,
   interest → interest charges, cash advance → cash withdrawal, fee → card fees (or late,
   annual, foreign-transaction, cash-advance or installment fees when the issuer's description
   names one). Refunds are categorised like purchases, so a refund nets against its purchase.
2. **The borrower's own rules**, learned from their corrections.
3. **Operator rules**, set by the issuer running billbot.
4. **Merchant category code** (ISO 18245), with two refinements:
   - a *strong* code fixes the category, and a merchant pattern of that same category may
     sharpen the sub-category: MCC 5814 (fast food) with "Starbucks" is coffee, MCC 4121
     (taxis) with "Uber" is ride hailing. A pattern of another category never overrides it;
   - a *weak* code (5999 miscellaneous retail, 7399 business services, 8999, 5399, the
     "not elsewhere classified" codes, digital-delivery codes, pay TV; see `mcc`) lets the
     merchant patterns decide first and is used only when none matches.
5. **Merchant-name patterns and keywords** (see `patterns`).
6. **Uncategorised** (`uncategorised` / `unrecognised`).

`categorise` handles one transaction; `categorise_frame` a bulk import or a whole history,
set-wise (see `batch`). Both go through the same decision functions, so they agree row by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from billbot.categorize import result as results
from billbot.categorize.mcc import MccEntry, load_mcc_table
from billbot.categorize.normalise import merchant_key, normalise_merchant
from billbot.categorize.patterns import load_pattern_matcher
from billbot.categorize.result import Categorisation
from billbot.categorize.rules import Rule, RuleSet
from billbot.categorize.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

if TYPE_CHECKING:
    import pandas as pd

_KIND_DEFAULTS = {
    "repayment": "credit_repayment",
    "interest": "interest_charges",
    "cash_advance": "cash_withdrawal",
    "fee": "card_fees",
}
# Fee sub-categories a fee's own description may name ("LATE FEE", "年费", "FOREIGN TXN FEE").
_FEE_SUB_CATEGORIES = frozenset(
    {"card_fees", "late_fees", "annual_fees", "fx_fees", "cash_advance_fees", "installment_fees"}
)
DECIDED_BY_KIND = frozenset(_KIND_DEFAULTS)


def normalise_kind(kind: object) -> str:
    """The kind as a lower-case string; missing or blank means a purchase."""
    if kind is None or (isinstance(kind, float) and kind != kind):
        return "purchase"
    text = str(kind).strip().casefold()
    return text or "purchase"


class Categoriser:
    """Categorises transactions with the shipped MCC map and patterns plus operator rules."""

    def __init__(
        self, *, operator_rules: Sequence[Rule] = (), taxonomy: Taxonomy | None = None
    ) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.mcc_table = load_mcc_table()
        self._patterns = load_pattern_matcher()
        self._check_shipped_slugs()
        self._operator_rules = RuleSet(operator_rules, source="operator", taxonomy=self.taxonomy)
        self._uncategorised = results.uncategorised(self.taxonomy)
        # Per-transaction callers pass the same few rule lists over and over: compile each once.
        self._compile_user_rules = lru_cache(maxsize=4096)(self._compile_user_rules_uncached)

    def _check_shipped_slugs(self) -> None:
        used = self._patterns.sub_categories() | {
            entry.sub_category for entry in self.mcc_table.entries.values()
        }
        used |= set(_KIND_DEFAULTS.values()) | {results.UNCATEGORISED}
        unknown = sorted(slug for slug in used if not self.taxonomy.is_sub_category(slug))
        if unknown:
            raise TaxonomyError(f"taxonomy lacks sub-categories the categoriser uses: {unknown}")

    def categorise(
        self,
        description: str,
        *,
        mcc: str | None = None,
        kind: str | None = "purchase",
        user_rules: Sequence[Rule] = (),
    ) -> Categorisation:
        """Categorise one transaction from its raw description, MCC and kind."""
        key = merchant_key(normalise_merchant(description or ""))
        return self.decide(
            key,
            self.mcc_table.lookup(mcc),
            normalise_kind(kind),
            self.user_rule_set(user_rules),
        )

    def categorise_frame(
        self,
        frame: pd.DataFrame,
        *,
        user_rules: Mapping[int, Sequence[Rule]] | None = None,
    ) -> pd.DataFrame:
        """Categorise a frame set-wise; adds merchant_name and the category columns."""
        from billbot.categorize.batch import categorise_frame

        return categorise_frame(self, frame, user_rules=user_rules)

    def user_rule_set(self, rules: Sequence[Rule]) -> RuleSet | None:
        """One borrower's rules compiled for matching (cached), or `None` when there are none."""
        if not rules:
            return None
        return self._compile_user_rules(tuple(rules))

    def _compile_user_rules_uncached(self, rules: tuple[Rule, ...]) -> RuleSet:
        return RuleSet(rules, source="user", taxonomy=self.taxonomy)

    def decide(
        self, key: str, mcc: MccEntry | None, kind: str, user_rules: RuleSet | None
    ) -> Categorisation:
        """The full decision for a merchant key, MCC entry, normalised kind and user rules."""
        decided = self.by_kind(kind, key)
        if decided is not None:
            return decided
        if user_rules:
            rule = user_rules.match(key)
            if rule is not None:
                return results.by_rule(rule, self.taxonomy)
        return self.without_user_rules(key, mcc)

    def by_kind(self, kind: str, key: str) -> Categorisation | None:
        """The result when the kind alone decides, else `None` (purchases and refunds)."""
        default = _KIND_DEFAULTS.get(kind)
        if default is None:
            return None
        if kind == "fee":
            for pattern in self._patterns.matches(key):
                if pattern.sub_category in _FEE_SUB_CATEGORIES:
                    return results.by_kind(
                        kind, pattern.sub_category, self.taxonomy, pattern.pattern
                    )
        return results.by_kind(kind, default, self.taxonomy)

    def without_user_rules(self, key: str, mcc: MccEntry | None) -> Categorisation:
        """Operator rules, then MCC and merchant patterns, then uncategorised."""
        rule = self._operator_rules.match(key)
        if rule is not None:
            return results.by_rule(rule, self.taxonomy)
        matches = self._patterns.matches(key)
        if mcc is None or mcc.weak:
            if matches:
                return results.by_pattern(matches[0], self.taxonomy)
            if mcc is None:
                return self._uncategorised
            return results.by_mcc(mcc, self.taxonomy)
        category = self.taxonomy.category_of(mcc.sub_category)
        for pattern in matches:
            if self.taxonomy.category_of(pattern.sub_category) == category:
                if pattern.sub_category != mcc.sub_category:
                    return results.by_pattern(pattern, self.taxonomy)
                break
        return results.by_mcc(mcc, self.taxonomy)
