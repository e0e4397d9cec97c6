"""Unusual spike: this local week's spending in a sub-category against the borrower's own weeks.

This week (Monday first, in the borrower's time zone) is compared with the average of the
`weeks` full weeks before it; it spikes at `multiple` times that average, if the borrower spent
in that sub-category in at least two of those weeks (a real habit, not a one-off). Only the
sub-categories the batch's recent purchases touched are read (the shared history, which sums
each week in the database).
Once per sub-category and week.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from billbot.scenarios.events import EventContext

MIN_WEEKS_WITH_SPENDING = 2


def evaluate(context: EventContext) -> int:
    """Tell the sub-categories whose spending this week is well above the borrower's usual."""
    touched = sorted({(p.sub_category, p.currency) for p in context.purchases if p.sub_category})
    if not touched:
        return 0
    settings = context.settings("spending_spike")
    weeks, multiple = int(settings["weeks"]), float(settings["multiple"])
    queued = 0
    for sub, currency in touched:
        found = context.history.get((sub, currency))
        # Week totals: [0] this week so far, [1] last week, ... (summed by the database).
        by_week = found.week_totals if found is not None else (0,) * (weeks + 1)
        current = by_week[0]
        before = list(by_week[1 : weeks + 1])
        if sum(1 for total in before if total > 0) < MIN_WEEKS_WITH_SPENDING:
            continue
        average = sum(before) // weeks
        if average <= 0 or current < multiple * average:
            continue
        queued += context.tell(
            "spending_spike",
            f"spending_spike:{context.user_id}:{sub}:{currency}:{context.week_start.isoformat()}",
            times=round(current / average, 1),
            weeks=weeks,
            about=(currency, None, sub),
            details=partial(_details, context, sub, current, average, currency),
        )
    return queued


def _details(
    context: EventContext, sub: str, spent: int, usual: int, currency: str
) -> dict[str, Any]:
    return {
        "kind": context.label(sub),
        "spent": context.money(spent, currency),
        "usual": context.money(usual, currency),
    }
