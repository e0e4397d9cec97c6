"""The borrower's custom due date (自定义还款日): allowed days, a preview, the change."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from billbot.accounts.service import get_account
from billbot.clock import local_date, zone
from billbot.deps import ClockDep, CurrentUser, SessionDep, SettingsDep
from billbot.errors import ValidationFailed
from billbot.repayments import due_day
from billbot.repayments.models import DueDayChange

router = APIRouter(prefix="/v1/accounts", tags=["borrower: due date"])


class DueDayIn(BaseModel):
    """The day of the month the borrower wants their statements due on."""

    day: int = Field(ge=1, le=31, strict=True)


def _change(change: DueDayChange) -> dict[str, Any]:
    return {
        "from_rule": change.from_rule,
        "from_value": change.from_value,
        "to_day": change.to_day,
        "effective_from": change.effective_from,
        "changed_at": change.changed_at,
    }


@router.get("/{account_id}/due-date")
def due_date(
    account_id: int, user: CurrentUser, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> dict[str, Any]:
    """The account's due rule, the days it may move to, when it may next change, its history."""
    assert user.id is not None
    account = get_account(session, user_id=user.id, account_id=account_id)
    rules = due_day.DueDayRules.from_settings(settings)
    today = local_date(clock.now(), zone(user.time_zone))
    possible = due_day.next_change_possible(session, account, rules, time_zone=user.time_zone)
    return {
        "account_id": account_id,
        "due_rule": account.due_rule,
        "due_value": account.due_value,
        "allowed_days": due_day.allowed_days(account, rules, today=today),
        "change_every_months": rules.change_months,
        "possible_from": possible if possible is not None and possible > today else None,
        "history": [_change(c) for c in due_day.due_day_history(session, account_id=account_id)],
    }


@router.get("/{account_id}/due-date/preview")
def preview(
    account_id: int,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    day: Annotated[int | None, Query(ge=1, le=31)] = None,
) -> dict[str, Any]:
    """How the next statements' due dates and interest-free days change if due on `day`."""
    assert user.id is not None
    if day is None:
        get_account(session, user_id=user.id, account_id=account_id)
        raise ValidationFailed("choose a day to preview: ?day=N", code="due_day.missing")
    result = due_day.preview_due_day(
        session,
        user=user,
        account_id=account_id,
        day=day,
        rules=due_day.DueDayRules.from_settings(settings),
        now=clock.now(),
    )
    return asdict(result)


@router.post("/{account_id}/due-date")
def change(
    account_id: int,
    body: DueDayIn,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Confirm the new due day; it applies from the next cycle, and is kept in the history."""
    made = due_day.change_due_day(
        session,
        user=user,
        account_id=account_id,
        day=body.day,
        rules=due_day.DueDayRules.from_settings(settings),
        now=clock.now(),
    )
    return {"account_id": account_id, **_change(made)}
