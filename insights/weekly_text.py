"""Plain-language lines for weekly insights and touches, in English and Simplified Chinese.

Money goes through a formatter the caller injects, `format_money(amount_minor, currency, locale)`;
the default here is exact (Decimal, ISO 4217 exponents, no rounding) and leaves out ".00" on whole
amounts. Sub-category slugs go through `display_name(slug, locale)`, by default the slug with
spaces. The tone is informative, never alarmed: amounts and dates, no judgement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

MoneyFormatter = Callable[[int, str, str], str]
NameFormatter = Callable[[str, str], str]

TEXT_LOCALES = ("en", "zh-CN")
# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def exact_money(amount_minor: int, currency: str, locale: str = "en") -> str:
    """Format minor units exactly: `¥312`, `$1,234.50`, `-€0.05`, `KWD 1.250`."""
    exponent = _EXPONENTS.get(currency, 2)
    major = Decimal(abs(int(amount_minor))).scaleb(-exponent)
    text = f"{major:,.{exponent}f}"
    if exponent and text.endswith("." + "0" * exponent):
        text = text[: -exponent - 1]
    symbol = _SYMBOLS.get(currency)
    body = symbol + text if symbol else f"{currency} {text}"
    return "-" + body if amount_minor < 0 else body


def slug_name(slug: str, locale: str = "en") -> str:
    """Show a slug as words: `food_delivery` becomes `food delivery`."""
    return slug.replace("_", " ")


def percent(bps: int) -> int:
    """Whole percent of a basis-point magnitude, rounded half up."""
    return (abs(int(bps)) + 50) // 100


def render_insight(
    kind: str,
    params: Mapping[str, Any],
    *,
    format_money: MoneyFormatter,
    display_name: NameFormatter,
) -> dict[str, str]:
    """Return one insight's line in every text locale."""
    return {
        locale: _TEMPLATES[kind](_Words(params, locale, format_money, display_name))
        for locale in TEXT_LOCALES
    }


def render_touch(
    kind: str,
    params: Mapping[str, Any],
    *,
    format_money: MoneyFormatter,
    display_name: NameFormatter,
) -> dict[str, str]:
    """Return the friendly touch's line in every text locale."""
    return {
        locale: _TOUCHES[kind](_Words(params, locale, format_money, display_name))
        for locale in TEXT_LOCALES
    }


class _Words:
    """The pieces a line is made of, in one locale."""

    def __init__(
        self,
        params: Mapping[str, Any],
        locale: str,
        format_money: MoneyFormatter,
        display_name: NameFormatter,
    ) -> None:
        self.params, self.locale, self.zh = params, locale, locale == "zh-CN"
        self._money, self._name = format_money, display_name

    def money(self, field: str = "amount_minor") -> str:
        return self._money(int(self.params[field]), str(self.params["currency"]), self.locale)

    def name(self) -> str:
        slug = self.params.get("sub_category") or self.params.get("category") or ""
        return self._name(str(slug), self.locale)

    def pct(self) -> int:
        return percent(self.params["bps"])

    def count(self, field: str, one: str, many: str) -> str:
        number = int(self.params[field])
        return f"{number} {one if number == 1 else many}"

    def every(self) -> str:
        weekly = self.params.get("cadence") == "weekly"
        if self.zh:
            return "每周" if weekly else "每月"
        return "a week" if weekly else "a month"

    def day(self, field: str = "local_date", *, after: int = 0) -> str:
        value = self.params[field]
        day = (value if isinstance(value, date) else date.fromisoformat(str(value)[:10])) + (
            timedelta(days=after)
        )
        return f"{day.month}月{day.day}日" if self.zh else f"{_MONTHS[day.month - 1]} {day.day}"

    def limit(self) -> str:
        scope, target = self.params["scope"], self.params.get("target")
        if scope == "ideal_bill":
            return "理想账单" if self.zh else "ideal bill"
        label = str(target) if scope == "merchant" else self._name(str(target), self.locale)
        return f"{label}限额" if self.zh else f"{label} limit"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _category_up(w: _Words) -> str:
    name, amount, number = w.name(), w.money(), w.params["count"]
    if w.params.get("bps") is None:
        if w.zh:
            return f"{name}是近4周没有的新支出：{number}笔，{amount}"
        purchases = w.count("count", "purchase", "purchases")
        return f"{_first_upper(name)} is new compared with the last 4 weeks: {purchases}, {amount}"
    if w.zh:
        return f"{name}比近4周平均多了{w.pct()}%：{number}笔，{amount}"
    purchases = w.count("count", "purchase", "purchases")
    return f"{_first_upper(name)} is up {w.pct()}% on your 4-week average: {purchases}, {amount}"


