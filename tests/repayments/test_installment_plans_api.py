"""Installment plans as stored objects: conversions, statements carrying installments, the ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.accounts.models import DueRule
from billbot.bills.cycles import CyclePlan, cycle_for, next_cycle
from billbot.bills.models import Statement
from billbot.bills.service import close_and_age
from billbot.clock import FrozenClock
from billbot.money import exponent
from billbot.repayments.installments import installment_ledger, plan_installments
from billbot.repayments.models import InstallmentItem, InstallmentPlan
from billbot.repayments.plans import SUPPORTED_TERMS, InstallmentOffer, Pricing
from billbot.users.models import User


def _post(client: TestClient, account_id: int, headers: dict[str, str], **fields: Any) -> int:
    item = {"merchant": "IKEA 0042", "mcc": "5712"} | fields
    response = client.post(
        f"/operator/v1/accounts/{account_id}/transactions",
        json={"transactions": [item]},
        headers=headers,
    )
    (outcome,) = response.json()["items"]
    assert outcome["outcome"] == "created", response.text
    return int(outcome["id"])


def _statements(engine: Engine, account_id: int) -> dict[date, Statement]:
    with Session(engine) as session:
        rows = session.exec(select(Statement).where(col(Statement.account_id) == account_id))
        return {s.cycle_end_date: s for s in rows.all()}


@pytest.fixture
def borrower(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    login: Any,
    operator_headers: dict[str, str],
) -> Any:
    user = make_user(time_zone="Europe/London")
    account = make_account(user.id, closing_day=5, due_value=20, min_payment_bps=500)
    purchase = _post(
        client,
        account.id,
        operator_headers,
        external_id="sofa",
        posted_at="2026-10-20T12:00:00+00:00",
        amount_minor=100_000,
    )
    return user, account, purchase, login(user.email)


def test_a_statement_converted_lands_one_installment_a_statement(
    client: TestClient, engine: Engine, clock: FrozenClock, borrower: Any
) -> None:
    user, account, _, headers = borrower
    statement = next(
        s for s in client.get("/v1/statements", headers=headers).json() if s["status"] != "open"
    )
    assert statement["remaining_due_minor"] == 100_000 and statement["due_date"] == "2026-11-25"
    body = {"statement_id": statement["id"], "term_months": 3}
    preview = client.post("/v1/installments/preview", json=body, headers=headers).json()
    assert [(i["post_date"], i["amount_minor"]) for i in preview["installments"]] == [
        ("2026-12-05", 33_934),
        ("2027-01-05", 33_933),
        ("2027-02-05", 33_933),
    ]  # 100,000 in three, with a fee of 0.6% of it (600) a month
    assert (
        preview["total_minor"] == 101_800 == sum(i["amount_minor"] for i in preview["installments"])
    )
    assert preview["extra_over_full_minor"] == 1_800 and preview["warning"] is False
    assert client.get("/v1/installments", headers=headers).json()["plans"] == []  # not stored

    created = client.post("/v1/installments", json=body, headers=headers)
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    by_end = {s["cycle_end_date"]: s for s in client.get("/v1/statements", headers=headers).json()}
    assert by_end["2026-11-05"]["status"] == "paid"  # converted: nothing left to pay on it now
    current = by_end["2026-12-05"]
    assert current["installments_minor"] == 33_933 + 1 and current["converted_minor"] == 100_000
    assert current["statement_balance_minor"] == 33_934

    # The cycle closes: the statement asks for the installment in full as its minimum.
    clock.set(datetime(2026, 12, 6, 12, tzinfo=UTC))
    _post(
        client,
        account.id,
        {"X-API-Key": _operator_key(engine, clock)},
        external_id="lunch",
        posted_at="2026-12-10T12:00:00+00:00",
        amount_minor=2_000,
    )
    for day in (datetime(2027, 1, 6, 12, tzinfo=UTC), datetime(2027, 2, 6, 12, tzinfo=UTC)):
        clock.set(day)
        with Session(engine) as session:
            close_and_age(session, now=clock.now())
            session.commit()
    stored = _statements(engine, account.id)
    december, january, february = (
        stored[date(2026, 12, 5)],
        stored[date(2027, 1, 5)],
        stored[date(2027, 2, 5)],
    )
    assert (december.installments_minor, december.minimum_due_minor) == (33_934, 33_934)
    assert january.installments_minor == 33_933
    # January: the unpaid December balance, lunch and the second installment.
    assert january.statement_balance_minor == 33_934 + 2_000 + 33_933
    assert january.minimum_due_minor == 33_933 + 1_797  # 5% of 35,934, rounded half up
    assert february.installments_minor == 33_933
    with Session(engine) as session:
        items = session.exec(
            select(InstallmentItem).where(col(InstallmentItem.plan_id) == plan_id)
        ).all()
        assert [i.statement_id for i in items] == [december.id, january.id, february.id]

    with Session(engine) as session:  # (tokens cannot be issued this far ahead of real time)
        holder = session.get(User, user.id)
        assert holder is not None
        ledger = installment_ledger(session, user=holder, now=clock.now())
    assert ledger["plans"] == []  # every installment has posted: nothing active remains
    assert ledger["projected_statements"] == []


def _operator_key(engine: Engine, clock: FrozenClock) -> str:
    from billbot.users.service import OPERATOR_SCOPES, create_api_key

    with Session(engine) as session:
        _, key = create_api_key(session, name="later", scopes=set(OPERATOR_SCOPES), now=clock.now())
        session.commit()
    return key


def test_a_purchase_in_installments_the_ledger_and_the_stacking_guard(
    client: TestClient,
    engine: Engine,
    borrower: Any,
    make_user: Any,
    login: Any,
    operator_headers: dict[str, str],
) -> None:
    _, account, sofa, headers = borrower
    phone = _post(
        client,
        account.id,
        operator_headers,
        external_id="phone",
        posted_at="2026-11-10T12:00:00+00:00",
        amount_minor=120_000,
    )
    income = {"monthly_income_minor": 150_000, "currency": "usd", "share_bps": 2_000}
    declared = client.put("/v1/installments/income", json=income, headers=headers)
    assert declared.json() == {
        "monthly_income_minor": 150_000,
        "currency": "USD",
        "share_bps": 2_000,
    }
    body = {"transaction_id": phone, "term_months": 6}
    preview = client.post("/v1/installments/preview", json=body, headers=headers).json()
    assert preview["warning"] is False  # 20,720 a month against a limit of 30,000
    assert client.post("/v1/installments", json=body, headers=headers).status_code == 201
    again = client.post("/v1/installments", json=body, headers=headers)
    assert (
        again.status_code == 409
        and again.json()["error"]["code"] == "installments.already_converted"
    )

    # The open cycle: the phone is offset by the conversion and its first installment lands.
    current = next(
        s
        for s in client.get("/v1/statements", headers=headers).json()
        if s["cycle_end_date"] == "2026-12-05"
    )
    assert current["charges_minor"] == 120_000 and current["converted_minor"] == 120_000
    assert current["installments_minor"] == 20_000 + 720

    # A second plan would push December past 20% of income: the guard warns before and after.
    sofa_plan = {"statement_id": _closed_id(client, headers), "term_months": 3}
    second = client.post("/v1/installments/preview", json=sofa_plan, headers=headers).json()
    assert second["warning"] is True, second
    assert [g["month"] for g in second["guard"] if g["over_limit"]] == [
        "2026-12",
        "2027-01",
        "2027-02",
    ]
    assert client.post("/v1/installments", json=sofa_plan, headers=headers).status_code == 201
    ledger = client.get("/v1/installments", headers=headers).json()
    assert ledger["warning"] is True and len(ledger["plans"]) == 2
    phone_plan = next(p for p in ledger["plans"] if p["source"] == "purchase")
    assert phone_plan["remaining_count"] == 6 and phone_plan["total_minor"] == 124_320
    assert phone_plan["schedule"][0]["statement_id"] == current["id"]
    assert phone_plan["schedule"][0]["due_date"] == "2026-12-25"
    (projection,) = ledger["projected_statements"]
    totals = [s["installments_minor"] for s in projection["statements"]]
    assert totals == [20_720 + 33_934, 20_720 + 33_933, 20_720 + 33_933, 20_720, 20_720, 20_720]

    # Someone else's statement or purchase is not theirs to convert.
    intruder = make_user("intruder@example.com")
    other = login(intruder.email)
    for source in ({"transaction_id": sofa}, {"statement_id": sofa_plan["statement_id"]}):
        for url in ("/v1/installments", "/v1/installments/preview"):
            response = client.post(url, json=source | {"term_months": 3}, headers=other)
            assert response.status_code == 404, response.text
    assert client.get("/v1/installments", headers=other).json()["plans"] == []


def _closed_id(client: TestClient, headers: dict[str, str]) -> int:
    statements = client.get("/v1/statements", headers=headers).json()
    return int(next(s["id"] for s in statements if s["status"] != "open"))


def test_conversions_refused_with_reasons(
    client: TestClient, borrower: Any, operator_headers: dict[str, str]
) -> None:
    _, account, sofa, headers = borrower
    closed = _closed_id(client, headers)
    cases = [
        ({"statement_id": closed, "term_months": 5}, "repayment.unsupported_term"),
        (
            {"statement_id": closed, "term_months": 3, "amount_minor": 100_001},
            "installments.too_much",
        ),
        ({"term_months": 3}, "installments.source"),
        ({"statement_id": closed, "transaction_id": sofa, "term_months": 3}, "installments.source"),
        ({"statement_id": closed, "term_months": 24, "amount_minor": 23}, "repayment.invalid"),
    ]
    for body, code in cases:
        response = client.post("/v1/installments/preview", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["code"] == code, (body, response.text)
    refund = _post(
        client,
        account.id,
        operator_headers,
        external_id="back",
        posted_at="2026-11-12T12:00:00+00:00",
        amount_minor=-1_000,
        kind="refund",
    )
    response = client.post(
        "/v1/installments", json={"transaction_id": refund, "term_months": 3}, headers=headers
    )
    assert response.json()["error"]["code"] == "installments.not_a_purchase"
    bad_income = {"monthly_income_minor": 1, "currency": "XXZ"}
    assert (
        client.put("/v1/installments/income", json=bad_income, headers=headers).status_code == 422
    )


@pytest.mark.parametrize(
    ("currency", "principal"), [("JPY", 99_999), ("USD", 1_234_567), ("KWD", 7_777_777)]
)
def test_stored_plans_sum_exactly_in_every_currency(
    client: TestClient,
    engine: Engine,
    make_user: Any,
    make_account: Any,
    login: Any,
    operator_headers: dict[str, str],
    currency: str,
    principal: int,
) -> None:
    user = make_user(f"{currency.lower()}@example.com", currency=currency)
    account = make_account(user.id, currency=currency, closing_day=28)
    headers = login(user.email)
    for term in (3, 24):  # a fee a month; an APR
        purchase = _post(
            client,
            account.id,
            operator_headers,
            external_id=f"big-{term}",
            posted_at="2026-11-10T12:00:00+00:00",
            amount_minor=principal + term,
            currency=currency,
        )
        body = {"transaction_id": purchase, "term_months": term, "amount_minor": principal}
        assert client.post("/v1/installments", json=body, headers=headers).status_code == 201
    with Session(engine) as session:
        for plan in session.exec(select(InstallmentPlan)).all():
            items = session.exec(
                select(InstallmentItem).where(col(InstallmentItem.plan_id) == plan.id)
            ).all()
            assert sum(i.amount_minor for i in items) == plan.total_minor
            assert sum(i.principal_minor for i in items) == plan.principal_minor
            assert plan.total_minor == plan.principal_minor + plan.fees_minor + plan.interest_minor
            assert plan.principal_minor == principal and len(items) == plan.term_months


CARD = CyclePlan(closing_day=31, due_rule=DueRule.FIXED_DAY, due_value=10)


@given(
    currency=st.sampled_from(["JPY", "USD", "KWD"]),
    term=st.sampled_from(SUPPORTED_TERMS),
    pricing=st.sampled_from(list(Pricing)),
    rate_bps=st.integers(0, 3_600),
    start=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    data=st.data(),
)
def test_planned_installments_sum_exactly_and_land_one_a_cycle(
    currency: str,
    term: int,
    pricing: Pricing,
    rate_bps: int,
    start: date,
    data: st.DataObject,
) -> None:
    principal = data.draw(st.integers(term, 10 ** (6 + exponent(currency))))
    offer = InstallmentOffer(term, pricing, rate_bps)
    cycles = [cycle_for(start, CARD)]
    while len(cycles) < term:
        cycles.append(next_cycle(cycles[-1], CARD))
    planned = plan_installments(principal, offer, cycles)
    assert len(planned) == term
    assert sum(p.principal_minor for p in planned) == principal
    assert all(
        p.amount_minor == p.principal_minor + p.fee_minor + p.interest_minor for p in planned
    )
    assert [p.post_date for p in planned] == [c.end_date for c in cycles]
    assert all(p.due_date - p.post_date > timedelta(0) for p in planned)
