"""The borrower's weekly reports (消费周报)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter

from billbot.clock import local_date, zone
from billbot.deps import ClockDep, CurrentUser, SessionDep
from billbot.errors import ValidationFailed
from billbot.reports import weekly

router = APIRouter(prefix="/v1/reports/weekly", tags=["borrower: reports"])


@router.get("")
def list_weekly(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """The stored weekly reports, newest first (week and when it was made)."""
    assert user.id is not None
    return [
        {"week_start": r.week_start, "week_end": r.week_end, "generated_at": r.generated_at}
        for r in weekly.list_reports(session, user_id=user.id)
    ]


@router.get("/{week}")
def get_weekly(
    week: str, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """One week's report: `2026-W44`, or `last` for the last complete week."""
    now = clock.now()
    if week == "last":
        day = local_date(now, zone(user.time_zone)) - timedelta(days=7)
    else:
        try:
            day = weekly.parse_week(week)
        except ValueError as exc:
            raise ValidationFailed(str(exc), code="report.week") from exc
    return weekly.report_for(session, user=user, week_of=day, now=now)
