"""Linking a chat identity with a one-time code: once, in time, and only to its owner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from billbot.chat.linking import find_code, identity_for, link
from billbot.clock import FrozenClock
from billbot.errors import ValidationFailed


def test_code_links_once_and_expires(
    client: TestClient,
    engine: Engine,
    clock: FrozenClock,
    make_user: Any,
    login: Any,
    settings: Any,
) -> None:
    user = make_user()
    headers = login(user.email)
    issued = client.post("/v1/chat/link-codes", headers=headers).json()
    code = issued["code"]
    assert len(code) == 8 and code in issued["how"]["telegram"]
    with Session(engine) as session:
        assert (
            find_code(f"/start {code}") == code and find_code(f"my code is {code.lower()}") == code
        )
        identity = link(
            session, channel="telegram", address="123456789", code=code, now=clock.now()
        )
        assert identity.user_id == user.id and identity.consent_at == clock.now()
        with pytest.raises(ValidationFailed, match="not valid"):
            link(session, channel="sms", address="+15551234567", code=code, now=clock.now())
        session.commit()
    listed = client.get("/v1/chat/identities", headers=headers).json()
    assert [(i["channel"], i["address"]) for i in listed] == [("telegram", "…6789")]
    late = client.post("/v1/chat/link-codes", headers=headers).json()["code"]
    clock.advance(timedelta(minutes=settings.link_code_minutes, seconds=1))
    with Session(engine) as session, pytest.raises(ValidationFailed):
        link(session, channel="sms", address="+15551234567", code=late, now=clock.now())


def test_strangers_are_unknown_and_unlink_is_scoped(
    client: TestClient, engine: Engine, clock: FrozenClock, make_user: Any, login: Any
) -> None:
    ana, bo = make_user("ana@example.com"), make_user("bo@example.com")
    code = client.post("/v1/chat/link-codes", headers=login(ana.email)).json()["code"]
    with Session(engine) as session:
        assert identity_for(session, channel="telegram", address="42") is None
        link(session, channel="telegram", address="42", code=code, now=clock.now())
        session.commit()
    identity_id = client.get("/v1/chat/identities", headers=login(ana.email)).json()[0]["id"]
    assert (
        client.delete(f"/v1/chat/identities/{identity_id}", headers=login(bo.email)).status_code
        == 404
    )
    assert (
        client.delete(f"/v1/chat/identities/{identity_id}", headers=login(ana.email)).status_code
        == 204
    )
    with Session(engine) as session:
        assert identity_for(session, channel="telegram", address="42") is None
