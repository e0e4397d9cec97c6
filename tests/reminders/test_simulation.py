"""Time-travel simulation: users around the world, a stream of messages, the gate, an injected clock.

A generator writes each user's messages up front (spending nudges with bursts, statement, due and
overdue repayment nudges for a few debts, weekly digests, security notices, replies to the user's
own messages, STOP/START and a snooze). A loop pops events in time order, sets the clock, offers
each due message to the gate, records what is sent and re-offers deferred messages at their
`until`. The checks below recount everything from the raw record, in each user's local time,
without calling the gate's own helpers.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billbot.clock import FrozenClock
from billbot.reminders import (
    Action,
    Category,
    ChannelState,
    ContactLedger,
    ContactPrefs,
    Decision,
    PendingMessage,
    Priority,
    QuietHours,
    Reason,
    decide,
)
from channels import CHANNELS

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
CHATTY = ("whatsapp", "messenger", "telegram", "sms", "slack")


@dataclass(frozen=True)
class UserSpec:
    """One simulated user: zone, quiet hours, caps and channels (first is preferred)."""

    key: str
    time_zone: str
    channels: tuple[str, ...]
    quiet: QuietHours = field(default_factory=QuietHours)
    daily_cap: int = 3
    weekly_cap: int = 10
    opted_out: frozenset[str] = frozenset()
    stop_days: tuple[int, int] | None = None  # STOP and START, in days after the start
    snooze: tuple[str, int, int] | None = None  # scenario, day after the start, hours


@dataclass(frozen=True)
class SimMessage:
    id: int
    user: str
    created_at: datetime
    message: PendingMessage


@dataclass(frozen=True)
class Event:
    """Something that happens at `at`: the user acts (rank 0, first) or a message is due (rank 1)."""

    at: datetime
    kind: str  # "inbound", "stop", "start", "snooze" or "offer"
    user: str
    channel: str = ""
    msg: SimMessage | None = None

    @property
    def rank(self) -> int:
        return 1 if self.kind == "offer" else 0


@dataclass(frozen=True)
class Sent:
    at: datetime
    msg: SimMessage
    decision: Decision


@dataclass
class World:
    """Everything the simulation recorded, for the independent checks."""

    specs: dict[str, UserSpec]
    messages: dict[int, SimMessage] = field(default_factory=dict)
    decisions: dict[int, list[tuple[datetime, Decision]]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    inbound: dict[tuple[str, str], list[datetime]] = field(
        default_factory=lambda: defaultdict(list)
    )
    stops: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    snoozes: dict[str, tuple[str, datetime, datetime]] = field(default_factory=dict)


def _at(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def _generate(
    spec: UserSpec, start: datetime, days: int, rng: random.Random, world: World
) -> Iterator[Event]:
    """Yield one user's events; their messages are numbered and kept in `world`."""
    tz = ZoneInfo(spec.time_zone)
    chats = [c for c in spec.channels if c in CHATTY]

    def message(created_at: datetime, pending: PendingMessage) -> Event:
        msg = SimMessage(len(world.messages), spec.key, created_at, pending)
        world.messages[msg.id] = msg
        return Event(created_at, "offer", spec.key, msg=msg)

    first_day = start.astimezone(tz).date()
    for n in range(days):
        day = first_day + timedelta(days=n)
        midnight = _at(day, 0, 0, tz)
        # Spending nudges at any hour, sometimes in a burst.
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
            at = midnight + timedelta(minutes=rng.randrange(24 * 60))
            burst = 4 if rng.random() < 0.08 else 1
            for k in range(burst):
                created = at + timedelta(minutes=10 * k)
                scenario = rng.choice(("limit_threshold", "large_purchase", "late_night_spending"))
                yield message(
                    created,
                    PendingMessage(
                        scenario,
                        Category.SPENDING,
                        priority=rng.choice((Priority.LOW, Priority.NORMAL)),
                        foldable=True,
                        expires_at=created + DAY,
                    ),
                )
        # Two accounts close on the 5th and the 20th; due 21 days later; some go unpaid.
        for account, closing in (("a", 5), ("b", 20)):
            if day.day != closing:
                continue
            debt = f"{spec.key}-{account}-{day:%Y%m}"
            due = day + timedelta(days=21)
            end_of_due = _at(due + DAY, 0, 0, tz)
            stmt_at = _at(day, 10, 0, tz)
            yield message(
                stmt_at,
                PendingMessage(
                    "statement_ready",
                    Category.REPAYMENT,
                    debt_key=debt,
                    foldable=True,
                    expires_at=stmt_at + 3 * DAY,
                ),
            )
            yield message(
                stmt_at,
                PendingMessage(
                    "due_soon",
                    Category.REPAYMENT,
                    debt_key=debt,
                    not_before=_at(due - 3 * DAY, 9, 0, tz),
                    expires_at=end_of_due,
                ),
            )
            yield message(
                _at(due, 7, 0, tz),
                PendingMessage(
                    "due_today",
                    Category.REPAYMENT,
                    debt_key=debt,
                    priority=Priority.HIGH,
                    expires_at=end_of_due,
                ),
            )
            if rng.random() < 0.35:
                for late in range(1, 11):
                    for hour in (6, 18):
                        created = _at(due + late * DAY, hour, 0, tz)
                        yield message(
                            created,
                            PendingMessage(
                                "overdue",
                                Category.REPAYMENT,
                                debt_key=debt,
                                priority=Priority.HIGH,
                                expires_at=created + 36 * HOUR,
                            ),
                        )
        if day.weekday() == 0:
            at = _at(day, 9, 0, tz)
            yield message(
                at, PendingMessage("weekly_digest", Category.DIGEST, expires_at=at + 2 * DAY)
            )
        if rng.random() < 0.03:
            at = midnight + timedelta(minutes=rng.randrange(24 * 60))
            yield message(
                at, PendingMessage("security_notice", Category.SECURITY, expires_at=at + 2 * DAY)
            )
        # The user writes (at any hour, sometimes twice in a row) and the bot answers.
        if chats and rng.random() < 0.4:
            at = midnight + timedelta(minutes=rng.randrange(24 * 60))
            channel = rng.choice(chats)
            for k in range(rng.choice((1, 1, 2))):
                wrote = at + timedelta(minutes=12 * k)
                yield Event(wrote, "inbound", spec.key, channel)
                yield message(
                    wrote,
                    PendingMessage(
                        "reply", Category.REPLY, channel=channel, expires_at=wrote + HOUR
                    ),
                )
    if spec.stop_days is not None and chats:
        stop_at = start + spec.stop_days[0] * DAY + timedelta(minutes=rng.randrange(24 * 60))
        start_at = start + spec.stop_days[1] * DAY + timedelta(minutes=rng.randrange(24 * 60))
        channel = rng.choice(chats)
        world.stops.setdefault(spec.key, []).append((stop_at, start_at))
        yield Event(stop_at, "inbound", spec.key, channel)
        yield Event(stop_at, "stop", spec.key)
        yield message(stop_at, PendingMessage("stop_confirmation", Category.REPLY, channel=channel))
        yield Event(start_at, "inbound", spec.key, channel)
        yield Event(start_at, "start", spec.key)
    if spec.snooze is not None:
        scenario, snooze_day, hours = spec.snooze
        at = start + snooze_day * DAY + timedelta(minutes=rng.randrange(24 * 60))
        world.snoozes[spec.key] = (scenario, at, at + hours * HOUR)
        yield Event(at, "snooze", spec.key)


