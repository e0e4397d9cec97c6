"""How far into each limit a borrower is: the period's spending so far, what is left, the zone.

Spending counts as in breakdowns (every kind but repayments, refunds netted) and includes pending
transactions: a purchase waiting to post is money already spent. Periods are the borrower's
local week (Monday first), local month, or an account's current statement cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from billbot.accounts.models import Account
from billbot.bills.cycles import cycle_for
from billbot.bills.service import load_book, plan_of
from billbot.categorize.normalise import merchant_key
from billbot.clock import local_date, zone
from billbot.db import raw_rows
from billbot.limits.models import Limit, LimitPeriod, LimitScope
from billbot.limits.service import parse_thresholds
from billbot.transactions import kept_days

HEALTHY, OVER_80, OVER_100 = "healthy", "over_80", "over_100"


@dataclass(frozen=True)
class SpendRow:
    """Spending of one day, currency, category, sub-category, merchant and account (summed)."""

    day: date
    currency: str
    category: str | None
    sub_category: str | None
    merchant_key: str
    account_id: int
    amount_minor: int


@dataclass(frozen=True)
class Progress:
    limit_id: int
    period_start: date | None
    period_end: date | None
    spent_minor: int
    limit_minor: int
    remaining_minor: int
    used_bps: int
    zone: str
    days_left: int | None
    per_day_left_minor: int | None
    thresholds_crossed: list[int]


def period_bounds(
    limit: Limit, *, today: date, accounts: dict[int, Account]
) -> tuple[date, date] | None:
    """The local dates of the limit's current period (None for a credit cap)."""
    period = limit.period
    if period == LimitPeriod.WEEK or period == LimitPeriod.MONTH:
        return _calendar_period(period, today)
    if period == LimitPeriod.CYCLE and limit.account_id is not None:
        cycle = cycle_for(today, plan_of(accounts[limit.account_id]))
        return cycle.start_date, cycle.end_date
    return None


@lru_cache(maxsize=64)
def _calendar_period(period: str, today: date) -> tuple[date, date]:
    """The local week (Monday first) or month holding `today`."""
    if period == LimitPeriod.WEEK:
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=6)
    start = today.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def spend_rows(session: Session, *, user_id: int, since: date) -> list[SpendRow]:
    """The user's spending from `since`, summed per day, labels and account (one grouped query)."""
    found = raw_rows(
        session,
        "SELECT local_date, currency, category, sub_category, merchant_name, account_id, "
        "SUM(amount_minor) FROM transactions "
        "WHERE user_id = {mark} AND local_date >= {mark} AND kind <> 'repayment' "
        "GROUP BY local_date, currency, category, sub_category, merchant_name, account_id",
        [user_id, since],
    )
    keys: dict[str, str] = {}
    rows = []
    for day, currency, category, sub, merchant, account_id, amount in found:
        key = keys.get(merchant)
        if key is None:
            key = keys[merchant] = merchant_key(merchant or "")
        parsed = date.fromisoformat(day) if isinstance(day, str) else day
        rows.append(SpendRow(parsed, currency, category, sub, key, account_id, int(amount)))
    return rows


def matches(limit: Limit, row: SpendRow, *, target_key: str | None) -> bool:
    """Whether a row of spending counts against the limit."""
    if row.currency != limit.currency:
        return False
    if limit.period == LimitPeriod.CYCLE and row.account_id != limit.account_id:
        return False
    if limit.scope == LimitScope.CATEGORY:
        return row.category == limit.target
    if limit.scope == LimitScope.SUB_CATEGORY:
        return row.sub_category == limit.target
    if limit.scope == LimitScope.MERCHANT:
        return row.merchant_key == target_key
    return limit.scope == LimitScope.IDEAL_BILL


def zone_of(used_bps: int) -> str:
    """healthy below 80%, over_80 from 80%, over_100 past the limit."""
    if used_bps < 8000:
        return HEALTHY
    return OVER_100 if used_bps > 10_000 else OVER_80


def used_bps(spent: int, limit: int) -> int:
    """Spent as basis points of the limit, rounded down; a zero limit is passed by any spend."""
    if limit <= 0:
        return 10_001 if spent > 0 else 0
    return spent * 10_000 // limit


def progress_of(
    limit: Limit, *, spent: int, bounds: tuple[date, date] | None, today: date
) -> Progress:
    """The figures a borrower sees for one limit."""
    assert limit.id is not None
    used = used_bps(spent, limit.amount_minor)
    remaining = limit.amount_minor - spent
    days_left = (bounds[1] - today).days + 1 if bounds else None
    per_day = max(0, remaining) // days_left if days_left else None
    crossed = [t for t in parse_thresholds(limit.thresholds_bps) if used >= t]
    return Progress(
        limit_id=limit.id,
        period_start=bounds[0] if bounds else None,
        period_end=bounds[1] if bounds else None,
        spent_minor=spent,
        limit_minor=limit.amount_minor,
        remaining_minor=remaining,
        used_bps=used,
        zone=zone_of(used),
        days_left=days_left,
        per_day_left_minor=per_day,
        thresholds_crossed=crossed,
    )