def _category_down(w: _Words) -> str:
    name, amount = w.name(), w.money()
    if w.zh:
        return f"{name}比近4周平均少了{w.pct()}%：本周{amount}"
    return f"{_first_upper(name)} is down {w.pct()}% on your 4-week average: {amount} this week"


def _new_recurring(w: _Words) -> str:
    merchant = w.params["merchant"]
    if w.zh:
        return f"新的周期性扣费：{merchant}，{w.every()}{w.money()}"
    return f"New recurring charge: {merchant}, {w.money()} {w.every()}"


def _price_rise(w: _Words) -> str:
    merchant, before = w.params["merchant"], w.money("reference_minor")
    if w.zh:
        return f"{merchant}涨价{w.pct()}%：{w.every()}{w.money()}，之前是{before}"
    return f"{merchant} went up {w.pct()}%: {w.money()} {w.every()}, up from {before}"


def _large_purchase(w: _Words) -> str:
    merchant = w.params.get("merchant") or ""
    if w.zh:
        where = f"在{merchant}" if merchant else ""
        return f"本周最大一笔消费：{w.day()}{where}花了{w.money()}"
    where = f" at {merchant}" if merchant else ""
    return f"Largest purchase this week: {w.money()}{where} on {w.day()}"


def _late_night(w: _Words) -> str:
    if w.zh:
        return f"本周有{w.params['count']}笔深夜消费（0点–5点），共{w.money()}"
    purchases = w.count("count", "late-night purchase", "late-night purchases")
    return f"{purchases} this week (00:00–05:00), {w.money()} in all"


def _under_limit(w: _Words) -> str:
    per_day = w.money("per_day_minor")
    if w.zh:
        return f"{w.limit()}还剩{w.money()}，接下来{w.params['days']}天每天约可用{per_day}"
    days = w.count("days", "day", "days")
    return f"{w.money()} left in your {w.limit()}: about {per_day} a day for the next {days}"


def _over_limit(w: _Words) -> str:
    fresh = w.day(after=1)
    if w.zh:
        return f"本期已超出{w.limit()}{w.money()}，{fresh}开始新的一期"
    return f"You're {w.money()} past your {w.limit()}; a fresh period starts {fresh}"


def _utilisation_high(w: _Words) -> str:
    limit = w.money("reference_minor")
    if w.zh:
        return f"信用额度已用{w.pct()}%：{limit}中已用{w.money()}"
    return f"Your credit is {w.pct()}% used: {w.money()} of {limit}"


def _under_pace_streak(w: _Words) -> str:
    weeks = int(w.params["weeks"])
    if w.zh:
        return f"已经连续{weeks}周没有超过理想账单的节奏，继续保持！"
    return f"{weeks} weeks in a row at or under your ideal-bill pace. Nice going!"


def _saved_vs_average(w: _Words) -> str:
    if w.zh:
        return f"比近4周平均少花了{w.money()}，大约相当于{w.params['count']}次{w.name()}。"
    purchases = w.count("count", f"{w.name()} purchase", f"{w.name()} purchases")
    return f"You spent {w.money()} less than your 4-week average: that's about {purchases}."


def _steady_week(w: _Words) -> str:
    # Rounded up, so "within" is always true.
    within = max((abs(int(w.params["bps"])) + 99) // 100, 1)
    if w.zh:
        return f"本周消费平稳，与近4周平均相差不超过{within}%。"
    return f"A steady week: within {within}% of your 4-week average."


_TEMPLATES: dict[str, Callable[[_Words], str]] = {
    "category_up": _category_up,
    "category_down": _category_down,
    "new_recurring": _new_recurring,
    "price_rise": _price_rise,
    "large_purchase": _large_purchase,
    "late_night": _late_night,
    "under_limit": _under_limit,
    "over_limit": _over_limit,
    "utilisation_high": _utilisation_high,
}
_TOUCHES: dict[str, Callable[[_Words], str]] = {
    "under_pace_streak": _under_pace_streak,
    "saved_vs_average": _saved_vs_average,
    "steady_week": _steady_week,
}
