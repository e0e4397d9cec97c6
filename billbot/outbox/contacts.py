"""What the contact-policy gate needs to know about borrowers, read in a few queries per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import Row, select
from sqlmodel import Session, col

from billbot.chat.models import ChatIdentity
from billbot.outbox.models import ContactPreferences, OutboxMessage, OutboxStatus
from billbot.reminders import (
    HISTORY_LOOKBACK,
    Category,
    ChannelState,
    ContactPrefs,
    QuietHours,
    SentContact,
)
from billbot.scenarios.preferences import switches_for
from billbot.users.models import User
from channels import Channel

# Channels that reach every borrower without a linked chat: their email, and the app's own.
ALWAYS_LINKED = frozenset({"email", "webchat", "console", "fake"})


@dataclass(frozen=True, slots=True)
class Borrower:
    """What the dispatcher needs of a borrower's account."""

    id: int
    email: str
    locale: str
    time_zone: str


@dataclass
class Contact:
    """One borrower as the gate sees them; `history` grows as a batch sends to them."""

    user: Borrower
    prefs: ContactPrefs
    history: list[SentContact]
    channels: list[ChannelState]
    addresses: dict[str, str]


_PREFERENCES = (
    col(ContactPreferences.user_id),
    col(ContactPreferences.quiet_start),
    col(ContactPreferences.quiet_end),
    col(ContactPreferences.quiet_enabled),
    col(ContactPreferences.daily_cap),
    col(ContactPreferences.weekly_cap),
    col(ContactPreferences.channel_order),
    col(ContactPreferences.stopped_at),
)


def _prefs(
    user: Borrower,
    stored: Row[Any] | None,
    opted_out: frozenset[str],
    switches: tuple[frozenset[str], dict[str, datetime]],
) -> ContactPrefs:
    disabled, snoozes = switches
    if stored is None:
        return ContactPrefs(
            time_zone=user.time_zone,
            opted_out_channels=opted_out,
            snoozes=snoozes,
            disabled_scenarios=disabled,
        )
    return ContactPrefs(
        time_zone=user.time_zone,
        quiet_hours=QuietHours(
            time.fromisoformat(stored.quiet_start),
            time.fromisoformat(stored.quiet_end),
            stored.quiet_enabled,
        ),
        daily_cap=stored.daily_cap,
        weekly_cap=stored.weekly_cap,
        channel_order=tuple(c for c in stored.channel_order.split(",") if c),
        opted_out_channels=opted_out,
        stopped_at=stored.stopped_at,
        snoozes=snoozes,
        disabled_scenarios=disabled,
    )


def load_contacts(
    session: Session, user_ids: Collection[int], adapters: Mapping[str, Channel], now: datetime
) -> dict[int, Contact]:
    """The gate's view of each borrower: settings, recent contacts, reachable channels.

    Read as plain rows (no ORM objects): this runs for every batch the dispatcher sends."""
    ids = sorted(set(user_ids))
    users = session.execute(
        select(col(User.id), col(User.email), col(User.locale), col(User.time_zone)).where(
            col(User.id).in_(ids)
        )
    ).all()
    stored = {
        p.user_id: p
        for p in session.execute(
            select(*_PREFERENCES).where(col(ContactPreferences.user_id).in_(ids))
        ).all()
    }
    switches = switches_for(session, ids, now)
    identities: dict[int, list[Row[Any]]] = defaultdict(list)
    for identity in session.execute(
        select(
            col(ChatIdentity.user_id),
            col(ChatIdentity.channel),
            col(ChatIdentity.address),
            col(ChatIdentity.opted_out_at),
            col(ChatIdentity.last_inbound_at),
        ).where(col(ChatIdentity.user_id).in_(ids))
    ).all():
        identities[identity.user_id].append(identity)
    history: dict[int, list[SentContact]] = defaultdict(list)
    sent = session.execute(
        select(
            col(OutboxMessage.user_id),
            col(OutboxMessage.sent_at),
            col(OutboxMessage.sent_channel),
            col(OutboxMessage.category),
            col(OutboxMessage.scenario),
            col(OutboxMessage.debt_key),
        ).where(
            col(OutboxMessage.user_id).in_(ids),
            col(OutboxMessage.status) == OutboxStatus.SENT,
            col(OutboxMessage.sent_at) >= now - HISTORY_LOOKBACK,
        )
    ).all()
    for m in sent:
        if m.sent_at is not None:
            history[m.user_id].append(
                SentContact(
                    sent_at=m.sent_at,
                    channel=m.sent_channel or "",
                    category=Category(m.category),
                    scenario=m.scenario,
                    debt_key=m.debt_key,
                )
            )
    contacts = {}
    for row in users:
        user = Borrower(row.id, row.email, row.locale, row.time_zone)
        linked = identities[user.id]
        opted_out = frozenset(i.channel for i in linked if i.opted_out_at is not None)
        states, addresses = _channels(user, linked, adapters)
        contacts[user.id] = Contact(
            user,
            _prefs(user, stored.get(user.id), opted_out, switches[user.id]),
            history[user.id],
            states,
            addresses,
        )
    return contacts


def _channels(
    user: Borrower, identities: list[Row[Any]], adapters: Mapping[str, Channel]
) -> tuple[list[ChannelState], dict[str, str]]:
    """The borrower's reachable channels among those configured, and their address on each."""
    addresses: dict[str, str] = {}
    states: list[ChannelState] = []
    for identity in identities:
        adapter = adapters.get(identity.channel)
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
    for name in sorted(ALWAYS_LINKED & set(adapters) - set(addresses)):
        addresses[name] = user.email if name in ("email", "console") else str(user.id)
        states.append(ChannelState.from_capabilities(name, adapters[name].capabilities))
    return states, addresses
