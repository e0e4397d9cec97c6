"""Categorisation through the service: ingest, corrections with "always", rules, explanations."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _post(
    client: TestClient,
    headers: dict[str, str],
    account_id: int,
    rows: list[tuple[str, str, int, str | None]],
) -> None:
    body = {
        "transactions": [
            {
                "external_id": ext,
                "posted_at": "2026-11-02T03:00:00+00:00",
                "amount_minor": amount,
                "merchant": merchant,
                **({"mcc": mcc} if mcc else {}),
            }
            for ext, merchant, amount, mcc in rows
        ]
    }
    response = client.post(
        f"/operator/v1/accounts/{account_id}/transactions", json=body, headers=headers
    )
    assert response.status_code == 200 and response.json()["rejected"] == 0, response.text


def _by_external(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    return {t["external_id"]: t for t in client.get("/v1/transactions", headers=headers).json()}


def test_ingested_transactions_are_categorised_and_explained(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    user = make_user(locale="zh-CN")
    account = make_account(user.id)
    _post(
        client,
        operator_headers,
        account.id,
        [
            ("a", "SQ *BLUE BOTTLE COFFEE #123 SAN FRANCISCO CA", 650, "5814"),
            ("b", "瑞幸咖啡 LUCKIN COFFEE #0231", 1800, None),
        ],
    )
    headers = login(user.email)
    rows = _by_external(client, headers)
    assert rows["a"]["merchant_name"] == "Blue Bottle Coffee"
    assert rows["a"]["sub_category"] == "coffee" and rows["a"]["category_source"] in {
        "mcc",
        "pattern",
    }
    assert rows["b"]["sub_category"] == "coffee"
    english = client.get(
        f"/v1/transactions/{rows['a']['id']}/explanation", params={"locale": "en"}, headers=headers
    ).json()
    assert english["reason"] and english["sub_category_label"] == "Coffee"
    chinese = client.get(f"/v1/transactions/{rows['b']['id']}/explanation", headers=headers).json()
    assert chinese["locale"] == "zh-CN"
    assert "匹配" in chinese["reason"] or "MCC" in chinese["reason"]


def test_always_recategorises_only_that_users_history(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    ana, bo = make_user("ana@example.com"), make_user("bo@example.com")
    ana_card, bo_card = make_account(ana.id), make_account(bo.id)
    rows = [
        ("t1", "ACME TRADING CO 0012", 5000, None),
        ("t2", "ACME TRADING CO 0077 LONDON GB", 7000, None),
        ("t3", "TESCO STORES 2231", 1200, "5411"),
    ]
    _post(client, operator_headers, ana_card.id, rows)
    _post(client, operator_headers, bo_card.id, rows)
    ana_headers, bo_headers = login(ana.email), login(bo.email)
    before_bo = _by_external(client, bo_headers)
    target = _by_external(client, ana_headers)["t1"]

    response = client.post(
        f"/v1/transactions/{target['id']}/category",
        json={"sub_category": "home_improvement", "always": True},
        headers=ana_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rule"]["match"] == "exact" and body["recategorised"] == 2
    after = _by_external(client, ana_headers)
    assert after["t1"]["sub_category"] == after["t2"]["sub_category"] == "home_improvement"
    assert after["t1"]["category_source"] == "user_rule"
    assert after["t3"]["sub_category"] == "groceries"
    assert _by_external(client, bo_headers) == before_bo  # nobody else's history moves
    reason = client.get(
        f"/v1/transactions/{target['id']}/explanation", params={"locale": "en"}, headers=ana_headers
    ).json()["reason"]
    assert reason == f"your rule for '{after['t1']['merchant_name']}'"

    # New transactions from that merchant follow the rule; bo's do not.
    _post(client, operator_headers, ana_card.id, [("t4", "ACME TRADING CO 0099", 100, None)])
    _post(client, operator_headers, bo_card.id, [("t4", "ACME TRADING CO 0099", 100, None)])
    assert _by_external(client, ana_headers)["t4"]["sub_category"] == "home_improvement"
    assert _by_external(client, bo_headers)["t4"]["sub_category"] != "home_improvement"

    # Deleting the rule puts the automatic category back.
    rules = client.get("/v1/category-rules", headers=ana_headers).json()
    assert len(rules) == 1
    deleted = client.delete(f"/v1/category-rules/{rules[0]['id']}", headers=ana_headers).json()
    assert deleted["recategorised"] == 3
    assert (
        _by_external(client, ana_headers)["t1"]["sub_category"] == before_bo["t1"]["sub_category"]
    )


def test_one_off_correction_sticks_and_bad_slugs_are_refused(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    user = make_user()
    account = make_account(user.id)
    _post(
        client,
        operator_headers,
        account.id,
        [("a", "TESCO STORES 2231", 1200, "5411"), ("b", "TESCO STORES 2231", 900, "5411")],
    )
    headers = login(user.email)
    rows = _by_external(client, headers)
    one = client.post(
        f"/v1/transactions/{rows['a']['id']}/category",
        json={"sub_category": "gifts_flowers"},
        headers=headers,
    ).json()
    assert one["transaction"]["category_source"] == "manual" and one["rule"] is None
    assert _by_external(client, headers)["b"]["sub_category"] == "groceries"
    # A later rule for another merchant leaves the manual choice alone.
    created = client.post(
        "/v1/category-rules",
        json={"match": "contains", "pattern": "tesco", "sub_category": "convenience_stores"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    after = _by_external(client, headers)
    assert (
        after["a"]["sub_category"] == "gifts_flowers"
        and after["b"]["sub_category"] == "convenience_stores"
    )
    bad = client.post(
        f"/v1/transactions/{rows['a']['id']}/category",
        json={"sub_category": "yachts"},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "category.unknown"


def test_taxonomy_in_both_languages(client: TestClient) -> None:
    english = client.get("/v1/categories", params={"locale": "en"}).json()
    chinese = client.get("/v1/categories", params={"locale": "zh-CN"}).json()
    both = client.get("/v1/categories").json()
    assert len(english) >= 14 and sum(len(c["sub_categories"]) for c in english) >= 80
    assert [c["slug"] for c in english] == [c["slug"] for c in chinese]
    food = next(c for c in chinese if c["slug"] == "food")
    assert food["label"] == both[[c["slug"] for c in both].index("food")]["labels"]["zh-CN"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in food["label"])


def test_operator_rules_apply_to_new_transactions(
    client: TestClient,
    make_user: Any,
    make_account: Any,
    operator_headers: dict[str, str],
    login: Any,
) -> None:
    created = client.post(
        "/operator/v1/category-rules",
        json={
            "match": "contains",
            "pattern": "acme payroll",
            "sub_category": "salary",
            "label": "ACME payroll",
        },
        headers=operator_headers,
    )
    assert created.status_code == 201, created.text
    assert (
        client.post(
            "/operator/v1/category-rules", json={"pattern": "x", "sub_category": "salary"}
        ).status_code
        == 401
    )
    user = make_user()
    account = make_account(user.id)
    _post(client, operator_headers, account.id, [("p", "ACME PAYROLL INC REF 2231", 500, None)])
    row = _by_external(client, login(user.email))["p"]
    assert (row["sub_category"], row["category_source"]) == ("salary", "operator_rule")
