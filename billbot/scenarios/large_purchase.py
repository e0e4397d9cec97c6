"""Large purchase: above the borrower's own amount, or well above their usual for the kind.

"Usual" is the median of their purchases in the same sub-category and currency over the 90 days
before it (at least `MIN_HISTORY` of them, so a first purchase is never "unusual"). Once per
purchase; at most `MAX_PER_BATCH` per batch, the largest first, so a big batch never floods.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlmodel import col

from billbot.scenarios.events import EventContext, Purchase
from billbot.transactions.models import Transaction

LOOKBACK = timedelta(days=90)
MIN_HISTORY = 3
MAX_PER_BATCH = 3

History = dict[tuple[str, str], list[tuple[datetime, int, int, str]]]


def _history(context: EventContext, purchases: list[Purchase]) -> History:
    """Earlier purchases of the same sub-categories (one query)."""
    subs = sorted({p.sub_category for p in purchases if p.sub_category})
    if not subs:
        return {}
    since = min(p.posted_at for p in purchases) - LOOKBACK
    rows = context.session.execute(
        select(
            col(Transaction.sub_category),
            col(Transaction.currency),
            col(Transaction.posted_at),
            col(Transaction.amount_minor),
            col(Transaction.account_id),
            col(Transaction.external_id),
        ).where(
            col(Transaction.user_id) == context.user_id,
            col(Transaction.kind) == "purchase",
            col(Transaction.sub_category).in_(subs),
            col(Transaction.posted_at) >= since,
        )
    ).all()
    found: History = defaultdict(list)
    for sub, currency, at, amount, account_id, external_id in rows:
        found[(sub or "", currency)].append((at, amount, account_id, external_id))
    return found


def _usual(history: History, purchase: Purchase) -> int | None:
    """The median of the purchase's sub-category over the 90 days before it."""
    start = purchase.posted_at - LOOKBACK
    amounts = [
        amount
        for at, amount, account_id, external_id in history.get(
            (purchase.sub_category or "", purchase.currency), ()
        )
        if start <= at < purchase.posted_at
        and (account_id, external_id) != (purchase.account_id, purchase.external_id)
    ]
    return int(median(amounts)) if len(amounts) >= MIN_HISTORY else None


def evaluate(context: EventContext) -> int:
    """Tell the batch's large purchases."""
    if not context.purchases:
        return 0
    settings = context.settings("large_purchase")
    own_amount: int | None = settings["amount_minor"]
    multiple = float(settings["median_multiple"])
    history = _history(context, context.purchases)
    flagged: list[tuple[Purchase, int | None]] = []
    for purchase in context.purchases:
        usual = _usual(history, purchase)
        above_own = (
            own_amount is not None
            and purchase.currency == context.user.currency
            and purchase.amount_minor >= own_amount
        )
        above_usual = usual is not None and purchase.amount_minor > multiple * usual
        if above_own or above_usual:
            flagged.append((purchase, usual))
    flagged.sort(key=lambda item: -item[0].amount_minor)
    queued = 0
    for purchase, usual in flagged[:MAX_PER_BATCH]:
        queued += context.tell(
            "large_purchase",
            f"large_purchase:{purchase.account_id}:{purchase.external_id}",
            merchant=purchase.merchant,
            amount=context.money(purchase.amount_minor, purchase.currency),
            kind=context.label(purchase.sub_category),
            usual=context.money(usual, purchase.currency) if usual else None,
            times=round(purchase.amount_minor / usual, 1) if usual else None,
            limit_note=context.limit_note(
                purchase.currency, purchase.category, purchase.sub_category
            ),
        )
    return queued
