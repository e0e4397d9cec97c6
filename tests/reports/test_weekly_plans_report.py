"""The stored weekly report carries the borrower's own limits, dues, utilisation and new charges."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from billbot.bills.models import Statement
from billbot.bills.service import close_and_age
from billbot.clock import FrozenClock
from billbot.repayments.models import InstallmentItem
from billbot.reports.models import WeeklyReport
from billbot.users.service import OPERATOR_SCOPES, create_api_key


def _key(engine: Engine, clock: FrozenClock) -> dict[str, str]:
    with Session(engine) as session:
        _, key = create_api_key(
            session, name="issuer", scopes=set(OPERATOR_SCOPES), now=clock.now()
        )
        session.commit()
    return {"X-API-Key": key}


def _post(
    client: TestClient, account_id: int, headers: dict[str, str], *items: dict[str, Any]
) -> list[int]:
    response = client.post(
        f"/operator/v1/accounts/{account_id}/transactions",
        json={"transactions": list(items)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    outcomes = response.json()["items"]
    assert all(o["outcome"] == "created" for o in outcomes), response.text
    return [int(o["id"]) for o in outcomes]


def _buy(external_id: str, day: str, amount: int, merchant: str, mcc: str) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "posted_at": f"{day}T12:00:00+00:00",
        "amount_minor": amount,
        "merchant": merchant,
        "mcc": mcc,
    }


@pytest.fixture
def borrower(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    make_user: Any,
    make_account: Any,
    login: Any,
) -> Any:
    """Ana, in London, with a card, a phone in three installments and a monthly subscription."""
    clock.set(datetime(2026, 10, 21, 12, tzinfo=UTC))
    user = make_user(time_zone="Europe/London", locale="en")
    account = make_account(
        user.id, closing_day=5, due_value=20, credit_limit_minor=500_000, min_payment_bps=500
    )
    operator = _key(engine, clock)
    _, phone = _post(
        client,
        account.id,
        operator,
        _buy("netflix-oct", "2026-10-12", 1_599, "Netflix", "4899"),
        _buy("phone", "2026-10-20", 120_000, "Apple Store", "5732"),
    )
    headers = login(user.email)
    converted = client.post(
        "/v1/installments", json={"transaction_id": phone, "term_months": 3}, headers=headers
    )
    assert converted.status_code == 201, converted.text
    clock.set(datetime(2026, 11, 16, 12, tzinfo=UTC))
    _post(
        client,
        account.id,
        _key(engine, clock),
        _buy("groceries-oct", "2026-10-25", 30_000, "Tesco", "5411"),
        _buy("netflix-nov", "2026-11-11", 1_599, "Netflix", "4899"),
        _buy("coffee-1", "2026-11-09", 450, "Starbucks", "5814"),
        _buy("coffee-2", "2026-11-10", 550, "Starbucks", "5814"),
        _buy("coffee-3", "2026-11-12", 500, "Starbucks", "5814"),
        _buy("groceries-nov", "2026-11-13", 8_000, "Tesco", "5411"),
    )
    with Session(engine) as session:
        close_and_age(session, now=clock.now())
        session.commit()
    headers = login(user.email)
    for limit in (
        {"scope": "ideal_bill", "period": "month", "amount_minor": 200_000},
        {"scope": "sub_category", "target": "coffee", "period": "week", "amount_minor": 2_000},
        {"scope": "merchant", "target": "STARBUCKS", "period": "month", "amount_minor": 5_000},
        {"scope": "credit_cap", "account_id": account.id, "amount_minor": 300_000},
    ):
        made = client.post("/v1/limits", json=limit | {"currency": "USD"}, headers=headers)
        assert made.status_code == 201, made.text
    return user, account, headers


def test_the_api_report_has_limits_dues_utilisation_and_new_charges(
    client: TestClient, engine: Engine, borrower: Any
) -> None:
    _, account, headers = borrower
    report = client.get("/v1/reports/weekly/2026-W46", headers=headers).json()
    assert (report["week"]["start"], report["week"]["end"], report["as_of"]) == (
        "2026-11-09",
        "2026-11-15",
        "2026-11-16",
    )
    limits = {(row["scope"], row["target"]): row for row in report["limits"]}
    assert set(limits) == {
        ("ideal_bill", None),
        ("sub_category", "coffee"),
        ("merchant", "STARBUCKS"),
    }
    # November to the week's end: Netflix 15.99, three coffees 15.00 and groceries 80.00.
    ideal = limits[("ideal_bill", None)]
    assert (ideal["period_start"], ideal["period_end"]) == ("2026-11-01", "2026-11-30")
    assert (ideal["spent_minor_so_far"], ideal["remaining_minor"]) == (11_099, 188_901)
    assert (ideal["days_left"], ideal["remaining_per_day_minor"]) == (15, 188_901 // 15)
    assert ideal["status"] == "on_pace"
    # The coffee week (Monday first) is the report's week: nothing of it is left to spread.
    coffee = limits[("sub_category", "coffee")]
    assert (coffee["period_start"], coffee["period_end"]) == ("2026-11-09", "2026-11-15")
    assert (coffee["spent_minor_so_far"], coffee["remaining_minor"]) == (1_500, 500)
    assert (coffee["days_left"], coffee["remaining_per_day_minor"]) == (0, None)
    # The merchant limit matches the name however it is written.
    starbucks = limits[("merchant", "STARBUCKS")]
    assert (starbucks["spent_minor_so_far"], starbucks["remaining_per_day_minor"]) == (1_500, 233)
    # The month's figures agree with the limits API (nothing was spent since the week ended).
    progress = {
        (row["scope"], row["target"]): row["progress"]
        for row in client.get("/v1/limits", headers=headers).json()
    }
    assert progress[("ideal_bill", None)]["spent_minor"] == ideal["spent_minor_so_far"]
    assert progress[("merchant", "STARBUCKS")]["spent_minor"] == starbucks["spent_minor_so_far"]

    # The October statement (groceries, Netflix and the phone's first installment) is due on
    # 25 November, ten days after the week; the installment inside it is shown, not added again.
    with Session(engine) as session:
        october = session.exec(
            select(Statement).where(col(Statement.cycle_end_date) == date(2026, 11, 5))
        ).one()
        first = session.exec(select(InstallmentItem).where(col(InstallmentItem.seq) == 1)).one()
    assert first.statement_id == october.id
    owed = october.statement_balance_minor - october.paid_minor
    assert owed == 30_000 + 1_599 + first.amount_minor
    items = report["upcoming"]["items"]
    assert [(i["kind"], i["label"], i["amount_minor"], i["part_of_statement"]) for i in items] == [
        ("installment", "Everyday Card installment 1/3", first.amount_minor, True),
        ("statement", "Everyday Card statement", owed, False),
    ]
    assert {i["due_date"] for i in items} == {"2026-11-25"}
    assert report["upcoming"]["totals"] == [
        {"currency": "USD", "amount_minor": owed, "count": 1, "next_due_date": "2026-11-25"}
    ]

    # Utilisation: the running balance of the cycle holding the week, against the issuer's
    # limit and against the borrower's own lower cap.
    with Session(engine) as session:
        november = session.exec(
            select(Statement).where(col(Statement.cycle_end_date) == date(2026, 12, 5))
        ).one()
    balance = november.statement_balance_minor
    (card,) = report["utilisation"]["accounts"]
    assert (card["account_id"], card["balance_minor"], card["credit_limit_minor"]) == (
        account.id,
        balance,
        500_000,
    )
    assert card["utilisation_bps"] == (balance * 10_000 + 250_000) // 500_000
    assert card["own_cap_minor"] == 300_000
    assert card["own_cap_utilisation_bps"] == (balance * 10_000 + 150_000) // 300_000
    assert card["own_cap_left_minor"] == 300_000 - balance
    assert report["utilisation"]["totals"][0]["owed_minor"] == balance

    # Netflix charged again a month later, at the same price: a new recurring charge.
    (netflix,) = report["recurring"]
    assert (netflix["merchant"], netflix["change"], netflix["cadence"]) == (
        "Netflix",
        "new",
        "monthly",
    )
    assert (netflix["local_date"], netflix["previous_date"]) == ("2026-11-11", "2026-10-12")
    kinds = [item["kind"] for item in report["insights"]]
    assert "new_recurring" in kinds and "under_limit" in kinds
    # Three weeks in a row under the ideal bill's weekly pace (200,000 * 7 // 30); the week of
    # the phone broke the streak before them.
    assert report["touch"]["kind"] == "under_pace_streak"
    assert report["touch"]["params"] == {"currency": "USD", "weeks": 3, "amount_minor": 46_666}

    # Report totals still equal the breakdown of the same dates.
    breakdown = client.get(
        "/v1/breakdowns", params={"from": "2026-11-09", "to": "2026-11-15"}, headers=headers
    ).json()
    assert [(c["currency"], c["total_spent_minor"]) for c in report["currencies"]] == [
        (c["currency"], c["total_spent_minor"]) for c in breakdown["currencies"]
    ]


def test_batch_generation_reads_set_wise_and_keeps_borrowers_apart(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    borrower: Any,
    make_user: Any,
    make_account: Any,
    login: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana, _, _ = borrower
    bo = make_user("bo@example.com", time_zone="Asia/Shanghai", locale="zh-CN", currency="CNY")
    card = make_account(bo.id, name="Everyday Card", currency="CNY", closing_day=5, due_value=20)
    _post(client, card.id, _key(engine, clock), _buy("rice", "2026-10-20", 8_800, "Hema", "5411"))
    cy = make_user("cy@example.com")  # no accounts, no limits
    with Session(engine) as session:
        close_and_age(session, now=clock.now())
        session.commit()
    made = client.post(
        "/v1/limits",
        json={"scope": "ideal_bill", "period": "month", "amount_minor": 300_000, "currency": "CNY"},
        headers=login(bo.email),
    )
    assert made.status_code == 201, made.text

    reads: list[str] = []
    from billbot.reports import weekly, weekly_inputs

    for module in (weekly, weekly_inputs):
        original = module.raw_rows

        def counted(session: Session, sql: str, params: Any, _original: Any = original) -> Any:
            reads.append(sql)
            return _original(session, sql, params)

        monkeypatch.setattr(module, "raw_rows", counted)

    def selects(user_ids: list[int]) -> int:
        reads.clear()

        def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            reads.append(statement)

        event.listen(engine, "before_cursor_execute", note)
        try:
            with Session(engine) as session:
                weekly.generate(
                    session, week_of=date(2026, 11, 9), now=clock.now(), user_ids=user_ids
                )
                session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return sum(1 for sql in reads if sql.lstrip().upper().startswith("SELECT"))

    # The same few reads for one borrower as for three: nothing is read per borrower.
    assert selects([ana.id]) == selects([ana.id, bo.id, cy.id])

    with Session(engine) as session:
        stored = {
            r.user_id: json.loads(r.payload) for r in session.exec(select(WeeklyReport)).all()
        }
    assert set(stored) == {ana.id, bo.id, cy.id}
    bo_report, cy_report = stored[bo.id], stored[cy.id]
    # Bo sees only his own limit, card and bill, labelled in his language.
    assert [(row["scope"], row["currency"], row["limit_minor"]) for row in bo_report["limits"]] == [
        ("ideal_bill", "CNY", 300_000)
    ]
    assert [(i["label"], i["amount_minor"]) for i in bo_report["upcoming"]["items"]] == [
        ("Everyday Card账单", 8_800)
    ]
    assert [a["account_id"] for a in bo_report["utilisation"]["accounts"]] == [card.id]
    assert bo_report["utilisation"]["accounts"][0]["utilisation_bps"] is None  # no credit limit
    assert cy_report["limits"] == [] and cy_report["upcoming"] == {"items": [], "totals": []}
    assert (
        cy_report["utilisation"] == {"accounts": [], "totals": []} and cy_report["recurring"] == []
    )


def test_a_removed_limit_leaves_the_report_and_a_raise_counts_once_in_force(
    client: TestClient, engine: Engine, clock: FrozenClock, borrower: Any
) -> None:
    _, _, headers = borrower
    limits = {row["scope"]: row for row in client.get("/v1/limits", headers=headers).json()}
    # Lowering applies at once; removing and raising wait out the cooling-off period.
    removed = client.delete(f"/v1/limits/{limits['merchant']['id']}", headers=headers)
    raised = client.patch(
        f"/v1/limits/{limits['ideal_bill']['id']}", json={"amount_minor": 250_000}, headers=headers
    )
    assert removed.status_code in (200, 202), removed.text
    assert raised.status_code in (200, 202), raised.text
    with Session(engine) as session:
        from billbot.reports.weekly import generate

        generate(session, week_of=date(2026, 11, 9), now=clock.now())
        session.commit()
        waiting = json.loads(session.exec(select(WeeklyReport)).one().payload)
    assert {row["scope"] for row in waiting["limits"]} == {"ideal_bill", "sub_category", "merchant"}
    assert (
        next(r for r in waiting["limits"] if r["scope"] == "ideal_bill")["limit_minor"] == 200_000
    )
    clock.set(datetime(2026, 11, 18, 12, tzinfo=UTC))
    with Session(engine) as session:
        from billbot.reports.weekly import generate

        assert generate(session, week_of=date(2026, 11, 9), now=clock.now()) == 1
        session.commit()
        settled = json.loads(session.exec(select(WeeklyReport)).one().payload)
    assert {row["scope"] for row in settled["limits"]} == {"ideal_bill", "sub_category"}
    assert (
        next(r for r in settled["limits"] if r["scope"] == "ideal_bill")["limit_minor"] == 250_000
    )


def test_a_borrower_with_no_accounts_or_limits_gets_empty_sections(
    client: TestClient, make_user: Any, login: Any
) -> None:
    user = make_user("dee@example.com")
    report = client.get("/v1/reports/weekly/2026-W46", headers=login(user.email)).json()
    assert report["limits"] == [] and report["recurring"] == [] and report["touch"] is None
    assert report["upcoming"] == {"items": [], "totals": []}
    assert report["utilisation"] == {"accounts": [], "totals": []}
