"""What the contact-policy gate needs to know about a borrower, read from the database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time

from sqlmodel import Session, col, select

from billbot.chat.models import ChatIdentity
from billbot.outbox.models import ContactPreferences
from billbot.outbox.service import history_of
from billbot.reminders import (
    HISTORY_LOOKBACK,
    Category,
    ChannelState,
    ContactPrefs,
    QuietHours,
    SentContact,
)
from billbot.users.models import User
from channels import Channel

# Channels that reach every borrower without a linked chat: their email, and the app's own.
ALWAYS_LINKED = frozenset({"email", "webchat", "console", "fake"})


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def prefs_of(session: Session, user: User) -> ContactPrefs:
    """The borrower's contact settings (defaults where they set none)."""
    stored = session.get(ContactPreferences, user.id)
    opted_out = frozenset(
        session.exec(
            select(ChatIdentity.channel).where(
                col(ChatIdentity.user_id) == user.id, col(ChatIdentity.opted_out_at).is_not(None)
            )
        ).all()
    )
    if stored is None:
        return ContactPrefs(time_zone=user.time_zone, opted_out_channels=opted_out)
    return ContactPrefs(
        time_zone=user.time_zone,
        quiet_hours=QuietHours(
            _clock(stored.quiet_start), _clock(stored.quiet_end), stored.quiet_enabled
        ),
        daily_cap=stored.daily_cap,
        weekly_cap=stored.weekly_cap,
        channel_order=tuple(c for c in stored.channel_order.split(",") if c),
        opted_out_channels=opted_out,
        stopped_at=stored.stopped_at,
    )


def sent_history(session: Session, user: User, now: datetime) -> list[SentContact]:
    """What was sent to the borrower recently, as the gate counts it."""
    assert user.id is not None
    return [
        SentContact(
            sent_at=m.sent_at,
            channel=m.sent_channel or "",
            category=Category(m.category),
            scenario=m.scenario,
            debt_key=m.debt_key,
        )
        for m in history_of(session, user_id=user.id, since=now - HISTORY_LOOKBACK)
        if m.sent_at is not None
    ]


def channel_states(
    session: Session, user: User, channels: Mapping[str, Channel]
) -> tuple[list[ChannelState], dict[str, str]]:
    """The borrower's reachable channels among those configured, and their address on each."""
    identities = session.exec(
        select(ChatIdentity).where(col(ChatIdentity.user_id) == user.id)
    ).all()
    addresses: dict[str, str] = {}
    states: list[ChannelState] = []
    for identity in identities:
        adapter = channels.get(identity.channel)
        if adapter is None:
            continue
        addresses[identity.channel] = identity.address
        states.append(
            ChannelState.from_capabilities(
                identity.channel,
                adapter.capabilities,
                opted_out=identity.opted_out_at is not None,
                last_inbound_at=identity.last_inbound_at,
            )
        )
    for name in sorted(ALWAYS_LINKED & set(channels) - set(addresses)):
        addresses[name] = user.email if name in ("email", "console") else str(user.id)
        states.append(ChannelState.from_capabilities(name, channels[name].capabilities))
    return states, addresses
