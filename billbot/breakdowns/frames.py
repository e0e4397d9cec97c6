"""Loading a borrower's transactions into the frame `insights` expects, straight off the cursor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

FRAME_COLUMNS = (
    "transaction_id",
    "account_id",
    "local_date",
    "amount_minor",
    "currency",
    "kind",
    "status",
    "category",
    "sub_category",
    "merchant_name",
)
_SELECT = (
    "SELECT id, account_id, local_date, amount_minor, currency, kind, status, "
    "category, sub_category, merchant_name FROM transactions WHERE user_id = {mark}"
)


def _query(session: Session, where: str, params: Sequence[Any]) -> pd.DataFrame:
    connection = session.connection()
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(_SELECT.format(mark=mark) + where.format(mark=mark), list(params))
    rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=list(FRAME_COLUMNS), nrows=len(rows))
    frame["local_date"] = pd.to_datetime(frame["local_date"])
    return frame


def user_transactions_between(
    session: Session, *, user_id: int, start: date, end: date
) -> pd.DataFrame:
    """The user's transactions with local dates in [start, end], every account."""
    frame = _query(
        session,
        " AND local_date >= {mark} AND local_date <= {mark}",
        [user_id, start.isoformat(), end.isoformat()],
    )
    frame.insert(0, "user_id", user_id)
    return frame


def statement_transactions(
    session: Session, *, user_id: int, statement_ids: Sequence[int]
) -> pd.DataFrame:
    """The user's transactions on the given statements."""
    if not statement_ids:
        raise ValueError("no statements given")
    marks = ",".join(["{mark}"] * len(statement_ids))
    frame = _query(session, f" AND statement_id IN ({marks})", [user_id, *statement_ids])
    frame.insert(0, "user_id", user_id)
    return frame
