"""Sending rates: the limiter's slots on an injected clock, and the dispatcher holding them."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.chat.models import ChatIdentity
from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxAttempt, OutboxMessage
from billbot.outbox.rate_limits import Bucket, RateLimiter, Slot
from billbot.outbox.service import enqueue
from channels import ButtonLimits, Capabilities, FakeChannel, FakeSettings, RateLimits, Template
from channels.errors import RateLimited

NOON_SHANGHAI = datetime(2026, 11, 16, 4, 0, tzinfo=UTC)


class FakeTime:
    """A monotonic clock moved by hand (and, if `advance`, by each sleep); sleeps are recorded."""

    def __init__(self, *, advance: bool = False) -> None:
        self.now = 1000.0
        self.advance = advance
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.advance:
            self.now += seconds


def _channel(
    per_chat: float | None = None, global_: float | None = None, **caps: Any
) -> FakeChannel:
    capabilities = Capabilities(
        max_text_length=1000,
        buttons=ButtonLimits(max_count=3, max_title_length=20),
        rate_limits=RateLimits(per_chat=per_chat, global_=global_),
        **caps,
    )
    return FakeChannel(FakeSettings(capabilities=capabilities))


def _delay(slot: Slot | float) -> float:
    assert isinstance(slot, Slot), f"refused: would wait {slot} s"
    return slot.delay


def _limiter(time: FakeTime, **channels: FakeChannel) -> RateLimiter:
    return RateLimiter(channels, clock=time, sleep=time.sleep)


def test_overall_rate_spaces_messages_evenly() -> None:
    time = FakeTime()
    limiter = _limiter(time, fake=_channel(global_=10.0))
    delays = [_delay(limiter.reserve("fake", f"chat{i}", horizon=10.0)) for i in range(5)]
    assert delays == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_a_fast_channel_allows_a_small_burst_then_its_rate() -> None:
    time = FakeTime()
    limiter = _limiter(time, fake=_channel(global_=1000.0))  # burst of 20 ms worth: 20 messages
    slots = [limiter.reserve("fake", str(i), horizon=10.0) for i in range(21)]
    assert all(isinstance(s, Slot) and s.delay == 0.0 for s in slots[:20])
    assert _delay(slots[20]) == pytest.approx(0.001)


def test_per_chat_rate_applies_to_each_recipient_alone() -> None:
    time = FakeTime()
    limiter = _limiter(time, fake=_channel(per_chat=1.0, global_=30.0))
    assert _delay(limiter.reserve("fake", "ana", horizon=5.0)) == 0.0
    assert _delay(limiter.reserve("fake", "ben", horizon=5.0)) == pytest.approx(1 / 30)
    assert _delay(limiter.reserve("fake", "ana", horizon=5.0)) == pytest.approx(1.0)


def test_a_slot_beyond_the_horizon_is_refused_and_costs_nothing() -> None:
    time = FakeTime()
    limiter = _limiter(time, fake=_channel(per_chat=0.5))
    assert _delay(limiter.reserve("fake", "ana", horizon=1.0)) == 0.0
    wait = limiter.reserve("fake", "ana", horizon=1.0)
    assert wait == pytest.approx(2.0)
    assert limiter.reserve("fake", "ana", horizon=1.0) == pytest.approx(2.0)  # still 2 s: unspent
    time.now += 2.0
    assert _delay(limiter.reserve("fake", "ana", horizon=1.0)) == 0.0


def test_sends_woken_late_are_spread_again_not_let_out_at_once() -> None:
    time = FakeTime()  # sleeps return at once: every woken send finds the clock where it was
    limiter = _limiter(time, fake=_channel(global_=10.0))
    slots = [limiter.reserve("fake", f"chat{i}", horizon=10.0) for i in range(3)]
    time.now += 1.0  # the process stalled past all three planned moments

    async def wake_all() -> None:
        for slot in slots:
            assert isinstance(slot, Slot)
            await limiter.wait(slot)

    asyncio.run(wake_all())
    # Each planned sleep, then the wait that spaces the late sends 0.1 s apart again.
    assert time.sleeps == pytest.approx([0.1, 0.1, 0.2, 0.2])


def test_channels_without_declared_rates_are_not_limited() -> None:
    time = FakeTime()
    limiter = _limiter(time, fake=FakeChannel())
    assert {_delay(limiter.reserve("fake", "ana", horizon=0.0)) for _ in range(100)} == {0.0}
    assert _delay(limiter.reserve("unknown", "ana", horizon=0.0)) == 0.0


def _passes(limiter: RateLimiter, time: FakeTime, chats: list[str]) -> list[tuple[float, str]]:
    """Dispatch passes of up to 500: held messages wait for a later pass, which starts when the
    previous pass's last send goes. Returns (moment, chat) of every send."""
    sent: list[tuple[float, str]] = []
    while chats:
        batch, chats = chats[:500], chats[500:]
        last = time.now
        for chat in batch:
            slot = limiter.reserve("fake", chat, horizon=1.0)
            if isinstance(slot, Slot):
                sent.append((time.now + slot.delay, chat))
                last = max(last, sent[-1][0])
            else:
                chats.append(chat)
        time.now = last
    return sorted(sent)


