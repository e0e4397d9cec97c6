"""Every borrower endpoint, walked as a second user holding the first user's ids."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from billbot.chat.linking import link
from billbot.outbox.service import enqueue

# Each path parameter a borrower endpoint takes, and how to find the first user's value for it.
# A valid body for each borrower endpoint that takes one, so the ownership check is what answers.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/transactions/{transaction_id}/category"): {
        "sub_category": "coffee",
        "always": True,
    },
    ("PATCH", "/v1/category-rules/{rule_id}"): {"sub_category": "coffee"},
    ("PATCH", "/v1/limits/{limit_id}"): {"amount_minor": 1},
    ("POST", "/v1/limits/{limit_id}/cancel-pending"): {},
    ("POST", "/v1/accounts/{account_id}/due-date"): {"day": 20},
    ("PUT", "/v1/scenarios/{scenario}"): {"enabled": True},
    ("POST", "/v1/scenarios/{scenario}/snooze"): {"hours": 1},
    ("POST", "/v1/messages/{message_id}/snooze"): {"hours": 1},
}
# Links from emails, authorised by their signed token rather than the session (tested in
# tests/digests): the token names the borrower, so there is nothing of another user to reach.
SIGNED_LINKS = {"/v1/digest/unsubscribe", "/v1/digest/manage"}
# Path parameters that name something of the caller's own (not an id), with a value to use.
OWN_SCOPED = {"week": "2026-W42", "scenario": "large_purchase"}
ID_SOURCES = {
    "account_id": "accounts",
    "transaction_id": "transactions",
    "statement_id": "statements",
    "rule_id": "category_rules",
    "limit_id": "limits",
    "identity_id": "chat_identities",
    "message_id": "outbox_messages",
}


def _values(document: Any, key: str) -> list[Any]:
    """Every value stored under `key` anywhere in a JSON document."""
    if isinstance(document, dict):
        found = [document[key]] if key in document else []
        return found + [v for child in document.values() for v in _values(child, key)]
    if isinstance(document, list):
        return [v for child in document for v in _values(child, key)]
    return []


def _seed_first_user(
    client: TestClient, make_user: Any, make_account: Any, operator_headers: dict[str, str]
) -> Any:
    owner = make_user("owner@example.com", time_zone="Europe/Berlin", currency="EUR")
    account = make_account(owner.id, currency="EUR", closing_day=3)
    batch = {
        "transactions": [
            {
                "external_id": f"o{i}",
                "posted_at": f"2026-10-{10 + i}T10:00:00+00:00",
                "amount_minor": 1000 + i,
                "merchant": "REWE 1234 BERLIN",
                "mcc": "5411",
            }
            for i in range(3)
        ]
    }
    response = client.post(
        f"/operator/v1/accounts/{account.id}/transactions", json=batch, headers=operator_headers
    )
    assert response.status_code == 200
    return owner


def test_second_user_sees_and_changes_nothing(
    client: TestClient,
    app: Any,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
    engine: Any,
    clock: Any,
) -> None:
    owner = _seed_first_user(client, make_user, make_account, operator_headers)
    owner_headers = login(owner.email)
    rule = {"pattern": "REWE", "sub_category": "groceries", "match": "contains"}
    assert client.post("/v1/category-rules", json=rule, headers=owner_headers).status_code == 201
    limit = {"scope": "ideal_bill", "period": "month", "currency": "EUR", "amount_minor": 100_000}
    assert client.post("/v1/limits", json=limit, headers=owner_headers).status_code == 201
    code = client.post("/v1/chat/link-codes", headers=owner_headers).json()["code"]
    with Session(engine) as session:
        link(session, channel="telegram", address="owner-chat", code=code, now=clock.now())
        enqueue(
            session,
            user_id=owner.id,
            scenario="due_soon",
            dedupe_key="owner-due",
            category="repayment",
            debt_key="statement:1",
            body="due soon",
            now=clock.now(),
        )
        session.commit()
    before = client.get("/v1/me/export", headers=owner_headers).json()
    owned_ids = {name: [row["id"] for row in before[table]] for name, table in ID_SOURCES.items()}
    assert all(owned_ids.values()), owned_ids

    intruder = make_user("intruder@example.com")
    make_account(intruder.id)
    headers = login(intruder.email)

    walked = 0
    for route_path, operations in app.openapi()["paths"].items():
        if not route_path.startswith("/v1/") or route_path in SIGNED_LINKS:
            continue
        params = re.findall(r"{(\w+)}", route_path)
        for method in sorted(m.upper() for m in operations):
            if not params:
                if method != "GET":
                    continue
                # A listing must not contain any of the owner's objects, plain or with each id
                # filter it takes set to one of the owner's ids.
                query_ids = [
                    p["name"]
                    for p in operations["get"].get("parameters", [])
                    if p["in"] == "query" and p["name"] in ID_SOURCES
                ]
                for query in [{}, *({name: owned_ids[name][0]} for name in query_ids)]:
                    listing = client.get(route_path, headers=headers, params=query)
                    assert listing.status_code in (200, 404), (route_path, query, listing.text)
                    assert "REWE" not in listing.text and owner.email not in listing.text
                    users = _values(listing.json(), "user_id")
                    assert all(uid == intruder.id for uid in users), (route_path, query)
                    walked += 1
                continue
            if params and all(name in OWN_SCOPED for name in params):
                # Not an id: the caller gets their own data for it, never the owner's.
                path = route_path
                for name in params:
                    path = path.replace("{" + name + "}", OWN_SCOPED[name])
                body = BODIES.get((method, route_path))
                response = client.request(method, path, headers=headers, json=body)
                assert response.status_code in (200, 404), (method, path, response.text)
                assert "REWE" not in response.text and owner.email not in response.text
                assert all(uid == intruder.id for uid in _values(response.json(), "user_id"))
                walked += 1
                continue
            for name in params:
                assert name in ID_SOURCES, f"add a source for path parameter {name!r} to this test"
            path = route_path
            for name in params:
                path = path.replace("{" + name + "}", str(owned_ids[name][0]))
            kwargs: dict[str, Any] = {"headers": headers}
            if method in {"POST", "PUT", "PATCH"} and not route_path.endswith("/imports"):
                assert (method, route_path) in BODIES, f"add a valid body for {method} {route_path}"
                kwargs["json"] = BODIES[(method, route_path)]
            if route_path.endswith("/imports"):
                kwargs.pop("json", None)
                kwargs["files"] = {
                    "file": ("x.csv", b"date,description,amount\n2026-10-01,X,1.00\n")
                }
            response = client.request(method, path, **kwargs)
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            assert str(owner.email) not in response.text
            walked += 1
    assert walked >= 8

    after = client.get("/v1/me/export", headers=owner_headers).json()
    assert after == before
