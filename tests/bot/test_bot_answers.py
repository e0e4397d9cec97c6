"""The bot's answers against the seeded demo borrower: the same figures as the app's services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.bills.models import Statement
from billbot.bills.queries import list_statements
from billbot.bot import BotReply, reply_to, unknown_sender_reply
from billbot.categorize.models import CategoryRule
from billbot.clock import FrozenClock
from billbot.limits.models import Limit
from billbot.money import format_money
from billbot.outbox.models import OutboxMessage, OutboxStatus
from billbot.outbox.preferences import preferences
from billbot.outbox.service import enqueue
from billbot.scenarios.preferences import scenario_state
from billbot.transactions.models import Transaction
from billbot.users.models import User

MENU_IDS = ("menu:bill", "menu:spending", "menu:left", "menu:help")


@pytest.fixture
def mei(demo: Any, session: Session) -> User:
    user = session.get(User, demo.seed.user_id)
    assert user is not None
    return user


@pytest.fixture
def ask(session: Session, mei: User, clock: FrozenClock) -> Any:
    def send(text: str | None = None, button: str | None = None, **kw: Any) -> BotReply:
        return reply_to(
            session,
            user=kw.get("user", mei),
            channel="telegram",
            now=kw.get("now", clock.now()),
            text=text,
            button_id=button,
        )

    return send


def _id(user: User) -> int:
    assert user.id is not None
    return user.id


def _due(session: Session, user: User, now: datetime) -> list[Any]:
    rows = list_statements(session, user=user, now=now)
    seen, due = set(), []
    for s in rows:
        if s.status == "open" or (s.account_id, s.currency) in seen:
            continue
        seen.add((s.account_id, s.currency))
        if s.statement_balance_minor > s.paid_minor:
            due.append(s)
    return sorted(due, key=lambda s: s.due_date)


def test_bill_states_what_the_statements_say(
    ask: Any, session: Session, mei: User, clock: FrozenClock
) -> None:
    reply = ask("show my statment")
    due = _due(session, mei, clock.now())
    assert due, "the demo borrower has a statement due"
    for statement in due:
        owed = statement.statement_balance_minor - statement.paid_minor
        assert format_money(owed, statement.currency, "en") in reply.text
    assert reply.buttons[0] == (f"options:{due[0].id}", "How to pay")
    assert reply.buttons[1][0] == f"paid:{due[0].id}"
    assert reply.locale == "en"


def test_zh_answers_use_chinese_labels_and_yuan(ask: Any) -> None:
    bill = ask("账单")
    assert bill.locale == "zh-CN"
    assert "你的账单" in bill.text and "到期" in bill.text and "¥" in bill.text
    spent = ask("本月花了多少")
    assert "本月你消费了 ¥" in spent.text
    assert "餐饮美食" in spent.text  # the taxonomy's zh-CN label, not the slug
    assert "food" not in spent.text
    left = ask("还剩多少")
    assert "理想账单（本月）" in left.text and "¥12,000.00" in left.text
    assert "咖啡（本周）" in left.text


def test_spending_this_week_matches_the_breakdown(
    ask: Any, session: Session, mei: User, clock: FrozenClock
) -> None:
    from billbot.breakdowns.service import Period, breakdown_for

    today = clock.now().astimezone(mei_zone(mei)).date()
    month = breakdown_for(
        session, user=mei, period=Period(month=today.strftime("%Y-%m")), today=today
    )
    reply = ask("how much did i spend this monthh")
    assert month["currencies"]
    for block in month["currencies"]:
        total = format_money(block["total_spent_minor"], block["currency"], "en")
        assert f"This month you spent {total}" in reply.text
        for category in block["categories"][:2]:
            amount = format_money(category["amount_minor"], block["currency"], "en")
            assert amount in reply.text  # the same figures as the app's breakdown
        pending = block["pending"]["amount_minor"]
        if pending:
            assert (
                f"Plus {format_money(pending, block['currency'], 'en')} still pending" in reply.text
            )
    week = ask("how much did i spend this weeek")
    assert "This week you spent" in week.text


def mei_zone(user: User) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(user.time_zone)


def test_repayment_options_with_buttons_and_a_choice(
    ask: Any, session: Session, mei: User, clock: FrozenClock
) -> None:
    statement = _due(session, mei, clock.now())[0]
    reply = ask(button=f"options:{statement.id}")
    ids = [b[0] for b in reply.buttons]
    assert ids[0] == f"choose:{statement.id}:full"
    assert any(i.startswith(f"choose:{statement.id}:installments_") for i in ids)
    assert "1. In full" in reply.text and "no extra cost" in reply.text
    assert "APR" in reply.text
    chosen = ask(button=f"choose:{statement.id}:full")
    assert "in full" in chosen.text and "nothing extra" in chosen.text
    six = next(i for i in ids if "installments_6" in i)
    assert "6 monthly payments" in ask(button=six).text
    stale = ask(button=f"choose:{statement.id}:installments_99_apr")
    assert stale.text.startswith("That option is no longer available")
    assert "还款方式" in ask("还款").text


def test_ways_to_pay_prefer_the_bill_still_ahead_and_never_ask_for_nothing(
    demo: Any, client: Any, operator_headers: dict[str, str], engine: Engine, clock: FrozenClock
) -> None:
    rows = client.get("/v1/statements", headers=demo.headers).json()
    newest: dict[int, dict[str, Any]] = {}
    for row in rows:  # newest cycle first
        if row["status"] != "open" and row["remaining_due_minor"] > 0:
            newest.setdefault(row["account_id"], row)
    late, ahead = sorted(newest.values(), key=lambda r: r["due_date"])[:2]
    owed_minimum = late["minimum_due_minor"] - late["paid_minor"]
    assert owed_minimum > 0
    paid = client.post(
        f"/operator/v1/accounts/{late['account_id']}/repayments",
        json={
            "external_id": "bot-minimum",
            "amount_minor": owed_minimum,
            "paid_at": clock.now().isoformat(),
        },
        headers=operator_headers,
    )
    assert paid.status_code in (200, 201), paid.text
    today = clock.now().date()
    with Session(engine) as session:
        for statement_id, due in ((late["id"], -2), (ahead["id"], 3)):
            statement = session.get(Statement, statement_id)
            assert statement is not None
            statement.due_date = today + timedelta(days=due)
            session.add(statement)
        session.commit()
        mei = session.get(User, demo.seed.user_id)
        assert mei is not None

        def ask(text: str | None = None, button: str | None = None) -> BotReply:
            assert mei is not None
            return reply_to(
                session, user=mei, channel="telegram", now=clock.now(), text=text, button_id=button
            )

        assert ask("还款").buttons[0][0] == f"choose:{ahead['id']}:full"
        past = ask(button=f"options:{late['id']}")
        assert "minimum is paid" in past.text and "0.00" not in past.text
        assert past.buttons == ((f"paid:{late['id']}", "I've paid"),)


@pytest.fixture
def bo(demo: Any, make_user: Any, make_account: Any) -> User:
    """Another borrower (made before the test's session takes SQLite's write lock)."""
    other: User = make_user("bo@example.com", display_name="Bo Secret")
    make_account(other.id, name="Bo's Platinum")
    return other


def test_another_users_ids_are_not_found_and_nothing_leaks(
    bo: User,
    ask: Any,
    session: Session,
    mei: User,
    clock: FrozenClock,
) -> None:
    other = bo
    statement = list_statements(session, user=other, now=clock.now())[0]
    limit = session.exec(select(Limit).where(col(Limit.user_id) == mei.id)).first()
    assert limit is not None
    for button in (
        f"options:{statement.id}",
        f"paid:{statement.id}",
        f"snooze:{statement.id}",
        f"choose:{statement.id}:full",
        "options:99999999",
    ):
        reply = ask(button=button)
        assert reply.text.startswith("I couldn't find that."), button
        assert "Bo" not in reply.text and "Platinum" not in reply.text
        assert tuple(b[0] for b in reply.buttons) == MENU_IDS
    # A limit id of Mei's is not Bo's to keep.
    assert ask(button=f"menu:keep:{limit.id}", user=other).text.startswith("I couldn't find")
    state = scenario_state(session, user_id=_id(mei), scenario="due_soon", now=clock.now())
    assert state.snoozed_until is None


def test_paid_thanks_and_quiets_repayment_reminders_for_two_days(
    ask: Any, session: Session, mei: User, clock: FrozenClock
) -> None:
    statement = _due(session, mei, clock.now())[0]
    reply = ask(button=f"paid:{statement.id}")
    assert reply.text.startswith("Thank you!")
    for scenario in ("due_soon", "overdue"):
        state = scenario_state(session, user_id=_id(mei), scenario=scenario, now=clock.now())
        assert state.snoozed_until == clock.now() + timedelta(days=2)


def test_remind_me_tomorrow_brings_the_nudge_back_at_nine_local(
    ask: Any, session: Session, mei: User, clock: FrozenClock
) -> None:
    statement = _due(session, mei, clock.now())[0]
    nudge = enqueue(
        session,
        user_id=_id(mei),
        scenario="due_soon",
        dedupe_key=f"due_soon:{statement.id}:d-3",
        category="repayment",
        debt_key=f"statement:{statement.id}",
        body="due soon",
        now=clock.now(),
    )
    assert nudge is not None
    reply = ask(button=f"snooze:{statement.id}")
    # Asia/Shanghai: 09:00 on 17 November is 01:00 UTC.
    nine = datetime(2026, 11, 17, 1, 0, tzinfo=UTC)
    assert "Tue 17 Nov, 09:00" in reply.text
    session.refresh(nudge)
    assert (nudge.status, nudge.not_before) == (OutboxStatus.DEFERRED, nine)
    state = scenario_state(session, user_id=_id(mei), scenario="due_soon", now=clock.now())
    assert state.snoozed_until == nine
    assert "明天" not in reply.text and "09:00" in ask("明天提醒我").text


def test_raising_a_limit_cools_off_and_lowering_is_immediate(
    ask: Any, session: Session, mei: User, clock: FrozenClock
) -> None:
    coffee = session.exec(
        select(Limit).where(col(Limit.user_id) == mei.id, col(Limit.target) == "coffee")
    ).one()
    raised = ask("set my coffee limit to 300")
    assert "24-hour cooling-off" in raised.text and "stays CN¥150.00" in raised.text
    assert raised.buttons[0] == (f"menu:keep:{coffee.id}", "Keep CN¥150.00")
    session.refresh(coffee)
    assert coffee.amount_minor == 15_000
    assert coffee.pending_amount_minor == 30_000
    assert coffee.pending_effective_at == clock.now() + timedelta(hours=24)
    kept = ask(button=f"menu:keep:{coffee.id}")
    assert kept.text.startswith("Kept")
    session.refresh(coffee)
    assert coffee.pending_effective_at is None
    lowered = ask("limit coffee 100")
    assert "lowered from CN¥150.00 straight away" in lowered.text
    session.refresh(coffee)
    assert (coffee.amount_minor, coffee.pending_amount_minor) == (10_000, None)
    zh = ask("咖啡每周限额200")
    assert "冷静期" in zh.text and "¥200.00" in zh.text


def test_a_new_limit_and_unreadable_ones(ask: Any, session: Session, mei: User) -> None:
    created = ask("limit groceries 1500")
    assert created.text == "Done: your Groceries limit is CN¥1,500.00 this month, from now on."
    limit = session.exec(
        select(Limit).where(col(Limit.user_id) == mei.id, col(Limit.target) == "groceries")
    ).one()
    assert (limit.scope, limit.period, limit.amount_minor) == ("sub_category", "month", 150_000)
    assert "don't know a category" in ask("limit zorblax 100").text
    assert "couldn't read" in ask("limit groceries 10.555").text


def test_why_did_i_get_this_tells_the_stored_reason(
    ask: Any, session: Session, mei: User, clock: FrozenClock
) -> None:
    assert ask("why did i get this").text == "I haven't sent you any messages yet."
    message = enqueue(
        session,
        user_id=_id(mei),
        scenario="due_soon",
        dedupe_key="due_soon:1:d-3",
        category="repayment",
        debt_key="statement:1",
        body="due soon",
        now=clock.now() - timedelta(hours=2),
    )
    assert message is not None
    message.status, message.sent_at = OutboxStatus.SENT, clock.now() - timedelta(hours=1)
    message.reason = "within_policy"
    message.explanation = "Sent by telegram: outside your quiet hours and within your limits."
    session.add(message)
    session.flush()
    reply = ask("why did i get this")
    assert "a reminder that a bill is due soon" in reply.text
    assert "outside your quiet hours" in reply.text
    assert reply.buttons[0] == ("snooze:1", "Remind me tomorrow")
    zh = ask("为什么收到这条消息")
    assert "账单即将到期的提醒" in zh.text and "免打扰时段" in zh.text


def test_why_a_transaction_has_its_category(ask: Any) -> None:
    reply = ask("why is STARBUCKS in coffee")
    assert "Starbucks" in reply.text and "Coffee (Food & drink)" in reply.text
    assert "because" in reply.text
    zh = ask("为什么星巴克是咖啡")
    assert "咖啡" in zh.text and "餐饮美食" in zh.text
    assert "couldn't find a purchase" in ask("why is Zorblax in coffee").text


def test_always_categorise_makes_a_rule_and_recategorises(
    ask: Any, session: Session, mei: User
) -> None:
    reply = ask("always categorise Luckin as gifts")
    assert reply.text.startswith('Done: "Luckin" is now always Gifts & flowers (Shopping).')
    rule = session.exec(select(CategoryRule).where(col(CategoryRule.user_id) == mei.id)).all()
    assert any(r.pattern == "luckin" and r.sub_category == "gifts_flowers" for r in rule)
    luckin = session.exec(
        select(Transaction).where(
            col(Transaction.user_id) == mei.id, col(Transaction.merchant_raw).contains("LUCKIN")
        )
    ).all()
    assert luckin and all(t.sub_category == "gifts_flowers" for t in luckin)
    again = ask("always categorise luckin as coffee")  # the same rule changes, no second one
    assert "Coffee" in again.text
    rules = session.exec(select(CategoryRule).where(col(CategoryRule.user_id) == mei.id)).all()
    assert len(rules) == len(rule)
    assert "don't know the category" in ask("always categorise Luckin as zorblax").text


def test_stop_then_start(ask: Any, session: Session, mei: User, clock: FrozenClock) -> None:
    stopped = ask("STOP")
    assert "won't get any more messages" in stopped.text
    assert preferences(session, user_id=_id(mei), now=clock.now()).stopped_at == clock.now()
    started = ask("start")
    assert started.text.startswith("Welcome back")
    assert preferences(session, user_id=_id(mei), now=clock.now()).stopped_at is None
    assert ask("start").text.startswith("Reminders are already on")
    assert "暂停" in ask("暂停").text
    assert preferences(session, user_id=_id(mei), now=clock.now()).stopped_at is not None


def test_the_bot_writes_but_never_commits(
    ask: Any, session: Session, mei: User, engine: Engine, clock: FrozenClock
) -> None:
    user_id = mei.id
    assert user_id is not None
    ask("stop")
    session.rollback()
    with Session(engine) as fresh:
        assert preferences(fresh, user_id=user_id, now=clock.now()).stopped_at is None


@pytest.mark.parametrize(
    ("text", "button"),
    [
        ("qwerty", None),
        ("", None),
        (None, None),
        ("🙂🙂", None),
        ("x" * 10_000, None),
        (None, "menu:nothing"),
        (None, "options:abc"),
        (None, "choose:1:"),
        (None, "choose::full"),
        (None, "nonsense"),
        (None, "menu:keep:notanumber"),
        (None, "paid:" + "9" * 40),
    ],
)
def test_anything_unclear_gets_the_menu(ask: Any, text: str | None, button: str | None) -> None:
    reply = ask(text, button)
    assert tuple(b[0] for b in reply.buttons) == MENU_IDS
    assert reply.text


def test_a_failing_service_still_answers(
    ask: Any, monkeypatch: pytest.MonkeyPatch, session: Session, mei: User, clock: FrozenClock
) -> None:
    from billbot.bot import answers

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(answers, "list_statements", broken)
    reply = ask("my bill")
    assert reply.text.startswith("Sorry, I couldn't do that just now")
    assert tuple(b[0] for b in reply.buttons) == MENU_IDS
    assert ask("stop").text.startswith("You won't get")  # the session is still usable


def test_strangers_learn_how_to_link_and_nothing_else(demo: Any) -> None:
    en = unknown_sender_reply("what's my balance")
    assert en.locale == "en" and "link code" in en.text and "Mei" not in en.text
    zh = unknown_sender_reply("我的账单")
    assert zh.locale == "zh-CN" and "关联码" in zh.text
    assert unknown_sender_reply(None).locale == "en"


def test_outbox_messages_are_untouched_by_reading(ask: Any, session: Session, mei: User) -> None:
    for text in ("my bill", "how much is left", "how do i pay", "spending this week"):
        ask(text)
    assert not session.exec(select(OutboxMessage).where(col(OutboxMessage.user_id) == mei.id)).all()
