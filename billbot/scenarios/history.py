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
from typing import Any, NamedTuple

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
    """Each (sub-category, currency) of `sub_categories`, summed over `window` in one statement."""
    subs = sorted(set(sub_categories))
    if not subs:
        return {}
    dialect = session.connection().dialect.name

    today, week_start = window.today, window.week_start
    # Two grouped reads in one statement: large purchase's count and sum over its long window,
    # and everything else over the weeks spike compares (a few CASEs a row, not a dozen).
    columns = [
        "SUM(CASE WHEN local_date >= {mark} AND local_date <= {mark} THEN total_minor ELSE 0 END)"
    ]
    params: list[object] = [week_start, today]
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
    since = min(week_start - timedelta(days=7 * window.weeks), window.frequent_since)
    where = "WHERE user_id = {mark} AND kind = 'purchase' AND local_date >= {mark} "
    where += f"AND sub_category IN ({','.join(['{mark}'] * len(subs))}) "
    where += "GROUP BY sub_category, currency"
    padding = ", ".join(["0"] * (len(columns) - 1) + ["''"])
    # Only fixed column names, placeholders and numbers are joined into the text.
    sql = (
        "SELECT 0, sub_category, currency, SUM(entries), SUM(total_minor), "  # noqa: S608
        f"{padding} FROM spending_days {where} UNION ALL "
        f"SELECT 1, sub_category, currency, 0, 0, {', '.join(columns)} FROM spending_days {where}"
    )
    rows = raw_rows(
        session,
        sql,
        [user_id, window.large_since, *subs, *params, user_id, since, *subs],
    )
    large: dict[Pair, tuple[int, int]] = {}
    recent_parts: dict[Pair, list[Any]] = {}
    for part, sub, currency, entries, total, *rest in rows:
        if part == 0:
            large[(sub, currency)] = (int(entries or 0), int(total or 0))
        else:
            recent_parts[(sub, currency)] = rest
    found: History = {}
    for pair in large.keys() | recent_parts.keys():
        *weeks, count, total, small = recent_parts.get(pair, [0] * (len(columns) - 1) + [""])
        found[pair] = PairHistory(
            *large.get(pair, (0, 0)),
            tuple(int(week or 0) for week in weeks),
            int(count or 0),
            int(total or 0),
            small or "",
        )
    return found
