"""The borrower's purchase history the batch's scenarios share, read once per batch.

Large purchase, spending spike and frequent small purchases all look at the borrower's recent
purchases in the sub-categories the batch touched. The per-day totals kept at ingest
(`spending_days`, kept in this process by `billbot.transactions.kept_days` while their stamp is
current) are summed into what each of them needs per sub-category and currency: the count and
sum of large purchase's window (its amounts are kept sorted in the process,
`billbot.transactions.purchase_amounts`, and read only when these moved by more than the batch),
the totals of this week and the weeks before, and the count, sum (and, with an amount cap, the
amounts) of the last few days. A day costs the same however many purchases it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlmodel import Session

from billbot.db import comma_joined, raw_rows
from billbot.transactions import kept_days

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
    """Each (sub-category, currency) of `sub_categories` the borrower bought in since the
    window's earliest day, summed over `window` from the days this process keeps for them."""
    subs = set(sub_categories)
    if not subs:
        return {}
    week_start, today, weeks = window.week_start, window.today, window.weeks
    # This week up to today, then each full week before it.
    ranges = [(week_start, today)] + [
        (week_start - timedelta(days=7 * k), week_start - timedelta(days=7 * k - 6))
        for k in range(1, weeks + 1)
    ]
    earliest = min(ranges[-1][0], window.frequent_since, window.large_since)
    sums: dict[Pair, list[Any]] = {}
    with kept_days.reading(session, user_id=user_id, since=earliest) as kept:
        large = kept.sums(window.large_since, date.max)
        frequent = kept.sums(window.frequent_since, today)
        week_sums = [kept.sums(since, until) for since, until in ranges]
        for cell in kept.sums(earliest, date.max):
            if cell.kind != "purchase" or cell.sub_category not in subs:
                continue
            pair = (cell.sub_category, cell.currency)
            found = sums.get(pair)
            if found is None:
                found = sums[pair] = [0, 0, [0] * (weeks + 1), 0, 0]
            for target, counts in ((0, large.get(cell)), (3, frequent.get(cell))):
                if counts is not None:
                    found[target] += counts[0]
                    found[target + 1] += counts[1]
            for week, summed in enumerate(week_sums):
                if (counts := summed.get(cell)) is not None:
                    found[2][week] += counts[1]
    amounts = (
        _frequent_amounts(session, user_id, window, [sub for sub, _ in sums])
        if window.frequent_amounts and sums
        else {}
    )
    return {
        pair: PairHistory(entries, spent, tuple(week_totals), bought, paid, amounts.get(pair, ""))
        for pair, (entries, spent, week_totals, bought, paid) in sums.items()
    }


def _frequent_amounts(
    session: Session, user_id: int, window: Window, subs: list[str]
) -> dict[Pair, str]:
    """Each pair's purchase amounts over frequent small purchases' days, comma-separated (only
    read when the borrower set an amount cap)."""
    dialect = session.connection().dialect.name
    # Only placeholders are joined into the text.
    sql = (
        f"SELECT sub_category, currency, {comma_joined(dialect, 'amounts')} "  # noqa: S608
        "FROM spending_days WHERE user_id = {mark} AND kind = 'purchase' "
        "AND local_date >= {mark} AND local_date <= {mark} "
        f"AND sub_category IN ({','.join(['{mark}'] * len(subs))}) "
        "GROUP BY sub_category, currency"
    )
    params = [user_id, window.frequent_since, window.today, *sorted(set(subs))]
    return {(sub, currency): text or "" for sub, currency, text in raw_rows(session, sql, params)}
