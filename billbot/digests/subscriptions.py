"""Who gets the weekly digest and when: subscribe, unsubscribe, the next local send moment."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from billbot.clock import local_date, zone
from billbot.digests.models import DEFAULT_SEND_DAY, DEFAULT_SEND_TIME, DigestSubscription
from billbot.errors import NotFoundError, ValidationFailed
from billbot.users.models import User
from insights.weeks import week_bounds

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def send_moment(day: date, send_time: str, tz: ZoneInfo) -> datetime:
    """The UTC instant of `send_time` on the local `day`.

    A wall time skipped by a DST change (02:30 on a spring-forward night) becomes the same
    distance after the change; a repeated one (autumn) is taken the first time round.
    """
    hours, minutes = (int(part) for part in send_time.split(":"))
    local = datetime.combine(day, time(hours, minutes), tzinfo=tz)
    return local.astimezone(UTC)


def latest_slot(now: datetime, send_day: int, send_time: str, tz: ZoneInfo) -> datetime:
    """The most recent scheduled send instant at or before `now`."""
    day, _ = week_bounds(local_date(now, tz), send_day)
    moment = send_moment(day, send_time, tz)
    if moment > now:
        moment = send_moment(day - timedelta(days=7), send_time, tz)
    return moment


def next_slot(after: datetime, send_day: int, send_time: str, tz: ZoneInfo) -> datetime:
    """The first scheduled send instant strictly after `after`."""
    day = local_date(latest_slot(after, send_day, send_time, tz), tz)
    return send_moment(day + timedelta(days=7), send_time, tz)


def subscription(session: Session, *, user: User, now: datetime) -> DigestSubscription:
    """The borrower's stored subscription, or the default one (subscribed, Monday 08:00)."""
    assert user.id is not None
    stored = session.get(DigestSubscription, user.id)
    if stored is not None:
        return stored
    return DigestSubscription(
        user_id=user.id,
        send_day=DEFAULT_SEND_DAY,
        send_time=DEFAULT_SEND_TIME,
        next_send_at=next_slot(now, DEFAULT_SEND_DAY, DEFAULT_SEND_TIME, zone(user.time_zone)),
        updated_at=now,
    )


def update_subscription(
    session: Session,
    *,
    user: User,
    now: datetime,
    subscribed: bool | None = None,
    send_day: int | None = None,
    send_time: str | None = None,
    via: str = "app",
) -> DigestSubscription:
    """Subscribe, unsubscribe or move the send moment; the next send is worked out again."""
    if send_day is not None and (isinstance(send_day, bool) or not 0 <= send_day <= 6):
        raise ValidationFailed("send_day is 0 (Monday) to 6 (Sunday)", code="digest.send_day")
    if send_time is not None and not _CLOCK.match(send_time):
        raise ValidationFailed("send_time is a 24-hour time like 08:00", code="digest.send_time")
    stored = subscription(session, user=user, now=now)
    if subscribed is not None and subscribed != stored.subscribed:
        stored.subscribed = subscribed
        stored.unsubscribed_at = None if subscribed else now
        stored.unsubscribed_via = None if subscribed else via
    if send_day is not None:
        stored.send_day = send_day
    if send_time is not None:
        stored.send_time = send_time
    stored.next_send_at = next_slot(now, stored.send_day, stored.send_time, zone(user.time_zone))
    stored.updated_at = now
    session.add(stored)
    session.flush()
    return stored


def unsubscribe(session: Session, *, user_id: int, now: datetime, via: str) -> DigestSubscription:
    """Stop the weekly digest only (every other message still flows); idempotent."""
    user = session.get(User, user_id)
    if user is None:
        # A genuine token for an erased borrower: nothing is left to unsubscribe.
        raise NotFoundError("there is no longer an account behind this link", code="digest.gone")
    return update_subscription(session, user=user, now=now, subscribed=False, via=via)


def as_public(sub: DigestSubscription) -> dict[str, object]:
    """What the borrower sees of their subscription."""
    return {
        "subscribed": sub.subscribed,
        "send_day": sub.send_day,
        "send_time": sub.send_time,
        "next_send_at": sub.next_send_at if sub.subscribed else None,
        "unsubscribed_at": sub.unsubscribed_at,
        "unsubscribed_via": sub.unsubscribed_via,
    }
