"""Smart limit suggestions (智能额度) from a borrower's own recent months.

The suggestion is their median month, or 10% below it when their spending is rising, rounded down
to a friendly figure: never above what they already spend. Categories get the same treatment.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

MIN_MONTHS = 3


def _friendly_floor(amount_minor: int, exponent: int) -> int:
    """Round down to two significant figures of major units (3,456.78 → 3,400)."""
    major = amount_minor // (10**exponent)
    if major < 10:
        return major * 10**exponent
    step = 10 ** (len(str(major)) - 2)
    return (major // step) * step * 10**exponent


def _suggest(monthly: pd.Series, exponent: int) -> tuple[int, int, bool] | None:
    """(suggestion, median, rising) from totals ordered oldest month first."""
    values = [int(v) for v in monthly.tolist()]
    if len(values) < MIN_MONTHS or max(values) <= 0:
        return None
    ordered = sorted(values)
    median = ordered[(len(ordered) - 1) // 2]  # the lower middle: never above what they spend
    half = len(values) // 2
    # Rising: the later half of the months adds up to more than the earlier half.
    rising = half > 0 and sum(values[-half:]) > sum(values[:half])
    target = median * 9 // 10 if rising else median
    return _friendly_floor(target, exponent), median, rising


def suggest_limits(
    monthly: pd.DataFrame,
    *,
    exponents: dict[str, int],
    categories: int = 3,
    labels: dict[str, dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Suggestions from a frame of month, currency, category, amount_minor (whole months)."""
    if monthly.empty:
        return []
    frame = monthly.assign(amount_minor=monthly["amount_minor"].astype("int64")).sort_values(
        "month"
    )
    suggestions: list[dict[str, Any]] = []
    totals = frame.groupby(["currency", "month"], sort=True)["amount_minor"].sum()
    for currency, series in totals.groupby(level="currency"):
        picked = _suggest(series, exponents.get(str(currency), 2))
        if picked is None:
            continue
        amount, median, rising = picked
        suggestions.append(
            _entry("ideal_bill", None, str(currency), amount, median, rising, len(series), labels)
        )
        by_category = (
            frame[frame["currency"] == currency]
            .groupby(["category", "month"])["amount_minor"]
            .sum()
        )
        ranked = []
        for category, cat_series in by_category.groupby(level="category"):
            # Months without spending in the category count as zero.
            months = series.index.get_level_values("month")
            full = cat_series.droplevel("category").reindex(months, fill_value=0)
            chosen = _suggest(full, exponents.get(str(currency), 2))
            if chosen is not None and chosen[0] > 0:
                ranked.append((chosen[1], str(category), chosen))
        for _, category, (cat_amount, cat_median, cat_rising) in sorted(ranked, reverse=True)[
            :categories
        ]:
            suggestions.append(
                _entry(
                    "category",
                    category,
                    str(currency),
                    cat_amount,
                    cat_median,
                    cat_rising,
                    len(series),
                    labels,
                )
            )
    return suggestions


def _entry(
    scope: str,
    target: str | None,
    currency: str,
    amount: int,
    median: int,
    rising: bool,
    months: int,
    labels: dict[str, dict[str, str]] | None,
) -> dict[str, Any]:
    name_en = (labels or {}).get(target or "", {}).get("en", target or "")
    name_zh = (labels or {}).get(target or "", {}).get("zh-CN", target or "")
    subject_en = "your monthly bill" if scope == "ideal_bill" else f"{name_en} each month"
    subject_zh = "每月账单" if scope == "ideal_bill" else f"每月{name_zh}"
    if rising:
        en = (
            f"Your spending is rising: a cap 10% under your usual month "
            f"({months} months) for {subject_en}."
        )
        zh = f"最近花得越来越多：{subject_zh}设为比你平时（近{months}个月）少10%。"
    else:
        en = f"Your usual month over the last {months} months, as a cap for {subject_en}."
        zh = f"按你近{months}个月的常规水平设定{subject_zh}上限。"
    return {
        "scope": scope,
        "target": target,
        "period": "month",
        "currency": currency,
        "amount_minor": amount,
        "median_month_minor": median,
        "rising": rising,
        "months": months,
        "explanation": {"en": en, "zh-CN": zh},
    }
