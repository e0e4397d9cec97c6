"""Frequent small purchases: e.g. the fifth food delivery in 7 days.

Counts the borrower's purchases in the watched sub-categories (up to an amount, if they set
one) over the last `days` local days, once the batch brought a recent one; tells when the count
reaches `count`. Once per sub-category and local week, so a habit is named, not nagged.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from billbot.scenarios.events import EventContext
from billbot.transactions.spending_days import parse_amounts


def evaluate(context: EventContext) -> int:
    """Tell the watched sub-categories bought `count` times or more in the last `days` days."""
    if not context.purchases:
        return 0
    settings = context.settings("frequent_small")
    watched = set(settings["sub_categories"])
    most: int | None = settings["max_amount_minor"]
    touched = {
        p.sub_category
        for p in context.purchases
        if p.sub_category is not None
        and p.sub_category in watched
        and (most is None or p.amount_minor <= most)
    }
    if not touched:
        return 0
    days, count = int(settings["days"]), int(settings["count"])
    found = []
    for (sub, currency), pair in context.history.items():
        if sub not in touched:
            continue
        if most is None:
            bought, total = pair.frequent_count, pair.frequent_total_minor
        else:
            small = [a for a in parse_amounts(pair.frequent_amounts) if a <= most]
            bought, total = len(small), sum(small)
        if bought:
            found.append((sub, currency, bought, total))
    queued = 0
    for sub, currency, bought, total in sorted(found, key=lambda r: (r[0], r[1])):
        if bought < count:
            continue
        queued += context.tell(
            "frequent_small",
            f"frequent_small:{context.user_id}:{sub}:{currency}:{context.week_start.isoformat()}",
            count=bought,
            days=days,
            about=(currency, None, sub),
            details=partial(_details, context, sub, total, currency),
        )
    return queued


def _details(context: EventContext, sub: str, total: int, currency: str) -> dict[str, Any]:
    return {"kind": context.label(sub), "total": context.money(total, currency)}