def simulate(specs: list[UserSpec], start: datetime, days: int, seed: int) -> World:
    """Run every user's messages through the gate with a frozen clock; return the record."""
    world = World(specs={s.key: s for s in specs})
    rng = random.Random(seed)
    heap: list[tuple[datetime, int, int, Event]] = []
    order = itertools.count()
    for spec in specs:
        for event in _generate(spec, start, days, rng, world):
            heapq.heappush(heap, (event.at, event.rank, next(order), event))
    prefs = {
        s.key: ContactPrefs(
            time_zone=s.time_zone,
            quiet_hours=s.quiet,
            daily_cap=s.daily_cap,
            weekly_cap=s.weekly_cap,
            channel_order=s.channels,
            opted_out_channels=s.opted_out,
        )
        for s in specs
    }
    channels = {
        s.key: {c: ChannelState.from_capabilities(c, CHANNELS[c].capabilities) for c in s.channels}
        for s in specs
    }
    ledgers = {s.key: ContactLedger() for s in specs}
    clock = FrozenClock(start)
    while heap:
        at, _, _, event = heapq.heappop(heap)
        clock.set(at)
        now, user = clock.now(), event.user
        if event.kind == "inbound":
            state = channels[user][event.channel]
            channels[user][event.channel] = replace(state, last_inbound_at=now)
            world.inbound[(user, event.channel)].append(now)
        elif event.kind == "stop":
            prefs[user] = replace(prefs[user], stopped_at=now)
        elif event.kind == "start":
            prefs[user] = replace(prefs[user], stopped_at=None)
        elif event.kind == "snooze":
            scenario, _, until = world.snoozes[user]
            prefs[user] = replace(prefs[user], snoozes={scenario: until})
        else:
            msg = event.msg
            assert msg is not None
            ledger = ledgers[msg.user]
            decision = decide(
                msg.message,
                prefs[msg.user],
                ledger.recent(now),
                list(channels[msg.user].values()),
                now,
            )
            world.decisions.setdefault(msg.id, []).append((now, decision))
            if decision.action == Action.SEND:
                ledger.record(msg.message, decision, now)
                world.sent.append(Sent(now, msg, decision))
            elif decision.action == Action.DEFER:
                assert decision.until is not None and decision.until > now
                heapq.heappush(
                    heap, (decision.until, 1, next(order), replace(event, at=decision.until))
                )
    return world


