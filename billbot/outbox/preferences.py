"""A borrower's contact preferences: quiet hours, caps (lowering only), channel order, STOP."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from billbot.errors import ValidationFailed
from billbot.outbox.models import ContactPreferences
from billbot.reminders import DEFAULT_DAILY_CAP, DEFAULT_WEEKLY_CAP

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
KNOWN_CHANNELS = frozenset(
    {"telegram", "whatsapp", "messenger", "slack", "sms", "email", "webchat"}
)


def preferences(session: Session, *, user_id: int, now: datetime) -> ContactPreferences:
    """The stored preferences, or the defaults (stored on first change)."""
    stored = session.get(ContactPreferences, user_id)
    return stored if stored is not None else ContactPreferences(user_id=user_id, updated_at=now)


def update_preferences(
    session: Session, *, user_id: int, changes: dict[str, object], now: datetime
) -> ContactPreferences:
    """Apply the borrower's changes; caps can only be lowered from the defaults."""
    prefs = preferences(session, user_id=user_id, now=now)
    for name in ("quiet_start", "quiet_end"):
        if name in changes and not _CLOCK.match(str(changes[name])):
            raise ValidationFailed(f"{name} is a 24-hour time like 21:00", code="preferences.time")
    caps = {"daily_cap": DEFAULT_DAILY_CAP, "weekly_cap": DEFAULT_WEEKLY_CAP}
    for name, ceiling in caps.items():
        if name in changes:
            value = changes[name]
            if not isinstance(value, int) or not 0 <= value <= ceiling:
                raise ValidationFailed(
                    f"{name} can be lowered from {ceiling}, not raised", code="preferences.cap"
                )
    if "channel_order" in changes:
        order = list(changes["channel_order"])  # type: ignore[call-overload]
        unknown = sorted(set(order) - KNOWN_CHANNELS)
        if unknown:
            raise ValidationFailed(f"unknown channels {unknown}", code="preferences.channel")
        changes["channel_order"] = ",".join(order)
    if {"quiet_start", "quiet_end"} & set(changes):
        start = changes.get("quiet_start", prefs.quiet_start)
        end = changes.get("quiet_end", prefs.quiet_end)
        if start == end:
            raise ValidationFailed(
                "quiet hours need different start and end times", code="preferences.time"
            )
    for name, value in changes.items():
        setattr(prefs, name, value)
    prefs.updated_at = now
    session.add(prefs)
    session.flush()
    return prefs


def set_stopped(
    session: Session, *, user_id: int, stopped: bool, now: datetime
) -> ContactPreferences:
    """STOP (no messages anywhere but the confirmation) or START again."""
    prefs = preferences(session, user_id=user_id, now=now)
    prefs.stopped_at = now if stopped else None
    prefs.updated_at = now
    session.add(prefs)
    session.flush()
    return prefs
