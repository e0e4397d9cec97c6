"""Reminders: the contact-policy gate every outbound message passes (pure rules, no I/O).

The core builds plain inputs (the message, the user's `ContactPrefs`, recent `SentContact`s, the
user's `ChannelState`s and the clock's `now`) and calls `decide`, which answers with a `Decision`:
send on a channel now, defer to a UTC instant, fold into the next digest, or suppress. Every
decision carries a `Reason` code and a sentence for the user's contact history. The rules are
described in `policy`; how caps count in `caps`; quiet hours and DST in `quiet_hours`.
"""

from billbot.reminders.caps import DEBT_CEILING, HISTORY_LOOKBACK, NUDGE_CATEGORIES, ROLLING_WEEK
from billbot.reminders.decision import Action, Decision, Reason, SkippedChannel
from billbot.reminders.ledger import ContactLedger
from billbot.reminders.model import (
    ACTIVE_CHAT,
    DEFAULT_DAILY_CAP,
    DEFAULT_WEEKLY_CAP,
    STOP_CONFIRMATION,
    Category,
    ChannelState,
    ContactPrefs,
    PendingMessage,
    Priority,
    SentContact,
)
from billbot.reminders.policy import LONG_WAIT, decide, next_allowed_moment
from billbot.reminders.quiet_hours import QuietHours, in_quiet_hours, quiet_hours_end

__all__ = [
    "ACTIVE_CHAT",
    "DEBT_CEILING",
    "DEFAULT_DAILY_CAP",
    "DEFAULT_WEEKLY_CAP",
    "HISTORY_LOOKBACK",
    "LONG_WAIT",
    "NUDGE_CATEGORIES",
    "ROLLING_WEEK",
    "STOP_CONFIRMATION",
    "Action",
    "Category",
    "ChannelState",
    "ContactLedger",
    "ContactPrefs",
    "Decision",
    "PendingMessage",
    "Priority",
    "QuietHours",
    "Reason",
    "SentContact",
    "SkippedChannel",
    "decide",
    "in_quiet_hours",
    "next_allowed_moment",
    "quiet_hours_end",
]
