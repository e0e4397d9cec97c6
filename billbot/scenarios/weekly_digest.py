"""The weekly digest sweep: each subscriber's digest at their own local send moment.

Subscriptions carry `next_send_at` (UTC, indexed), so a pass reads only the digests now due:
by default Monday 08:00 in the borrower's time zone, DST included. A due digest covers the last
complete week before its send day (weeks start where the borrower's locale starts them), its
report is generated in one batch with the others due for that week if not stored yet, and it is
queued once per (borrower, week) by its dedupe key: running the sweep again, after a restart or
on another instance, queues nothing twice. The outbox then takes it through the contact policy
(STOP, quiet hours) and retries a failed send. A borrower without a subscription row gets one
(subscribed, the defaults) the first time the sweep sees them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import exists
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from billbot.chat.models import ChatIdentity
from billbot.clock import local_date, zone
from billbot.digests.compose import build_digest
from billbot.digests.models import DigestSubscription
from billbot.digests.subscriptions import latest_slot, next_slot
from billbot.locales import language_of
from billbot.outbox.service import enqueue, queued_keys
from billbot.reports.models import WeeklyReport
from billbot.reports.weekly import as_text, generate, report_for, week_start_of
from billbot.settings import Settings
from billbot.users.models import User
from insights.weeks import week_bounds

SCENARIO = "weekly_digest"
# The short version for borrowers with a linked chat app (switchable as its own scenario).
CHAT_SCENARIO = "weekly_report"
_CHAT_HEAD = {"en": "Your weekly report is ready:", "zh-CN": "你的消费周报已生成："}
_CHAT_BUTTONS = {
    "en": (("menu:spending_week", "This week"), ("menu:left", "What's left")),
    "zh-CN": (("menu:spending_week", "本周消费"), ("menu:left", "限额剩余")),
}
BATCH = 500  # digests per pass; the rest are due still and go in the next pass
ENROL_BATCH = 5_000
# A digest not delivered within this long after its moment is dropped (the next one is coming).
STALE_AFTER = timedelta(days=2)


def digest_week(slot: datetime, *, time_zone: str, locale: str) -> date:
    """The first day of the last complete local week before the send moment `slot`."""
    start, _ = week_bounds(local_date(slot, zone(time_zone)), week_start_of(locale))
    return start - timedelta(days=7)


def dedupe_key(user_id: int, week_start: date) -> str:
    """One digest per borrower and week."""
    return f"{SCENARIO}:{user_id}:{week_start.isoformat()}"


def enrol_new_borrowers(session: Session, *, now: datetime) -> int:
    """Give borrowers without a subscription row the default one; returns how many."""
    has_row = exists().where(col(DigestSubscription.user_id) == col(User.id))
    users = session.exec(select(User).where(~has_row).limit(ENROL_BATCH)).all()
    if not users:
        return 0
    try:
        with session.begin_nested():
            for user in users:
                assert user.id is not None
                default = DigestSubscription(user_id=user.id, updated_at=now)
                default.next_send_at = next_slot(
                    now, default.send_day, default.send_time, zone(user.time_zone)
                )
                session.add(default)
            session.flush()
    except IntegrityError:  # another instance enrolled them meanwhile
        return 0
    return len(users)


def _due(session: Session, now: datetime) -> list[tuple[DigestSubscription, User]]:
    query = (
        select(DigestSubscription, User)
        .join(User, col(User.id) == col(DigestSubscription.user_id))
        .where(
            col(DigestSubscription.subscribed).is_(True),
            col(DigestSubscription.next_send_at) <= now,
        )
        .order_by(col(DigestSubscription.next_send_at))
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several sweepers share the due rows without waiting on each other.
        query = query.with_for_update(skip_locked=True, of=DigestSubscription)
    return [(sub, user) for sub, user in session.exec(query).all()]


def _generate_missing(session: Session, weeks: dict[date, list[User]], *, now: datetime) -> None:
    """Store the reports the due digests need, one batch per week, for those not stored yet."""
    for week_start, users in weeks.items():
        ids = [u.id for u in users if u.id is not None]
        stored = set(
            session.exec(
                select(WeeklyReport.user_id).where(
                    col(WeeklyReport.user_id).in_(ids), col(WeeklyReport.week_start) == week_start
                )
            ).all()
        )
        missing = [i for i in ids if i not in stored]
        if missing:
            generate(session, week_of=week_start, now=now, user_ids=missing)


def sweep_weekly_digests(session: Session, *, now: datetime, settings: Settings) -> int:
    """Queue every digest now due (at most `BATCH` a pass); returns how many were queued."""
    enrol_new_borrowers(session, now=now)
    due = _due(session, now)
    plans = []
    for sub, user in due:
        assert user.id is not None
        slot = latest_slot(now, sub.send_day, sub.send_time, zone(user.time_zone))
        week = digest_week(slot, time_zone=user.time_zone, locale=user.locale)
        plans.append((sub, user, slot, week, dedupe_key(user.id, week)))
    already = queued_keys(session, [plan[4] for plan in plans])
    weeks: dict[date, list[User]] = defaultdict(list)
    for _, user, _, week, key in plans:
        if key not in already:
            weeks[week].append(user)
    _generate_missing(session, weeks, now=now)
    chatting = _with_chat(session, [user.id for _, user, _, _, key in plans if key not in already])
    queued = 0
    for sub, user, slot, week, key in plans:
        assert user.id is not None
        tz = zone(user.time_zone)
        if key not in already:
            digest = build_digest(
                session,
                user=user,
                week_of=week,
                now=now,
                settings=settings,
                folded_between=(slot - timedelta(days=7), slot),
            )
            message = enqueue(
                session,
                user_id=user.id,
                scenario=SCENARIO,
                dedupe_key=key,
                category="digest",
                channel="email",
                subject=digest.subject,
                body=digest.text,
                html=digest.html,
                headers=digest.headers,
                now=now,
                expires_at=slot + STALE_AFTER,
            )
            queued += message is not None
            if user.id in chatting:
                _queue_chat_version(session, user=user, week=week, slot=slot, now=now)
        sub.next_send_at = next_slot(now, sub.send_day, sub.send_time, tz)
        sub.updated_at = now
        session.add(sub)
    session.flush()
    return queued


def _with_chat(session: Session, user_ids: list[int | None]) -> set[int]:
    """Those of these borrowers with a linked chat they have not opted out of."""
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return set()
    rows = session.exec(
        select(ChatIdentity.user_id).where(
            col(ChatIdentity.user_id).in_(ids), col(ChatIdentity.opted_out_at).is_(None)
        )
    ).all()
    return set(rows)


def _queue_chat_version(
    session: Session, *, user: User, week: date, slot: datetime, now: datetime
) -> None:
    """The report's short version for the borrower's chat app, once per week like the digest."""
    assert user.id is not None
    language = language_of(user.locale)
    report = report_for(session, user=user, week_of=week, now=now)
    enqueue(
        session,
        user_id=user.id,
        scenario=CHAT_SCENARIO,
        dedupe_key=f"{CHAT_SCENARIO}:{user.id}:{week.isoformat()}",
        category="digest",
        body=_CHAT_HEAD[language] + "\n" + as_text(report, user.locale),
        buttons=_CHAT_BUTTONS[language],
        now=now,
        expires_at=slot + STALE_AFTER,
    )
