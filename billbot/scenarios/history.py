"""The borrower's purchase history the batch's scenarios share, read once per batch.

Large purchase, spending spike and frequent small purchases all look at the borrower's recent
purchases in the sub-categories the batch touched. One read of the per-day totals kept at
ingest (`spending_days`) sums what each of them needs per sub-category and currency in the
database: the count and sum of large purchase's window (its amounts are kept sorted in the
process, `billbot.transactions.purchase_amounts`, and read only when these moved by more than the
batch), the totals of this week and the weeks before, and the count, sum (and, with an amount
cap, the amounts) of the last few days. A row per sub-category comes back, however long the
history and however many purchases a day it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from sqlmodel import Session

from billbot.db import comma_joined, raw_rows

Pair = tuple[str, str]  # (sub-category, currency)


@dataclass(frozen=True)
class Window:
    """How far back each scenario looks, in the borrower's local days."""

    today: date
    week_start: date  # the Monday of today's week
    large_since: date  # large purchase: amounts from this day on
    weeks: int  # spending spike: this week and this many full weeks before it
    frequent_since: date  # frequent small purchases: from this day up to today
    frequent_amounts: bool  # whether frequent small purchases needs each amount (a cap is set)


class PairHistory(NamedTuple):
    """One sub-category and currency of the borrower's purchases, as the scenarios read it."""

    large_entries: int  # purchases from `large_since` on, and their sum
    large_total_minor: int
    week_totals: tuple[int, ...]  # [0] this week up to today, [k] the k-th full week before
    frequent_count: int
    frequent_total_minor: int
    frequent_amounts: str  # comma-separated; only read when `Window.frequent_amounts`


History = dict[Pair, PairHistory]


def read_history(
    session: Session, *, user_id: int, window: Window, sub_categories: Iterable[str]
) -> History:
    """Each (sub-category, currency) of `sub_categories`, summed over `window` in one read."""
    subs = sorted(set(sub_categories))
    if not subs:
        return {}
    dialect = session.connection().dialect.name

    today, week_start = window.today, window.week_start
    columns = [
        "SUM(CASE WHEN local_date >= {mark} THEN entries ELSE 0 END)",
        "SUM(CASE WHEN local_date >= {mark} THEN total_minor ELSE 0 END)",
        "SUM(CASE WHEN local_date >= {mark} AND local_date <= {mark} THEN total_minor ELSE 0 END)",
    ]
    params: list[object] = [window.large_since, window.large_since, week_start, today]
    for k in range(1, window.weeks + 1):
        columns.append(
            "SUM(CASE WHEN local_date >= {mark} AND local_date < {mark} "
            "THEN total_minor ELSE 0 END)"
        )
        params += [week_start - timedelta(days=7 * k), week_start - timedelta(days=7 * (k - 1))]
    recent = "local_date >= {mark} AND local_date <= {mark}"
    columns += [
        f"SUM(CASE WHEN {recent} THEN entries ELSE 0 END)",
        f"SUM(CASE WHEN {recent} THEN total_minor ELSE 0 END)",
        comma_joined(dialect, f"CASE WHEN {recent} THEN amounts END")
        if window.frequent_amounts
        else "''",
    ]
    params += [window.frequent_since, today] * (3 if window.frequent_amounts else 2)
    since = min(
        window.large_since, week_start - timedelta(days=7 * window.weeks), window.frequent_since
    )
    # Only fixed column names, placeholders and numbers are joined into the text.
    sql = f"SELECT sub_category, currency, {', '.join(columns)} FROM spending_days "  # noqa: S608
    sql += "WHERE user_id = {mark} AND kind = 'purchase' AND local_date >= {mark} "
    sql += f"AND sub_category IN ({','.join(['{mark}'] * len(subs))}) "
    sql += "GROUP BY sub_category, currency"
    found: History = {}
    for row in raw_rows(session, sql, [*params, user_id, since, *subs]):
        sub, currency, large_entries, large_total, *weeks, count, total, small = row
        found[(sub, currency)] = PairHistory(
            int(large_entries or 0),
            int(large_total or 0),
            tuple(int(week or 0) for week in weeks),
            int(count or 0),
            int(total or 0),
            small or "",
        )
    return found
