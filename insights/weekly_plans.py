"""What the core already knows, put in the week's terms: limits, upcoming dues, credit utilisation.

The core hands in three small frames; each row of a user the report is not for is ignored.

- limits: user_id, currency, scope ("ideal_bill", "category", "sub_category" or "merchant"),
  target (slug or merchant name; missing for the ideal bill), period_start, period_end,
  limit_minor, spent_minor_so_far
- upcoming: user_id, due_date, kind, amount_minor, currency, label; optionally
  part_of_statement (True for an installment already inside a statement listed beside it: shown,
  not added to the totals again)
- accounts: user_id, account_id, currency, credit_limit_minor, balance_minor; optionally
  own_cap_minor (the borrower's own lower cap on the account, missing where none is set)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.basis_points import ratio_bps
from insights.weeks import UserWeeks, day_numbers

SCOPES = ("ideal_bill", "category", "sub_category", "merchant")
UPCOMING_DAYS = 14
LIMIT_COLUMNS = (
    "user_id",
    "currency",
    "scope",
    "target",
    "period_start",
    "period_end",
    "limit_minor",
    "spent_minor_so_far",
)
UPCOMING_COLUMNS = ("user_id", "due_date", "kind", "amount_minor", "currency", "label")
ACCOUNT_COLUMNS = ("user_id", "account_id", "currency", "credit_limit_minor", "balance_minor")
PART_OF_STATEMENT = "part_of_statement"
OWN_CAP = "own_cap_minor"


def limit_progress(limits: pd.DataFrame | None, users: UserWeeks) -> pd.DataFrame:
    """Progress of each limit at the report's as-of date, and what is left per remaining day.

    `days_left` counts the as-of day itself; `remaining_per_day_minor` is the remaining amount
    floor-divided by those days (missing once the period is over). `status` is "over" past the
    limit, "on_pace" at or below an even pace through the period, otherwise "ahead_of_pace".
    """
    frame = _checked(limits, LIMIT_COLUMNS, "limits", money=("limit_minor", "spent_minor_so_far"))
    user = users.positions(frame["user_id"].to_numpy())
    frame = frame[user >= 0].reset_index(drop=True)
    user = user[user >= 0]
    unknown = sorted({str(value) for value in frame["scope"].unique()} - set(SCOPES))
    if unknown:
        raise ValueError(f"limits scope must be one of {', '.join(SCOPES)}, got {unknown}")
    start, end = day_numbers(frame["period_start"]), day_numbers(frame["period_end"])
    if (end < start).any():
        raise ValueError("a limit's period_end is before its period_start")
    limit = frame["limit_minor"].to_numpy(dtype=np.int64)
    spent = frame["spent_minor_so_far"].to_numpy(dtype=np.int64)
    period_days = end - start + 1
    days_left = np.clip(end - np.maximum(users.as_of[user], start) + 1, 0, period_days)
    elapsed = period_days - days_left
    remaining = np.maximum(limit - spent, 0)
    over = spent > limit
    on_pace = ~over & (spent * period_days <= limit * elapsed)
    frame["period_days"] = period_days
    frame["days_left"] = days_left
    frame["progress_bps"] = ratio_bps(spent, limit)
    frame["remaining_minor"] = remaining
    frame["over_minor"] = np.maximum(spent - limit, 0)
    frame["remaining_per_day_minor"] = pd.arrays.IntegerArray(
        remaining // np.maximum(days_left, 1), days_left == 0
    )
    frame["status"] = np.where(over, "over", np.where(on_pace, "on_pace", "ahead_of_pace"))
    order = np.lexsort((start, frame["currency"].to_numpy(dtype=str), user))
    return frame.take(order).reset_index(drop=True)


def weekly_pace(limits: pd.DataFrame, users: UserWeeks) -> pd.DataFrame:
    """The ideal bill spread over a week, per user and currency, from the period holding the week.

    Returns user_id, currency and pace_minor (limit * 7 // period days) for the ideal-bill rows
    whose period contains the last day of the user's report week.
    """
    ideal = limits[limits["scope"] == "ideal_bill"]
    user = users.positions(ideal["user_id"].to_numpy())
    start, end = day_numbers(ideal["period_start"]), day_numbers(ideal["period_end"])
    holds = (start <= users.end[user]) & (users.end[user] <= end)
    ideal = ideal[holds]
    pace = ideal["limit_minor"].to_numpy() * 7 // ideal["period_days"].to_numpy()
    frame = pd.DataFrame(
        {"user_id": ideal["user_id"].to_numpy(), "currency": ideal["currency"].to_numpy()}
    )
    frame["pace_minor"] = pace
    # One ideal bill per user and currency; if the core sends two, the later period wins.
    return frame.drop_duplicates(["user_id", "currency"], keep="last").reset_index(drop=True)


def upcoming_dues(
    upcoming: pd.DataFrame | None, users: UserWeeks
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dues and installments in the 14 days from the as-of date, sorted, and their sums.

    Returns the rows (with days_until and part_of_statement) sorted by user, due date, currency,
    kind and label, and one total per user and currency: amount_minor, count and next_due_date.
    Rows that are part of a statement listed beside them are shown but not counted again.
    """
    frame = _checked(upcoming, UPCOMING_COLUMNS, "upcoming", money=("amount_minor",))
    frame[PART_OF_STATEMENT] = _flags(upcoming, PART_OF_STATEMENT, "upcoming")
    user = users.positions(frame["user_id"].to_numpy())
    due = day_numbers(frame["due_date"])
    as_of = users.as_of[np.maximum(user, 0)]
    inside = (user >= 0) & (due >= as_of) & (due < as_of + UPCOMING_DAYS)
    frame = frame[inside].copy()
    frame["days_until"] = (due - as_of)[inside]
    frame = frame.sort_values(
        ["user_id", "due_date", "currency", "kind", "label"], kind="stable"
    ).reset_index(drop=True)
    counted = ~frame[PART_OF_STATEMENT].to_numpy(dtype=bool)
    grouped = frame.assign(
        counted_minor=np.where(counted, frame["amount_minor"].to_numpy(dtype=np.int64), 0),
        counted=counted.astype(np.int64),
    ).groupby(["user_id", "currency"], sort=True)
    totals = grouped.agg(
        amount_minor=("counted_minor", "sum"),
        count=("counted", "sum"),
        next_due_date=("due_date", "min"),
    ).reset_index()
    return frame, totals


def credit_utilisation(
    accounts: pd.DataFrame | None, users: UserWeeks
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Utilisation of each account and overall per user and currency, in basis points.

    What is owed is the positive part of the balance: a credit balance on one card does not pay
    another. Accounts without a credit limit show no utilisation and stay out of the overall.
    Where the borrower set their own lower cap, each account also shows what it owes against
    that cap (own_cap_utilisation_bps) and what is left under it (own_cap_left_minor); the
    overall stays against the issuer's limits.
    """
    frame = _checked(
        accounts,
        ACCOUNT_COLUMNS,
        "accounts",
        money=("credit_limit_minor", "balance_minor"),
        ids=("account_id",),
    )
    frame[OWN_CAP] = _optional_money(accounts, OWN_CAP, "accounts")
    frame = frame[users.positions(frame["user_id"].to_numpy()) >= 0]
    frame = frame.sort_values(["user_id", "currency", "account_id"]).reset_index(drop=True)
    owed = np.maximum(frame["balance_minor"].to_numpy(dtype=np.int64), 0)
    limit = frame["credit_limit_minor"].to_numpy(dtype=np.int64)
    frame["utilisation_bps"] = ratio_bps(owed, limit)
    cap = frame[OWN_CAP].to_numpy(dtype=np.int64, na_value=0)
    no_cap = frame[OWN_CAP].isna().to_numpy()
    frame["own_cap_utilisation_bps"] = ratio_bps(owed, np.where(no_cap, 0, cap))
    frame["own_cap_left_minor"] = pd.arrays.IntegerArray(np.maximum(cap - owed, 0), no_cap)
    limited = frame[limit > 0].assign(owed_minor=owed[limit > 0])
    totals = (
        limited.groupby(["user_id", "currency"], sort=True)
        .agg(
            owed_minor=("owed_minor", "sum"),
            credit_limit_minor=("credit_limit_minor", "sum"),
            account_count=("account_id", "size"),
        )
        .reset_index()
    )
    totals["utilisation_bps"] = ratio_bps(totals["owed_minor"], totals["credit_limit_minor"])
    return frame, totals


def _checked(
    frame: pd.DataFrame | None,
    columns: tuple[str, ...],
    name: str,
    *,
    money: tuple[str, ...],
    ids: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Return the frame's schema columns, or an empty frame of them when the core sent none."""
    if frame is None:
        return pd.DataFrame(
            {column: pd.Series([], dtype=_empty_dtype(column)) for column in columns}
        )
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of {name}, got {type(frame).__name__}")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame is missing columns: " + ", ".join(missing))
    checked = frame.loc[:, list(columns)].reset_index(drop=True)
    for column in ("user_id", *ids, *money):
        values = checked[column]
        if values.isna().any() or not pd.api.types.is_integer_dtype(values.dtype):
            hint = " (money is integer minor units, never float)" if column in money else ""
            raise ValueError(f"{name}.{column} must hold integers{hint}")
        checked[column] = values.to_numpy(dtype=np.int64)
    for column in columns:
        if column.endswith("_date") or column.startswith("period_"):
            checked[column] = pd.to_datetime(checked[column]).to_numpy(dtype="datetime64[ns]")
    return checked


def _flags(frame: pd.DataFrame | None, column: str, name: str) -> np.ndarray:
    """An optional true/false column of the core's frame (all false when it is absent)."""
    if frame is None or column not in frame.columns:
        return np.zeros(0 if frame is None else len(frame), dtype=bool)
    values = frame[column]
    if values.isna().any() or not pd.api.types.is_bool_dtype(values.dtype):
        raise ValueError(f"{name}.{column} must hold true or false")
    return values.to_numpy(dtype=bool)


def _optional_money(frame: pd.DataFrame | None, column: str, name: str) -> pd.Series:
    """An optional column of integer minor units, missing where the core has none."""
    if frame is None or column not in frame.columns:
        return pd.Series(pd.array([pd.NA] * (0 if frame is None else len(frame)), dtype="Int64"))
    values = frame[column].reset_index(drop=True)
    if pd.api.types.is_bool_dtype(values.dtype) or not (
        pd.api.types.is_integer_dtype(values.dtype) or values.isna().all()
    ):
        raise ValueError(
            f"{name}.{column} must hold integers (money is integer minor units, never float)"
        )
    return values.astype("Int64")


def _empty_dtype(column: str) -> str:
    if column.endswith("_date") or column.startswith("period_"):
        return "datetime64[ns]"
    if column.endswith("_minor") or column.endswith("_id"):
        return "int64"
    return "object"
