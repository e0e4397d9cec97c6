"""One user's weekly report as a JSON-ready nested dict, read from the batch frames.

A report holds user_id, locale, week {start, end, week_start}, as_of and base_weeks; then
`currencies`, one entry per currency with this week's totals against last week and the 4-week
average, pending and installments apart, late_night (None without local times), sub_categories
(biggest first), movers, top_merchants and largest_purchases; `limits`; `upcoming` {items,
totals}; `utilisation` {accounts, totals}; `recurring`; `insights` (rank, kind, significance,
params, text in en and zh-CN); and `touch` (kind, params, text) or None. Money is integer minor
units, shares and changes integer basis points, dates ISO strings.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from insights.weekly_insights import PARAMS
from insights.weekly_text import render_insight, render_touch

if TYPE_CHECKING:
    from insights.weekly import WeeklyFrames

_TOTAL_FIELDS = (
    "total_spent_minor",
    "purchases_minor",
    "refunds_minor",
    "transaction_count",
    "last_week_minor",
    "change_vs_last_week_minor",
    "change_vs_last_week_bps",
    "average_4w_minor",
    "change_vs_average_minor",
    "change_vs_average_bps",
)
_SUB_FIELDS = (
    "category",
    "sub_category",
    "amount_minor",
    "count",
    "share_bps",
    "last_week_minor",
    "average_4w_minor",
    "change_vs_average_minor",
    "change_vs_average_bps",
)
_TOUCH_PARAMS = {
    "under_pace_streak": ("currency", "weeks", "amount_minor"),
    "saved_vs_average": ("currency", "amount_minor", "count", "category", "sub_category"),
    "steady_week": ("currency", "bps"),
}


class JsonColumns:
    """A frame sorted by user_id, read one user's rows at a time as JSON-ready Python values.

    Columns keep their compact form (codes for categoricals, values and a missing mask for
    nullable integers and dates), so only the rows a report reads become Python objects.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._user_ids = frame["user_id"].to_numpy()
        self._columns = {
            str(name): _Column(values) for name, values in frame.items() if name != "user_id"
        }

    def user_rows(self, user_id: int) -> list[dict[str, Any]]:
        """Return one user's rows as dicts."""
        first = int(np.searchsorted(self._user_ids, user_id, side="left"))
        last = int(np.searchsorted(self._user_ids, user_id, side="right"))
        names = list(self._columns)
        values = [column.read(first, last) for column in self._columns.values()]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


class _Column:
    """One column, sliced and converted to Python values on demand."""

    def __init__(self, values: pd.Series) -> None:
        self.values: np.ndarray[Any, Any]
        self.labels: np.ndarray | None = None
        self.missing: np.ndarray | None = None
        self.dates = pd.api.types.is_datetime64_any_dtype(values.dtype)
        if isinstance(values.dtype, pd.CategoricalDtype):
            # Code -1 (missing) reads the trailing None.
            self.values = values.cat.codes.to_numpy()
            self.labels = np.concatenate(
                [values.cat.categories.to_numpy(dtype=object), np.array([None], dtype=object)]
            )
        elif isinstance(values.dtype, np.dtype) and values.dtype.kind in "ib":
            self.values = values.to_numpy()
        elif self.dates:
            self.values = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            self.missing = values.isna().to_numpy()
        elif pd.api.types.is_integer_dtype(values.dtype):
            self.values = values.to_numpy(dtype=np.int64, na_value=0)
            self.missing = values.isna().to_numpy()
        else:
            self.values = values.to_numpy(dtype=object, copy=True)
            self.values[values.isna().to_numpy()] = None

    def read(self, first: int, last: int) -> list[Any]:
        """Return the values of rows [first, last) as Python objects, None where missing."""
        part = self.values[first:last]
        if self.labels is not None:
            return list(self.labels[part].tolist())
        items: list[Any] = (
            np.datetime_as_string(part, unit="D").tolist() if self.dates else part.tolist()
        )
        if self.missing is not None:
            for index in np.flatnonzero(self.missing[first:last]):
                items[index] = None
        return items


