"""Large purchase: above the borrower's own amount, or well above their usual for the kind.

"Usual" is the median of their other purchases in the same sub-category and currency over the
90 days before the batch's purchases (at least `MIN_HISTORY` of them, so a first purchase is
never "unusual"): one read and one median per sub-category, whatever the batch's size. Once per
purchase; at most `MAX_PER_BATCH` per batch, the largest first, so a big batch never floods.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from statistics import median

from billbot.db import raw_rows
from billbot.scenarios.events import EventContext, Purchase
from billbot.scenarios.history import smallest_usual_not_exceeded

LOOKBACK = timedelta(days=90)
MIN_HISTORY = 3
MAX_PER_BATCH = 3


def usual_amounts(
    context: EventContext, purchases: list[Purchase], subs: set[str] | None = None
) -> dict[tuple[str, str], int]:
    """(sub-category, currency) → median of the borrower's other purchases there (one query).

    `subs` narrows the read to those sub-categories; the batch's purchases in them are left out.
    """
    subs_read = sorted({p.sub_category for p in purchases if p.sub_category})
    if subs is not None:
        subs_read = [sub for sub in subs_read if sub in subs]
    if not subs_read:
        return {}
    subs = set(subs_read)
    since = min(p.local_date for p in purchases) - LOOKBACK
    sql = (
        "SELECT sub_category, currency, amount_minor, account_id, external_id FROM transactions "
        "WHERE user_id = {mark} AND kind = 'purchase' AND local_date >= {mark} "
    )
    sql += f"AND sub_category IN ({','.join(['{mark}'] * len(subs_read))})"  # placeholders
    batch = {(p.account_id, p.external_id) for p in purchases}
    amounts: dict[tuple[str, str], list[int]] = defaultdict(list)
    for sub, currency, amount, account_id, external_id in raw_rows(
        context.session, sql, [context.user_id, since, *subs_read]
    ):
        if (account_id, external_id) not in batch:
            amounts[(sub, currency)].append(int(amount))
    return {
        key: int(median(values)) for key, values in amounts.items() if len(values) >= MIN_HISTORY
    }


def _may_be_above_usual(
    context: EventContext, purchases: list[Purchase], multiple: float
) -> set[str]:
    """The sub-categories where one of `purchases` may be well above the usual amount.

    From the shared per-day history: a median is below the bar of a pair's largest purchase
    exactly when enough of the other purchases are (with an even count, the two middle ones
    decide, so a tie there is read in full). Only these sub-categories need their amounts read.
    """
    since = min(p.local_date for p in purchases) - LOOKBACK
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for purchase in purchases:
        if purchase.sub_category:
            groups[(purchase.sub_category, purchase.currency)].append(purchase.amount_minor)
    history = context.history
    subs = set()
    for pair, amounts in groups.items():
        bar = smallest_usual_not_exceeded(max(amounts), multiple)
        days = [t for day, t in history.get(pair, {}).items() if day >= since]
        others = sum(t.purchases for t in days) - len(amounts)
        below = sum(t.below_bar for t in days) - sum(1 for a in amounts if a < bar)
        if others < MIN_HISTORY:
            continue
        if below * 2 >= others:  # the median may be below the bar (odd: the middle one is)
            subs.add(pair[0])
    return subs


def evaluate(context: EventContext) -> int:
    """Tell the batch's large purchases."""
    if not context.purchases:
        return 0
    settings = context.settings("large_purchase")
    own_amount: int | None = settings["amount_minor"]
    multiple = float(settings["median_multiple"])
    subs = _may_be_above_usual(context, context.purchases, multiple)
    if own_amount is not None:
        subs.update(
            p.sub_category
            for p in context.purchases
            if p.sub_category
            and p.currency == context.user.currency
            and p.amount_minor >= own_amount
        )
    usual_of = usual_amounts(context, context.purchases, subs) if subs else {}
    flagged: list[tuple[Purchase, int | None]] = []
    for purchase in context.purchases:
        usual = usual_of.get((purchase.sub_category or "", purchase.currency))
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
            about=(purchase.currency, purchase.category, purchase.sub_category),
            merchant=purchase.merchant,
            amount=context.money(purchase.amount_minor, purchase.currency),
            kind=context.label(purchase.sub_category),
            usual=context.money(usual, purchase.currency) if usual else None,
            times=round(purchase.amount_minor / usual, 1) if usual else None,
        )
    return queued
