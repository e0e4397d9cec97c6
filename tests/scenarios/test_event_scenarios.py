"""Event scenarios evaluated with each ingested batch: what fires, once, in the borrower's zone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from billbot.clock import FrozenClock
from billbot.limits.service import create_limit
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.scenarios.late_night import night_of
from billbot.scenarios.preferences import set_enabled, update_settings
from billbot.transactions.ingest import Decision, NewTransaction, ingest
from billbot.wiring import after_ingest_hook
from channels import FakeChannel

# Test labels by the description's first word: (category, sub-category).
LABELS = {
    "COFFEE": ("food", "coffee"),
    "DELIVERY": ("food", "food_delivery"),
    "GROCER": ("food", "groceries"),
    "SHOP": ("shopping", "electronics"),
    "TV": ("subscriptions_digital", "video_streaming"),
    "GYM": ("health", "gym_fitness"),
}
NOW = datetime(2026, 11, 16, 12, tzinfo=UTC)  # a Monday


def _categorise(
    session: Session, user_id: int, triples: list[tuple[str, str | None, str]]
) -> list[Decision]:
    out: list[Decision] = []
    for description, _, _ in triples:
        category, sub = LABELS.get(description.split()[0], (None, None))
        out.append((description, category, sub, "test", None, None))
    return out


Item = tuple[str, str, int, datetime]  # external id, description, amount, posted at


def _post(engine: Engine, account: Any, time_zone: str, items: list[Item], now: datetime) -> None:
    with Session(engine) as session:
        ingest(
            session,
            account=account,
            time_zone=time_zone,
            items=[
                NewTransaction(external_id=e, amount_minor=a, description=d, posted_at=at)
                for e, d, a, at in items
            ],
            now=now,
            categorise=_categorise,
            after_store=after_ingest_hook(),
        )
        session.commit()


def _messages(engine: Engine, scenario: str, user_id: int | None = None) -> list[OutboxMessage]:
    with Session(engine) as session:
        query = select(OutboxMessage).where(col(OutboxMessage.scenario) == scenario)
        if user_id is not None:
            query = query.where(col(OutboxMessage.user_id) == user_id)
        return list(session.exec(query.order_by(col(OutboxMessage.id))).all())


def _borrower(make_user: Any, make_account: Any, email: str = "ana@example.com", **kw: Any) -> Any:
    credit = kw.pop("credit_limit_minor", 0)
    user = make_user(email, **kw)
    account = make_account(
        user.id, currency=kw.get("currency", "USD"), credit_limit_minor=credit, closing_day=28
    )
    return user, account


def test_large_purchase_against_usual_and_own_amount_once(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account)
    history = [
        (f"c{i}", "COFFEE Blue", 500 + i, NOW - timedelta(days=10 * i + 5)) for i in range(5)
    ]
    _post(engine, account, user.time_zone, history, NOW)
    assert _messages(engine, "large_purchase") == []  # old history tells nothing
    usual = [("c-ok", "COFFEE Blue", 1400, NOW - timedelta(hours=2))]
    _post(engine, account, user.time_zone, usual, NOW)
    assert _messages(engine, "large_purchase") == []  # under 3x the median of 502
    big = [("c-big", "COFFEE Blue", 2100, NOW - timedelta(hours=1))]
    _post(engine, account, user.time_zone, big, NOW)
    (told,) = _messages(engine, "large_purchase")
    assert "$21.00" in told.body and "COFFEE Blue" in told.body and "$5.02" in told.body
    _post(engine, account, user.time_zone, big, NOW + timedelta(minutes=5))  # re-import
    assert len(_messages(engine, "large_purchase")) == 1

    # The borrower's own amount catches a first-ever kind of purchase too.
    with Session(engine) as session:
        update_settings(
            session,
            user_id=user.id,
            scenario="large_purchase",
            settings={"amount_minor": 10_000},
            now=NOW,
        )
        session.commit()
    _post(engine, account, user.time_zone, [("tv1", "SHOP Laptop", 9_999, NOW)], NOW)
    assert len(_messages(engine, "large_purchase")) == 1
    _post(engine, account, user.time_zone, [("tv2", "SHOP Phone", 10_000, NOW)], NOW)
    assert "SHOP Phone" in _messages(engine, "large_purchase")[-1].body


def test_late_night_in_each_borrowers_own_time_zone(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    shanghai, sh_account = _borrower(
        make_user, make_account, "sh@example.com", time_zone="Asia/Shanghai", locale="zh-CN"
    )
    new_york, ny_account = _borrower(
        make_user, make_account, "ny@example.com", time_zone="America/New_York"
    )
    instant = datetime(2026, 11, 15, 17, 30, tzinfo=UTC)  # 01:30 Shanghai, 12:30 New York
    _post(engine, sh_account, shanghai.time_zone, [("a", "SHOP Late", 3000, instant)], NOW)
    _post(engine, ny_account, new_york.time_zone, [("a", "SHOP Late", 3000, instant)], NOW)
    (told,) = _messages(engine, "late_night")
    assert told.user_id == shanghai.id and "01:30" in told.body and "深夜" in told.body
    # 01:30 in New York is 06:30 UTC; two purchases in one night are told once.
    night = [
        ("b", "SHOP Late", 2000, datetime(2026, 11, 16, 6, 30, tzinfo=UTC)),
        ("c", "DELIVERY Pizza", 1500, datetime(2026, 11, 16, 7, 10, tzinfo=UTC)),
    ]
    _post(engine, ny_account, new_york.time_zone, night, NOW)
    (ny_told,) = _messages(engine, "late_night", new_york.id)
    assert "2 purchases" in ny_told.body and "$35.00" in ny_told.body and "02:10" in ny_told.body
    # A later purchase the same night adds no second message.
    later = [("d", "SHOP Late", 100, datetime(2026, 11, 16, 8, 0, tzinfo=UTC))]
    _post(engine, ny_account, new_york.time_zone, later, NOW)
    assert len(_messages(engine, "late_night", new_york.id)) == 1


def test_late_night_window_can_wrap_midnight() -> None:
    start, end = time(23), time(5)
    day = date(2026, 11, 16)
    assert night_of(day, time(23, 30), start, end) == day
    assert night_of(day, time(1), start, end) == date(2026, 11, 15)
    assert night_of(day, time(12), start, end) is None
    assert night_of(day, time(5), time(0), time(5)) is None
    assert night_of(day, time(0), time(0), time(5)) == day


def test_frequent_small_fires_at_the_fifth_delivery_in_seven_days(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account, locale="zh-CN")
    for n in range(4):
        at = NOW - timedelta(days=n + 1)
        _post(engine, account, user.time_zone, [(f"d{n}", "DELIVERY Meituan", 3500, at)], NOW)
    assert _messages(engine, "frequent_small") == []
    fifth = [("d5", "DELIVERY Meituan", 3000, NOW - timedelta(hours=1))]
    _post(engine, account, user.time_zone, fifth, NOW)
    (told,) = _messages(engine, "frequent_small")
    assert "7天内你已有 5 笔外卖消费，共 US$170.00" in told.body
    _post(engine, account, user.time_zone, fifth, NOW)  # re-import
    _post(engine, account, user.time_zone, [("d6", "DELIVERY Meituan", 900, NOW)], NOW)
    assert len(_messages(engine, "frequent_small")) == 1  # once a week, however many more


def test_spending_spike_against_own_recent_weeks(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account)
    weeks = [(f"g{w}", "GROCER Whole", 10_000, NOW - timedelta(days=7 * w + 2)) for w in range(4)]
    _post(engine, account, user.time_zone, weeks, NOW)
    _post(engine, account, user.time_zone, [("g-now", "GROCER Whole", 15_000, NOW)], NOW)
    assert _messages(engine, "spending_spike") == []  # 1.5x is not a spike
    _post(engine, account, user.time_zone, [("g-more", "GROCER Whole", 6_000, NOW)], NOW)
    (told,) = _messages(engine, "spending_spike")
    assert "$210.00" in told.body and "2.1" in told.body and "4 weeks" in told.body


def test_recurring_charge_new_and_price_rise(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account)
    old = [
        ("tv-9", "TV Streamly", 999, NOW - timedelta(days=61)),
        ("tv-10", "TV Streamly", 999, NOW - timedelta(days=31)),
        ("gym-10", "GYM Fit", 4000, NOW - timedelta(days=30)),
        ("coffee", "COFFEE Blue", 450, NOW - timedelta(days=29)),
        ("coffee-1", "COFFEE Blue", 520, NOW - timedelta(days=12)),  # not a monthly rhythm
        ("shop", "SHOP One", 2000, NOW - timedelta(days=30)),
    ]
    _post(engine, account, user.time_zone, old, NOW)
    assert _messages(engine, "recurring_charge") == []
    _post(engine, account, user.time_zone, [("tv-11", "TV Streamly", 999, NOW)], NOW)
    assert _messages(engine, "recurring_charge") == []  # a known charge at its usual price
    batch = [
        ("gym-11", "GYM Fit", 4000, NOW - timedelta(hours=3)),
        ("coffee-2", "COFFEE Blue", 450, NOW - timedelta(hours=3)),
        ("shop-2", "SHOP One", 6500, NOW - timedelta(hours=3)),  # a month apart, not alike
    ]
    _post(engine, account, user.time_zone, batch, NOW)
    (new,) = _messages(engine, "recurring_charge")
    assert "GYM Fit" in new.body and "$480.00 a year" in new.body

    later = NOW + timedelta(days=30)
    _post(engine, account, user.time_zone, [("tv-12", "TV Streamly", 1299, later)], later)
    rise = _messages(engine, "recurring_charge")[-1]
    assert "from $9.99 to $12.99" in rise.body and "+30%" in rise.body
    _post(engine, account, user.time_zone, [("tv-12", "TV Streamly", 1299, later)], later)
    assert len(_messages(engine, "recurring_charge")) == 2


def test_credit_utilisation_against_issuer_limit_then_own_cap(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account, credit_limit_minor=100_000)
    _post(engine, account, user.time_zone, [("a", "SHOP One", 29_000, NOW)], NOW)
    assert _messages(engine, "credit_utilisation") == []
    _post(engine, account, user.time_zone, [("b", "SHOP Two", 2_000, NOW)], NOW)
    (first,) = _messages(engine, "credit_utilisation")
    assert "31%" in first.body and "your credit limit ($1,000.00)" in first.body
    with Session(engine) as session:
        create_limit(
            session,
            user_id=user.id,
            scope="credit_cap",
            account_id=account.id,
            currency="USD",
            amount_minor=40_000,
            now=NOW,
        )
        session.commit()
    _post(engine, account, user.time_zone, [("c", "SHOP Three", 100, NOW)], NOW)
    second = _messages(engine, "credit_utilisation")[-1]
    assert "77%" in second.body and "credit cap you set yourself ($400.00)" in second.body
    _post(engine, account, user.time_zone, [("d", "SHOP Four", 100, NOW)], NOW)
    assert len(_messages(engine, "credit_utilisation")) == 2  # 70% was told for this statement


def test_bill_zone_speaks_only_where_no_threshold_does(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account)
    with Session(engine) as session:
        create_limit(
            session,
            user_id=user.id,
            scope="ideal_bill",
            period="month",
            currency="USD",
            amount_minor=100_000,
            thresholds_bps="5000",
            now=NOW,
        )
        session.commit()
    _post(engine, account, user.time_zone, [("a", "SHOP One", 85_000, NOW)], NOW)
    (zone,) = _messages(engine, "bill_zone")
    assert "85%" in zone.body and "$150.00 a day" not in zone.body
    assert len(_messages(engine, "limit_threshold")) == 1  # its own 50% threshold
    _post(engine, account, user.time_zone, [("b", "SHOP Two", 20_000, NOW)], NOW)
    over = _messages(engine, "bill_zone")[-1]
    assert "$50.00 past it" in over.body

    # With the default thresholds the threshold messages already tell the zones.
    other, other_account = _borrower(make_user, make_account, "bo@example.com")
    with Session(engine) as session:
        create_limit(
            session,
            user_id=other.id,
            scope="ideal_bill",
            period="month",
            currency="USD",
            amount_minor=100_000,
            now=NOW,
        )
        session.commit()
    _post(engine, other_account, other.time_zone, [("a", "SHOP One", 85_000, NOW)], NOW)
    assert _messages(engine, "bill_zone", other.id) == []
    assert len(_messages(engine, "limit_threshold", other.id)) == 1


def test_switched_off_event_scenario_is_queued_then_suppressed(
    engine: Engine, clock: FrozenClock, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account, time_zone="Asia/Shanghai")
    with Session(engine) as session:
        set_enabled(session, user_id=user.id, scenario="late_night", enabled=False, now=NOW)
        session.commit()
    clock.set(NOW)
    late = datetime(2026, 11, 15, 18, tzinfo=UTC)  # 02:00 in Shanghai
    _post(engine, account, user.time_zone, [("a", "SHOP Late", 3000, late)], NOW)
    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    (message,) = _messages(engine, "late_night")
    assert (message.status, message.reason) == ("suppressed", "scenario_off")
    assert fake.sent == []


@contextmanager
def _count_selects(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = args[2]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_queries_per_batch_do_not_grow_with_rows(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account, credit_limit_minor=10_000_000)
    with Session(engine) as session:
        create_limit(
            session,
            user_id=user.id,
            scope="sub_category",
            target="coffee",
            period="month",
            currency="USD",
            amount_minor=50_000,
            now=NOW,
        )
        session.commit()
    kinds = ["COFFEE Blue", "DELIVERY Meituan", "GROCER Whole", "TV Streamly", "SHOP One"]

    def batch(tag: str, size: int) -> list[Item]:
        return [
            (f"{tag}{i}", kinds[i % 5], 100 + i, NOW - timedelta(minutes=i)) for i in range(size)
        ]

    _post(engine, account, user.time_zone, batch("warm", 5), NOW)
    with _count_selects(engine) as small:
        _post(engine, account, user.time_zone, batch("s", 10), NOW)
    with _count_selects(engine) as large:
        _post(engine, account, user.time_zone, batch("l", 300), NOW)

    # Reading back each queued message is per message, not per row; raw driver reads (one per
    # scenario) bypass the event.
    def reads(statements: list[str]) -> list[str]:
        return [s for s in statements if "FROM outbox_messages" not in s]

    assert len(reads(large)) == len(reads(small)) <= 8


def test_recurring_charge_for_an_unlabelled_merchant_among_labelled_ones(
    engine: Engine, make_user: Any, make_account: Any, purchases_context: Any
) -> None:
    from billbot.scenarios import recurring_charge
    from billbot.transactions.models import Transaction

    user, account = _borrower(make_user, make_account, email="unlabelled@example.com")
    _post(
        engine,
        account,
        user.time_zone,
        [("pw-10", "POWER Co", 6_100, NOW - timedelta(days=30))],
        NOW,
    )
    # Three merchants in the batch, the unlabelled one (no category, no sub-category) last.
    batch = [
        ("coffee-1", "COFFEE Blue", 450, NOW - timedelta(hours=2)),
        ("grocer-1", "GROCER Fresh", 3_000, NOW - timedelta(hours=2)),
        ("pw-11", "POWER Co", 6_150, NOW - timedelta(hours=1)),
    ]
    _post(engine, account, user.time_zone, batch, NOW)
    (new,) = _messages(engine, "recurring_charge")
    assert "POWER Co" in new.body
    with Session(engine) as session:
        stored = session.exec(select(Transaction).where(col(Transaction.user_id) == user.id)).all()
        batch_ids = {"coffee-1", "grocer-1", "pw-11"}
        context = purchases_context(
            session, user.id, [t for t in stored if t.external_id in batch_ids], NOW
        )
        history = recurring_charge._history(context)
    # Each merchant's stored charges, the unlabelled one's matched by its missing labels.
    assert sorted(c[3] for c in history[("POWER Co", "USD")]) == ["pw-10", "pw-11"]
    assert [c[3] for c in history[("COFFEE Blue", "USD")]] == ["coffee-1"]
    assert [c[3] for c in history[("GROCER Fresh", "USD")]] == ["grocer-1"]


def test_an_everyday_merchant_is_never_a_recurring_charge(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user, account = _borrower(make_user, make_account, email="everyday@example.com")
    # Seven visits in the last 100 days, one of them 30 days ago for the same amount: a month
    # apart and alike, but a merchant this frequent is not a monthly charge.
    visits = [(f"cafe-{d}", "COFFEE Corner", 450, NOW - timedelta(days=d)) for d in (30, 40, 50)]
    visits += [
        (f"cafe-{d}", "COFFEE Corner", 380, NOW - timedelta(days=d)) for d in (60, 70, 80, 90)
    ]
    _post(engine, account, user.time_zone, visits, NOW)
    # ... and a merchant seen once before, a month ago, for the same amount: a new one.
    _post(
        engine,
        account,
        user.time_zone,
        [("pw-1", "POWER Co", 6_000, NOW - timedelta(days=30))],
        NOW,
    )
    batch = [
        ("cafe-0", "COFFEE Corner", 450, NOW - timedelta(hours=1)),
        ("pw-2", "POWER Co", 6_000, NOW - timedelta(hours=1)),
    ]
    _post(engine, account, user.time_zone, batch, NOW)
    (new,) = _messages(engine, "recurring_charge", user.id)
    assert "POWER Co" in new.body and "COFFEE" not in new.body
