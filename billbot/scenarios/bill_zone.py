"""Ideal bill zone changed: this month's bill moved from healthy to over 80%, or past 100%.

`limit_threshold` already tells the ideal bill's thresholds, and with the default thresholds
(50/80/100%) those are the zone boundaries; so this scenario speaks only for a zone whose
boundary the borrower's ideal bill has no threshold at (they chose other thresholds), and the
two never tell the same moment twice. Once per limit, period and zone.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from billbot.limits.models import Limit, LimitScope
from billbot.limits.progress import HEALTHY, OVER_80, Progress
from billbot.limits.service import parse_thresholds
from billbot.scenarios.events import EventContext

# The threshold at which `limit_threshold` already tells each zone.
_BOUNDARY = {OVER_80: 8000, "over_100": 10_000}


def evaluate(context: EventContext) -> int:
    """Tell a zone change of the ideal bill that no threshold message covers."""
    queued = 0
    for limit in context.limits:
        if limit.scope != LimitScope.IDEAL_BILL:
            continue
        assert limit.id is not None
        figures, _ = context.progress[limit.id]
        if figures.zone == HEALTHY or _BOUNDARY[figures.zone] in parse_thresholds(
            limit.thresholds_bps
        ):
            continue
        period = figures.period_start.isoformat() if figures.period_start else "cap"
        queued += context.tell(
            "bill_zone",
            f"bill_zone:{limit.id}:{period}:{figures.zone}",
            priority=2 if figures.zone != OVER_80 else 1,
            details=partial(_details, context, limit, figures),
        )
    return queued


def _details(context: EventContext, limit: Limit, figures: Progress) -> dict[str, Any]:
    return {
        "zone": figures.zone,
        "percent": figures.used_bps // 100,
        "spent": context.money(figures.spent_minor, limit.currency),
        "limit": context.money(limit.amount_minor, limit.currency),
        "over": context.money(max(0, -figures.remaining_minor), limit.currency),
        "per_day": (
            context.money(figures.per_day_left_minor, limit.currency)
            if figures.per_day_left_minor and figures.remaining_minor > 0
            else None
        ),
        "period_end": figures.period_end.isoformat() if figures.period_end else None,
    }
