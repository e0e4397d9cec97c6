"""What happens to each inbound chat event: linking, STOP/START, delivery statuses, bot replies.

Every channel ends here: provider webhooks, the app's web chat and the console chat. Each user
event is taken once (its provider id is recorded in `inbound_events` in the same transaction as
its effects), and every answer to a borrower leaves through the outbox, pinned to the channel the
borrower wrote on, with a dedupe key derived from the inbound id, so a re-delivered webhook can
never produce a second reply. Strangers (no linked identity) are not borrowers: they get one
short explanation, returned to the caller to send directly, and learn nothing about any account.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from billbot.bot import reply_to, unknown_sender_reply
from billbot.bot.language import detect
from billbot.chat.linking import find_code, identity_for, link
from billbot.chat.models import ChatIdentity
from billbot.errors import ValidationFailed
from billbot.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from billbot.outbox.preferences import preferences, set_stopped
from billbot.outbox.service import enqueue
from billbot.reminders import STOP_CONFIRMATION, Category, Priority
from billbot.users.models import User
from billbot.webhooks.models import InboundReceipt
from billbot.webhooks.texts import say
from channels import (
    ButtonFallback,
    ButtonPressed,
    Capabilities,
    DeliveryState,
    DeliveryStatus,
    HelpRequested,
    Ignored,
    InboundEvent,
    OptIn,
    OptOut,
    TextReceived,
)
from channels import keyword_event as channel_keyword_event

BOT_REPLY = "bot_reply"
# Telegram reports a user blocking the bot as an opt-out with this keyword: that chat is gone,
# which is not a request to stop every channel.
BLOCKED = "BLOCKED"
_RANK = {
    DeliveryState.SENT: 1,
    DeliveryState.DELIVERED: 2,
    DeliveryState.READ: 3,
    DeliveryState.FAILED: 4,
}

UserEvent = TextReceived | ButtonPressed | OptOut | OptIn | HelpRequested


@dataclass(frozen=True)
class StrangerReply:
    """An answer to someone with no linked identity, sent directly (they are no borrower)."""

    address: str
    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    locale: str = "en"


@dataclass
class Handled:
    """What processing a batch of events did, for the caller to finish off and to answer."""

    replies: list[int] = field(default_factory=list)  # outbox ids, pinned to the channel
    strangers: list[StrangerReply] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)  # button presses to acknowledge
    duplicates: int = 0
    ignored: int = 0
    statuses: int = 0
    users: set[int] = field(default_factory=set)


def provider_key(provider_id: str) -> str:
    """The stored form of a provider's message or event id (fixed width, no personal data)."""
    return hashlib.sha256(provider_id.encode()).hexdigest()


def handle_events(
    session: Session,
    *,
    channel: str,
    capabilities: Capabilities,
    events: list[InboundEvent],
    now: datetime,
) -> Handled:
    """Process a verified webhook's events on `channel`; flushes, the caller commits."""
    handled = Handled()
    for event in events:
        if isinstance(event, ButtonPressed) and event.callback_id:
            handled.callbacks.append(event.callback_id)
        if isinstance(event, Ignored):
            handled.ignored += 1
        elif isinstance(event, DeliveryStatus):
            handled.statuses += record_delivery(session, channel=channel, status=event, now=now)
        elif not first_time(session, channel=channel, event=event, now=now):
            handled.duplicates += 1
        else:
            identity = identity_for(session, channel=channel, address=event.sender)
            if identity is None:
                _stranger(session, handled, channel=channel, event=event, now=now)
            else:
                converse(
                    session,
                    handled,
                    identity=identity,
                    event=event,
                    capabilities=capabilities,
                    now=now,
                )
    return handled


