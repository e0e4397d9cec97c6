"""The borrower's purchase history the batch's scenarios share, read once per batch.

Large purchase, spending spike and frequent small purchases all look at the borrower's recent
purchases in the sub-categories the batch touched. One grouped query reads them per
sub-category, currency and local day, with the few per-row conditions each scenario needs
counted in SQL (below a large-purchase bar, up to a small-purchase amount), so no row of
history crosses into Python.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from sqlmodel import Session

from billbot.db import raw_rows

Pair = tuple[str, str]  # (sub-category, currency)


class DayTotals(NamedTuple):
    """Purchases of one sub-category, currency and local day."""

    purchases: int
    total_minor: int
    below_bar: int  # how many were below the large-purchase bar of their pair
    small_count: int  # how many were up to the small-purchase amount (all when none is set)
    small_total_minor: int


History = dict[Pair, dict[date, DayTotals]]


def smallest_usual_not_exceeded(amount_minor: int, multiple: float) -> int:
    """The least whole `usual` with `amount_minor > multiple * usual` false (float as compared).

    A purchase is well above a usual amount `u` when `amount > multiple * u`; that holds exactly
    for the usual amounts below the value returned here (the product only grows with `u`).
    """
    usual = max(0, math.floor(amount_minor / multiple) - 2)
    while amount_minor > multiple * usual:
        usual += 1
    return usual


def read_history(
    session: Session,
    *,
    user_id: int,
    since: date,
    sub_categories: Iterable[str],
    bars: dict[Pair, int],
    small_up_to: int | None,
) -> History:
    """Purchases per (sub-category, currency) and local day from `since`, in one grouped read.

    `bars` gives, per pair, the amount a row must stay below to count in `below_bar`.
    """
    subs = sorted(set(sub_categories))
    if not subs:
        return {}
    params: list[object] = []
    below = []
    for (sub, currency), bar in sorted(bars.items()):
        below.append("(sub_category = {mark} AND currency = {mark} AND amount_minor < {mark})")
        params += [sub, currency, bar]
    below_sql = " OR ".join(below) or "1 = 0"
    if small_up_to is None:
        small_sql = "COUNT(*), SUM(amount_minor)"
    else:
        small_sql = (
            "SUM(CASE WHEN amount_minor <= {mark} THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN amount_minor <= {mark} THEN amount_minor ELSE 0 END)"
        )
        params += [small_up_to, small_up_to]
    sql = "SELECT sub_category, currency, local_date, COUNT(*), SUM(amount_minor), "
    # Only placeholders are joined into the text.
    sql += f"SUM(CASE WHEN {below_sql} THEN 1 ELSE 0 END), {small_sql} FROM transactions "
    sql += "WHERE user_id = {mark} AND kind = 'purchase' AND local_date >= {mark} "
    sql += f"AND sub_category IN ({','.join(['{mark}'] * len(subs))}) "
    sql += "GROUP BY sub_category, currency, local_date"
    params += [user_id, since, *subs]
    found: History = defaultdict(dict)
    for sub, currency, day, count, total, below_bar, small, small_total in raw_rows(
        session, sql, params
    ):
        parsed = date.fromisoformat(day) if isinstance(day, str) else day
        found[(sub, currency)][parsed] = DayTotals(
            int(count), int(total), int(below_bar), int(small or 0), int(small_total or 0)
        )
    return found