def render_report(frames: WeeklyFrames, user_id: int) -> dict[str, Any]:
    """Render one user's weekly report from the batch frames as a JSON-ready nested dict."""
    found = frames.user_rows("users", user_id)
    if not found:
        raise KeyError(f"user {user_id} has no weekly report in these frames")
    user = found[0]
    by_currency = {
        name: _by_currency(frames.user_rows(name, user_id))
        for name in ("sub_categories", "merchants", "largest")
    }
    currencies = []
    for row in frames.user_rows("totals", user_id):
        code = row["currency"]
        # Biggest first; the frame runs in slug order and sorting is stable, so slugs break ties.
        subs = sorted(by_currency["sub_categories"][code], key=lambda sub: -sub["amount_minor"])
        movers = _movers(subs, user["base_weeks"], frames.top_movers)
        currencies.append(
            {"currency": code}
            | {name: row[name] for name in _TOTAL_FIELDS}
            | {
                "pending": {"amount_minor": row["pending_minor"], "count": row["pending_count"]},
                "installments": {
                    "amount_minor": row["installments_minor"],
                    "count": row["installments_count"],
                },
                "late_night": None
                if row["late_night_count"] is None
                else {"amount_minor": row["late_night_minor"], "count": row["late_night_count"]},
                "sub_categories": [_pick(sub, _SUB_FIELDS) for sub in subs],
                "movers": [_pick(sub, _SUB_FIELDS) for sub in movers],
                "top_merchants": [
                    _drop(item, "currency") for item in by_currency["merchants"][code]
                ],
                "largest_purchases": [
                    _drop(item, "currency") for item in by_currency["largest"][code]
                ],
            }
        )
    upcoming_items = frames.user_rows("upcoming", user_id)
    return {
        "user_id": user_id,
        "locale": user["locale"],
        "week": {"start": user["start"], "end": user["end"], "week_start": user["week_start"]},
        "as_of": user["as_of"],
        "base_weeks": user["base_weeks"],
        "currencies": currencies,
        "limits": frames.user_rows("limits", user_id),
        "upcoming": {
            "items": upcoming_items,
            "totals": frames.user_rows("upcoming_totals", user_id),
        },
        "utilisation": {
            "accounts": frames.user_rows("accounts", user_id),
            "totals": frames.user_rows("utilisation", user_id),
        },
        "recurring": frames.user_rows("recurring", user_id),
        "insights": [_insight(frames, row) for row in frames.user_rows("insights", user_id)],
        "touch": _touch(frames, frames.user_rows("touch", user_id)),
    }


def _movers(subs: list[dict[str, Any]], weeks: int, most: int) -> list[dict[str, Any]]:
    """The sub-categories furthest from their 4-week average, by amount, slug order on ties."""
    if weeks <= 0:
        return []
    # Scaled by the number of base weeks, so the comparison is exact.
    moves = [(abs(weeks * sub["amount_minor"] - sub["base_minor"]), sub) for sub in subs]
    moved = sorted(
        (item for item in moves if item[0] > 0),
        key=lambda item: (-item[0], item[1]["category"], item[1]["sub_category"]),
    )
    return [sub for _, sub in moved[:most]]


def _insight(frames: WeeklyFrames, row: dict[str, Any]) -> dict[str, Any]:
    params = {name: row[name] for name in PARAMS[row["kind"]]}
    text = render_insight(
        row["kind"], params, format_money=frames.format_money, display_name=frames.display_name
    )
    return {
        "kind": row["kind"],
        "rank": row["rank"],
        "significance": row["significance"],
        "params": params,
        "text": text,
    }


def _touch(frames: WeeklyFrames, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not rows:
        return None
    (row,) = rows
    params = {name: row[name] for name in _TOUCH_PARAMS[row["kind"]]}
    text = render_touch(
        row["kind"], params, format_money=frames.format_money, display_name=frames.display_name
    )
    return {"kind": row["kind"], "params": params, "text": text}


def _by_currency(rows: list[dict[str, Any]]) -> defaultdict[str, list[dict[str, Any]]]:
    grouped: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["currency"]].append(row)
    return grouped


def _pick(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: row[name] for name in fields}


def _drop(row: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != name}
