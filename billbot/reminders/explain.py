"""One English sentence per decision, for the user's "why did I (not) get this?" history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from billbot.reminders.caps import DEBT_CEILING
from billbot.reminders.decision import Action, Reason, SkippedChannel
from billbot.reminders.model import ContactPrefs

__all__ = ["explain"]

_SKIPPED = {
    Reason.CHANNEL_UNLINKED: "not linked",
    Reason.CHANNEL_OPTED_OUT: "you opted out there",
    Reason.SESSION_CLOSED: "its chat session had closed",
}

_SENTENCES: dict[tuple[Action, Reason], str] = {
    (Action.SEND, Reason.WITHIN_POLICY): (
        "Sent by {channel}: outside your quiet hours and within your reminder limits."
    ),
    (Action.SEND, Reason.SECURITY_NOTICE): (
        "Sent by {channel}: account-security notices go out at any hour and are never capped."
    ),
    (Action.SEND, Reason.REPLY): "Sent by {channel} in answer to your message.",
    (Action.SEND, Reason.STOP_CONFIRMATION): "Sent by {channel} to confirm that we have stopped.",
    (Action.DEFER, Reason.NOT_BEFORE): "Scheduled: it is not due to go out before {when}.",
    (Action.DEFER, Reason.QUIET_HOURS): (
        "Held back during your quiet hours ({quiet}); it will go out at {when}."
    ),
    (Action.DEFER, Reason.DAILY_CAP): (
        "Held back: you already had {limit} reminders today, your daily limit; "
        "it will go out at {when}."
    ),
    (Action.DEFER, Reason.WEEKLY_CAP): (
        "Held back: you had {limit} reminders in the last 7 days, your weekly limit; "
        "it will go out at {when}."
    ),
    (Action.DEFER, Reason.DEBT_CEILING): (
        "Held back: we never send more than {ceiling} reminders about one bill in 7 days; "
        "it will go out at {when}."
    ),
    (Action.DEFER, Reason.SNOOZED): (
        "Held back: you snoozed {scenario} messages; it will go out at {when}."
    ),
    (Action.FOLD, Reason.EXPIRED): "Added to your next digest: its moment had passed.",
    (Action.FOLD, Reason.WOULD_EXPIRE): (
        "Added to your next digest: it could not go out before it stopped being timely."
    ),
    (Action.FOLD, Reason.CAPS_EXHAUSTED): (
        "Added to your next digest: your reminder limits are used up for now."
    ),
    (Action.FOLD, Reason.NUDGES_OFF): (
        "Added to your next digest: you set your reminder limit to zero."
    ),
    (Action.FOLD, Reason.NO_REACHABLE_CHANNEL): (
        "Added to your next digest: none of your channels could take it right now."
    ),
    (Action.SUPPRESS, Reason.EXPIRED): "Not sent: it was no longer relevant.",
    (Action.SUPPRESS, Reason.WOULD_EXPIRE): (
        "Not sent: the earliest time it was allowed to go out was after it stopped being relevant."
    ),
    (Action.SUPPRESS, Reason.NUDGES_OFF): "Not sent: you set your reminder limit to zero.",
    (Action.SUPPRESS, Reason.NO_REACHABLE_CHANNEL): (
        "Not sent: none of your channels could take it right now."
    ),
    (Action.SUPPRESS, Reason.STOPPED): (
        "Not sent: you asked us to stop on {stopped_on}. Send START to hear from us again."
    ),
    (Action.SUPPRESS, Reason.NOT_STOPPED): "Not sent: there was no STOP to confirm.",
    (Action.SUPPRESS, Reason.SCENARIO_OFF): "Not sent: you switched off {scenario} messages.",
    (Action.SUPPRESS, Reason.NO_CHANNEL): (
        "Not sent: none of your channels may be used (each is opted out or unlinked)."
    ),
}


def _local(at: datetime | None, tz: ZoneInfo) -> str:
    if at is None:
        return ""
    local = at.astimezone(tz)
    return f"{local:%H:%M} on {local:%a %d %b %Y} ({tz.key} time)"


def _day(at: datetime | None, tz: ZoneInfo) -> str:
    return "" if at is None else f"{at.astimezone(tz):%a %d %b %Y}"


def explain(
    action: Action,
    reason: Reason,
    *,
    prefs: ContactPrefs,
    tz: ZoneInfo,
    channel: str | None = None,
    until: datetime | None = None,
    scenario: str = "",
    limit: int | None = None,
    skipped: Sequence[SkippedChannel] = (),
) -> str:
    """The sentence for `action` taken for `reason`, with the facts filled in."""
    sentence = _SENTENCES[(action, reason)].format(
        channel=channel,
        when=_local(until, tz),
        quiet=prefs.quiet_hours.label(),
        limit=limit,
        ceiling=DEBT_CEILING,
        scenario=scenario.replace("_", " "),
        stopped_on=_day(prefs.stopped_at, tz),
    )
    if skipped:
        passed = "; ".join(f"{s.channel}: {_SKIPPED[s.reason]}" for s in skipped)
        sentence += f" Other channels were passed over ({passed})."
    return sentence
