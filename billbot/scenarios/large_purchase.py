"""Large purchase: above the borrower's own amount, or well above their usual for the kind.

"Usual" is the median of their other purchases in the same sub-category and currency over the
90 days before the batch's purchases (at least `MIN_HISTORY` of them, so a first purchase is
never "unusual"): one median per sub-category from the shared per-day history, whatever the
batch's size. Once per purchase; at most `MAX_PER_BATCH` per batch, the largest first, so a big
batch never floods.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import timedelta

import numpy as np

from billbot.scenarios.events import EventContext, Purchase
from billbot.scenarios.history import Pair

LOOKBACK = timedelta(days=90)
MIN_HISTORY = 3
MAX_PER_BATCH = 3


def usual_amounts(context: EventContext, purchases: list[Purchase]) -> dict[Pair, int]:
    """(sub-category, currency) → median of the borrower's other purchases there.

    From the shared per-day history: the amounts of the `LOOKBACK` before the earliest of
    `purchases`, with `purchases` themselves (already stored) left out once each.
    """
    since = min(p.local_date for p in purchases) - LOOKBACK
    own: dict[Pair, list[int]] = defaultdict(list)
    for purchase in purchases:
        if purchase.sub_category:
            own[(purchase.sub_category, purchase.currency)].append(purchase.amount_minor)
    usual = {}
    for pair, mine in own.items():
        days = context.history.get(pair, {})
        text = ",".join(t.amounts_text for day, t in days.items() if day >= since and t.purchases)
        found = median_without(text, mine)
        if found is not None:
            usual[pair] = found
    return usual


def median_without(amounts_text: str, leave_out: list[int]) -> int | None:
    """The median of the comma-separated amounts with each of `leave_out` taken out once,
    whole (the mean of the middle two, truncated); None below `MIN_HISTORY` amounts."""
    if not amounts_text:
        return None
    # Parsed and sorted by numpy, then a plain list: a few purchases leave it cheaply.
    others: list[int] = np.sort(np.fromstring(amounts_text, dtype=np.int64, sep=",")).tolist()
    for amount in leave_out:
        at = bisect_left(others, amount)
        if at < len(others) and others[at] == amount:
            del others[at]
    if len(others) < MIN_HISTORY:
        return None
    middle = len(others) // 2
    if len(others) % 2:
        return others[middle]
    return int((others[middle - 1] + others[middle]) / 2)


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