def first_time(session: Session, *, channel: str, event: UserEvent, now: datetime) -> bool:
    """Record the event's provider id; False when it was recorded before (a re-delivery)."""
    table: Table = InboundReceipt.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(
            channel=channel,
            provider_key=provider_key(event.provider_message_id),
            kind=type(event).__name__[:20],
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["channel", "provider_key"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def own_identity(
    session: Session, *, user: User, channel: str, address: str, now: datetime
) -> ChatIdentity:
    """The borrower's identity on a channel they reach signed in (web chat, console)."""
    identity = identity_for(session, channel=channel, address=address)
    if identity is None or identity.user_id != user.id:
        assert user.id is not None
        if identity is not None:
            session.delete(identity)
            session.flush()
        identity = ChatIdentity(
            user_id=user.id, channel=channel, address=address, linked_at=now, consent_at=now
        )
        session.add(identity)
        session.flush()
    return identity


def converse_as(
    session: Session,
    *,
    user: User,
    channel: str,
    address: str,
    inbound_id: str,
    capabilities: Capabilities,
    now: datetime,
    text: str | None = None,
    button_id: str | None = None,
    always_numbered: bool = False,
) -> Handled:
    """A signed-in borrower wrote on one of the app's own channels (web chat, console)."""
    identity = own_identity(session, user=user, channel=channel, address=address, now=now)
    event: UserEvent
    if button_id is not None:
        event = ButtonPressed(address, button_id, inbound_id, address, now)
    else:
        event = keyword_event(address, text or "", inbound_id, now)
    handled = Handled()
    if first_time(session, channel=channel, event=event, now=now):
        converse(
            session,
            handled,
            identity=identity,
            event=event,
            capabilities=capabilities,
            now=now,
            always_numbered=always_numbered,
        )
    else:
        handled.duplicates += 1
    return handled


def keyword_event(sender: str, text: str, inbound_id: str, at: datetime) -> UserEvent:
    """Text typed in the app or a terminal: the chat channels' STOP, START and HELP words apply."""
    event = channel_keyword_event(
        sender=sender, text=text, provider_message_id=inbound_id, chat_id=sender, at=at
    )
    assert isinstance(event, OptOut | OptIn | HelpRequested | TextReceived)
    return event


def converse(
    session: Session,
    handled: Handled,
    *,
    identity: ChatIdentity,
    event: UserEvent,
    capabilities: Capabilities,
    now: datetime,
    always_numbered: bool = False,
) -> None:
    """A linked borrower wrote: STOP/START, or the bot's answer, queued on their channel."""
    user = session.get(User, identity.user_id)
    assert user is not None and user.id is not None
    handled.users.add(user.id)
    channel, key = identity.channel, event.provider_message_id
    identity.last_inbound_at = now
    session.add(identity)
    if isinstance(event, OptOut) and event.keyword == BLOCKED:
        identity.opted_out_at = now
        return
    identity.opted_out_at = None
    stopped = preferences(session, user_id=user.id, now=now).stopped_at is not None
    if isinstance(event, OptOut):
        set_stopped(session, user_id=user.id, stopped=True, now=now)
        notice = say("stopped", user.locale)
        _queue(session, handled, user.id, channel, key, notice, (), now, STOP_CONFIRMATION)
        return
    if isinstance(event, OptIn) and stopped:
        set_stopped(session, user_id=user.id, stopped=False, now=now)
        _queue(session, handled, user.id, channel, key, say("started", user.locale), (), now)
        return
    if stopped:  # STOP holds until START; the only answer says so
        notice = say("still_stopped", user.locale)
        _queue(session, handled, user.id, channel, key, notice, (), now, STOP_CONFIRMATION)
        return
    text: str | None
    button_id: str | None = None
    if isinstance(event, ButtonPressed):
        text, button_id = None, event.button_id
    elif isinstance(event, TextReceived):
        text = event.text
        button_id = _numbered_choice(
            session,
            user_id=user.id,
            channel=channel,
            text=text,
            capabilities=capabilities,
            always=always_numbered,
        )
        if button_id is not None:
            text = None
    else:  # a help keyword, or START/YES while not stopped: the bot reads it as text
        text = event.keyword.lower()
    reply = reply_to(session, user=user, channel=channel, now=now, text=text, button_id=button_id)
    _queue(session, handled, user.id, channel, key, reply.text, reply.buttons, now)


def _stranger(
    session: Session, handled: Handled, *, channel: str, event: UserEvent, now: datetime
) -> None:
    """Someone we do not know: a link code binds them; anything else gets the explanation."""
    text = event.text if isinstance(event, TextReceived) else None
    code = find_code(text) if text else None
    if code is not None:
        locale = detect(text)
        try:
            identity = link(session, channel=channel, address=event.sender, code=code, now=now)
        except ValidationFailed:
            handled.strangers.append(
                StrangerReply(event.sender, say("bad_code", locale), (), locale)
            )
            return
        user = session.get(User, identity.user_id)
        assert user is not None and user.id is not None
        handled.users.add(user.id)
        body = say("linked", user.locale, name=user.display_name)
        _queue(session, handled, user.id, channel, event.provider_message_id, body, (), now)
        return
    if isinstance(event, OptOut):
        handled.ignored += 1  # nothing to stop; carriers keep their own opt-out lists
        return
    said = text if text is not None else getattr(event, "keyword", None)
    reply = unknown_sender_reply(said)
    handled.strangers.append(
        StrangerReply(event.sender, reply.text, tuple(reply.buttons), reply.locale)
    )


def _queue(
    session: Session,
    handled: Handled,
    user_id: int,
    channel: str,
    inbound_id: str,
    body: str,
    buttons: tuple[tuple[str, str], ...],
    now: datetime,
    scenario: str = BOT_REPLY,
) -> None:
    """Queue an answer on the borrower's channel, once per inbound message."""
    message = enqueue(
        session,
        user_id=user_id,
        scenario=scenario,
        dedupe_key=f"{scenario}:{channel}:{provider_key(inbound_id)}",
        category=Category.REPLY.value,
        priority=Priority.HIGH.value,
        body=body,
        buttons=buttons,
        channel=channel,
        now=now,
    )
    if message is not None and message.id is not None:
        handled.replies.append(message.id)


def _numbered_choice(
    session: Session,
    *,
    user_id: int,
    channel: str,
    text: str,
    capabilities: Capabilities,
    always: bool,
) -> str | None:
    """A bare number answering the latest message that showed its buttons as numbered text."""
    choice = text.strip().rstrip(".")
    if not choice.isdigit() or len(choice) > 2:
        return None
    latest = session.exec(
        select(OutboxMessage.buttons)
        .where(
            col(OutboxMessage.user_id) == user_id,
            col(OutboxMessage.sent_channel) == channel,
            col(OutboxMessage.status) == OutboxStatus.SENT,
            col(OutboxMessage.buttons) != "[]",
        )
        .order_by(col(OutboxMessage.sent_at).desc(), col(OutboxMessage.id).desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    buttons = json.loads(latest)
    limits = capabilities.buttons
    shown_as_numbers = always or (
        len(buttons) > limits.max_count and limits.fallback is ButtonFallback.NUMBERED_TEXT
    )
    number = int(choice)
    if not shown_as_numbers or not 1 <= number <= len(buttons):
        return None
    return str(buttons[number - 1]["id"])


def record_delivery(
    session: Session, *, channel: str, status: DeliveryStatus, now: datetime
) -> int:
    """Apply a provider's status report to the message it sent; 1 if one was updated."""
    message = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.provider_message_id) == status.provider_message_id,
            col(OutboxMessage.sent_channel) == channel,
        )
    ).first()
    if message is None or message.id is None:
        return 0
    at = status.at or now
    current = DeliveryState(message.delivery_status) if message.delivery_status else None
    if status.status is DeliveryState.FAILED:
        if current is DeliveryState.FAILED:
            return 0
        message.delivery_status = DeliveryState.FAILED.value
        message.delivery_error = (status.error or "failed")[:255]
        session.add(
            OutboxAttempt(
                message_id=message.id,
                at=now,
                channel=channel,
                outcome="delivery_failed",
                detail=message.delivery_error,
            )
        )
    elif current is None or (
        current is not DeliveryState.FAILED and _RANK[status.status] > _RANK[current]
    ):
        message.delivery_status = status.status.value
    if status.status in (DeliveryState.DELIVERED, DeliveryState.READ):
        message.delivered_at = message.delivered_at or at
    if status.status is DeliveryState.READ:
        message.read_at = message.read_at or at
    message.updated_at = now
    session.add(message)
    return 1
