"""What the event scenarios share per batch: the borrower's profile, read in one statement and
the same as its parts read one by one; messages worked out only when not told before."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.db import plain_instances, raw_rows
from billbot.limits.models import Limit
from billbot.limits.service import create_limit, request_removal
from billbot.scenarios.events import Borrower, read_profile
from billbot.scenarios.models import ScenarioSetting

NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)


def _parts(session: Session, user_id: int) -> tuple[Borrower | None, list[Any], dict[str, Any]]:
    limits = plain_instances(session, Limit, "user_id = {mark} AND removed_at IS NULL", [user_id])
    users = raw_rows(
        session,
        "SELECT id, display_name, locale, time_zone, currency FROM users WHERE id = {mark}",
        [user_id],
    )
    rows = raw_rows(
        session,
        "SELECT scenario, settings FROM scenario_settings WHERE user_id = {mark}",
        [user_id],
    )
    return (
        Borrower(*users[0]) if users else None,
        sorted((limit.model_dump() for limit in limits), key=lambda d: d["id"]),
        {scenario: json.loads(text) for scenario, text in rows},
    )


def test_the_profile_is_its_parts_read_in_one_statement(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user = make_user("profile@example.com", time_zone="Asia/Shanghai", locale="zh-CN")
    account = make_account(user.id, closing_day=28)
    plain = make_user("plain@example.com")
    with Session(engine) as session:
        for scope, target, account_id in (
            ("ideal_bill", None, None),
            ("credit_cap", None, account.id),
            ("sub_category", "coffee", None),
        ):
            create_limit(
                session,
                user_id=user.id,
                scope=scope,
                target=target,
                account_id=account_id,
                period="month" if scope != "credit_cap" else None,
                currency="USD",
                amount_minor=40_000,
                now=NOW - timedelta(days=3),
            )
        session.commit()
        coffee = max(
            plain_instances(session, Limit, "user_id = {mark}", [user.id]), key=lambda x: x.id or 0
        )
        stored = session.get(Limit, coffee.id)
        assert stored is not None
        # Removed once its cooling-off ended.
        request_removal(
            session, limit=stored, now=NOW - timedelta(days=2), cooling_off=timedelta(0)
        )
        # Settings with what JSON and SQL text both escape: quotes, commas, backslashes, CJK.
        for scenario, settings in (
            ("large_purchase", {"amount_minor": 50_000, "note": 'a,b "q" \\ 咖啡'}),
            ("late_night", {"start": "23:00", "end": "05:00"}),
        ):
            session.add(
                ScenarioSetting(
                    user_id=user.id,
                    scenario=scenario,
                    settings=json.dumps(settings, ensure_ascii=False),
                    updated_at=NOW,
                )
            )
        session.commit()

    with Session(engine) as session:
        for user_id, limits in ((user.id, 2), (plain.id, 0)):
            profile = read_profile(session, user_id)
            assert profile is not None
            borrower, expected_limits, settings = _parts(session, user_id)
            assert profile.borrower == borrower
            got = sorted((limit.model_dump() for limit in profile.limits), key=lambda d: d["id"])
            assert got == expected_limits and len(got) == limits
            assert profile.settings == settings
        assert read_profile(session, plain.id + 1_000) is None
        assert profile.settings == {}  # the plain borrower's
        mine = read_profile(session, user.id)
        assert mine is not None and mine.settings["large_purchase"]["note"] == 'a,b "q" \\ 咖啡'
        assert {limit.scope for limit in mine.limits} == {"ideal_bill", "credit_cap"}


def test_details_are_worked_out_only_for_a_message_not_told_before(
    engine: Engine, make_user: Any
) -> None:
    from billbot.outbox.models import OutboxMessage
    from billbot.scenarios.events import EventContext

    user = make_user("details@example.com")
    asked: list[str] = []

    def details(key: str) -> dict[str, Any]:
        asked.append(key)
        return {
            "percent": 80,
            "subject": "coffee",
            "spent": "$8.00",
            "limit": "$10.00",
            "period_end": None,
            "remaining_per_day": None,
        }

    for round_ in range(2):
        with Session(engine) as session:
            profile = read_profile(session, user.id)
            assert profile is not None
            context = EventContext(session, profile, account_id=None, now=NOW, purchases=[])
            for key in ("limit_threshold:1:a:8000", f"limit_threshold:1:b:{round_}"):
                context.tell("limit_threshold", key, details=lambda key=key: details(key))
            assert context.queue_noted() == (2 if round_ == 0 else 1)
            session.commit()
    # The key told in the first round was not worked out again in the second.
    assert asked == ["limit_threshold:1:a:8000", "limit_threshold:1:b:0", "limit_threshold:1:b:1"]
    with Session(engine) as session:
        query = select(OutboxMessage.body).where(col(OutboxMessage.user_id) == user.id)
        bodies = list(session.exec(query).all())
    assert len(bodies) == 3 and all("$8.00" in body for body in bodies)


def test_an_unchanged_profile_is_reused_and_any_change_is_read(
    engine: Engine, make_user: Any
) -> None:
    from billbot.limits.service import change_amount
    from billbot.scenarios.preferences import update_settings

    user = make_user("reused@example.com")
    with Session(engine) as session:
        create_limit(
            session,
            user_id=user.id,
            scope="ideal_bill",
            period="month",
            currency="USD",
            amount_minor=40_000,
            now=NOW,
        )
        session.commit()
    with Session(engine) as session:
        first = read_profile(session, user.id)
        assert first is not None and read_profile(session, user.id) is first
        (limit,) = first.limits
        stored = session.get(Limit, limit.id)
        assert stored is not None
        change_amount(session, limit=stored, amount_minor=30_000, now=NOW, cooling_off=timedelta(0))
        lowered = read_profile(session, user.id)
        assert lowered is not None and lowered is not first
        assert [x.amount_minor for x in lowered.limits] == [30_000]
        update_settings(
            session,
            user_id=user.id,
            scenario="large_purchase",
            settings={"amount_minor": 9_000},
            now=NOW,
        )
        session.flush()
        changed = read_profile(session, user.id)
        assert changed is not None and changed.settings["large_purchase"] == {"amount_minor": 9_000}
        assert first.limits[0].amount_minor == 40_000  # what was read before stays as read
