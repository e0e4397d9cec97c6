"""The gate's verdict on a message: an action, a machine reason code and a sentence for the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from billbot.reminders.model import require_utc

__all__ = ["Action", "Decision", "Reason", "SkippedChannel"]


class Action(StrEnum):
    """The four things the gate can do with a message."""

    SEND = "send"
    DEFER = "defer"
    FOLD = "fold"
    SUPPRESS = "suppress"


class Reason(StrEnum):
    """Why the gate decided what it did (stored with the decision, shown in the contact history)."""

    # send
    WITHIN_POLICY = "within_policy"
    SECURITY_NOTICE = "security_notice"
    REPLY = "reply"
    STOP_CONFIRMATION = "stop_confirmation"
    # defer
    NOT_BEFORE = "not_before"
    QUIET_HOURS = "quiet_hours"
    DAILY_CAP = "daily_cap"
    WEEKLY_CAP = "weekly_cap"
    DEBT_CEILING = "debt_ceiling"
    SNOOZED = "snoozed"
    # fold or suppress
    EXPIRED = "expired"
    WOULD_EXPIRE = "would_expire"
    CAPS_EXHAUSTED = "caps_exhausted"
    NUDGES_OFF = "nudges_off"
    NO_REACHABLE_CHANNEL = "no_reachable_channel"
    # suppress
    STOPPED = "stopped"
    NOT_STOPPED = "not_stopped"
    SCENARIO_OFF = "scenario_off"
    NO_CHANNEL = "no_channel"
    # why a channel was passed over
    CHANNEL_UNLINKED = "channel_unlinked"
    CHANNEL_OPTED_OUT = "channel_opted_out"
    SESSION_CLOSED = "session_closed"


@dataclass(frozen=True, slots=True)
class SkippedChannel:
    """A channel passed over on the way to the one used, and why."""

    channel: str
    reason: Reason


_ACTION_REASONS: dict[Action, frozenset[Reason]] = {
    Action.SEND: frozenset(
        {Reason.WITHIN_POLICY, Reason.SECURITY_NOTICE, Reason.REPLY, Reason.STOP_CONFIRMATION}
    ),
    Action.DEFER: frozenset(
        {
            Reason.NOT_BEFORE,
            Reason.QUIET_HOURS,
            Reason.DAILY_CAP,
            Reason.WEEKLY_CAP,
            Reason.DEBT_CEILING,
            Reason.SNOOZED,
        }
    ),
    Action.FOLD: frozenset(
        {
            Reason.EXPIRED,
            Reason.WOULD_EXPIRE,
            Reason.CAPS_EXHAUSTED,
            Reason.NUDGES_OFF,
            Reason.NO_REACHABLE_CHANNEL,
        }
    ),
    Action.SUPPRESS: frozenset(
        {
            Reason.EXPIRED,
            Reason.WOULD_EXPIRE,
            Reason.NUDGES_OFF,
            Reason.NO_REACHABLE_CHANNEL,
            Reason.STOPPED,
            Reason.NOT_STOPPED,
            Reason.SCENARIO_OFF,
            Reason.NO_CHANNEL,
        }
    ),
}


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a message: `send` names a channel, `defer` a UTC `until`; all a reason."""

    action: Action
    reason: Reason
    explanation: str
    channel: str | None = None
    template_required: bool = False
    until: datetime | None = None
    skipped: tuple[SkippedChannel, ...] = ()

    def __post_init__(self) -> None:
        if self.reason not in _ACTION_REASONS[self.action]:
            raise ValueError(f"{self.reason} is not a reason to {self.action}")
        if (self.action == Action.SEND) != (self.channel is not None):
            raise ValueError("exactly the send decisions name a channel")
        if (self.action == Action.DEFER) != (self.until is not None):
            raise ValueError("exactly the defer decisions carry an until")
        if self.until is not None:
            object.__setattr__(self, "until", require_utc(self.until, "until"))

    @classmethod
    def send(
        cls,
        channel: str,
        *,
        template_required: bool,
        reason: Reason,
        explanation: str,
        skipped: tuple[SkippedChannel, ...] = (),
    ) -> Decision:
        """Send now on `channel` (as an approved template if `template_required`)."""
        return cls(
            Action.SEND,
            reason,
            explanation,
            channel=channel,
            template_required=template_required,
            skipped=skipped,
        )

    @classmethod
    def defer(cls, until: datetime, *, reason: Reason, explanation: str) -> Decision:
        """Offer the message again at `until`, the next moment it may go."""
        return cls(Action.DEFER, reason, explanation, until=until)

    @classmethod
    def fold(cls, *, reason: Reason, explanation: str) -> Decision:
        """Put the message into the user's next digest instead."""
        return cls(Action.FOLD, reason, explanation)

    @classmethod
    def suppress(cls, *, reason: Reason, explanation: str) -> Decision:
        """Do not send the message at all; the reason is kept in the contact history."""
        return cls(Action.SUPPRESS, reason, explanation)
