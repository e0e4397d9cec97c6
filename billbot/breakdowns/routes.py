"""Where the money went: spending breakdowns by category, sub-category and merchant."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from billbot.breakdowns.service import Period, breakdown_for
from billbot.clock import local_date, zone
from billbot.deps import ClockDep, CurrentUser, SessionDep

router = APIRouter(prefix="/v1/breakdowns", tags=["borrower: breakdowns"])


@router.get("")
def get_breakdown(
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")] = None,
    statement_id: int | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    top_merchants: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    """Spending for a month (default: this one), a statement or a date range, vs the one before."""
    period = Period(month=month, statement_id=statement_id, date_from=date_from, date_to=date_to)
    today = local_date(clock.now(), zone(user.time_zone))
    return breakdown_for(
        session, user=user, period=period, today=today, top_merchants=top_merchants
    )
