"""A borrower's per-scenario choices: switch a scenario off or on, snooze it, tune its settings.

The dispatcher reads them through `billbot.outbox.contacts.load_contacts`: a switched-off
scenario's messages are suppressed (reason `scenario_off`, kept in the history); a snoozed
scenario's messages are deferred until the snooze ends. STOP stays the one global switch.
Switching off a scenario that protects a repayment is the borrower's choice, so it is allowed,
but the answer says what they will miss.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from billbot.errors import ConflictError, NotFoundError, ValidationFailed
from billbot.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from billbot.outbox.service import enqueue
from billbot.scenarios.models import ScenarioSetting
from billbot.scenarios.registry import SCENARIOS, Scenario, get_scenario, is_scenario

MAX_SNOOZE = timedelta(days=90)
_SNOOZABLE = (OutboxStatus.PENDING, OutboxStatus.DEFERRED)
_ALREADY_OUT = (OutboxStatus.SENT, OutboxStatus.FOLDED)


@dataclass(frozen=True)
class ScenarioState:
    """One scenario as one borrower has it: on or off, snoozed until when, its settings."""

    scenario: Scenario
    enabled: bool
    snoozed_until: datetime | None
    settings: dict[str, Any]

    def public(self, locale: str) -> dict[str, Any]:
        """The state as the API shows it, in the borrower's language."""
        language = locale if locale in ("en", "zh-CN") else "en"
        scenario = self.scenario
        if_off = scenario.if_off.get(language) if scenario.if_off else None
        return {
            "name": scenario.name,
            "category": scenario.category,
            "description": scenario.description.get(language) or scenario.description["en"],
            "enabled": self.enabled,
            "snoozed_until": self.snoozed_until,
            "settings": self.settings,
            "setting_definitions": [s.public(language) for s in scenario.settings],
            "repayment_critical": scenario.repayment_critical,
            "if_switched_off": if_off,
            "warning": if_off if not self.enabled else None,
        }


def _overrides(row: ScenarioSetting | None) -> dict[str, Any]:
    if row is None:
        return {}
    value = json.loads(row.settings or "{}")
    return value if isinstance(value, dict) else {}


def _state(scenario: Scenario, row: ScenarioSetting | None, now: datetime) -> ScenarioState:
    snoozed = row.snoozed_until if row is not None else None
    return ScenarioState(
        scenario=scenario,
        enabled=row.enabled if row is not None else True,
        snoozed_until=snoozed if snoozed is not None and snoozed > now else None,
        settings=scenario.effective(_overrides(row)),
    )


def _row(session: Session, user_id: int, name: str, now: datetime) -> ScenarioSetting:
    stored = session.get(ScenarioSetting, (user_id, name))
    if stored is not None:
        return stored
    return ScenarioSetting(user_id=user_id, scenario=name, updated_at=now)


def _save(session: Session, row: ScenarioSetting, now: datetime) -> None:
    row.updated_at = now
    session.add(row)
    session.flush()


def _check_until(until: datetime, now: datetime) -> None:
    if until.tzinfo is None or until.utcoffset() is None:
        raise ValidationFailed("until must carry a time zone offset", code="scenario.snooze")
    if until <= now:
        raise ValidationFailed("a snooze must end in the future", code="scenario.snooze")
    if until - now > MAX_SNOOZE:
        raise ValidationFailed(
            f"a snooze lasts at most {MAX_SNOOZE.days} days; switch the scenario off instead",
            code="scenario.snooze",
        )


def scenario_states(session: Session, *, user_id: int, now: datetime) -> list[ScenarioState]:
    """Every scenario as the borrower has it (defaults where they changed nothing)."""
    rows = {
        r.scenario: r
        for r in session.exec(
            select(ScenarioSetting).where(col(ScenarioSetting.user_id) == user_id)
        ).all()
    }
    return [_state(s, rows.get(s.name), now) for s in SCENARIOS]


def scenario_state(
    session: Session, *, user_id: int, scenario: str, now: datetime
) -> ScenarioState:
    """One scenario as the borrower has it; an unknown name is not found."""
    definition = get_scenario(scenario)
    return _state(definition, session.get(ScenarioSetting, (user_id, scenario)), now)


def set_enabled(
    session: Session, *, user_id: int, scenario: str, enabled: bool, now: datetime
) -> ScenarioState:
    """Switch a scenario on or off for the borrower (the state says what switching off misses)."""
    definition = get_scenario(scenario)
    row = _row(session, user_id, scenario, now)
    row.enabled = enabled
    _save(session, row, now)
    return _state(definition, row, now)


def update_settings(
    session: Session, *, user_id: int, scenario: str, settings: Mapping[str, Any], now: datetime
) -> ScenarioState:
    """Change some of a scenario's settings; `None` on a nullable one clears it to unset."""
    definition = get_scenario(scenario)
    checked = definition.validate(settings)
    row = _row(session, user_id, scenario, now)
    overrides = _overrides(row)
    overrides.update(checked)
    # Values equal to the default are not kept, so a later change of default reaches them.
    defaults = definition.defaults()
    kept = {k: v for k, v in overrides.items() if defaults.get(k, object()) != v}
    row.settings = json.dumps(kept, sort_keys=True)
    _save(session, row, now)
    return _state(definition, row, now)


