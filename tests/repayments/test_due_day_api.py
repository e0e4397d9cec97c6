"""Custom due dates: the allowed days, once a year, from the next cycle; the preview comes true."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.bills.models import Statement
from billbot.bills.service import close_and_age
from billbot.clock import FrozenClock
from billbot.outbox.models import OutboxMessage
from billbot.repayments.due_day import parse_allowed_days
from billbot.scenarios.due_dates import sweep_due_dates


def _buy(client: TestClient, account_id: int, headers: dict[str, str], key: str, at: str) -> None:
    purchase = {"external_id": key, "posted_at": at, "amount_minor": 25_000, "merchant": "IKEA"}
    response = client.post(
        f"/operator/v1/accounts/{account_id}/transactions",
        json={"transactions": [purchase]},
        headers=headers,
    )
    assert response.json()["created"] == 1


def _statements(engine: Engine, account_id: int) -> dict[date, Statement]:
    with Session(engine) as session:
        rows = session.exec(select(Statement).where(col(Statement.account_id) == account_id)).all()
        return {s.cycle_start_date: s for s in rows}


def test_preview_comes_true_through_three_cycles_and_reminders_follow(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    make_user: Any,
    make_account: Any,
    login: Any,
    operator_headers: dict[str, str],
) -> None:
    user = make_user(time_zone="Europe/Berlin", currency="EUR")
    account = make_account(user.id, currency="EUR", closing_day=5, due_value=25)
    headers = login(user.email)
    _buy(client, account.id, operator_headers, "p0", "2026-11-10T10:00:00+00:00")
    url = f"/v1/accounts/{account.id}/due-date"

    status = client.get(url, headers=headers).json()
    assert status["due_rule"] == "days_after_close" and status["possible_from"] is None
    assert 20 in status["allowed_days"] and 8 not in status["allowed_days"]  # grace under 10 days

    preview = client.get(f"{url}/preview", params={"day": 20}, headers=headers)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["effective_from"] == "2026-12-06" and body["allowed_now"] is True
    rows = body["cycles"]
    assert [(r["closing_date"], r["due_date_before"], r["due_date_after"]) for r in rows] == [
        ("2026-12-05", "2026-12-30", "2026-12-30"),  # the open cycle keeps its due date
        ("2027-01-05", "2027-01-30", "2027-01-20"),
        ("2027-02-05", "2027-03-02", "2027-02-20"),
        ("2027-03-05", "2027-03-30", "2027-03-20"),
    ]
    assert rows[1]["interest_free_days_max_before"] == 55
    assert rows[1]["interest_free_days_max_after"] == 45
    assert rows[1]["interest_free_days_min_after"] == 15 and rows[0]["changes"] is False

    confirmed = client.post(url, json={"day": 20}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["effective_from"] == "2026-12-06"
    again = client.post(url, json={"day": 15}, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "due_day.too_soon"
    assert again.json()["error"]["details"]["possible_from"] == "2027-11-16"
    history = client.get(url, headers=headers).json()
    assert [(h["from_rule"], h["from_value"], h["to_day"]) for h in history["history"]] == [
        ("days_after_close", 25, 20)
    ]
    assert history["possible_from"] == "2027-11-16"

    # Travel through three more cycles, a purchase in each, the statement sweep after each close.
    for month in (12, 1, 2, 3):
        year = 2026 if month == 12 else 2027
        clock.set(datetime(year, month, 1, 9, tzinfo=UTC))
        _buy(client, account.id, operator_headers, f"p{month}", clock.now().isoformat())
        clock.set(datetime(year, month, 6, 9, tzinfo=UTC))
        with Session(engine) as session:
            close_and_age(session, now=clock.now())
            session.commit()
        if month == 2:
            # The due-soon reminder of the statement closed on 5 February follows the new date.
            clock.set(datetime(2027, 2, 17, 9, tzinfo=UTC))
            with Session(engine) as session:
                close_and_age(session, now=clock.now())
                assert sweep_due_dates(session, now=clock.now()) == 1
                session.commit()
                message = session.exec(
                    select(OutboxMessage).where(col(OutboxMessage.scenario) == "due_soon")
                ).one()
    stored = _statements(engine, account.id)
    for row in rows:
        statement = stored[date.fromisoformat(row["cycle_start_date"])]
        assert statement.cycle_end_date.isoformat() == row["closing_date"]
        assert statement.due_date.isoformat() == row["due_date_after"]
    january = stored[date(2027, 1, 6)]
    assert message.dedupe_key == f"due_soon:{january.id}:d-3"
    assert "2027-02-20" in message.body


def test_due_day_refusals(
    client: TestClient, make_user: Any, make_account: Any, login: Any, settings: Any
) -> None:
    owner = make_user("owner@example.com")
    account = make_account(owner.id, closing_day=5, due_rule="fixed_day", due_value=25)
    headers = login(owner.email)
    url = f"/v1/accounts/{account.id}/due-date"
    for day, code in ((29, "due_day.not_allowed"), (8, "due_day.not_allowed")):
        response = client.post(url, json={"day": day}, headers=headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == code
        assert 20 in response.json()["error"]["details"]["allowed"]
    same = client.get(f"{url}/preview", params={"day": 25}, headers=headers)
    assert same.json()["error"]["code"] == "due_day.unchanged"
    missing = client.get(f"{url}/preview", headers=headers)
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "due_day.missing"
    assert client.post(url, json={"day": 0}, headers=headers).status_code == 422

    intruder = make_user("intruder@example.com")
    other = login(intruder.email)
    assert client.get(url, headers=other).status_code == 404
    assert client.get(f"{url}/preview", params={"day": 20}, headers=other).status_code == 404
    refused = client.post(url, json={"day": 20}, headers=other)
    assert refused.status_code == 404
    assert client.get(url, headers=headers).json()["history"] == []


def test_allowed_days_are_parsed_from_sets_and_ranges() -> None:
    assert parse_allowed_days("1-3, 10,20-21") == frozenset({1, 2, 3, 10, 20, 21})
    for bad in ("0-5", "28-32", "9-3"):
        try:
            parse_allowed_days(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