# --- independent checks -------------------------------------------------------------------------


def _quiet(spec: UserSpec, at: datetime) -> bool:
    """Whether the user's own clock reads a quiet time at `at` (written apart from the gate)."""
    q = spec.quiet
    if not q.enabled:
        return False
    wall = at.astimezone(ZoneInfo(spec.time_zone)).time()
    if q.start < q.end:
        return q.start <= wall < q.end
    return wall >= q.start or wall < q.end


def _wrote_within(world: World, user: str, channel: str, at: datetime, span: timedelta) -> bool:
    return any(at - span <= t <= at for t in world.inbound.get((user, channel), ()))


def _rolling_ok(times: list[datetime], limit: int) -> bool:
    """No `limit + 1` of `times` inside any seven days (a rolling week)."""
    times = sorted(times)
    return all(times[i + limit] - times[i] >= WEEK for i in range(len(times) - limit))


def check_world(world: World) -> None:
    """Every invariant of the contact policy, recounted from the raw record."""
    # Nothing lost: each message ends sent, folded or suppressed, with a reason and a sentence.
    assert set(world.decisions) == set(world.messages)
    for decisions in world.decisions.values():
        assert decisions[-1][1].action in (Action.SEND, Action.FOLD, Action.SUPPRESS)
        assert all(d.action == Action.DEFER for _, d in decisions[:-1])
        assert all(d.reason and d.explanation for _, d in decisions)
        assert len(decisions) < 40
    nudges: dict[str, list[datetime]] = defaultdict(list)
    per_debt: dict[str, list[datetime]] = defaultdict(list)
    for sent in world.sent:
        spec, pending, at = world.specs[sent.msg.user], sent.msg.message, sent.at
        channel = sent.decision.channel
        assert channel is not None
        assert pending.not_before is None or at >= pending.not_before
        assert pending.expires_at is None or at < pending.expires_at
        answering = pending.category == Category.REPLY
        if pending.scenario == "stop_confirmation":
            pass
        elif answering and _wrote_within(world, spec.key, channel, at, timedelta(minutes=30)):
            pass  # the user is chatting right now
        elif pending.category != Category.SECURITY:
            assert not _quiet(spec, at), (
                spec.key,
                pending.scenario,
                at.astimezone(ZoneInfo(spec.time_zone)),
            )
        if channel in spec.opted_out:
            assert pending.scenario == "stop_confirmation" or (
                answering and _wrote_within(world, spec.key, channel, at, timedelta(minutes=30))
            )
        in_window = _wrote_within(world, spec.key, channel, at, DAY - timedelta(microseconds=1))
        if channel == "messenger":
            assert in_window
        assert sent.decision.template_required == (channel == "whatsapp" and not in_window)
        for stop_at, start_at in world.stops.get(spec.key, ()):
            if stop_at <= at < start_at:
                assert pending.scenario == "stop_confirmation"
        if spec.key in world.snoozes:
            scenario, snoozed_at, until = world.snoozes[spec.key]
            assert pending.scenario != scenario or not snoozed_at <= at < until
        if pending.category in (Category.REPAYMENT, Category.SPENDING):
            nudges[spec.key].append(at)
        if pending.category == Category.REPAYMENT:
            per_debt[pending.debt_key or ""].append(at)
    for key, times in nudges.items():
        spec = world.specs[key]
        days = Counter(t.astimezone(ZoneInfo(spec.time_zone)).date() for t in times)
        assert max(days.values()) <= min(spec.daily_cap, 3)
        assert _rolling_ok(times, min(spec.weekly_cap, 10))
    for times in per_debt.values():
        assert _rolling_ok(times, 7)


