"""A year through the whole stack on an injected clock, for borrowers in ten time zones.

Purchases and repayments are ingested through the real ingest path (event scenarios fire in the
same transaction), `run_sweeps` closes statements and queues the time-driven reminders, and the
real dispatcher sends through a fake channel, hour after hour from January to December (DST
starts and ends on both hemispheres; Tonga at UTC+13 and Honolulu at UTC-10 are a day apart).
The checks recount everything from the stored outbox, in each borrower's local time: nothing
sent in quiet hours, no cap exceeded, every deferred message delivered later or folded, none lost.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from billbot.accounts.models import Account
from billbot.clock import FrozenClock
from billbot.digests.models import DigestSubscription
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxAttempt, OutboxMessage
from billbot.scheduler import run_sweeps
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.wiring import after_ingest_hook, categoriser_hook
from channels import FakeChannel

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=60)  # ingest and dispatch every hour
SWEEP_EVERY = 4  # steps: the sweeps run every four hours
SETTLE = timedelta(days=14)  # after the year: no new events, the dispatcher keeps running

# (zone, how the borrower repays): DST in the north and the south, none, and the +13/-10 pair.
BORROWERS = (
    ("Europe/London", "in_full"),
    ("America/New_York", "minimum"),
    ("Australia/Sydney", "never"),
    ("America/Sao_Paulo", "late"),
    ("Pacific/Tongatapu", "never"),
    ("Pacific/Honolulu", "late"),
    ("Pacific/Auckland", "minimum"),
    ("America/Santiago", "in_full"),
    ("America/Los_Angeles", "never"),
    ("Asia/Shanghai", "minimum"),
)
MERCHANTS = (
    ("MEITUAN DELIVERY", 3_500),
    ("STARBUCKS", 2_800),
    ("AMAZON MARKETPLACE", 12_000),
    ("APPLE.COM/BILL", 999),
    ("SHELL OIL", 6_000),
    ("IKEA", 48_000),
)
QUIET_START, QUIET_END = time(21, 0), time(8, 0)
NUDGES = {"repayment", "spending"}


def _events(
    user: Any, account: Account, behaviour: str, rng: random.Random
) -> Iterator[tuple[datetime, NewTransaction]]:
    """Purchases at any local hour (late nights and bursts included) and repayments."""
    tz = ZoneInfo(user.time_zone)
    day = START.astimezone(tz).date()
    n = 0
    while day < END.astimezone(tz).date():
        for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 1, 3))):  # now and then a burst of buys
            hour = rng.choice((1, 2, 9, 12, 13, 18, 20, 22, 23))
            at = datetime.combine(day, time(hour, rng.randrange(60)), tz).astimezone(UTC)
            merchant, amount = rng.choice(MERCHANTS)
            n += 1
            yield (
                at,
                NewTransaction(
                    external_id=f"{user.id}-{n}",
                    amount_minor=amount + rng.randrange(1_000),
                    description=merchant,
                    posted_at=at,
                ),
            )
        if day.day == 20 and behaviour != "never":
            # The statement due on the 25th: paid in full before it, the minimum, or late.
            when = day + timedelta(days=10 if behaviour == "late" else 3)
            at = datetime.combine(when, time(10), tz).astimezone(UTC)
            amount = 200_000 if behaviour in ("in_full", "late") else 8_000
            n += 1
            yield (
                at,
                NewTransaction(
                    external_id=f"{user.id}-{n}",
                    amount_minor=-amount,
                    kind="repayment",
                    posted_at=at,
                ),
            )
        day += timedelta(days=1)


def _local(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


def _in_quiet_hours(at: datetime, zone: str) -> bool:
    wall = _local(at, zone).time()
    return wall >= QUIET_START or wall < QUIET_END


def _rolling_max(moments: list[datetime], window: timedelta) -> int:
    """The most moments in any window (t - window, t]."""
    inside: deque[datetime] = deque()
    most = 0
    for at in sorted(moments):
        inside.append(at)
        while inside[0] <= at - window:
            inside.popleft()
        most = max(most, len(inside))
    return most


@pytest.fixture
def year(
    engine: Engine,
    clock: FrozenClock,
    make_user: Callable[..., Any],
    make_account: Callable[..., Any],
) -> dict[int, str]:
    """Run the year; returns each borrower's id → time zone."""
    rng = random.Random(2026)
    clock.set(START - timedelta(days=40))
    zones: dict[int, str] = {}
    timeline: list[tuple[datetime, int, NewTransaction]] = []
    accounts: dict[int, Account] = {}
    for index, (zone, behaviour) in enumerate(BORROWERS):
        user = make_user(f"b{index}@example.com", time_zone=zone, currency="USD")
        account = make_account(
            user.id,
            closing_day=5,
            due_rule="fixed_day",
            due_value=25,
            credit_limit_minor=1_000_000,
        )
        zones[user.id], accounts[user.id] = zone, account
        if index:  # one borrower (London) keeps the weekly digest; its reports cost time
            with Session(engine) as session:
                session.add(
                    DigestSubscription(user_id=user.id, subscribed=False, updated_at=clock.now())
                )
                session.commit()
        timeline += [(at, user.id, tx) for at, tx in _events(user, account, behaviour, rng)]
    timeline.sort(key=lambda item: item[0])
    fake = FakeChannel()
    dispatcher = Dispatcher(engine, {"fake": fake}, clock, batch=200)
    categorise, after_store = categoriser_hook(), after_ingest_hook()
    loop = asyncio.new_event_loop()
    pending = deque(timeline)
    clock.set(START)
    step = 0
    try:
        while clock.now() < END + SETTLE:
            now = clock.now()
            due: dict[int, list[NewTransaction]] = defaultdict(list)
            while pending and pending[0][0] <= now:
                _, user_id, tx = pending.popleft()
                due[user_id].append(tx)
            if due:
                with Session(engine, expire_on_commit=False) as session:
                    for user_id, items in due.items():
                        ingest(
                            session,
                            account=accounts[user_id],
                            time_zone=zones[user_id],
                            items=items,
                            now=now,
                            categorise=categorise,
                            after_store=after_store,
                        )
                    session.commit()
            if now < END and step % SWEEP_EVERY == 0:
                run_sweeps(engine, clock)
            if next_due(engine) <= now:  # a pass with nothing due would claim nothing
                while loop.run_until_complete(dispatcher.run_once()).claimed:
                    pass
            clock.advance(STEP)
            step += 1
    finally:
        loop.close()
    return zones


