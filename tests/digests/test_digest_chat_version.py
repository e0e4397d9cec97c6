"""The weekly report's short version for borrowers with a linked chat app, and the bot's "周报"."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.bot import reply_to
from billbot.chat.models import ChatIdentity
from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.models import OutboxMessage
from billbot.scheduler import run_sweeps
from billbot.settings import Settings
from billbot.users.models import User
from channels import FakeChannel

MONDAY_8AM_BERLIN = datetime(2026, 11, 16, 7, tzinfo=UTC)


def _link(engine: Engine, user_id: int, address: str, now: datetime) -> None:
    with Session(engine) as session:
        session.add(
            ChatIdentity(
                user_id=user_id, channel="fake", address=address, linked_at=now, consent_at=now
            )
        )
        session.commit()


def _by_scenario(engine: Engine, scenario: str) -> dict[int, OutboxMessage]:
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.scenario) == scenario)
        ).all()
    return {m.user_id: m for m in rows}


def test_borrowers_with_a_chat_get_the_short_version_once(
    engine: Engine, clock: FrozenClock, settings: Settings, make_user: Any
) -> None:
    chatty = make_user("mei@example.com", time_zone="Europe/Berlin", locale="zh-CN")
    quiet = make_user("ana@example.com", time_zone="Europe/Berlin")
    clock.set(datetime(2026, 11, 13, 12, tzinfo=UTC))
    _link(engine, chatty.id, "4242", clock.now())
    run_sweeps(engine, clock, settings)
    clock.set(MONDAY_8AM_BERLIN)
    run_sweeps(engine, clock, settings)
    run_sweeps(engine, clock, settings)  # again: nothing twice

    chat = _by_scenario(engine, "weekly_report")
    assert set(chat) == {chatty.id}
    assert chat[chatty.id].dedupe_key == f"weekly_report:{chatty.id}:2026-11-09"
    assert chat[chatty.id].body.startswith("你的消费周报已生成：\n2026-11-09 – 2026-11-15")
    assert set(_by_scenario(engine, "weekly_digest")) == {chatty.id, quiet.id}

    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert [(m.recipient, m.text.split("\n", 1)[0]) for m in fake.sent] == [
        ("4242", "你的消费周报已生成：")
    ]
    assert [b.id for b in fake.sent[0].buttons] == ["menu:spending_week", "menu:left"]


def test_switching_the_chat_report_off_suppresses_only_it(
    engine: Engine, clock: FrozenClock, settings: Settings, make_user: Any, client: Any, login: Any
) -> None:
    user = make_user("mei@example.com", time_zone="Europe/Berlin")
    clock.set(datetime(2026, 11, 13, 12, tzinfo=UTC))
    _link(engine, user.id, "4242", clock.now())
    off = client.put(
        "/v1/scenarios/weekly_report", json={"enabled": False}, headers=login(user.email)
    )
    assert off.status_code == 200, off.text
    run_sweeps(engine, clock, settings)
    clock.set(MONDAY_8AM_BERLIN)
    run_sweeps(engine, clock, settings)
    fake = FakeChannel()
    asyncio.run(Dispatcher(engine, {"fake": fake}, clock).run_once())
    assert fake.sent == []
    message = _by_scenario(engine, "weekly_report")[user.id]
    assert (message.status, message.reason) == ("suppressed", "scenario_off")


def test_the_bot_sends_last_weeks_report_on_request(
    engine: Engine, clock: FrozenClock, make_user: Any
) -> None:
    made = make_user("mei@example.com", time_zone="Asia/Shanghai", locale="zh-CN")
    clock.set(datetime(2026, 11, 18, 4, tzinfo=UTC))
    with Session(engine) as session:
        user = session.get(User, made.id)
        assert user is not None
        for text, head in (("周报", "你的消费周报："), ("weekly reprot", "Your weekly report:")):
            reply = reply_to(session, user=user, channel="fake", now=clock.now(), text=text)
            assert reply.text.startswith(head + "\n2026-11-09 – 2026-11-15"), reply.text
            assert reply.buttons[0][0] == "menu:spending_week"
