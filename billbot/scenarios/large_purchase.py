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

LOOKBACK = timedelta(days=90)
MIN_HISTORY = 3
MAX_PER_BATCH = 3


def usual_amounts(context: EventContext, purchases: list[Purchase]) -> dict[tuple[str, str], int]:
    """(sub-category, currency) → median of the borrower's other purchases there (one query)."""
    subs = sorted({p.sub_category for p in purchases if p.sub_category})
    if not subs:
        return {}
    since = min(p.local_date for p in purchases) - LOOKBACK
    sql = (
        "SELECT sub_category, currency, amount_minor, account_id, external_id FROM transactions "
        "WHERE user_id = {mark} AND kind = 'purchase' AND local_date >= {mark} "
    )
    sql += f"AND sub_category IN ({','.join(['{mark}'] * len(subs))})"  # only placeholders
    batch = {(p.account_id, p.external_id) for p in purchases}
    amounts: dict[tuple[str, str], list[int]] = defaultdict(list)
    for sub, currency, amount, account_id, external_id in raw_rows(
        context.session, sql, [context.user_id, since, *subs]
    ):
        if (account_id, external_id) not in batch:
            amounts[(sub, currency)].append(int(amount))
    return {
        key: int(median(values)) for key, values in amounts.items() if len(values) >= MIN_HISTORY
    }


def evaluate(context: EventContext) -> int:
    """Tell the batch's large purchases."""
    if not context.purchases:
        return 0
    settings = context.settings("large_purchase")
    own_amount: int | None = settings["amount_minor"]
    multiple = float(settings["median_multiple"])
    usual_of = usual_amounts(context, context.purchases)
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
