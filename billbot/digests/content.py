"""What the digest says: a stored weekly report turned into display-ready values for one locale.

Everything shown is already formatted here (money and dates through babel, in the borrower's
locale and each amount's own currency), so the templates only lay it out. Bars are whole
percentages of the widest bar in their chart (at least 2 when the value is not zero, so a
small amount still shows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from babel.dates import format_skeleton

from billbot.categorize.taxonomy import load_taxonomy
from billbot.locales import language_of
from billbot.money import format_money

LOCALES = ("en", "zh-CN")
CHART_ROWS = 6
Labeller = Callable[[str, str], str]


@dataclass(frozen=True)
class AlsoThisWeek:
    """A message held back by the contact policy and folded into this digest."""

    day: date
    text: str


@dataclass(frozen=True)
class DigestLinks:
    """The links every digest carries."""

    unsubscribe: str
    manage: str
    app: str


@dataclass
class _Formatter:
    locale: str
    label: Labeller
    _babel: str = field(init=False)

    def __post_init__(self) -> None:
        self._babel = self.locale.replace("-", "_")

    def money(self, amount_minor: int, currency: str) -> str:
        return format_money(int(amount_minor), currency, self.locale)

    def day(self, value: str | date) -> str:
        return str(format_skeleton("MMMd", _as_date(value), locale=self._babel))

    def long_day(self, value: str | date) -> str:
        return str(format_skeleton("yMMMd", _as_date(value), locale=self._babel))

    def weekday_day(self, value: str | date) -> str:
        return str(format_skeleton("MMMEd", _as_date(value), locale=self._babel))

    def name(self, slug: str | None) -> str:
        return self.label(slug, self.locale) if slug else ""


@lru_cache(maxsize=1)
def _taxonomy_labeller() -> Labeller:
    taxonomy = load_taxonomy()

    def label(slug: str, locale: str) -> str:
        if taxonomy.is_sub_category(slug) or taxonomy.is_category(slug):
            return taxonomy.label(slug, locale)
        return slug.replace("_", " ")

    return label


def _as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _percent(bps: int | None) -> int | None:
    return None if bps is None else (abs(int(bps)) + 50) // 100


def _change(fmt: _Formatter, amount_minor: int, bps: int | None, currency: str) -> dict[str, Any]:
    """A signed change: direction (up, down, same), the amount and whole percent when known."""
    direction = "up" if amount_minor > 0 else "down" if amount_minor < 0 else "same"
    return {
        "direction": direction,
        "amount": fmt.money(abs(amount_minor), currency),
        "percent": _percent(bps),
    }


def _widths(values: Sequence[int]) -> list[int]:
    widest = max((abs(v) for v in values), default=0)
    if widest == 0:
        return [0 for _ in values]
    return [max(2, abs(v) * 100 // widest) if v else 0 for v in values]


def _currency_block(fmt: _Formatter, block: Mapping[str, Any]) -> dict[str, Any]:
    code = block["currency"]
    spending = [s for s in block["sub_categories"] if s["amount_minor"] > 0][:CHART_ROWS]
    widths = _widths([s["amount_minor"] for s in spending])
    merchants = block.get("top_merchants", [])
    merchant_widths = _widths([m["amount_minor"] for m in merchants])
    return {
        "currency": code,
        "total_minor": block["total_spent_minor"],
        "total": fmt.money(block["total_spent_minor"], code),
        "count": block["transaction_count"],
        "last_week": fmt.money(block["last_week_minor"], code),
        "average": fmt.money(block["average_4w_minor"], code),
        "vs_last_week": _change(
            fmt, block["change_vs_last_week_minor"], block["change_vs_last_week_bps"], code
        ),
        "vs_average": _change(
            fmt, block["change_vs_average_minor"], block["change_vs_average_bps"], code
        ),
        "pending": fmt.money(block["pending"]["amount_minor"], code)
        if block["pending"]["count"]
        else None,
        "pending_count": block["pending"]["count"],
        "chart": [
            {
                "label": fmt.name(s["sub_category"]),
                "amount": fmt.money(s["amount_minor"], code),
                "count": s["count"],
                "width": width,
            }
            for s, width in zip(spending, widths, strict=True)
        ],
        "movers": [
            {
                "label": fmt.name(m["sub_category"]),
                "amount": fmt.money(m["amount_minor"], code),
                "average": fmt.money(m["average_4w_minor"], code),
                "change": _change(
                    fmt, m["change_vs_average_minor"], m["change_vs_average_bps"], code
                ),
            }
            for m in block.get("movers", [])
        ],
        "merchants": [
            {
                "name": m["merchant"],
                "amount": fmt.money(m["amount_minor"], code),
                "count": m["count"],
                "width": width,
            }
            for m, width in zip(merchants, merchant_widths, strict=True)
        ],
        "largest": [
            {
                "day": fmt.day(p["local_date"]),
                "merchant": p.get("merchant") or fmt.name(p.get("sub_category")),
                "label": fmt.name(p.get("sub_category")),
                "amount": fmt.money(p["amount_minor"], code),
            }
            for p in block.get("largest_purchases", [])
        ],
    }


def _limit(fmt: _Formatter, row: Mapping[str, Any]) -> dict[str, Any]:
    code, scope = row["currency"], row["scope"]
    target = row.get("target")
    name = target if scope == "merchant" else fmt.name(target) if target else ""
    progress = _percent(row["progress_bps"]) or 0
    per_day = row.get("remaining_per_day_minor")
    return {
        "scope": scope,
        "name": name,
        "spent": fmt.money(row["spent_minor_so_far"], code),
        "limit": fmt.money(row["limit_minor"], code),
        "remaining": fmt.money(row["remaining_minor"], code),
        "over": fmt.money(row["over_minor"], code) if row["over_minor"] else None,
        "per_day": fmt.money(per_day, code) if per_day is not None else None,
        "days_left": row["days_left"],
        "ends": fmt.day(row["period_end"]),
        "percent": progress,
        "width": min(100, progress),
        "status": row["status"],
    }


def _upcoming(fmt: _Formatter, row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "day": fmt.weekday_day(row["due_date"]),
        "days_until": row["days_until"],
        "kind": row["kind"],
        "label": row["label"],
        "amount": fmt.money(row["amount_minor"], row["currency"]),
    }


def digest_content(
    report: Mapping[str, Any],
    *,
    locale: str,
    name: str,
    links: DigestLinks,
    also: Sequence[AlsoThisWeek] = (),
    label: Labeller | None = None,
) -> dict[str, Any]:
    """The display-ready values of one borrower's digest in `locale` (en or zh-CN)."""
    language = language_of(locale)
    fmt = _Formatter(language, label or _taxonomy_labeller())
    week = report["week"]
    touch = report.get("touch")
    return {
        "locale": language,
        "name": name,
        "week_start": fmt.day(week["start"]),
        "week_end": fmt.day(week["end"]),
        "week_end_long": fmt.long_day(week["end"]),
        "base_weeks": report.get("base_weeks", 4),
        "currencies": [_currency_block(fmt, block) for block in report.get("currencies", [])],
        "limits": [_limit(fmt, row) for row in report.get("limits", [])],
        "upcoming": [_upcoming(fmt, row) for row in report.get("upcoming", {}).get("items", [])],
        "upcoming_totals": [
            {"amount": fmt.money(t["amount_minor"], t["currency"]), "count": t["count"]}
            for t in report.get("upcoming", {}).get("totals", [])
        ],
        "insights": [item["text"][language] for item in report.get("insights", [])],
        "touch": touch["text"][language] if touch else None,
        "also": [{"day": fmt.day(item.day), "text": item.text} for item in also],
        "links": links,
    }
