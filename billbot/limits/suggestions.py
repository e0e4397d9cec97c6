"""Suggested limits from the borrower's last complete months (the figures come from insights)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlmodel import Session

from billbot.categorize.taxonomy import load_taxonomy
from billbot.clock import local_date, zone
from billbot.db import raw_rows
from billbot.money import exponent
from insights.suggestions import suggest_limits

MONTHS = 6


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def suggestions_for(
    session: Session, *, user_id: int, time_zone: str, now: datetime
) -> list[dict[str, Any]]:
    """An ideal monthly bill and a few category caps, never above what the borrower spends."""
    today = local_date(now, zone(time_zone))
    start, end = _month_start(today, MONTHS), _month_start(today, 0)
    rows = raw_rows(
        session,
        "SELECT local_date, currency, category, SUM(amount_minor) FROM transactions "
        "WHERE user_id = {mark} AND local_date >= {mark} AND local_date < {mark} "
        "AND kind <> 'repayment' AND status = 'posted' GROUP BY local_date, currency, category",
        [user_id, start, end],
    )
    if not rows:
        return []
    frame = pd.DataFrame.from_records(rows, columns=["day", "currency", "category", "amount_minor"])
    frame["month"] = frame["day"].astype(str).str.slice(0, 7)
    frame["category"] = frame["category"].fillna("uncategorised")
    monthly = frame.groupby(["month", "currency", "category"])["amount_minor"].sum().reset_index()
    taxonomy = load_taxonomy()
    labels = {c.slug: dict(c.labels) for c in taxonomy.categories}
    exponents = {c: exponent(c) for c in monthly["currency"].unique()}
    return suggest_limits(monthly, exponents=exponents, labels=labels)
