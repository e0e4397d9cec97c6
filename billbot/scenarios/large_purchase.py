"""Large purchase: above the borrower's own amount, or well above their usual for the kind.

"Usual" is the median of their other purchases in the same sub-category and currency over the
90 days before the batch's purchases (at least `MIN_HISTORY` of them, so a first purchase is
never "unusual"): one median per sub-category from the shared history, whatever the
batch's size. Once per purchase; at most `MAX_PER_BATCH` per batch, the largest first, so a big
batch never floods.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from datetime import timedelta

import numpy as np

from billbot.scenarios.events import EventContext, Purchase
from billbot.scenarios.history import Pair

LOOKBACK = timedelta(days=90)
MIN_HISTORY = 3
MAX_PER_BATCH = 3

# The sorted amounts of days before today, per borrower, sub-category, currency and exact text:
# a borrower's next batch the same day finds them sorted (a backdated purchase changes the text).
_SORTED: dict[tuple[object, ...], np.ndarray] = {}
_SORTED_MAX = 512
_SORTED_LOCK = threading.Lock()
_EMPTY = np.zeros(0, dtype=np.int64)


def usual_amounts(context: EventContext, purchases: list[Purchase]) -> dict[Pair, int]:
    """(sub-category, currency) → median of the borrower's other purchases there.

    From the shared history: the amounts of the `LOOKBACK` before the earliest of `purchases`,
    with `purchases` themselves (already stored) left out once each.
    """
    own: dict[Pair, list[int]] = defaultdict(list)
    for purchase in purchases:
        if purchase.sub_category:
            own[(purchase.sub_category, purchase.currency)].append(purchase.amount_minor)
    usual = {}
    for pair, mine in own.items():
        found = context.history.get(pair)
        if found is None:
            continue
        older = sorted_amounts(context.user_id, pair, found.amounts_before_today)
        middle = median_without(older, found.amounts_from_today, mine)
        if middle is not None:
            usual[pair] = middle
    return usual


def sorted_amounts(user_id: int, pair: Pair, amounts_text: str) -> np.ndarray:
    """The amounts, sorted; the same text (days before today, unchanged) is sorted once."""
    if not amounts_text:
        return _EMPTY
    key = (user_id, *pair, hashlib.blake2b(amounts_text.encode(), digest_size=16).digest())
    found = _SORTED.get(key)
    if found is None:
        found = np.sort(np.fromstring(amounts_text, dtype=np.int64, sep=","))
        found.flags.writeable = False
        with _SORTED_LOCK:
            while len(_SORTED) >= _SORTED_MAX:
                del _SORTED[next(iter(_SORTED))]  # the oldest entry
            _SORTED[key] = found
    return found


def median_without(older: np.ndarray, newer_text: str, leave_out: list[int]) -> int | None:
    """The median of sorted `older` amounts and the comma-separated `newer_text` ones, with each
    of `leave_out` taken out once; whole (the mean of the middle two, truncated). None below
    `MIN_HISTORY` amounts."""
    amounts = older
    if newer_text:
        newer = np.sort(np.fromstring(newer_text, dtype=np.int64, sep=","))
        amounts = np.insert(older, np.searchsorted(older, newer), newer)
    if leave_out:
        out = np.sort(np.asarray(leave_out, dtype=np.int64))
        # The k-th repeat of a value is taken from k places past where its run starts.
        at = np.searchsorted(amounts, out) + np.arange(len(out)) - np.searchsorted(out, out)
        inside = at < len(amounts)
        at, out = at[inside], out[inside]
        amounts = np.delete(amounts, at[amounts[at] == out])
    size = len(amounts)
    if size < MIN_HISTORY:
        return None
    if size % 2:
        return int(amounts[size // 2])
    return int((int(amounts[size // 2 - 1]) + int(amounts[size // 2])) / 2)


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
