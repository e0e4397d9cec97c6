"""The gate, one rule at a time: STOP, switches, expiry, timing, folding and channel fallback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from billbot.reminders import (
    LONG_WAIT,
    Action,
    Category,
    ChannelState,
    ContactLedger,
    ContactPrefs,
    Decision,
    PendingMessage,
    Priority,
    Reason,
    SentContact,
    SkippedChannel,
    decide,
)
from billbot.reminders.decision import _ACTION_REASONS
from billbot.reminders.explain import explain
from channels import CHANNELS

NEW_YORK = ZoneInfo("America/New_York")
AFTERNOON = datetime(2024, 6, 4, 15, tzinfo=NEW_YORK).astimezone(UTC)
NIGHT = datetime(2024, 6, 4, 23, 30, tzinfo=NEW_YORK).astimezone(UTC)
MORNING = datetime(2024, 6, 5, 8, tzinfo=NEW_YORK).astimezone(UTC)
PREFS = ContactPrefs(time_zone="America/New_York", channel_order=("whatsapp", "messenger", "sms"))


def channel(
    name: str,
    *,
    linked: bool = True,
    opted_out: bool = False,
    last_inbound_at: datetime | None = None,
) -> ChannelState:
    return ChannelState.from_capabilities(
        name,
        CHANNELS[name].capabilities,
        linked=linked,
        opted_out=opted_out,
        last_inbound_at=last_inbound_at,
    )


CHANNELS_OF_USER = [channel("whatsapp"), channel("messenger"), channel("sms")]
NUDGE = PendingMessage("limit_threshold", Category.SPENDING, foldable=True)
DUE = PendingMessage("due_soon", Category.REPAYMENT, debt_key="stmt-7")
SECURITY = PendingMessage("security_notice", Category.SECURITY)


def gate(
    message: PendingMessage = DUE,
    prefs: ContactPrefs = PREFS,
    history: list[SentContact] | None = None,
    channels: list[ChannelState] | None = None,
    now: datetime = AFTERNOON,
) -> Decision:
    return decide(
        message, prefs, history or [], CHANNELS_OF_USER if channels is None else channels, now
    )


def nudges(
    count: int, at: datetime, category: str = "spending", debt: str | None = None
) -> list[SentContact]:
    return [
        SentContact(at - timedelta(minutes=10 * (i + 1)), "sms", Category(category), "x", debt)
        for i in range(count)
    ]


# --- sending and channels -------------------------------------------------------------------


def test_a_nudge_in_the_afternoon_goes_on_the_first_channel_as_a_template() -> None:
    decision = gate()
    assert (decision.action, decision.reason) == (Action.SEND, Reason.WITHIN_POLICY)
    # WhatsApp without a recent message from the user: only an approved template may go.
    assert decision.channel == "whatsapp" and decision.template_required
    assert decision.explanation.startswith("Sent by whatsapp")


def test_inside_the_whatsapp_window_free_text_may_go() -> None:
    wrote = [channel("whatsapp", last_inbound_at=AFTERNOON - timedelta(hours=23))]
    decision = gate(channels=wrote)
    assert decision.channel == "whatsapp" and not decision.template_required


def test_messenger_outside_its_window_is_passed_over_for_the_next_channel() -> None:
    prefs = replace(PREFS, channel_order=("messenger", "sms"))
    decision = gate(prefs=prefs)
    assert decision.channel == "sms" and not decision.template_required
    assert decision.skipped == (SkippedChannel("messenger", Reason.SESSION_CLOSED),)
    assert "messenger: its chat session had closed" in decision.explanation
    open_window = [
        channel("messenger", last_inbound_at=AFTERNOON - timedelta(hours=2)),
        channel("sms"),
    ]
    assert gate(prefs=prefs, channels=open_window).channel == "messenger"


def test_opted_out_and_unlinked_channels_are_passed_over_in_order() -> None:
    prefs = replace(PREFS, opted_out_channels=frozenset({"whatsapp"}))
    channels = [channel("whatsapp"), channel("messenger", linked=False), channel("sms")]
    decision = gate(prefs=prefs, channels=channels)
    assert decision.channel == "sms"
    assert [s.reason for s in decision.skipped] == [
        Reason.CHANNEL_OPTED_OUT,
        Reason.CHANNEL_UNLINKED,
    ]
    # An opt-out the provider reports counts the same as one in the user's settings.
    assert gate(channels=[channel("whatsapp", opted_out=True), channel("sms")]).channel == "sms"


def test_channels_outside_the_preferred_order_come_after_it() -> None:
    channels = [channel("email"), channel("sms")]
    assert gate(prefs=replace(PREFS, channel_order=("sms",)), channels=channels).channel == "sms"
    assert gate(prefs=replace(PREFS, channel_order=()), channels=channels).channel == "email"


def test_opted_out_of_every_channel_suppresses() -> None:
    prefs = replace(PREFS, opted_out_channels=frozenset({"whatsapp", "messenger", "sms"}))
    decision = gate(prefs=prefs)
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.NO_CHANNEL)
    assert gate(channels=[]).reason == Reason.NO_CHANNEL


def test_only_closed_session_windows_fold_or_suppress() -> None:
    only_messenger = [channel("messenger")]
    assert (
        gate(NUDGE, channels=only_messenger).action,
        gate(NUDGE, channels=only_messenger).reason,
    ) == (
        Action.FOLD,
        Reason.NO_REACHABLE_CHANNEL,
    )
    decision = gate(DUE, channels=only_messenger)
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.NO_REACHABLE_CHANNEL)


# --- STOP -----------------------------------------------------------------------------------------

STOPPED = replace(PREFS, stopped_at=AFTERNOON - timedelta(days=1))
CONFIRM = PendingMessage("stop_confirmation", Category.REPLY, channel="sms")


@pytest.mark.parametrize(
    "message",
    [
        DUE,
        NUDGE,
        SECURITY,
        PendingMessage("weekly_digest", Category.DIGEST),
        PendingMessage("reply", Category.REPLY, channel="sms"),
    ],
)
def test_stop_suppresses_everything_even_security_notices(message: PendingMessage) -> None:
    decision = gate(message, prefs=STOPPED)
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.STOPPED)
    assert "Send START" in decision.explanation and "Mon 03 Jun 2024" in decision.explanation


def test_the_stop_confirmation_goes_at_once_on_its_channel_at_any_hour() -> None:
    prefs = replace(PREFS, stopped_at=NIGHT, opted_out_channels=frozenset({"sms"}), daily_cap=0)
    decision = gate(CONFIRM, prefs=prefs, now=NIGHT)
    assert (decision.action, decision.reason, decision.channel) == (
        Action.SEND,
        Reason.STOP_CONFIRMATION,
        "sms",
    )


def test_a_stop_confirmation_without_a_stop_is_not_sent() -> None:
    assert gate(CONFIRM).reason == Reason.NOT_STOPPED


def test_after_start_messages_flow_again() -> None:
    assert gate(DUE, prefs=replace(STOPPED, stopped_at=None)).action == Action.SEND


# --- switches, snoozes, expiry ------------------------------------------------------------------


def test_a_scenario_switched_off_is_suppressed_but_security_cannot_be_switched_off() -> None:
    prefs = replace(PREFS, disabled_scenarios=frozenset({"due_soon", "security_notice"}))
    decision = gate(DUE, prefs=prefs)
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.SCENARIO_OFF)
    assert "switched off due soon messages" in decision.explanation
    assert gate(SECURITY, prefs=prefs).action == Action.SEND


def test_a_snooze_defers_to_its_end_then_quiet_hours_apply() -> None:
    until = datetime(2024, 6, 4, 22, tzinfo=NEW_YORK).astimezone(UTC)
    prefs = replace(PREFS, snoozes={"due_soon": until})
    decision = gate(DUE, prefs=prefs)
    assert (decision.action, decision.reason, decision.until) == (
        Action.DEFER,
        Reason.SNOOZED,
        MORNING,
    )
    assert gate(DUE, prefs=prefs, now=MORNING).action == Action.SEND
    assert (
        gate(SECURITY, prefs=replace(PREFS, snoozes={"security_notice": until})).action
        == Action.SEND
    )


def test_an_expired_message_folds_if_it_may_and_is_suppressed_otherwise() -> None:
    late_nudge = replace(NUDGE, expires_at=AFTERNOON)
    assert (gate(late_nudge).action, gate(late_nudge).reason) == (Action.FOLD, Reason.EXPIRED)
    late_due = replace(DUE, expires_at=AFTERNOON - timedelta(minutes=1))
    assert (gate(late_due).action, gate(late_due).reason) == (Action.SUPPRESS, Reason.EXPIRED)


def test_a_message_that_would_expire_before_it_may_go_folds_or_is_suppressed() -> None:
    before_morning = MORNING - timedelta(minutes=1)
    decision = gate(replace(DUE, expires_at=before_morning), now=NIGHT)
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.WOULD_EXPIRE)
    decision = gate(replace(NUDGE, expires_at=before_morning), now=NIGHT)
    assert (decision.action, decision.reason) == (Action.FOLD, Reason.WOULD_EXPIRE)
    assert gate(replace(DUE, expires_at=MORNING + timedelta(minutes=1)), now=NIGHT).until == MORNING


def test_not_before_defers_to_that_moment() -> None:
    later = AFTERNOON + timedelta(hours=2)
    decision = gate(replace(DUE, not_before=later))
    assert (decision.action, decision.reason, decision.until) == (
        Action.DEFER,
        Reason.NOT_BEFORE,
        later,
    )
    assert gate(replace(DUE, not_before=later), now=later).action == Action.SEND


# --- quiet hours ----------------------------------------------------------------------------------


def test_quiet_hours_defer_a_nudge_to_the_local_morning() -> None:
    decision = gate(now=NIGHT)
    assert (decision.action, decision.reason, decision.until) == (
        Action.DEFER,
        Reason.QUIET_HOURS,
        MORNING,
    )
    assert "21:00–08:00" in decision.explanation
    assert "08:00 on Wed 05 Jun 2024 (America/New_York time)" in decision.explanation


def test_digests_keep_quiet_hours_too() -> None:
    assert gate(PendingMessage("weekly_digest", Category.DIGEST), now=NIGHT).until == MORNING


def test_security_notices_bypass_quiet_hours_and_caps_but_not_an_opt_out() -> None:
    full = nudges(3, NIGHT)
    decision = gate(SECURITY, history=full, now=NIGHT)
    assert (decision.action, decision.reason) == (Action.SEND, Reason.SECURITY_NOTICE)
    prefs = replace(PREFS, opted_out_channels=frozenset({"whatsapp"}))
    assert gate(SECURITY, prefs=prefs, now=NIGHT).channel == "sms"
    everywhere = replace(PREFS, opted_out_channels=frozenset({"whatsapp", "messenger", "sms"}))
    assert gate(SECURITY, prefs=everywhere, now=NIGHT).reason == Reason.NO_CHANNEL


def test_a_reply_while_the_user_is_chatting_ignores_quiet_hours_and_caps() -> None:
    wrote = NIGHT - timedelta(minutes=5)
    channels = [channel("whatsapp"), channel("sms", last_inbound_at=wrote)]
    reply = PendingMessage("reply", Category.REPLY)
    decision = gate(reply, history=nudges(3, NIGHT), channels=channels, now=NIGHT)
    # Unpinned, it goes where the user last wrote, not the first channel in their order.
    assert (decision.action, decision.reason, decision.channel) == (
        Action.SEND,
        Reason.REPLY,
        "sms",
    )


def test_a_reply_long_after_the_users_message_waits_for_the_morning() -> None:
    wrote = NIGHT - timedelta(hours=1)
    channels = [channel("sms", last_inbound_at=wrote)]
    reply = PendingMessage("reply", Category.REPLY, channel="sms")
    assert gate(reply, channels=channels, now=NIGHT).until == MORNING


def test_a_reply_may_answer_on_an_opted_out_channel_only_while_the_user_chats_there() -> None:
    prefs = replace(PREFS, opted_out_channels=frozenset({"sms"}))
    reply = PendingMessage("reply", Category.REPLY, channel="sms")
    chatting = [channel("sms", last_inbound_at=AFTERNOON - timedelta(minutes=3))]
    assert gate(reply, prefs=prefs, channels=chatting).channel == "sms"
    gone = [channel("sms", last_inbound_at=AFTERNOON - timedelta(hours=3))]
    assert gate(reply, prefs=prefs, channels=gone).reason == Reason.NO_CHANNEL


def test_replies_are_never_capped() -> None:
    reply = PendingMessage("reply", Category.REPLY, channel="sms")
    chatting = [channel("sms", last_inbound_at=AFTERNOON - timedelta(minutes=3))]
    assert gate(reply, history=nudges(3, AFTERNOON), channels=chatting).action == Action.SEND


# --- caps and folding ---------------------------------------------------------------------------


def test_a_full_day_defers_a_repayment_nudge_to_the_next_local_morning() -> None:
    decision = gate(DUE, history=nudges(3, AFTERNOON))
    assert (decision.action, decision.reason, decision.until) == (
        Action.DEFER,
        Reason.DAILY_CAP,
        MORNING,
    )
    assert "3 reminders today" in decision.explanation


def test_the_debt_ceiling_defers_the_eighth_contact_about_one_bill() -> None:
    history = [
        SentContact(
            AFTERNOON - timedelta(hours=20 * i + 1), "sms", Category.REPAYMENT, "overdue", "stmt-7"
        )
        for i in range(7)
    ]
    decision = gate(DUE, history=history)
    assert (decision.action, decision.reason) == (Action.DEFER, Reason.DEBT_CEILING)
    assert decision.until == history[-1].sent_at + timedelta(days=7)
    # Another bill is not held by this one's ceiling.
    assert gate(replace(DUE, debt_key="stmt-8"), history=history).action == Action.SEND


def test_foldable_messages_fold_by_priority_when_caps_hold_them() -> None:
    full_today = nudges(3, AFTERNOON)
    low = replace(NUDGE, priority=Priority.LOW)
    assert (gate(low, history=full_today).action, gate(low, history=full_today).reason) == (
        Action.FOLD,
        Reason.CAPS_EXHAUSTED,
    )
    # Normal priority waits for tomorrow morning (under a day) ...
    assert gate(NUDGE, history=full_today).action == Action.DEFER
    # ... but not for a week.
    week = [
        SentContact(AFTERNOON - timedelta(hours=12 * i + 1), "sms", Category.SPENDING, "x")
        for i in range(10)
    ]
    assert gate(NUDGE, history=week).reason == Reason.CAPS_EXHAUSTED
    assert gate(replace(NUDGE, priority=Priority.HIGH), history=week).action == Action.DEFER
    assert gate(DUE, history=week).action == Action.DEFER
    assert timedelta(hours=24) == LONG_WAIT


def test_a_cap_of_zero_folds_or_suppresses_nudges() -> None:
    prefs = replace(PREFS, daily_cap=0)
    assert (gate(NUDGE, prefs=prefs).action, gate(NUDGE, prefs=prefs).reason) == (
        Action.FOLD,
        Reason.NUDGES_OFF,
    )
    assert (gate(DUE, prefs=prefs).action, gate(DUE, prefs=prefs).reason) == (
        Action.SUPPRESS,
        Reason.NUDGES_OFF,
    )
    assert gate(SECURITY, prefs=prefs).action == Action.SEND


# --- inputs, outputs, ledger ----------------------------------------------------------------------


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        gate(now=datetime(2024, 6, 4, 15))
    with pytest.raises(ValueError, match="timezone-aware"):
        PendingMessage("x", Category.SPENDING, expires_at=datetime(2024, 6, 4))
    with pytest.raises(ValueError, match="debt_key"):
        PendingMessage("due_soon", Category.REPAYMENT)
    with pytest.raises(ValueError, match="unknown time zone"):
        ContactPrefs(time_zone="Mars/Olympus")


def test_decisions_are_consistent_and_every_reason_has_a_sentence() -> None:
    with pytest.raises(ValueError):
        Decision(Action.SEND, Reason.QUIET_HOURS, "x", channel="sms")
    with pytest.raises(ValueError):
        Decision(Action.DEFER, Reason.QUIET_HOURS, "x")
    for action, reasons in _ACTION_REASONS.items():
        for reason in reasons:
            sentence = explain(
                action, reason, prefs=PREFS, tz=NEW_YORK, channel="sms", until=MORNING, limit=3
            )
            assert sentence.endswith(".") and "{" not in sentence and "None" not in sentence


def test_the_ledger_keeps_recent_contacts_in_order_for_the_gate() -> None:
    ledger = ContactLedger()
    decision = gate()
    first = ledger.record(DUE, decision, AFTERNOON)
    assert first == SentContact(AFTERNOON, "whatsapp", Category.REPAYMENT, "due_soon", "stmt-7")
    ledger.append(replace(first, sent_at=AFTERNOON - timedelta(days=2)))
    assert [c.sent_at for c in ledger] == [AFTERNOON - timedelta(days=2), AFTERNOON]
    assert len(ledger.recent(AFTERNOON + timedelta(days=7))) == 1
    assert len(ledger) == 1
    with pytest.raises(ValueError, match="send decision"):
        ledger.record(DUE, gate(now=NIGHT), NIGHT)
