"""The event-driven limit scenario: a threshold of the borrower's own limit was crossed.

Evaluated in the same transaction as the transactions that caused it, once per batch (not per
row). One message per limit, period and threshold (its dedupe key); when spending jumps past
several thresholds at once, only the highest is told.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from billbot.categorize.taxonomy import load_taxonomy
from billbot.limits.models import Limit, LimitScope
from billbot.limits.progress import Progress

if TYPE_CHECKING:
    from billbot.scenarios.events import EventContext

_SUBJECTS = {
    LimitScope.IDEAL_BILL: {"en": "monthly bill", "zh-CN": "每月账单"},
    LimitScope.CREDIT_CAP: {"en": "credit", "zh-CN": "信用额度"},
}


def _subject(scope: str, target: str | None, locale: str) -> str:
    if scope in _SUBJECTS:
        return _SUBJECTS[LimitScope(scope)][locale]
    taxonomy = load_taxonomy()
    if target and (taxonomy.is_category(target) or taxonomy.is_sub_category(target)):
        return taxonomy.label(target, locale)
    return target or ""


def evaluate(context: EventContext) -> int:
    """The limit-threshold messages for the borrower's limits, from the shared progress."""
    limits = context.limits
    if not limits:
        return 0
    progress = context.progress
    queued = 0
    for limit in limits:
        assert limit.id is not None
        figures, _ = progress[limit.id]
        if not figures.thresholds_crossed:
            continue
        threshold = figures.thresholds_crossed[-1]
        period = figures.period_start.isoformat() if figures.period_start else "cap"
        queued += context.tell(
            "limit_threshold",
            f"limit_threshold:{limit.id}:{period}:{threshold}",
            priority=2 if threshold >= 10_000 else 1,
            details=partial(_details, context, limit, figures),
        )
    return queued


def _details(context: EventContext, limit: Limit, figures: Progress) -> dict[str, Any]:
    per_day = figures.per_day_left_minor if figures.remaining_minor > 0 else None
    return {
        "percent": figures.used_bps // 100,
        "subject": _subject(limit.scope, limit.target, context.language),
        "spent": context.money(figures.spent_minor, limit.currency),
        "limit": context.money(limit.amount_minor, limit.currency),
        "period_end": figures.period_end.isoformat() if figures.period_end else None,
        "remaining_per_day": context.money(per_day, limit.currency) if per_day else None,
    }
