"""The borrower's reminder scenarios: list, switch on or off, tune, snooze; snooze one message."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from billbot.deps import ClockDep, CurrentUser, SessionDep
from billbot.errors import ValidationFailed
from billbot.scenarios.preferences import (
    end_snooze,
    scenario_state,
    scenario_states,
    set_enabled,
    snooze,
    snooze_message,
    update_settings,
)

router = APIRouter(prefix="/v1", tags=["borrower: contact"])


class ScenarioUpdate(BaseModel):
    enabled: bool | None = None
    settings: dict[str, Any] | None = Field(
        default=None, description="some of the scenario's settings; null clears a nullable one"
    )


class SnoozeRequest(BaseModel):
    until: datetime | None = Field(default=None, description="with a time zone offset")
    hours: int | None = Field(default=None, ge=1, le=24 * 90)


def _until(body: SnoozeRequest, now: datetime) -> datetime:
    if (body.until is None) == (body.hours is None):
        raise ValidationFailed("give either until or hours", code="scenario.snooze")
    return body.until if body.until is not None else now + timedelta(hours=body.hours or 0)


@router.get("/scenarios")
def list_scenarios(user: CurrentUser, session: SessionDep, clock: ClockDep) -> list[dict[str, Any]]:
    """Every reminder scenario: on or off, snoozed until when, its settings."""
    assert user.id is not None
    states = scenario_states(session, user_id=user.id, now=clock.now())
    return [state.public(user.locale) for state in states]


@router.put("/scenarios/{scenario}")
def change_scenario(
    scenario: str, body: ScenarioUpdate, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Switch a scenario on or off and change its settings (repayment ones say what you'd miss)."""
    assert user.id is not None
    now = clock.now()
    state = scenario_state(session, user_id=user.id, scenario=scenario, now=now)
    if body.settings:
        state = update_settings(
            session, user_id=user.id, scenario=scenario, settings=body.settings, now=now
        )
    if body.enabled is not None:
        state = set_enabled(
            session, user_id=user.id, scenario=scenario, enabled=body.enabled, now=now
        )
    return state.public(user.locale)


@router.post("/scenarios/{scenario}/snooze")
def snooze_scenario(
    scenario: str, body: SnoozeRequest, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Hold a scenario's messages until a moment (or for some hours); they come after."""
    assert user.id is not None
    now = clock.now()
    snooze(session, user_id=user.id, scenario=scenario, until=_until(body, now), now=now)
    return scenario_state(session, user_id=user.id, scenario=scenario, now=now).public(user.locale)


@router.delete("/scenarios/{scenario}/snooze")
def unsnooze_scenario(
    scenario: str, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """End a scenario's snooze now."""
    assert user.id is not None
    state = end_snooze(session, user_id=user.id, scenario=scenario, now=clock.now())
    return state.public(user.locale)


@router.post("/messages/{message_id}/snooze")
def snooze_one_message(
    message_id: int, body: SnoozeRequest, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Remind me of this message later; its scenario is snoozed until then too."""
    assert user.id is not None
    now = clock.now()
    message = snooze_message(
        session, user_id=user.id, message_id=message_id, until=_until(body, now), now=now
    )
    return {
        "id": message.id,
        "scenario": message.scenario,
        "status": message.status,
        "next_attempt_at": message.not_before,
    }
