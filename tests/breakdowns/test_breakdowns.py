"""Breakdowns through the API: months, statements and ranges, adding up exactly."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.accounts.schemas import AccountCreate
from billbot.accounts.service import open_account
from billbot.bills.models import Statement
from billbot.breakdowns.service import Period, breakdown_for
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.transactions.models import Transaction
from billbot.users.schemas import UserBase
from billbot.users.service import create_user

_emails = itertools.count()
MERCHANTS = [
    ("LUCKIN COFFEE", "5814"),
    ("SHELL 0042", "5541"),
    ("TESCO STORES", "5411"),
    ("NETFLIX.COM", "4899"),
]

movement = st.tuples(
    st.integers(0, 90),
    st.sampled_from(["purchase", "purchase", "purchase", "refund", "repayment", "fee"]),
    st.integers(1, 90_000),
    st.sampled_from(["CNY", "CNY", "USD", "JPY"]),
    st.integers(0, len(MERCHANTS) - 1),
    st.booleans(),
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=st.lists(movement, min_size=1, max_size=40))
def test_statement_breakdown_adds_up_to_the_statement(engine: Engine, moves: list[Any]) -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(
            session,
            email=f"b{next(_emails)}@example.com",
            password=None,
            profile=UserBase(display_name="B", time_zone="Asia/Shanghai", currency="CNY"),
            now=now,
        )
        account = open_account(
            session,
            user_id=user.id,
            data=AccountCreate(name="Dual", currency="CNY", closing_day=10),
            now=now,
        )  # type: ignore[arg-type]
        items = []
        for i, (day, kind, amount, currency, merchant, pending) in enumerate(moves):
            signed = -amount if kind in ("refund", "repayment") else amount
            name, mcc = MERCHANTS[merchant]
            items.append(
                NewTransaction(
                    external_id=f"x{i}",
                    amount_minor=signed,
                    currency=currency,
                    kind=kind,
                    description=name,
                    mcc=mcc,
                    status="pending" if pending else "posted",
                    posted_at=datetime(2026, 1, 1, 4, tzinfo=UTC) + timedelta(days=day),
                )
            )
        ingest(session, account=account, time_zone=user.time_zone, items=items, now=now)
        statements = session.exec(
            select(Statement).where(col(Statement.account_id) == account.id)
        ).all()
        for statement in statements:
            result = breakdown_for(
                session, user=user, period=Period(statement_id=statement.id), today=now.date()
            )
            rows = session.exec(
                select(Transaction).where(col(Transaction.statement_id) == statement.id)
            ).all()
            posted = [t for t in rows if t.status == "posted"]
            expected = sum(t.amount_minor for t in posted if t.kind != "repayment")
            repaid = -sum(t.amount_minor for t in posted if t.kind == "repayment")
            # The statement's own arithmetic: charges less credits other than repayments.
            assert expected == statement.charges_minor - (statement.credits_minor - repaid)
            currencies = {c["currency"]: c for c in result["currencies"]}
            assert set(currencies) <= {statement.currency}
            block = currencies.get(statement.currency)
            total = block["total_spent_minor"] if block else 0
            assert total == expected
            if block:
                assert sum(c["amount_minor"] for c in block["categories"]) == total
                pending = sum(
                    t.amount_minor for t in rows if t.status == "pending" and t.kind != "repayment"
                )
                assert block["pending"]["amount_minor"] == pending
        session.rollback()


def test_month_breakdown_through_the_api(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    user = make_user(time_zone="Asia/Shanghai", currency="CNY")
    card = make_account(user.id, currency="CNY")
    travel = make_account(user.id, currency="USD", name="Travel")
    txs = [
        (
            card.id,
            "c1",
            "2026-10-01T02:00:00+00:00",
            3200,
            "LUCKIN COFFEE 0231",
            "5814",
            "purchase",
        ),
        (
            card.id,
            "c2",
            "2026-10-05T02:00:00+00:00",
            2900,
            "LUCKIN COFFEE 0231",
            "5814",
            "purchase",
        ),
        (card.id, "c3", "2026-10-06T02:00:00+00:00", -2900, "LUCKIN COFFEE 0231", "5814", "refund"),
        (
            card.id,
            "c4",
            "2026-09-30T17:00:00+00:00",
            8800,
            "MEITUAN WAIMAI",
            "5812",
            "purchase",
        ),  # 1 Oct 01:00 in Shanghai
        (
            card.id,
            "c5",
            "2026-10-20T02:00:00+00:00",
            -50000,
            "PAYMENT THANK YOU",
            None,
            "repayment",
        ),
        (
            card.id,
            "c6",
            "2026-09-12T02:00:00+00:00",
            1000,
            "LUCKIN COFFEE 0231",
            "5814",
            "purchase",
        ),
        (travel.id, "u1", "2026-10-11T02:00:00+00:00", 1549, "NETFLIX.COM", "4899", "purchase"),
    ]
    for account_id, ext, at, amount, merchant, mcc, kind in txs:
        body = {
            "external_id": ext,
            "posted_at": at,
            "amount_minor": amount,
            "merchant": merchant,
            "kind": kind,
        }
        if mcc:
            body["mcc"] = mcc
        assert (
            client.post(
                f"/operator/v1/accounts/{account_id}/transactions",
                json={"transactions": [body]},
                headers=operator_headers,
            ).status_code
            == 200
        )
    headers = login(user.email)
    result = client.get("/v1/breakdowns", params={"month": "2026-10"}, headers=headers).json()
    assert result["period"] == {
        "start": "2026-10-01",
        "end": "2026-10-31",
        "kind": "month",
        "month": "2026-10",
    }
    by_currency = {c["currency"]: c for c in result["currencies"]}
    assert by_currency["CNY"]["total_spent_minor"] == 3200 + 2900 - 2900 + 8800
    assert by_currency["CNY"]["previous_total_spent_minor"] == 1000
    assert by_currency["USD"]["total_spent_minor"] == 1549
    bad = client.get(
        "/v1/breakdowns", params={"month": "2026-10", "statement_id": 1}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "breakdown.period"
    default = client.get("/v1/breakdowns", headers=headers).json()
    assert default["period"]["month"] == "2026-11"  # the test clock's month in Shanghai