def _reasons(world: World) -> Counter[tuple[Action, Reason]]:
    return Counter((d.action, d.reason) for ds in world.decisions.values() for _, d in ds)


YEAR_USERS = [
    UserSpec("ny", "America/New_York", ("whatsapp", "sms")),
    UserSpec(
        "ny-late", "America/New_York", ("telegram", "email"), quiet=QuietHours(time(1, 30), time(8))
    ),
    UserSpec(
        "london",
        "Europe/London",
        ("telegram", "email"),
        quiet=QuietHours(time(22), time(7)),
        snooze=("weekly_digest", 6, 30),
    ),
    UserSpec(
        "london-overlap", "Europe/London", ("sms", "email"), quiet=QuietHours(time(23), time(1, 30))
    ),
    UserSpec("sydney", "Australia/Sydney", ("messenger", "email")),
    UserSpec(
        "santiago", "America/Santiago", ("whatsapp", "email"), quiet=QuietHours(time(20), time(0))
    ),
    UserSpec(
        "auckland",
        "Pacific/Auckland",
        ("sms", "telegram"),
        daily_cap=2,
        weekly_cap=6,
        opted_out=frozenset({"sms"}),
    ),
    UserSpec(
        "tonga",
        "Pacific/Tongatapu",
        ("whatsapp", "messenger", "email"),
        quiet=QuietHours(time(22), time(7)),
    ),
    UserSpec("honolulu", "Pacific/Honolulu", ("sms", "email"), stop_days=(100, 130)),
    UserSpec("beirut", "Asia/Beirut", ("telegram",), quiet=QuietHours(time(22), time(0, 30))),
    UserSpec(
        "kiritimati", "Pacific/Kiritimati", ("whatsapp", "email"), quiet=QuietHours(enabled=False)
    ),
    UserSpec(
        "havana", "America/Havana", ("sms", "whatsapp"), quiet=QuietHours(time(21), time(0, 30))
    ),
    UserSpec(
        "lord-howe",
        "Australia/Lord_Howe",
        ("messenger", "webchat"),
        snooze=("limit_threshold", 200, 7 * 24),
    ),
    UserSpec(
        "kolkata",
        "Asia/Kolkata",
        ("slack", "email"),
        daily_cap=1,
        weekly_cap=20,
        stop_days=(300, 310),
    ),
]


