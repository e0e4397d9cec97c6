"""Unusual spike: this local week's spending in a sub-category against the borrower's own weeks.

This week (Monday first, in the borrower's time zone) is compared with the average of the
`weeks` full weeks before it; it spikes at `multiple` times that average, if the borrower spent
in that sub-category in at least two of those weeks (a real habit, not a one-off). Only the
sub-categories the batch's recent purchases touched are read (one grouped query). Once per
sub-category and week.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from billbot.db import raw_rows
from billbot.scenarios.events import EventContext

MIN_WEEKS_WITH_SPENDING = 2


def evaluate(context: EventContext) -> int:
    """Tell the sub-categories whose spending this week is well above the borrower's usual."""
    touched = sorted({(p.sub_category, p.currency) for p in context.purchases if p.sub_category})
    if not touched:
        return 0
    settings = context.settings("spending_spike")
    weeks, multiple = int(settings["weeks"]), float(settings["multiple"])
    week_start = context.today - timedelta(days=context.today.weekday())
    since = week_start - timedelta(days=7 * weeks)
    subs = sorted({sub for sub, _ in touched})
    marks = ",".join(["{mark}"] * len(subs))
    sql = (
        "SELECT sub_category, currency, local_date, SUM(amount_minor) FROM transactions "
        "WHERE user_id = {mark} AND local_date >= {mark} AND kind = 'purchase' "
    )
    sql += f"AND sub_category IN ({marks})"  # only placeholders are added
    sql += " GROUP BY sub_category, currency, local_date"
    rows = raw_rows(context.session, sql, [context.user_id, since, *subs])
    # (sub-category, currency) → week index (0 = this week, 1 = last week, ...) → total
    totals: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for sub, currency, day, amount in rows:
        parsed = date.fromisoformat(day) if isinstance(day, str) else day
        if parsed > context.today:
            continue
        index = (week_start - (parsed - timedelta(days=parsed.weekday()))).days // 7
        totals[(sub, currency)][index] += int(amount)
    queued = 0
    for sub, currency in touched:
        by_week = totals.get((sub, currency), {})
        current = by_week.get(0, 0)
        before = [by_week.get(i, 0) for i in range(1, weeks + 1)]
        if sum(1 for total in before if total > 0) < MIN_WEEKS_WITH_SPENDING:
            continue
        average = sum(before) // weeks
        if average <= 0 or current < multiple * average:
            continue
        queued += context.tell(
            "spending_spike",
            f"spending_spike:{context.user_id}:{sub}:{currency}:{week_start.isoformat()}",
            kind=context.label(sub),
            spent=context.money(current, currency),
            usual=context.money(average, currency),
            times=round(current / average, 1),
            weeks=weeks,
            about=(currency, None, sub),
        )
    return queued