def progress_for(
    session: Session,
    *,
    limits: Sequence[Limit],
    accounts: dict[int, Account],
    time_zone: str,
    now: datetime,
    from_kept: bool = False,
) -> dict[int, tuple[Progress, tuple[date, date] | None]]:
    """Progress for each limit, from one grouped read of the borrower's recent spending.

    `from_kept` sums the per-day totals this process keeps for the borrower (`kept_days`)
    instead: for readers that come back with every batch, as the event scenarios do.
    """
    if not limits:
        return {}
    today = local_date(now, zone(time_zone))
    bounds = {limit.id: period_bounds(limit, today=today, accounts=accounts) for limit in limits}
    starts = [b[0] for b in bounds.values() if b is not None]
    by_merchant = any(limit.scope == LimitScope.MERCHANT for limit in limits)
    spent_in = spent_in_kept if from_kept else spent_in_sql
    summed = (
        spent_in(session, limits=limits, bounds=bounds, today=today)
        if starts and not by_merchant
        else {}
    )
    rows = spend_rows(session, user_id=limits[0].user_id, since=min(starts)) if by_merchant else []
    result: dict[int, tuple[Progress, tuple[date, date] | None]] = {}
    for limit in limits:
        assert limit.id is not None
        window = bounds[limit.id]
        if limit.scope == LimitScope.CREDIT_CAP:
            spent = account_balance(session, accounts[limit.account_id or 0], time_zone)
        elif not by_merchant:
            spent = summed[limit.id]
        else:
            key = merchant_key(limit.target or "") if limit.scope == LimitScope.MERCHANT else None
            assert window is not None
            spent = sum(
                r.amount_minor
                for r in rows
                if window[0] <= r.day <= today and matches(limit, r, target_key=key)
            )
        result[limit.id] = (progress_of(limit, spent=spent, bounds=window, today=today), window)
    return result


def spent_in_sql(
    session: Session,
    *,
    limits: Sequence[Limit],
    bounds: dict[int | None, tuple[date, date] | None],
    today: date,
) -> dict[int, int]:
    """Each period limit's spending so far, summed by the database in one read of the
    borrower's per-day totals (`spending_days`: a few rows a day, however much they buy).

    Counts what `matches` counts (no merchant limits: their names are normalised in Python).
    """
    sums: list[str] = []
    params: list[object] = []
    ids: list[int] = []
    for limit in limits:
        window = bounds[limit.id]
        if limit.scope == LimitScope.CREDIT_CAP or window is None:
            continue
        assert limit.id is not None
        condition = "local_date >= {mark} AND local_date <= {mark} AND currency = {mark}"
        params += [window[0], today, limit.currency]
        if limit.period == LimitPeriod.CYCLE:
            condition += " AND account_id = {mark}"
            params.append(limit.account_id)
        if limit.scope in (LimitScope.CATEGORY, LimitScope.SUB_CATEGORY):
            column = "category" if limit.scope == LimitScope.CATEGORY else "sub_category"
            condition += f" AND {column} = {{mark}}"
            params.append(limit.target or "")  # a missing label is kept as ""
        sums.append(f"SUM(CASE WHEN {condition} THEN total_minor ELSE 0 END)")
        ids.append(limit.id)
    if not ids:
        return {}
    since = min(window[0] for window in bounds.values() if window is not None)
    # Only fixed column names and placeholders are joined into the text.
    sql = "SELECT " + ", ".join(sums)
    sql += " FROM spending_days WHERE user_id = {mark} AND local_date >= {mark}"
    sql += " AND kind <> 'repayment'"
    (row,) = raw_rows(session, sql, [*params, limits[0].user_id, since])
    return {limit_id: int(value or 0) for limit_id, value in zip(ids, row, strict=True)}


def spent_in_kept(
    session: Session,
    *,
    limits: Sequence[Limit],
    bounds: dict[int | None, tuple[date, date] | None],
    today: date,
) -> dict[int, int]:
    """What `spent_in_sql` sums, from the per-day totals this process keeps (`kept_days`):
    one pass over the kept cells per first day, each limit's filter read from it once."""
    # Per first day: (limit id, currency, account or None, the cell's field to match or None,
    # its value); `Cell` fields by position: 0 account, 1 currency, 2 kind, 3 category, 4 sub.
    by_start: dict[date, list[tuple[int, str, int | None, int | None, str]]] = {}
    spent: dict[int, int] = {}
    for limit in limits:
        scope, window, limit_id = limit.scope, bounds[limit.id], limit.id
        if scope == LimitScope.CREDIT_CAP or window is None:
            continue
        assert limit_id is not None
        field = (
            3 if scope == LimitScope.CATEGORY else 4 if scope == LimitScope.SUB_CATEGORY else None
        )
        account_id = limit.account_id if limit.period == LimitPeriod.CYCLE else None
        by_start.setdefault(window[0], []).append(
            (limit_id, limit.currency, account_id, field, limit.target or "")
        )
        spent[limit_id] = 0
    if not by_start:
        return {}
    with kept_days.reading(session, user_id=limits[0].user_id, since=min(by_start)) as kept:
        for start, wanted in by_start.items():
            for cell, (_, summed) in kept.sums(start, today).items():
                if cell[2] == "repayment":
                    continue
                for limit_id, currency, account_id, field, target in wanted:
                    if (
                        cell[1] == currency
                        and (account_id is None or cell[0] == account_id)
                        and (field is None or cell[field] == target)
                    ):
                        spent[limit_id] += summed
    return spent


def account_balance(session: Session, account: Account, time_zone: str) -> int:
    """What the account owes now in its own currency: the open statement's running balance."""
    book = load_book(session, account, time_zone)
    return book.statements[-1].statement_balance_minor if book.statements else 0


def progress_json(progress: Progress) -> dict[str, Any]:
    """Progress as the API shows it."""
    return {
        "period_start": progress.period_start.isoformat() if progress.period_start else None,
        "period_end": progress.period_end.isoformat() if progress.period_end else None,
        "spent_minor": progress.spent_minor,
        "remaining_minor": progress.remaining_minor,
        "used_bps": progress.used_bps,
        "zone": progress.zone,
        "days_left": progress.days_left,
        "per_day_left_minor": progress.per_day_left_minor,
        "thresholds_crossed_bps": progress.thresholds_crossed,
    }