def next_due(engine: Engine) -> datetime:
    """The earliest moment a queued message may go (far in the future when none is queued)."""
    with Session(engine) as session:
        first = session.exec(
            select(func.min(OutboxMessage.not_before)).where(
                col(OutboxMessage.status).in_(["pending", "deferred"])
            )
        ).one()
    if first is None:
        return datetime.max.replace(tzinfo=UTC)
    return first if first.tzinfo else first.replace(tzinfo=UTC)


def _messages(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def test_a_year_in_ten_time_zones(engine: Engine, year: dict[int, str]) -> None:
    messages = _messages(engine)
    sent = [m for m in messages if m.status == "sent"]
    with Session(engine) as session:
        attempts = list(session.exec(select(OutboxAttempt)).all())
    deferrals: dict[int, list[OutboxAttempt]] = defaultdict(list)
    for attempt in attempts:
        if attempt.outcome == "deferred":
            deferrals[attempt.message_id].append(attempt)

    # The year was eventful: every borrower heard from us, reminders and event scenarios alike.
    assert {m.user_id for m in sent} == set(year)
    scenarios = Counter(m.scenario for m in sent)
    assert {"statement_ready", "due_soon", "overdue", "late_night"} <= set(scenarios), scenarios
    assert len(sent) > 400, scenarios

    # Zero messages inside quiet hours, in each borrower's own local time, all year (DST too).
    for message in sent:
        assert message.sent_at is not None
        zone = year[message.user_id]
        assert not _in_quiet_hours(message.sent_at, zone), (
            f"{message.scenario} sent at {_local(message.sent_at, zone)} in {zone}"
        )

    # No cap ever exceeded: 3 nudges a local day, 10 in any rolling week, 7 per debt per 7 days.
    nudges: dict[int, list[datetime]] = defaultdict(list)
    per_debt: dict[str, list[datetime]] = defaultdict(list)
    for message in sent:
        assert message.sent_at is not None
        if message.category in NUDGES:
            nudges[message.user_id].append(message.sent_at)
        if message.category == "repayment" and message.debt_key:
            per_debt[message.debt_key].append(message.sent_at)
    busiest_day = 0
    for user_id, moments in nudges.items():
        per_day = Counter(_local(at, year[user_id]).date() for at in moments)
        busiest_day = max(busiest_day, *per_day.values())
        assert max(per_day.values()) <= 3
        assert _rolling_max(moments, timedelta(days=7)) <= 10
    for moments in per_debt.values():
        assert _rolling_max(moments, timedelta(days=7)) <= 7
    assert busiest_day == 3  # the daily cap was reached, not merely never approached

    # The gate held messages back: to 08:00 local (quiet hours) on both hemispheres, through
    # their DST changes, and in the daytime to another day (a cap was full).
    user_of = {m.id: m.user_id for m in messages}
    eight_am: set[str] = set()
    capped = 0
    for message_id, held in deferrals.items():
        zone = year[user_of[message_id]]
        for attempt in held:
            assert attempt.retry_at is not None
            decided, until = _local(attempt.at, zone), _local(attempt.retry_at, zone)
            eight_am |= {zone} if until.time() == QUIET_END else set()
            capped += not _in_quiet_hours(attempt.at, zone) and until.date() > decided.date()
    assert {"Europe/London", "Australia/Sydney", "Pacific/Tongatapu", "Pacific/Honolulu"} <= (
        eight_am
    )
    assert capped > 0

    # None lost: every message ended sent, folded or suppressed with its reason; every deferred
    # one was delivered after its deferral or folded (or, expired meanwhile, suppressed so).
    statuses = Counter(m.status for m in messages)
    assert set(statuses) <= {"sent", "folded", "suppressed"}, statuses
    for message in messages:
        assert message.status == "sent" or message.reason, message
        holds = deferrals.get(message.id or 0, [])
        if not holds:
            continue
        if message.status == "sent":
            assert message.sent_at is not None
            assert message.sent_at >= max(a.retry_at for a in holds if a.retry_at)
        elif message.status == "suppressed":
            assert message.reason in {"expired", "would_expire", "no_channel"}, message.reason
