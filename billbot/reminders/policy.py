"""The contact-policy gate: every outbound message passes `decide` before it may leave.

The rules, in the order they are checked:

1. **STOP** (a global flag, honoured whichever channel it came from) suppresses everything but
   the STOP confirmation, which goes at once on its channel, ignoring quiet hours, caps, opt-outs.
2. **Scenario switched off** suppresses (not for security notices or replies, which cannot be off).
3. **Expired** (`now >= expires_at`): folded into the next digest if the message allows it,
   otherwise suppressed.
4. **No usable channel** at all (every one unlinked or opted out) suppresses.
5. **Timing**: the earliest instant from `now` (or `not_before`) that is outside any snooze of the
   scenario, outside quiet hours and under every cap, found by moving forward until all agree.
   If that instant is never (a cap of zero) or not before `expires_at` (unless a snooze is what
   holds it: a snoozed message waits), the message folds or is suppressed. If it is later than
   `now` the message is deferred to it, except that a foldable message held by a cap folds
   instead when waiting would be long: at once for low priority, beyond `LONG_WAIT` for normal
   priority, never for high priority.
6. **Channel**: the first usable channel in the user's order (see `routing`); when only closed
   session windows stand in the way the message folds or is suppressed, since no time will help.

Who bypasses what: account-security notices skip quiet hours, caps, snoozes and switches but not
STOP or an explicit channel opt-out (the gate lets only them through unthrottled, and STOP means
stop). Replies to the user's own message are not nudges: they are never capped, snoozed or counted,
and quiet hours do not apply while the user is actively chatting (wrote within `ACTIVE_CHAT`).
Digests are not nudges either (they are where held-back nudges go) but keep quiet hours.

The gate judges one message at a time against what has already gone out, so when several are due
at the same instant the caller offers them highest priority first and records each send (e.g. in
a `ContactLedger`) before offering the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from billbot.clock import zone
from billbot.reminders.caps import cap_block
from billbot.reminders.decision import Action, Decision, Reason, SkippedChannel
from billbot.reminders.explain import explain
from billbot.reminders.model import (
    STOP_CONFIRMATION,
    Category,
    ChannelState,
    ContactPrefs,
    PendingMessage,
    Priority,
    SentContact,
    require_utc,
)
from billbot.reminders.quiet_hours import in_quiet_hours, quiet_hours_end
from billbot.reminders.routing import candidate_channels, route, skip_reason

__all__ = ["LONG_WAIT", "decide", "next_allowed_moment"]

# A normal-priority foldable message held by a cap longer than this goes into the digest instead.
LONG_WAIT = timedelta(hours=24)
# Each step moves past one rule; a handful always settles, the bound only guards against a bug.
_MAX_STEPS = 64


@dataclass(frozen=True, slots=True)
class _Hold:
    """The earliest allowed instant (None: never), the first rule that held, whether a cap did."""

    until: datetime | None
    reason: Reason | None
    limit: int | None
    capped: bool


def _exempt(category: Category, scenario: str) -> bool:
    """Whether a message is outside the nudge rules (caps, snoozes, switches)."""
    return category in (Category.SECURITY, Category.REPLY) or scenario == STOP_CONFIRMATION


def _hold(
    *,
    category: Category,
    scenario: str,
    debt_key: str | None,
    not_before: datetime | None,
    quiet_applies: bool,
    prefs: ContactPrefs,
    history: Sequence[SentContact],
    tz: ZoneInfo,
    now: datetime,
) -> _Hold:
    """Walk forward from `now` until snooze, quiet hours and caps all let the message go."""
    at, reason, limit, capped = now, None, None, False
    if not_before is not None and not_before > now:
        at, reason = not_before, Reason.NOT_BEFORE
    exempt = _exempt(category, scenario)
    for _ in range(_MAX_STEPS):
        start = at
        snooze_end = None if exempt else prefs.snoozed_until(scenario, at)
        if snooze_end is not None:
            at, reason = snooze_end, reason or Reason.SNOOZED
        if quiet_applies and in_quiet_hours(at, prefs.quiet_hours, tz):
            at, reason = quiet_hours_end(at, prefs.quiet_hours, tz), reason or Reason.QUIET_HOURS
        block = cap_block(
            at=at, category=category, debt_key=debt_key, prefs=prefs, history=history, tz=tz
        )
        if block is not None:
            capped = True
            if reason is None:
                reason, limit = block.reason, block.limit
            if block.frees_at is None:
                return _Hold(None, reason, limit, capped)
            at = block.frees_at
        if at == start:
            return _Hold(at, reason, limit, capped)
    raise RuntimeError(f"contact policy did not settle for {scenario!r} after {now.isoformat()}")


def _quiet_applies(
    message: PendingMessage, prefs: ContactPrefs, channels: Sequence[ChannelState], now: datetime
) -> bool:
    if message.category == Category.SECURITY or message.is_stop_confirmation:
        return False
    if message.category == Category.REPLY:
        chatting = candidate_channels(message, prefs, channels)
        return not any(state.active_chat(now) for state in chatting)
    return True


def next_allowed_moment(
    prefs: ContactPrefs,
    history: Iterable[SentContact],
    now: datetime,
    category: Category | str,
    *,
    scenario: str = "",
    debt_key: str | None = None,
) -> datetime | None:
    """The earliest instant from `now` a message of `category` may go (None: never, a zero cap)."""
    # Timing only: STOP, switches, expiry and channels are `decide`'s. Replies count as idle.
    now = require_utc(now, "now")
    category = Category(category)
    quiet_applies = category != Category.SECURITY and scenario != STOP_CONFIRMATION
    return _hold(
        category=category,
        scenario=scenario,
        debt_key=debt_key,
        not_before=None,
        quiet_applies=quiet_applies,
        prefs=prefs,
        history=tuple(history),
        tz=zone(prefs.time_zone),
        now=now,
    ).until


class _Verdicts:
    """Builds decisions with their sentences for one message and user."""

    def __init__(self, message: PendingMessage, prefs: ContactPrefs, tz: ZoneInfo) -> None:
        self.message, self.prefs, self.tz = message, prefs, tz

    def _say(
        self,
        action: Action,
        reason: Reason,
        *,
        channel: str | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        skipped: tuple[SkippedChannel, ...] = (),
    ) -> str:
        return explain(
            action,
            reason,
            prefs=self.prefs,
            tz=self.tz,
            scenario=self.message.scenario,
            channel=channel,
            until=until,
            limit=limit,
            skipped=skipped,
        )

    def suppress(self, reason: Reason) -> Decision:
        return Decision.suppress(reason=reason, explanation=self._say(Action.SUPPRESS, reason))

    def give_up(self, reason: Reason) -> Decision:
        """Fold if the message allows it, otherwise suppress."""
        if self.message.foldable:
            return Decision.fold(reason=reason, explanation=self._say(Action.FOLD, reason))
        return self.suppress(reason)

    def defer(self, until: datetime, reason: Reason, limit: int | None) -> Decision:
        sentence = self._say(Action.DEFER, reason, until=until, limit=limit)
        return Decision.defer(until, reason=reason, explanation=sentence)

    def send(
        self,
        channel: ChannelState,
        now: datetime,
        reason: Reason,
        skipped: tuple[SkippedChannel, ...],
    ) -> Decision:
        sentence = self._say(Action.SEND, reason, channel=channel.name, skipped=skipped)
        return Decision.send(
            channel.name,
            template_required=channel.requires_template(now),
            reason=reason,
            explanation=sentence,
            skipped=skipped,
        )


def _send_reason(message: PendingMessage) -> Reason:
    if message.is_stop_confirmation:
        return Reason.STOP_CONFIRMATION
    if message.category == Category.SECURITY:
        return Reason.SECURITY_NOTICE
    if message.category == Category.REPLY:
        return Reason.REPLY
    return Reason.WITHIN_POLICY


def decide(
    message: PendingMessage,
    prefs: ContactPrefs,
    history: Iterable[SentContact],
    channels: Sequence[ChannelState],
    now: datetime,
) -> Decision:
    """Whether `message` may go to the user now, on which channel, or what happens to it instead."""
    now = require_utc(now, "now")
    tz = zone(prefs.time_zone)
    verdict = _Verdicts(message, prefs, tz)
    if message.is_stop_confirmation and not prefs.stopped:
        return verdict.suppress(Reason.NOT_STOPPED)
    if prefs.stopped and not message.is_stop_confirmation:
        return verdict.suppress(Reason.STOPPED)
    exempt = _exempt(message.category, message.scenario)
    if not exempt and message.scenario in prefs.disabled_scenarios:
        return verdict.suppress(Reason.SCENARIO_OFF)
    if message.expires_at is not None and now >= message.expires_at:
        return verdict.give_up(Reason.EXPIRED)
    usable = (Reason.SESSION_CLOSED, None)
    if not any(
        skip_reason(message, prefs, state, now) in usable
        for state in candidate_channels(message, prefs, channels)
    ):
        return verdict.suppress(Reason.NO_CHANNEL)
    hold = _hold(
        category=message.category,
        scenario=message.scenario,
        debt_key=message.debt_key,
        not_before=message.not_before,
        quiet_applies=_quiet_applies(message, prefs, channels, now),
        prefs=prefs,
        history=tuple(history),
        tz=tz,
        now=now,
    )
    if hold.until is None:
        return verdict.give_up(Reason.NUDGES_OFF)
    # A snooze is the borrower's "later, please": the message waits for it rather than lapse
    # (the dispatcher moves its expiry on by the wait).
    snoozed = hold.reason == Reason.SNOOZED
    if message.expires_at is not None and hold.until >= message.expires_at and not snoozed:
        return verdict.give_up(Reason.WOULD_EXPIRE)
    if hold.until > now:
        assert hold.reason is not None
        if message.foldable and hold.capped and _too_long(message.priority, hold.until - now):
            return verdict.give_up(Reason.CAPS_EXHAUSTED)
        return verdict.defer(hold.until, hold.reason, hold.limit)
    chosen = route(message, prefs, channels, now)
    if chosen.channel is None:
        return verdict.give_up(Reason.NO_REACHABLE_CHANNEL)
    return verdict.send(chosen.channel, now, _send_reason(message), chosen.skipped)


def _too_long(priority: Priority, wait: timedelta) -> bool:
    """Whether a capped foldable message of `priority` should fold rather than wait `wait`."""
    if priority == Priority.LOW:
        return True
    return priority == Priority.NORMAL and wait > LONG_WAIT
