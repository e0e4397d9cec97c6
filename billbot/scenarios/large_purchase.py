"""Large purchase: above the borrower's own amount, or well above their usual for the kind.

"Usual" is the median of their other purchases in the same sub-category and currency over the
90 days before the recent window (the local day `RECENT` ago) and since (at least `MIN_HISTORY`
of them, so a first purchase is never "unusual"): one median per sub-category, whatever the
batch's size. The window moves once a day, so the sorted amounts kept for it
(`billbot.transactions.purchase_amounts`) serve every batch of the day. Once per purchase; at
most `MAX_PER_BATCH` per batch, the largest first, so a big batch never floods.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from billbot.clock import local_date
from billbot.scenarios.events import RECENT, EventContext, Purchase
from billbot.scenarios.history import Pair
from billbot.transactions.purchase_amounts import Counted, sorted_amounts

LOOKBACK = timedelta(days=90)
MIN_HISTORY = 3
MAX_PER_BATCH = 3


def window_start(context: EventContext) -> date:
    """The first local day of the usual amount's window: `LOOKBACK` before the day `RECENT` ago,
    the earliest a recent purchase can fall on."""
    return local_date(context.now - RECENT, context.tz) - LOOKBACK


def usual_amounts(context: EventContext, purchases: list[Purchase]) -> dict[Pair, int]:
    """(sub-category, currency) → median of the borrower's other purchases there.

    The amounts from `window_start` on (kept sorted, brought up to date with the batch's own),
    with `purchases` themselves (already stored) left out once each.
    """
    own: dict[Pair, list[int]] = defaultdict(list)
    for purchase in purchases:
        if purchase.sub_category:
            own[(purchase.sub_category, purchase.currency)].append(purchase.amount_minor)
    counted = {
        pair: Counted(found.large_entries, found.large_total_minor)
        for pair in own
        if (found := context.history.get(pair)) is not None
    }
    if not counted:
        return {}
    held = sorted_amounts(
        context.session,
        user_id=context.user_id,
        since=window_start(context),
        counted=counted,
        added=context.added_purchases,
    )
    usual = {}
    for pair, amounts in held.items():
        middle = median_without(amounts, own[pair])
        if middle is not None:
            usual[pair] = middle
    return usual


def median_without(amounts: Sequence[int], leave_out: list[int]) -> int | None:
    """The median of sorted `amounts` with each of `leave_out` taken out once (an amount not
    among them leaves nothing out); whole (the mean of the middle two, truncated). None below
    `MIN_HISTORY` amounts.

    Nothing is copied: the places of the amounts left out are found by bisecting `amounts`, and
    the k-th amount left is the k-th place stepped past the left-out places at or before it, so
    a long history costs a few look-ups per amount left out.
    """
    gone: list[int] = []  # places in `amounts` taken out, ascending
    for amount, times in sorted(Counter(leave_out).items()):
        first = bisect_left(amounts, amount)
        held = bisect_right(amounts, amount, lo=first) - first
        gone.extend(range(first, first + min(times, held)))
    size = len(amounts) - len(gone)
    if size < MIN_HISTORY:
        return None

    def kth(k: int) -> int:  # the k-th smallest left, from 0
        place = k
        for taken in gone:
            if taken > place:
                break
            place += 1
        return amounts[place]

    if size % 2:
        return kth(size // 2)
    return int((kth(size // 2 - 1) + kth(size // 2)) / 2)


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
