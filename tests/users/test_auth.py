"""Sign-up, sign-in, tokens and the failed-login limiter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from billbot.clock import FrozenClock

DEMO_PASSWORD = "correct horse battery"  # the password tests/conftest.py gives every user


def test_signup_login_and_me(client: TestClient) -> None:
    body = {
        "email": "Lin@Example.com",
        "password": DEMO_PASSWORD,
        "display_name": "Lin",
        "time_zone": "Asia/Shanghai",
        "currency": "cny",
        "locale": "zh-CN",
    }
    created = client.post("/v1/auth/signup", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "lin@example.com"
    assert created.json()["currency"] == "CNY"
    again = client.post("/v1/auth/signup", json=body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "user.exists"
    token = client.post(
        "/v1/auth/login", json={"email": "lin@example.com", "password": DEMO_PASSWORD}
    ).json()
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["time_zone"] == "Asia/Shanghai"


def test_signup_refuses_unknown_zone_and_short_password(client: TestClient) -> None:
    bad_zone = client.post(
        "/v1/auth/signup",
        json={
            "email": "a@example.com",
            "password": DEMO_PASSWORD,
            "display_name": "A",
            "time_zone": "Mars/Olympus",
        },
    )
    assert bad_zone.status_code == 422
    assert "Mars/Olympus" in bad_zone.json()["error"]["message"]
    short = client.post(
        "/v1/auth/signup", json={"email": "a@example.com", "password": "short", "display_name": "A"}
    )
    assert short.status_code == 422
    assert short.json()["error"]["details"][0]["field"] == "password"


def test_token_expires_with_the_clock(
    client: TestClient, make_user: Any, login: Any, clock: FrozenClock, settings: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    assert client.get("/v1/me", headers=headers).status_code == 200
    clock.advance(timedelta(minutes=settings.access_token_minutes, seconds=1))
    expired = client.get("/v1/me", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "auth.expired"


def test_forged_and_missing_tokens_are_refused(
    client: TestClient, make_user: Any, login: Any
) -> None:
    user = make_user()
    headers = login(user.email)
    token = headers["Authorization"].split()[1]
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert (
        client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"}).json()["error"]["code"]
        == "auth.bad_token"
    )
    assert client.get("/v1/me").status_code == 401


def test_failed_logins_are_rate_limited(
    client: TestClient, make_user: Any, clock: FrozenClock, settings: Any
) -> None:
    user = make_user()
    wrong = {"email": user.email, "password": "not the password"}
    for _ in range(settings.login_attempts_per_window):
        assert client.post("/v1/auth/login", json=wrong).status_code == 401
    locked = client.post("/v1/auth/login", json={"email": user.email, "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    clock.advance(timedelta(seconds=settings.login_window_seconds + 1))
    assert (
        client.post(
            "/v1/auth/login", json={"email": user.email, "password": DEMO_PASSWORD}
        ).status_code
        == 200
    )


def test_production_refuses_the_default_secret() -> None:
    import pytest
    from pydantic import ValidationError

    from billbot.settings import Settings

    with pytest.raises(ValidationError, match="BILLBOT_SECRET_KEY"):
        Settings(environment="production")
    assert Settings(environment="production", secret_key="s" * 40).environment == "production"
