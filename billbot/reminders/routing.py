"""Which of the user's channels a message goes on: the first usable one in their order.

Channels are tried in the user's preferred order, then any other linked channel in the order given.
A reply tries the channel the user wrote on most recently first; a message that names a channel
(a reply, the STOP confirmation) tries only that one. A channel is passed over when it is unlinked,
opted out (by the user's settings or by the provider), or outside its session window without
template support (Messenger); outside WhatsApp's window it is used with an approved template.

An explicit opt-out is honoured for every message, account-security notices included, with two
exceptions that answer the user on the channel they are using: the STOP confirmation, and a reply
while the user is actively chatting there (wrote within `ACTIVE_CHAT`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from billbot.reminders.decision import Reason, SkippedChannel
from billbot.reminders.model import Category, ChannelState, ContactPrefs, PendingMessage

__all__ = ["Route", "candidate_channels", "route", "skip_reason"]

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Route:
    """The channel chosen (None: none usable now) and the channels passed over before it."""

    channel: ChannelState | None
    skipped: tuple[SkippedChannel, ...]


def candidate_channels(
    message: PendingMessage, prefs: ContactPrefs, channels: Sequence[ChannelState]
) -> list[ChannelState]:
    """The channels to try for `message`, best first."""
    by_name: dict[str, ChannelState] = {}
    for state in channels:
        by_name.setdefault(state.name, state)
    if message.channel is not None:
        return [by_name.get(message.channel) or ChannelState(message.channel, linked=False)]
    preferred = [by_name[n] for n in dict.fromkeys(prefs.channel_order) if n in by_name]
    ordered = preferred + [s for s in by_name.values() if s.name not in prefs.channel_order]
    if message.category == Category.REPLY:
        ordered.sort(key=lambda s: s.last_inbound_at or _NEVER, reverse=True)
    return ordered


def skip_reason(
    message: PendingMessage, prefs: ContactPrefs, state: ChannelState, now: datetime
) -> Reason | None:
    """Why `state` cannot carry `message` at `now`, or None if it can."""
    if not state.linked:
        return Reason.CHANNEL_UNLINKED
    opted_out = state.opted_out or state.name in prefs.opted_out_channels
    waived = message.is_stop_confirmation or (
        message.category == Category.REPLY and state.active_chat(now)
    )
    if opted_out and not waived:
        return Reason.CHANNEL_OPTED_OUT
    if not state.can_send(now):
        return Reason.SESSION_CLOSED
    return None


def route(
    message: PendingMessage,
    prefs: ContactPrefs,
    channels: Sequence[ChannelState],
    now: datetime,
) -> Route:
    """The first channel that can carry `message` at `now`, and those passed over."""
    skipped: list[SkippedChannel] = []
    for state in candidate_channels(message, prefs, channels):
        reason = skip_reason(message, prefs, state, now)
        if reason is None:
            return Route(state, tuple(skipped))
        skipped.append(SkippedChannel(state.name, reason))
    return Route(None, tuple(skipped))
