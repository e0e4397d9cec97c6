"""The weekly digest sweep: local send times across DST, once per week, contact policy."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.digests.models import DigestSubscription
from billbot.digests.subscriptions import latest_slot, next_slot
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.outbox.preferences import set_stopped
from billbot.scenarios.weekly_digest import sweep_weekly_digests
from billbot.scheduler import run_sweeps
from billbot.settings import Settings
from channels import FakeChannel, TransientError


def _digests(engine: Engine, user_id: int) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(
                col(OutboxMessage.user_id) == user_id,
                col(OutboxMessage.scenario) == "weekly_digest",
            )
            .order_by(col(OutboxMessage.id))
        ).all()
        return [m.dedupe_key.rsplit(":", 1)[1] for m in rows]


def _next(engine: Engine, user_id: int) -> datetime | None:
    with Session(engine) as session:
        sub = session.get(DigestSubscription, user_id)
        assert sub is not None
        return sub.next_send_at


def _at(clock: FrozenClock, engine: Engine, settings: Settings, when: datetime) -> None:
    clock.set(when)
    run_sweeps(engine, clock, settings)


@pytest.mark.parametrize(
    ("zone", "enrol_at", "moments"),
    [
        # Berlin: summer time starts Sunday 29 March 2026, ends Sunday 25 October 2026.
        (
            "Europe/Berlin",
            datetime(2026, 3, 20, 12, tzinfo=UTC),
            [
                (datetime(2026, 3, 23, 7, tzinfo=UTC), "2026-03-16"),  # 08:00 CET
                (datetime(2026, 3, 30, 6, tzinfo=UTC), "2026-03-23"),  # 08:00 CEST
            ],
        ),
        (
            "Europe/Berlin",
            datetime(2026, 10, 16, 12, tzinfo=UTC),
            [
                (datetime(2026, 10, 19, 6, tzinfo=UTC), "2026-10-12"),  # 08:00 CEST
                (datetime(2026, 10, 26, 7, tzinfo=UTC), "2026-10-19"),  # 08:00 CET
            ],
        ),
        # Sydney: summer time ends Sunday 5 April 2026, starts Sunday 4 October 2026. Monday
        # 08:00 there is Sunday evening in UTC.
        (
            "Australia/Sydney",
            datetime(2026, 3, 27, 12, tzinfo=UTC),
            [
                (datetime(2026, 3, 29, 21, tzinfo=UTC), "2026-03-23"),  # 08:00 AEDT
                (datetime(2026, 4, 5, 22, tzinfo=UTC), "2026-03-30"),  # 08:00 AEST
            ],
        ),
        (
            "Australia/Sydney",
            datetime(2026, 9, 25, 12, tzinfo=UTC),
            [
                (datetime(2026, 9, 27, 22, tzinfo=UTC), "2026-09-21"),  # 08:00 AEST
                (datetime(2026, 10, 4, 21, tzinfo=UTC), "2026-09-28"),  # 08:00 AEDT
            ],
        ),
    ],
)
def test_digest_goes_at_local_monday_8am_across_dst(
    engine: Engine,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
    zone: str,
    enrol_at: datetime,
    moments: list[tuple[datetime, str]],
) -> None:
    clock.set(enrol_at)
    user = make_user("ana@example.com", time_zone=zone)
    _at(clock, engine, settings, enrol_at)
    assert _next(engine, user.id) == moments[0][0]
    sent: list[str] = []
    for moment, week in moments:
        _at(clock, engine, settings, moment - timedelta(minutes=1))
        assert _digests(engine, user.id) == sent, "nothing before the local send time"
        _at(clock, engine, settings, moment)
        _at(clock, engine, settings, moment + timedelta(minutes=1))  # runs again: no second one
        sent.append(week)
        assert _digests(engine, user.id) == sent
    assert _next(engine, user.id) == next_slot(moments[-1][0], 0, "08:00", _zone(zone))


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_slots_in_a_dst_gap_and_overlap() -> None:
    berlin = _zone("Europe/Berlin")
    # 02:30 on 29 March does not exist in Berlin: it is taken as 03:30 CEST (01:30 UTC).
    gap = latest_slot(datetime(2026, 3, 29, 12, tzinfo=UTC), 6, "02:30", berlin)
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 on 25 October happens twice: the first time, still in summer time (00:30 UTC).
    overlap = latest_slot(datetime(2026, 10, 25, 12, tzinfo=UTC), 6, "02:30", berlin)
    assert overlap == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_restart_and_a_second_instance_queue_nothing_twice(
    engine: Engine, clock: FrozenClock, settings: Settings, make_user: Any
) -> None:
    user = make_user("ana@example.com", time_zone="Europe/Berlin")
    _at(clock, engine, settings, datetime(2026, 11, 13, 12, tzinfo=UTC))
    slot = datetime(2026, 11, 16, 7, tzinfo=UTC)
    _at(clock, engine, settings, slot + timedelta(hours=1))
    assert _digests(engine, user.id) == ["2026-11-09"]
    # Another instance that read the subscription before this one moved it on.
    with Session(engine) as session:
        session.execute(
            update(DigestSubscription)
            .where(col(DigestSubscription.user_id) == user.id)
            .values(next_send_at=slot)
        )
        assert sweep_weekly_digests(session, now=slot + timedelta(hours=1), settings=settings) == 0
        session.commit()
    _at(clock, engine, settings, slot + timedelta(hours=2))  # a restarted process
    assert _digests(engine, user.id) == ["2026-11-09"]
    # A sweep that was down over the send moment catches up once, for the right week.
    _at(clock, engine, settings, datetime(2026, 11, 24, 9, tzinfo=UTC))
    assert _digests(engine, user.id) == ["2026-11-09", "2026-11-16"]


def test_digest_passes_the_contact_policy(
    engine: Engine, clock: FrozenClock, settings: Settings, make_user: Any
) -> None:
    stopped = make_user("stop@example.com", time_zone="Europe/Berlin")
    active = make_user("go@example.com", time_zone="Europe/Berlin")
    _at(clock, engine, settings, datetime(2026, 11, 13, 12, tzinfo=UTC))
    with Session(engine) as session:
        set_stopped(session, user_id=stopped.id, stopped=True, now=clock.now())
        session.commit()
    _at(clock, engine, settings, datetime(2026, 11, 16, 7, tzinfo=UTC))
    email = FakeChannel()
    email.fail_next(TransientError("relay busy"))
    dispatcher = Dispatcher(engine, {"email": email}, clock)
    asyncio.run(dispatcher.run_once())
    with Session(engine) as session:
        rows = {
            m.user_id: m
            for m in session.exec(
                select(OutboxMessage).where(col(OutboxMessage.scenario) == "weekly_digest")
            ).all()
        }
    assert rows[stopped.id].status == "suppressed" and rows[stopped.id].reason == "stopped"
    assert rows[active.id].status == "pending" and rows[active.id].attempts == 1  # retried later
    clock.advance(timedelta(hours=2))
    asyncio.run(dispatcher.run_once())
    assert [m.recipient for m in email.sent] == ["go@example.com"]
    sent = email.sent[0]
    assert sent.html is not None and "<table" in sent.html and sent.subject
    assert sent.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_also_this_week_lists_folded_messages(
    engine: Engine, clock: FrozenClock, settings: Settings, make_user: Any
) -> None:
    user = make_user("ana@example.com", time_zone="Europe/Berlin")
    _at(clock, engine, settings, datetime(2026, 11, 13, 12, tzinfo=UTC))
    with Session(engine) as session:
        for n, (status, at) in enumerate(
            [
                ("folded", datetime(2026, 11, 12, 10, tzinfo=UTC)),
                ("folded", datetime(2026, 11, 1, 10, tzinfo=UTC)),  # an earlier week's
                ("sent", datetime(2026, 11, 12, 11, tzinfo=UTC)),
            ]
        ):
            session.add(
                OutboxMessage(
                    user_id=user.id,
                    dedupe_key=f"x:{n}",
                    scenario="statement_ready",
                    category="spending",
                    body=f"Statement {n} is ready.",
                    status=status,
                    not_before=at,
                    created_at=at,
                    updated_at=at,
                )
            )
        session.commit()
    _at(clock, engine, settings, datetime(2026, 11, 16, 7, tzinfo=UTC))
    with Session(engine) as session:
        digest = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.scenario) == "weekly_digest")
        ).one()
    assert "Also this week" in digest.body and "Statement 0 is ready." in digest.body
    assert "Statement 1" not in digest.body and "Statement 2" not in digest.body
    assert digest.html is not None and "Statement 0 is ready." in digest.html
    assert date(2026, 11, 9).isoformat() in digest.dedupe_key
