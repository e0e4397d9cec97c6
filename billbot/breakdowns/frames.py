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

_COLUMNS = [
    "currency",
    "kind",
    "status",
    "category",
    "sub_category",
    "merchant_name",
    "current",
    "positive",
    "amount_minor",
    "row_count",
]
_SUMMED = (
    "SELECT currency, kind, status, category, sub_category, merchant_name, "
    "CASE WHEN {current} THEN 1 ELSE 0 END, CASE WHEN amount_minor > 0 THEN 1 ELSE 0 END, "
    "SUM(amount_minor), COUNT(*) FROM transactions WHERE user_id = {mark} AND {where} "
    "GROUP BY currency, kind, status, category, sub_category, merchant_name, 7, 8"
)


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
    # Parameters in the order they appear in the SQL text: SELECT's, then the user's, then WHERE's.
    sql = _SUMMED.replace("{current}", current[0]).replace("{where}", where[0])
    rows = raw_rows(session, sql, [*current[1], user_id, *where[1]])
    frame = pd.DataFrame.from_records(rows, columns=_COLUMNS)
    frame["amount_minor"] = frame["amount_minor"].astype("int64")
    frame["row_count"] = frame["row_count"].astype("int64")
    period_start = {1: pd.Timestamp(start), 0: pd.Timestamp(prev_start)}
    frame["local_date"] = pd.to_datetime(frame["current"].map(period_start))
    frame = frame.drop(columns=["current", "positive"])
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