def test_the_rates_are_never_exceeded_in_any_window() -> None:
    time = FakeTime()
    rate, per_chat = 200.0, 2.0
    limiter = _limiter(time, fake=_channel(global_=rate, per_chat=per_chat))
    rng = random.Random(7)
    sent = _passes(limiter, time, [f"chat{rng.randrange(300)}" for _ in range(3000)])
    assert len(sent) == 3000
    window: deque[float] = deque()
    for at, _ in sent:
        window.append(at)
        while window[0] <= at - 1.0:
            window.popleft()
        assert len(window) <= rate + max(1.0, rate * 0.02)  # the rate plus its small burst
    last: dict[str, float] = {}
    for at, chat in sent:
        assert at - last.get(chat, float("-inf")) >= 1 / per_chat - 1e-9
        last[chat] = at


def test_the_overall_rate_is_reached_when_chats_do_not_bind() -> None:
    time = FakeTime()
    limiter = _limiter(time, fake=_channel(global_=1200.0, per_chat=1.0))
    sent = _passes(limiter, time, [f"chat{i}" for i in range(12_000)])
    span = sent[-1][0] - sent[0][0]
    assert len(sent) / span == pytest.approx(1200.0, rel=0.05)


def test_forgetting_idle_recipients_changes_nothing() -> None:
    time = FakeTime()
    limiter = RateLimiter(
        {"fake": _channel(per_chat=1.0)}, clock=time, sleep=time.sleep, max_recipients=3
    )
    for name in ("a", "b", "c", "d"):
        limiter.reserve("fake", name, horizon=5.0)
    time.now += 0.5
    assert _delay(limiter.reserve("fake", "a", horizon=5.0)) == pytest.approx(0.5)
    time.now += 1.0
    for name in ("e", "f", "g", "h"):  # the old ones are full again and may be forgotten
        assert _delay(limiter.reserve("fake", name, horizon=5.0)) == 0.0
    assert _delay(limiter.reserve("fake", "b", horizon=5.0)) == 0.0


def test_bucket_virtual_time() -> None:
    bucket = Bucket(rate=2.0, burst=2.0)
    assert bucket.earliest(0.0) == 0.0
    bucket.take(0.0)
    bucket.take(bucket.earliest(0.0))
    assert bucket.earliest(0.0) == pytest.approx(0.5)


# The dispatcher holding the rates.


def _queue(engine: Engine, clock: FrozenClock, user_id: int, n: int) -> None:
    with Session(engine) as session:
        for i in range(n):
            # Digests are not capped by the contact policy: only the sending rate holds them.
            enqueue(
                session,
                user_id=user_id,
                scenario="weekly_digest",
                dedupe_key=f"rate:{user_id}:{i}",
                category="digest",
                body=f"message {i}",
                now=clock.now(),
            )
        session.commit()


