"""Loading a borrower's transactions for `insights`, summed by the database first.

A breakdown needs totals per (currency, kind, status, category, sub-category, merchant), split by
period and by sign; the database sums those groups and `insights` receives one row per group
with its `row_count`, rather than every transaction. Thirty thousand transactions become a few
hundred rows before Python sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

from billbot.db import raw_rows

_LABELS = ["currency", "kind", "status", "category", "sub_category", "merchant_name"]
# Four buckets per group: (current period?, positive amount?). Conditional sums keep the GROUP BY
# to the labels alone, which the (user, labels..., date, amount) covering index already orders:
# SQLite then groups while it reads, with no sort and no table lookups.
_BUCKETS = ((True, True), (True, False), (False, True), (False, False))
_SUMS = ", ".join(
    f"SUM(CASE WHEN {'' if current else 'NOT '}({{current}}) AND amount_minor "
    f"{'>' if positive else '<='} 0 THEN amount_minor ELSE 0 END), "
    f"SUM(CASE WHEN {'' if current else 'NOT '}({{current}}) AND amount_minor "
    f"{'>' if positive else '<='} 0 THEN 1 ELSE 0 END)"
    for current, positive in _BUCKETS
)
_SUMMED = (
    "SELECT currency, kind, status, category, sub_category, merchant_name, {sums} "
    "FROM transactions WHERE user_id = {mark} AND {where} "
    "GROUP BY currency, kind, status, category, sub_category, merchant_name"
).replace("{sums}", _SUMS)


def _summed(
    session: Session,
    *,
    user_id: int,
    current: tuple[str, Sequence[Any]],
    where: tuple[str, Sequence[Any]],
    start: date,
    prev_start: date,
) -> pd.DataFrame:
    """Run the summing query; `current` and `where` are SQL with `{mark}` and their values."""
    # Parameters in the order they appear in the SQL text: the `current` test once per sum, then
    # the user, then WHERE's.
    sql = _SUMMED.replace("{current}", current[0]).replace("{where}", where[0])
    rows = raw_rows(session, sql, [*(list(current[1]) * 2 * len(_BUCKETS)), user_id, *where[1]])
    records = []
    period_start = {True: pd.Timestamp(start), False: pd.Timestamp(prev_start)}
    for row in rows:
        labels = row[:6]
        for index, (is_current, _) in enumerate(_BUCKETS):
            amount, count = row[6 + 2 * index], row[7 + 2 * index]
            if count:
                records.append((*labels, period_start[is_current], int(amount), int(count)))
    frame = pd.DataFrame.from_records(
        records, columns=[*_LABELS, "local_date", "amount_minor", "row_count"]
    )
    frame["amount_minor"] = frame["amount_minor"].astype("int64")
    frame["row_count"] = frame["row_count"].astype("int64")
    frame["local_date"] = pd.to_datetime(frame["local_date"])
    frame.insert(0, "user_id", user_id)
    frame["transaction_id"] = 0
    frame["account_id"] = 0
    return frame


def user_spending_between(
    session: Session, *, user_id: int, start: date, end: date, prev_start: date
) -> pd.DataFrame:
    """The user's transactions dated [prev_start, end], summed; rows from `start` are current."""
    return _summed(
        session,
        user_id=user_id,
        current=("local_date >= {mark}", [start]),
        where=("local_date >= {mark} AND local_date <= {mark}", [prev_start, end]),
        start=start,
        prev_start=prev_start,
    )


def statement_spending(
    session: Session,
    *,
    user_id: int,
    statement_id: int,
    previous_id: int | None,
    start: date,
    end: date,
    prev_start: date,
) -> pd.DataFrame:
    """The user's transactions on a statement and the one before it, summed."""
    ids = [statement_id] if previous_id is None else [statement_id, previous_id]
    marks = ",".join(["{mark}"] * len(ids))
    # A statement's transactions lie within its cycle's dates: the date bounds let the
    # (user, local date) index find them.
    where = f"local_date >= {{mark}} AND local_date <= {{mark}} AND statement_id IN ({marks})"
    return _summed(
        session,
        user_id=user_id,
        current=("statement_id = {mark}", [statement_id]),
        where=(where, [min(prev_start, start), end, *ids]),
        start=start,
        prev_start=prev_start,
    )
