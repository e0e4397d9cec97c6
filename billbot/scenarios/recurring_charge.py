"""A new recurring charge, or a price rise in a known one (same merchant, about monthly).

A purchase is monthly when the merchant's previous charge, in the same currency and
sub-category, came 25 to 35 days before it. The second such charge, within 10% of the first,
makes a new recurring charge (told once per merchant); from the third on, a charge at least
`rise_percent` above the previous is a price rise (told once per merchant and new price). A
count that stops at `MAX_CHARGES` keeps the batch's merchants charged rarely enough in the last
100 days; only their charges are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from billbot.db import raw_rows
from billbot.scenarios.events import EventContext, Purchase

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


def _where(user_id: int, kind: Kind, since: date, *, sqlite: bool) -> tuple[str, list[object]]:
    """A merchant's purchases of one kind, by the leading columns of the spending index
    (user, currency, kind, status, labels, merchant, day): a seek, not a scan of their days.

    On SQLite the text is the same whether a label is missing or not (`IS` matches a bound NULL
    too, and still seeks), so the driver prepares a statement of so many kinds once.
    """
    merchant, currency, category, sub_category = kind
    where = "user_id = {mark} AND currency = {mark} AND kind = 'purchase' "
    where += "AND status IN ('pending', 'posted')"
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
    kinds = sorted(
        {(p.merchant, p.currency, p.category, p.sub_category) for p in context.purchases},
        key=lambda kind: tuple(part or "" for part in kind),
    )
    kinds = [kind for kind in kinds if kind[0]]
    if not kinds:
        return {}
    since = min(p.local_date for p in context.purchases) - LOOKBACK
    # Only merchants charged at most `MAX_CHARGES` times in the window can be monthly: each
    # count stops one past that, so the everyday ones (the coffee shop) cost a few index entries.
    counts = _each_kind(
        context,
        kinds,
        since,
        lambda number, where: (
            f"SELECT {number}, COUNT(*) FROM (SELECT 1 FROM transactions WHERE {where} "  # noqa: S608
            f"LIMIT {MAX_CHARGES + 1}) AS charges_{number}"
        ),
    )
    rare = [kinds[number] for number, count in counts if count <= MAX_CHARGES]
    charges = _each_kind(
        context,
        rare,
        since,
        lambda _, where: (
            "SELECT merchant_name, currency, posted_at, amount_minor, account_id, external_id "  # noqa: S608
            f"FROM transactions WHERE {where}"
        ),
    )
    found: dict[tuple[str, str], list[Charge]] = defaultdict(list)
    for merchant, currency, at, amount, account_id, external_id in charges:
        found[(merchant or "", currency)].append((_utc(at), int(amount), account_id, external_id))
    return found


def _each_kind(
    context: EventContext, kinds: list[Kind], since: date, part: Callable[[int, str], str]
) -> list[tuple[Any, ...]]:
    """The rows of `part(number, where)` for each kind, read as one UNION ALL per chunk.

    Only fixed text, numbers and placeholders go into the statement.
    """
    sqlite = context.session.connection().dialect.name == "sqlite"
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(kinds), _PER_QUERY):
        parts, params = [], []
        for number, kind in enumerate(kinds[start : start + _PER_QUERY], start=start):
            where, values = _where(context.user_id, kind, since, sqlite=sqlite)
            parts.append(part(number, where))
            params += values
        rows += raw_rows(context.session, " UNION ALL ".join(parts), params)
    return rows


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