def _messages(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def test_dispatcher_waits_within_the_horizon_and_leaves_the_rest_pending(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    clock.set(NOON_SHANGHAI)
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 4)
    time = FakeTime(advance=True)
    fake = _channel(per_chat=1.0)
    dispatcher = Dispatcher(
        engine, {"fake": fake}, clock, limiter=_limiter(time, fake=fake), rate_horizon=1.5
    )
    report = asyncio.run(dispatcher.run_once())
    # One now, one a second later (slept on the injected clock), two left for later passes.
    assert report.outcomes["sent"] == 2 and report.outcomes["held"] == 2
    assert [m.text for m in fake.sent] == ["message 0", "message 1"]
    assert time.sleeps == [pytest.approx(1.0)]
    messages = _messages(engine)
    assert [m.status for m in messages] == ["sent", "sent", "pending", "pending"]
    assert [m.attempts for m in messages] == [0, 0, 0, 0]  # a hold is not a failed attempt
    assert messages[2].not_before == NOON_SHANGHAI + timedelta(seconds=2)
    assert messages[3].not_before == NOON_SHANGHAI + timedelta(seconds=2)  # the hold cost nothing
    with Session(engine) as session:
        held = session.exec(select(OutboxAttempt).where(OutboxAttempt.outcome == "held")).all()
    assert len(held) == 2 and "1.0/s per chat" in (held[0].detail or "")
    # Not due yet on the wall clock: the next pass claims nothing.
    assert asyncio.run(dispatcher.run_once()).claimed == 0
    clock.advance(timedelta(seconds=2))
    time.now += 1.0  # the first pass's sleep moved it one second already
    report = asyncio.run(dispatcher.run_once())
    assert report.outcomes["sent"] == 2 and time.sleeps[1:] == [pytest.approx(1.0)]
    assert [m.status for m in _messages(engine)] == ["sent"] * 4
    assert len(fake.sent) == 4


def test_provider_429_still_waits_for_its_retry_after(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    clock.set(NOON_SHANGHAI)
    user = make_user(time_zone="Asia/Shanghai")
    _queue(engine, clock, user.id, 1)
    time = FakeTime()
    fake = _channel(global_=30.0)
    fake.fail_next(RateLimited(7, "Too Many Requests"))
    dispatcher = Dispatcher(
        engine, {"fake": fake}, clock, limiter=_limiter(time, fake=fake), rng=random.Random(1)
    )
    report = asyncio.run(dispatcher.run_once())
    assert report.outcomes["rate_limited"] == 1
    (message,) = _messages(engine)
    assert message.status == "pending" and message.attempts == 1
    assert message.not_before == NOON_SHANGHAI + timedelta(seconds=7)


def _link(engine: Engine, user_id: int, clock: FrozenClock, last_inbound: timedelta) -> None:
    with Session(engine) as session:
        session.add(
            ChatIdentity(
                user_id=user_id,
                channel="fake",
                address="+15550001",
                linked_at=clock.now() - timedelta(days=30),
                consent_at=clock.now() - timedelta(days=30),
                last_inbound_at=clock.now() - last_inbound,
            )
        )
        session.commit()


@pytest.mark.parametrize(
    ("last_inbound", "templated"), [(timedelta(hours=2), False), (timedelta(days=2), True)]
)
def test_outside_the_session_window_an_approved_template_carries_the_text(
    engine: Engine, clock: FrozenClock, make_user: Any, last_inbound: timedelta, templated: bool
) -> None:
    clock.set(NOON_SHANGHAI)
    user = make_user(time_zone="Asia/Shanghai")
    _link(engine, user.id, clock, last_inbound)
    with Session(engine) as session:
        enqueue(
            session,
            user_id=user.id,
            scenario="due_soon",
            dedupe_key="due:1:3d",
            category="repayment",
            debt_key="s1",
            body="Your bill is due in 3 days.\n\nPay 120.00 by Friday.",
            buttons=[("pay", "Ways to pay")],
            now=clock.now(),
        )
        session.commit()
    fake = _channel(session_window=timedelta(hours=24), templates_outside_window=True,
                    supports_templates=True)  # fmt: skip
    dispatcher = Dispatcher(
        engine, {"fake": fake}, clock, template=Template("bill_update", "en_GB")
    )
    asyncio.run(dispatcher.run_once())
    (sent,) = fake.sent
    assert sent.recipient == "+15550001"
    if templated:
        assert sent.template == Template(
            "bill_update", "en_GB", ("Your bill is due in 3 days. Pay 120.00 by Friday.",)
        )
        assert sent.buttons == ()
    else:
        assert sent.template is None and [b.id for b in sent.buttons] == ["pay"]


def test_with_a_tick_sends_wake_together_on_its_grid_never_before_their_slot() -> None:
    time = FakeTime(advance=True)
    time.now = 1000.001
    limiter = RateLimiter(
        {"fake": _channel(global_=1000.0)}, clock=time, sleep=time.sleep, tick=0.005
    )
    slots = [limiter.reserve("fake", str(i), horizon=1.0) for i in range(30)]
    woke: list[float] = []

    async def wake(slot: Slot | float) -> None:
        assert isinstance(slot, Slot)
        start = time.now
        await limiter.wait(slot)
        woke.append(time.now)
        time.now = start  # each send sleeps from the moment of planning, as they do concurrently

    async def wake_all() -> None:
        for slot in slots:
            await wake(slot)

    asyncio.run(wake_all())
    planned = [1000.001 + s.delay for s in slots if isinstance(s, Slot)]
    assert all(at >= slot - 1e-9 for at, slot in zip(woke, planned, strict=True))
    # The 20 of the burst go at once; the next ten (1 ms apart) share three ticks.
    assert woke[:20] == [1000.001] * 20
    assert sorted({round(at, 6) for at in woke[20:]}) == [1000.005, 1000.01, 1000.015]
