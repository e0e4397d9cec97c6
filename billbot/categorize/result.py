"""The outcome of categorising one transaction, and how to explain it in English or Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from billbot.categorize.mcc import MccEntry
from billbot.categorize.patterns import MerchantPattern
from billbot.categorize.rules import Rule
from billbot.categorize.taxonomy import Taxonomy, load_taxonomy, resolve_locale

Source = Literal["kind", "user_rule", "operator_rule", "mcc", "pattern", "uncategorised"]

UNCATEGORISED = "unrecognised"

_KIND_NAMES_ZH = {
    "purchase": "消费",
    "refund": "退款",
    "fee": "手续费",
    "interest": "利息",
    "repayment": "还款",
    "cash_advance": "预借现金",
}


@dataclass(frozen=True, slots=True)
class Categorisation:
    """Where a transaction belongs, which source decided and the rule that did.

    `rule` is the rule id, the MCC or the pattern text; `detail` is what the reason quotes (a
    rule's label, an MCC description, a fee pattern) so `explain` can say it in another locale.
    """

    category: str
    sub_category: str
    source: Source
    rule: str | None
    reason: str
    detail: str | None = None


def by_kind(
    kind: str, sub_category: str, taxonomy: Taxonomy, detail: str | None = None
) -> Categorisation:
    """A result the transaction kind decided (repayment, fee, interest, cash advance)."""
    return _result("kind", kind, sub_category, taxonomy, detail)


def by_rule(rule: Rule, taxonomy: Taxonomy) -> Categorisation:
    """A result decided by a borrower's or the operator's rule."""
    source: Source = "user_rule" if rule.source == "user" else "operator_rule"
    return _result(source, rule.id, rule.sub_category, taxonomy, rule.label)


def by_mcc(entry: MccEntry, taxonomy: Taxonomy) -> Categorisation:
    """A result decided by the merchant category code."""
    return _result("mcc", entry.code, entry.sub_category, taxonomy, entry.description)


def by_pattern(pattern: MerchantPattern, taxonomy: Taxonomy) -> Categorisation:
    """A result decided by a merchant-name pattern."""
    return _result("pattern", pattern.pattern, pattern.sub_category, taxonomy, pattern.pattern)


def uncategorised(taxonomy: Taxonomy) -> Categorisation:
    """The result when nothing matched."""
    return _result("uncategorised", None, UNCATEGORISED, taxonomy, None)


def _result(
    source: Source, rule: str | None, sub_category: str, taxonomy: Taxonomy, detail: str | None
) -> Categorisation:
    return Categorisation(
        category=taxonomy.category_of(sub_category),
        sub_category=sub_category,
        source=source,
        rule=rule,
        reason=_english(source, rule, detail),
        detail=detail,
    )


def explain(result: Categorisation, locale: str, taxonomy: Taxonomy | None = None) -> str:
    """Why a transaction got its sub-category, for a person, in `en` or `zh-CN`."""
    if resolve_locale(locale) == "en":
        return _english(result.source, result.rule, result.detail)
    return _chinese(result, taxonomy or load_taxonomy())


def _english(source: Source, rule: str | None, detail: str | None) -> str:
    subject = detail or rule or ""
    match source:
        case "kind":
            suffix = f" ('{detail}')" if detail else ""
            return f"transaction kind: {_kind_text(rule)}{suffix}"
        case "user_rule":
            return f"your rule for '{subject}'"
        case "operator_rule":
            return f"operator rule '{subject}'"
        case "mcc":
            return f"MCC {rule} {detail or ''}".rstrip()
        case "pattern":
            return f"merchant name matches '{subject}'"
        case _:
            return "no rule matched"


def _chinese(result: Categorisation, taxonomy: Taxonomy) -> str:
    subject = result.detail or result.rule or ""
    match result.source:
        case "kind":
            kind = _KIND_NAMES_ZH.get(result.rule or "", _kind_text(result.rule))
            suffix = f"（匹配「{result.detail}」）" if result.detail else ""
            return f"交易类型：{kind}{suffix}"
        case "user_rule":
            return f"你为「{subject}」设置的规则"
        case "operator_rule":
            return f"运营方规则「{subject}」"
        case "mcc":
            label = taxonomy.label(result.sub_category, "zh-CN")
            return f"商户类别码 MCC {result.rule}（{label}）"
        case "pattern":
            return f"商户名称匹配「{subject}」"
        case _:
            return "没有匹配的规则"


def _kind_text(kind: str | None) -> str:
    return (kind or "").replace("_", " ")