def test_a_simulated_year_keeps_every_rule_and_loses_nothing() -> None:
    world = simulate(YEAR_USERS, datetime(2024, 1, 1, tzinfo=UTC), 366, seed=2024)
    check_world(world)
    reasons = _reasons(world)
    # Not vacuous: every rule was exercised somewhere in the year.
    for expected in (
        (Action.SEND, Reason.WITHIN_POLICY),
        (Action.SEND, Reason.SECURITY_NOTICE),
        (Action.SEND, Reason.REPLY),
        (Action.SEND, Reason.STOP_CONFIRMATION),
        (Action.DEFER, Reason.QUIET_HOURS),
        (Action.DEFER, Reason.DAILY_CAP),
        (Action.DEFER, Reason.WEEKLY_CAP),
        (Action.DEFER, Reason.DEBT_CEILING),
        (Action.DEFER, Reason.NOT_BEFORE),
        (Action.DEFER, Reason.SNOOZED),
        (Action.FOLD, Reason.CAPS_EXHAUSTED),
        (Action.FOLD, Reason.WOULD_EXPIRE),
        (Action.SUPPRESS, Reason.STOPPED),
        (Action.SUPPRESS, Reason.WOULD_EXPIRE),
    ):
        assert reasons[expected] > 0, expected
    assert len(world.messages) > 10_000


ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Santiago",
    "America/Sao_Paulo",
    "Pacific/Auckland",
    "Pacific/Tongatapu",
    "Pacific/Kiritimati",
    "Pacific/Honolulu",
    "Asia/Beirut",
    "America/Havana",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
)
# Starts a few days before DST changes in both hemispheres (and one plain week).
STARTS = (
    datetime(2024, 3, 5, tzinfo=UTC),
    datetime(2024, 3, 26, tzinfo=UTC),
    datetime(2024, 4, 2, tzinfo=UTC),
    datetime(2024, 9, 3, tzinfo=UTC),
    datetime(2024, 9, 25, tzinfo=UTC),
    datetime(2024, 10, 23, tzinfo=UTC),
    datetime(2024, 10, 30, tzinfo=UTC),
    datetime(2024, 6, 10, tzinfo=UTC),
)
quarter_hours = st.builds(lambda h, q: time(h, 15 * q), st.integers(0, 23), st.integers(0, 3))


@st.composite
def user_specs(draw: st.DrawFn, key: str) -> UserSpec:
    start, end = draw(quarter_hours), draw(quarter_hours)
    enabled = start != end and draw(st.booleans() | st.just(True))
    channels = draw(
        st.lists(
            st.sampled_from(sorted(CHANNELS.keys() - {"console", "fake"})),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    return UserSpec(
        key,
        draw(st.sampled_from(ZONES)),
        tuple(channels),
        quiet=QuietHours(start, end) if enabled else QuietHours(enabled=False),
        daily_cap=draw(st.integers(0, 4)),
        weekly_cap=draw(st.integers(0, 12)),
        opted_out=frozenset(draw(st.lists(st.sampled_from(channels), max_size=2))),
        stop_days=draw(st.none() | st.tuples(st.integers(0, 6), st.integers(7, 12))),
        snooze=draw(
            st.none()
            | st.tuples(
                st.sampled_from(("limit_threshold", "overdue")),
                st.integers(0, 10),
                st.integers(1, 72),
            )
        ),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.tuples(user_specs("u1"), user_specs("u2")),
    start=st.sampled_from(STARTS),
    days=st.integers(7, 28),
    seed=st.integers(0, 2**16),
)
def test_random_weeks_around_dst_changes_keep_every_rule(
    specs: tuple[UserSpec, UserSpec], start: datetime, days: int, seed: int
) -> None:
    check_world(simulate(list(specs), start, days, seed))


def test_nothing_but_the_confirmation_between_stop_and_start() -> None:
    spec = UserSpec("stopper", "Europe/London", ("whatsapp", "email"), stop_days=(3, 20))
    world = simulate([spec], datetime(2024, 3, 1, tzinfo=UTC), 30, seed=7)
    check_world(world)
    ((stop_at, start_at),) = world.stops["stopper"]
    during = [s for s in world.sent if stop_at <= s.at < start_at]
    assert [s.msg.message.scenario for s in during] == ["stop_confirmation"]
    assert during[0].at == stop_at
    assert any(s.at >= start_at and s.msg.message.category != Category.REPLY for s in world.sent)
    offered_during = [
        d for ds in world.decisions.values() for at, d in ds if stop_at <= at < start_at
    ]
    assert {d.reason for d in offered_during} == {Reason.STOPPED, Reason.STOP_CONFIRMATION}
