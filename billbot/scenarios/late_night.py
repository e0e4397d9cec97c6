"""Late-night spending: purchases in the borrower's late-night window, in their own time zone.

The window (default 00:00–05:00) may wrap midnight (e.g. 23:00–05:00); a purchase after
midnight then belongs to the night that began the evening before. Purchases known only by date
(placed at local noon) never count. Once per night, however many purchases it held.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta
from functools import partial
from typing import Any

from billbot.scenarios.events import EventContext, Purchase


def night_of(local_day: date, at: time, start: time, end: time) -> date | None:
    """The local date the late-night window holding `at` began on, or None if outside it."""
    if start == end:
        return None
    if start < end:
        return local_day if start <= at < end else None
    if at >= start:
        return local_day
    if at < end:
        return local_day - timedelta(days=1)
    return None


def evaluate(context: EventContext) -> int:
    """Tell each night of the batch that held late-night purchases."""
    if not context.purchases:
        return 0
    settings = context.settings("late_night")
    start, end = time.fromisoformat(settings["start"]), time.fromisoformat(settings["end"])
    nights: dict[date, list[Purchase]] = defaultdict(list)
    for purchase in context.purchases:
        local = purchase.posted_at.astimezone(context.tz)
        night = night_of(local.date(), local.time(), start, end)
        if night is not None:
            nights[night].append(purchase)
    queued = 0
    for night, purchases in sorted(nights.items()):
        currency = purchases[0].currency
        same = [p for p in purchases if p.currency == currency]
        latest = max(same, key=lambda p: p.posted_at)
        total = sum(p.amount_minor for p in same)
        queued += context.tell(
            "late_night",
            f"late_night:{context.user_id}:{night.isoformat()}",
            count=len(same),
            merchant=latest.merchant,
            about=(currency, latest.category, latest.sub_category),
            details=partial(_details, context, total, currency, latest),
        )
    return queued


def _details(context: EventContext, total: int, currency: str, latest: Purchase) -> dict[str, Any]:
    return {
        "total": context.money(total, currency),
        "at": latest.posted_at.astimezone(context.tz).strftime("%H:%M"),
    }
