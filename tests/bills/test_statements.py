"""Statements kept by ingestion agree with a recount, roll balances forward and age on schedule."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from billbot.accounts.schemas import AccountCreate
from billbot.accounts.service import open_account
from billbot.bills.service import close_and_age, load_book, rebuild
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.users.schemas import UserBase
from billbot.users.service import create_user

_emails = itertools.count()
ZONES = [
    "Pacific/Tongatapu",
    "Pacific/Honolulu",
    "America/New_York",
    "Australia/Sydney",
    "Europe/London",
    "Asia/Shanghai",
]

movement = st.tuples(
    st.integers(0, 200),  # day offset from 1 Jan 2026
    st.integers(0, 23),  # hour UTC
    st.sampled_from(["purchase", "purchase", "purchase", "refund", "repayment", "fee"]),
    st.integers(1, 50_000),
    st.booleans(),  # pending first, posted later
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(st.lists(movement, min_size=1, max_size=25), min_size=1, max_size=4),
    closing_day=st.integers(1, 31),
    tz=st.sampled_from(ZONES),
)
def test_incremental_totals_equal_a_recount(
    engine: Engine, batches: list[list[Any]], closing_day: int, tz: str
) -> None:
    now = datetime(2026, 8, 1, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(
            session,
            email=f"p{next(_emails)}@example.com",
            password=None,
            profile=UserBase(display_name="P", time_zone=tz),
            now=now,
        )
        assert user.id is not None
        account = open_account(
            session,
            user_id=user.id,
            data=AccountCreate(name="C", currency="USD", closing_day=closing_day),
            now=now,
        )
        posted_sum_by_date: dict[date, int] = {}
        counter = itertools.count()
        for batch in batches:
            items = []
            for offset, hour, kind, amount, pending in batch:
                at = datetime(2026, 1, 1, hour, tzinfo=UTC) + timedelta(days=offset)
                signed = -amount if kind in ("refund", "repayment") else amount
                external = f"m{next(counter)}"
                items.append(
                    NewTransaction(
                        external_id=external,
                        amount_minor=signed,
                        kind=kind,
                        posted_at=at,
                        status="pending" if pending else "posted",
                    )
                )
                if pending:  # the issuer later posts it for real, in the same batch or the next
                    items.append(
                        NewTransaction(
                            external_id=external, amount_minor=signed, kind=kind, posted_at=at
                        )
                    )
                local = at.astimezone(__import__("zoneinfo").ZoneInfo(tz)).date()
                posted_sum_by_date[local] = posted_sum_by_date.get(local, 0) + signed
            ingest(session, account=account, time_zone=tz, items=items, now=now)
        book = load_book(session, account, tz)
        kept = [
            (s.charges_minor, s.credits_minor, s.statement_balance_minor, s.paid_minor, s.status)
            for s in book.statements
        ]
        for statement in book.statements:
            expected = sum(
                v for d, v in posted_sum_by_date.items() if d <= statement.cycle_end_date
            )
            assert statement.statement_balance_minor == expected
        rebuild(session, book, now=now)
        assert [
            (s.charges_minor, s.credits_minor, s.statement_balance_minor, s.paid_minor, s.status)
            for s in book.statements
        ] == kept
        session.rollback()


def test_sweep_closes_cycles_and_marks_overdue(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user = make_user(time_zone="Pacific/Tongatapu")  # UTC+13: local days begin before UTC's
    account = make_account(user.id, closing_day=10, due_value=15, min_payment_floor_minor=1000)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as session:
        ingest(
            session,
            account=account,
            time_zone=user.time_zone,
            items=[NewTransaction(external_id="a", amount_minor=20_000, posted_at=start)],
            now=start,
        )
        session.commit()

    def statuses(at: datetime) -> list[str]:
        with Session(engine, expire_on_commit=False) as session:
            close_and_age(session, now=at)
            session.commit()
            return [s.status for s in load_book(session, account, user.time_zone).statements]

    # 10 March closes at local midnight = 10 March 11:00 UTC.
    assert statuses(datetime(2026, 3, 10, 10, 59, tzinfo=UTC)) == ["open"]
    assert statuses(datetime(2026, 3, 10, 11, 0, tzinfo=UTC))[0] == "closed"
    # Due on 25 March local; overdue from 26 March local = 25 March 11:00 UTC.
    assert statuses(datetime(2026, 3, 25, 10, 59, tzinfo=UTC))[0] == "closed"
    assert statuses(datetime(2026, 3, 25, 11, 0, tzinfo=UTC))[0] == "overdue"
    # A repayment of the full balance afterwards marks it paid.
    with Session(engine, expire_on_commit=False) as session:
        later = datetime(2026, 3, 27, tzinfo=UTC)
        ingest(
            session,
            account=account,
            time_zone=user.time_zone,
            items=[
                NewTransaction(
                    external_id="p", amount_minor=-20_000, kind="repayment", posted_at=later
                )
            ],
            now=later,
        )
        session.commit()
    assert statuses(datetime(2026, 3, 28, tzinfo=UTC))[0] == "paid"


def test_repayments_are_recorded_and_allocated(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    from sqlmodel import select

    from billbot.repayments.models import Repayment, RepaymentAllocation

    user = make_user()
    account = make_account(user.id, closing_day=5)
    now = datetime(2026, 11, 16, tzinfo=UTC)
    items = [
        NewTransaction(
            external_id="buy", amount_minor=9_000, posted_at=datetime(2026, 9, 20, tzinfo=UTC)
        ),
        NewTransaction(
            external_id="pay",
            amount_minor=-4_000,
            description="AUTOPAY PAYMENT THANK YOU",
            posted_at=datetime(2026, 10, 12, tzinfo=UTC),
        ),
    ]
    with Session(engine, expire_on_commit=False) as session:
        result = ingest(session, account=account, time_zone=user.time_zone, items=items, now=now)
        again = ingest(session, account=account, time_zone=user.time_zone, items=items, now=now)
        session.commit()
        assert result.count("created") == 2 and again.count("duplicate") == 2
        repayments = session.exec(select(Repayment)).all()
        assert [(r.amount_minor, r.external_id) for r in repayments] == [(4_000, "pay")]
        allocation = session.exec(select(RepaymentAllocation)).one()
        book = load_book(session, account, user.time_zone)
        paid = next(s for s in book.statements if s.id == allocation.statement_id)
        assert paid.cycle_end_date == date(2026, 10, 5)  # the statement closed before the payment
        assert paid.paid_minor == 4_000 and paid.status == "partially_paid"


def test_dual_currency_account_bills_each_currency_apart(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    from billbot.bills.service import load_books

    user = make_user(time_zone="Asia/Shanghai", currency="CNY")
    account = make_account(user.id, currency="CNY", closing_day=20)
    now = datetime(2026, 11, 16, tzinfo=UTC)
    items = [
        NewTransaction(
            external_id="cny", amount_minor=12_800, posted_at=datetime(2026, 10, 2, tzinfo=UTC)
        ),
        NewTransaction(
            external_id="usd",
            amount_minor=4_500,
            currency="USD",
            posted_at=datetime(2026, 10, 3, tzinfo=UTC),
        ),
        NewTransaction(
            external_id="jpy",
            amount_minor=3_000,
            currency="JPY",
            posted_at=datetime(2026, 10, 4, tzinfo=UTC),
        ),
    ]
    with Session(engine, expire_on_commit=False) as session:
        ingest(session, account=account, time_zone=user.time_zone, items=items, now=now)
        books = {b.currency: b for b in load_books(session, account, user.time_zone)}
        assert set(books) == {"CNY", "JPY", "USD"}
        october = {
            c: next(s for s in b.statements if s.cycle_end_date == date(2026, 10, 20))
            for c, b in books.items()
        }
        assert {c: s.statement_balance_minor for c, s in october.items()} == {
            "CNY": 12_800,
            "USD": 4_500,
            "JPY": 3_000,
        }
        # Each currency keeps its own cycle history and agrees with a recount.
        for book in books.values():
            kept = [s.statement_balance_minor for s in book.statements]
            rebuild(session, book, now=now)
            assert [s.statement_balance_minor for s in book.statements] == kept