def snooze(
    session: Session, *, user_id: int, scenario: str, until: datetime, now: datetime
) -> None:
    """Hold the scenario's messages to the borrower until `until` (deferred, never dropped)."""
    get_scenario(scenario)
    _check_until(until, now)
    row = _row(session, user_id, scenario, now)
    row.snoozed_until = until
    _save(session, row, now)


def end_snooze(session: Session, *, user_id: int, scenario: str, now: datetime) -> ScenarioState:
    """Let the scenario's messages go again at once."""
    definition = get_scenario(scenario)
    row = _row(session, user_id, scenario, now)
    row.snoozed_until = None
    _save(session, row, now)
    return _state(definition, row, now)


def snooze_message(
    session: Session, *, user_id: int, message_id: int, until: datetime, now: datetime
) -> OutboxMessage:
    """Remind the borrower of this message at `until`, and snooze its scenario until then.

    A message not sent yet is deferred to `until`; one already sent (or folded into a digest) is
    queued again for `until`, since "remind me later" asks to hear it again. Returns the message
    that will go at `until`. Another borrower's message is not found.
    """
    message = session.get(OutboxMessage, message_id)
    if message is None or message.user_id != user_id:
        raise NotFoundError("no such message", code="message.not_found")
    _check_until(until, now)
    if message.status in _SNOOZABLE:
        message.status, message.not_before = OutboxStatus.DEFERRED.value, until
        if message.expires_at is not None and message.expires_at <= until:
            message.expires_at = until + (message.expires_at - message.created_at)
        message.reason, message.explanation = "snoozed", "Held back: you snoozed this message."
        message.updated_at = now
        session.add(message)
        session.flush()
        assert message.id is not None
        session.add(
            OutboxAttempt(
                message_id=message.id,
                at=now,
                outcome=OutboxStatus.DEFERRED.value,
                detail="snoozed by the borrower",
                retry_at=until,
            )
        )
        target = message
    elif message.status in _ALREADY_OUT:
        target = _remind_again(session, message, until, now)
    elif message.status == OutboxStatus.SENDING:
        raise ConflictError("this message is being sent right now", code="message.sending")
    else:
        raise ConflictError(
            f"a {message.status} message cannot be snoozed", code="message.not_snoozable"
        )
    if is_scenario(message.scenario):
        snooze(session, user_id=user_id, scenario=message.scenario, until=until, now=now)
    session.flush()
    return target


def _remind_again(
    session: Session, message: OutboxMessage, until: datetime, now: datetime
) -> OutboxMessage:
    """A copy of a message that already went out, queued for `until` (once per snooze end)."""
    key = f"{message.dedupe_key}:again:{until.strftime('%Y%m%dT%H%M')}"
    lifetime = (message.expires_at - message.created_at) if message.expires_at else None
    buttons = [(b["id"], b["title"]) for b in json.loads(message.buttons)]
    copy = enqueue(
        session,
        user_id=message.user_id,
        scenario=message.scenario,
        dedupe_key=key[-255:],
        category=message.category,
        body=message.body,
        now=now,
        priority=message.priority,
        foldable=message.foldable,
        debt_key=message.debt_key,
        subject=message.subject,
        buttons=buttons,
        not_before=until,
        expires_at=until + lifetime if lifetime is not None else None,
    )
    if copy is None:
        raise ConflictError("this message is already snoozed until then", code="message.snoozed")
    return copy


def switches_for(
    session: Session, user_ids: Collection[int], now: datetime
) -> dict[int, tuple[frozenset[str], dict[str, datetime]]]:
    """Per borrower: the scenarios switched off, and the snoozes still running (one query)."""
    off: dict[int, set[str]] = defaultdict(set)
    snoozes: dict[int, dict[str, datetime]] = defaultdict(dict)
    rows = session.exec(
        select(ScenarioSetting).where(
            col(ScenarioSetting.user_id).in_(sorted(set(user_ids))),
            ~col(ScenarioSetting.enabled) | (col(ScenarioSetting.snoozed_until) > now),
        )
    ).all()
    for row in rows:
        if not row.enabled:
            off[row.user_id].add(row.scenario)
        if row.snoozed_until is not None and row.snoozed_until > now:
            snoozes[row.user_id][row.scenario] = row.snoozed_until
    return {uid: (frozenset(off.get(uid, ())), snoozes.get(uid, {})) for uid in set(user_ids)}


def settings_for(
    session: Session, user_ids: Collection[int], scenario: str
) -> dict[int, dict[str, Any]]:
    """Each borrower's effective settings of `scenario` (defaults where unchanged; one query)."""
    definition = get_scenario(scenario)
    ids = sorted(set(user_ids))
    stored = {
        row.user_id: row
        for row in session.exec(
            select(ScenarioSetting).where(
                col(ScenarioSetting.user_id).in_(ids), col(ScenarioSetting.scenario) == scenario
            )
        ).all()
    }
    return {uid: definition.effective(_overrides(stored.get(uid))) for uid in ids}
