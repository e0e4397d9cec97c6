"""A new recurring charge, or a price rise in a known one (same merchant, about monthly).

A purchase is monthly when the merchant's previous charge, in the same currency and
sub-category, came 25 to 35 days before it. The second such charge, within 10% of the first,
makes a new recurring charge (told once per merchant); from the third on, a charge at least
`rise_percent` above the previous is a price rise (told once per merchant and new price). Only
merchants charged at most `MAX_CHARGES` times in the last 100 days can be monthly: a count that
stops one past that finds them, only their charges are read, and the others (a borrower's
everyday merchants) are remembered as such until the window moves past their charges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from billbot.db import raw_rows
from billbot.scenarios.events import EventContext, Purchase
from billbot.transactions import kept_days

LOOKBACK = timedelta(days=100)
MONTHLY = (timedelta(days=25), timedelta(days=35))
ALIKE_PERCENT = 10
MAX_CHARGES = 6  # in `LOOKBACK`: about monthly, with room for a refund or a repeat
_PER_QUERY = 100  # merchants per compound statement (SQLite allows 500 parts)

Charge = tuple[datetime, int, int, str]  # when, amount, account, external id


def _previous(charges: list[Charge], before: datetime) -> Charge | None:
    earlier = [c for c in charges if c[0] < before]
    return max(earlier, key=lambda c: c[0]) if earlier else None


def _monthly(later: datetime, earlier: datetime) -> bool:
    return MONTHLY[0] <= later - earlier <= MONTHLY[1]


def _alike(amount: int, other: int) -> bool:
    """Within `ALIKE_PERCENT` of each other: the same charge again, not another purchase."""
    return abs(amount - other) * 100 <= ALIKE_PERCENT * max(amount, other)


Kind = tuple[str, str, str | None, str | None]  # merchant, currency, category, sub-category


def _where(
    user_id: int, kind: Kind, since: date, *, sqlite: bool, posted_only: bool = False
) -> tuple[str, list[object]]:
    """A merchant's purchases of one kind, by the leading columns of the spending index
    (user, currency, kind, status, labels, merchant, day): a seek, not a scan of their days.
    With `posted_only`, the posted ones, in the index's day order.

    On SQLite the text is the same whether a label is missing or not (`IS` matches a bound NULL
    too, and still seeks), so the driver prepares a statement of so many kinds once.
    """
    merchant, currency, category, sub_category = kind
    where = "user_id = {mark} AND currency = {mark} AND kind = 'purchase' "
    where += "AND status = 'posted'" if posted_only else "AND status IN ('pending', 'posted')"
    params: list[object] = [user_id, currency]
    for column, value in (("category", category), ("sub_category", sub_category)):
        if sqlite:
            where += f" AND {column} IS {{mark}}"  # a fixed column name, the value bound
            params.append(value)
        elif value is None:
            where += f" AND {column} IS NULL"
        else:
            where += f" AND {column} = {{mark}}"
            params.append(value)
    return where + " AND merchant_name = {mark} AND local_date >= {mark}", [
        *params,
        merchant,
        since,
    ]


def _history(context: EventContext) -> dict[tuple[str, str], list[Charge]]:
    """The charges in the last `LOOKBACK` of each of the batch's merchants (by kind) charged at
    most `MAX_CHARGES` times there; the others can't be monthly.

    A merchant found charged more than that from a day on (its latest posted charges) is
    remembered with the borrower's kept days (`kept_days.remember`): while the window starts no
    later than that day, it is not read again, as more charges only keep it so. So a borrower's
    everyday merchants (the coffee shop) cost nothing per batch.
    """
    kinds = sorted(
        {(p.merchant, p.currency, p.category, p.sub_category) for p in context.purchases},
        key=lambda kind: tuple(part or "" for part in kind),
    )
    since = min(p.local_date for p in context.purchases) - LOOKBACK
    session, user_id = context.session, context.user_id
    with kept_days.reading(session, user_id=user_id, since=context.today) as kept:
        kinds = [
            kind
            for kind in kinds
            if kind[0] and not (kept.lasting((_CHARGED_OFTEN, kind)) or date.min) >= since
        ]
    if not kinds:
        return {}
    # The latest posted charges, each count stopping one past `MAX_CHARGES`: a few index
    # entries per merchant, read backwards in day order.
    latest = _each_kind(
        context,
        kinds,
        since,
        lambda number, where: (
            f"SELECT {number}, COUNT(*), MIN(local_date) FROM (SELECT local_date "  # noqa: S608
            f"FROM transactions WHERE {where} ORDER BY local_date DESC "
            f"LIMIT {MAX_CHARGES + 1}) AS charges_{number}"
        ),
        posted_only=True,
    )
    often = {kinds[number]: _day(first) for number, count, first in latest if count > MAX_CHARGES}
    if often:
        with kept_days.reading(session, user_id=user_id, since=context.today) as kept:
            for kind, first in often.items():
                kept.remember((_CHARGED_OFTEN, kind), first)
    rare = [kind for kind in kinds if kind not in often]
    charges = _each_kind(
        context,
        rare,
        since,
        lambda _, where: (
            "SELECT merchant_name, currency, category, sub_category, posted_at, "  # noqa: S608
            f"amount_minor, account_id, external_id FROM transactions WHERE {where}"
        ),
    )
    by_kind: dict[Kind, list[Charge]] = defaultdict(list)
    for merchant, currency, category, sub, at, amount, account_id, external_id in charges:
        by_kind[(merchant or "", currency, category, sub)].append(
            (_utc(at), int(amount), account_id, external_id)
        )
    found: dict[tuple[str, str], list[Charge]] = defaultdict(list)
    for (merchant, currency, _, _), held in by_kind.items():
        if len(held) <= MAX_CHARGES:  # pending ones count too
            found[(merchant, currency)] += held
    return found


_CHARGED_OFTEN = "recurring_charge:often"  # kept-days key: (this, kind) → a first day


def _each_kind(
    context: EventContext,
    kinds: list[Kind],
    since: date,
    part: Callable[[int, str], str],
    *,
    posted_only: bool = False,
) -> list[tuple[Any, ...]]:
    """The rows of `part(number, where)` for each kind, read as one UNION ALL per chunk.

    Only fixed text, numbers and placeholders go into the statement.
    """
    sqlite = context.session.connection().dialect.name == "sqlite"
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(kinds), _PER_QUERY):
        parts, params = [], []
        for number, kind in enumerate(kinds[start : start + _PER_QUERY], start=start):
            where, values = _where(
                context.user_id, kind, since, sqlite=sqlite, posted_only=posted_only
            )
            parts.append(part(number, where))
            params += values
        rows += raw_rows(context.session, " UNION ALL ".join(parts), params)
    return rows


def _day(value: date | str | None) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value or date.min


def _utc(value: datetime | str) -> datetime:
    """A stored instant as UTC (SQLite hands back naive UTC text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def evaluate(context: EventContext) -> int:
    """Tell new monthly charges and price rises among the batch's recent purchases."""
    if not context.purchases:
        return 0
    rise = int(context.settings("recurring_charge")["rise_percent"])
    history = _history(context)
    queued = 0
    for purchase in context.purchases:
        charges = [
            c
            for c in history.get((purchase.merchant, purchase.currency), [])
            if (c[2], c[3]) != (purchase.account_id, purchase.external_id)
        ]
        previous = _previous(charges, purchase.posted_at)
        if previous is None or not _monthly(purchase.posted_at, previous[0]):
            continue
        before = _previous(charges, previous[0])
        known = before is not None and _monthly(previous[0], before[0])
        merchant_key = purchase.merchant[:120]
        if not known:
            if _alike(purchase.amount_minor, previous[1]):
                queued += _tell(context, purchase, f"{merchant_key}:new", previous=None)
        elif purchase.amount_minor * 100 >= previous[1] * (100 + rise):
            key = f"{merchant_key}:rise:{purchase.amount_minor}"
            queued += _tell(context, purchase, key, previous=previous[1])
    return queued


def _tell(context: EventContext, purchase: Purchase, key: str, *, previous: int | None) -> bool:
    return context.tell(
        "recurring_charge",
        f"recurring_charge:{context.user_id}:{purchase.currency}:{key}",
        merchant=purchase.merchant,
        amount=context.money(purchase.amount_minor, purchase.currency),
        previous=context.money(previous, purchase.currency) if previous is not None else None,
        percent=(round((purchase.amount_minor - previous) * 100 / previous) if previous else None),
        yearly=context.money(purchase.amount_minor * 12, purchase.currency),
        about=(purchase.currency, purchase.category, purchase.sub_category),
    )
