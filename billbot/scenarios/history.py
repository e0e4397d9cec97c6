"""The borrower's purchase history the batch's scenarios share, read once per batch.

Large purchase, spending spike and frequent small purchases all look at the borrower's recent
purchases in the sub-categories the batch touched. They read them from the per-day totals kept
at ingest (`spending_days`): a few rows per sub-category and day, each with its count, sum and
amounts, so the read costs the same for a borrower with three purchases a day as for one with
three hundred. Amounts are parsed only by the scenarios that need them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlmodel import Session

from billbot.db import raw_rows
from billbot.transactions.spending_days import parse_amounts

Pair = tuple[str, str]  # (sub-category, currency)


class DayTotals:
    """Purchases of one sub-category, currency and local day."""

    __slots__ = ("_amounts", "_text", "purchases", "total_minor")

    def __init__(self, purchases: int, total_minor: int, amounts_text: str) -> None:
        self.purchases, self.total_minor = purchases, total_minor
        self._text: list[str] = [amounts_text]
        self._amounts: list[int] | None = None

    def add(self, purchases: int, total_minor: int, amounts_text: str) -> None:
        """Count another row of the same day (another account or category)."""
        self.purchases += purchases
        self.total_minor += total_minor
        self._text.append(amounts_text)

    @property
    def amounts(self) -> list[int]:
        """Each purchase's amount (parsed on first use)."""
        if self._amounts is None:
            self._amounts = parse_amounts(",".join(self._text))
        return self._amounts

    @property
    def amounts_text(self) -> str:
        """The amounts as stored, comma-separated (to parse many days in one go)."""
        return ",".join(self._text)


History = dict[Pair, dict[date, DayTotals]]


def read_history(
    session: Session, *, user_id: int, since: date, sub_categories: Iterable[str]
) -> History:
    """Purchases per (sub-category, currency) and local day from `since`, in one read."""
    subs = sorted(set(sub_categories))
    if not subs:
        return {}
    sql = "SELECT sub_category, currency, local_date, entries, total_minor, amounts "
    sql += "FROM spending_days WHERE user_id = {mark} AND local_date >= {mark} "
    sql += f"AND sub_category IN ({','.join(['{mark}'] * len(subs))}) "  # placeholders only
    sql += "AND kind = 'purchase'"
    found: History = defaultdict(dict)
    days: dict[object, date] = {}  # SQLite hands back ISO text: each day parsed once
    for sub, currency, day, count, total, amounts in raw_rows(
        session, sql, [user_id, since, *subs]
    ):
        parsed = days.get(day)
        if parsed is None:
            parsed = days[day] = date.fromisoformat(day) if isinstance(day, str) else day
        by_day = found[(sub, currency)]
        known = by_day.get(parsed)
        if known is None:
            by_day[parsed] = DayTotals(int(count), int(total), amounts)
        else:
            known.add(int(count), int(total), amounts)
    return found
