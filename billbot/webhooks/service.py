"""Running the conversation for one request: its transaction, then delivering what it queued."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.datastructures import State

from billbot.clock import Clock
from billbot.outbox.dispatcher import Dispatcher
from billbot.webhooks.conversation import Handled, StrangerReply, handle_events
from billbot.webhooks.delivery import deliver_now
from channels import Button, Channel, InboundEvent, OutboundMessage
from channels.errors import ChannelError

log = logging.getLogger("billbot.webhooks")


def app_channels(state: State) -> Mapping[str, Channel]:
    """The adapters the app sends and receives through (`create_app(channels=...)`)."""
    channels: Mapping[str, Channel] = getattr(state, "channels", None) or {}
    return channels


def reply_dispatcher(state: State) -> Dispatcher:
    """The app's dispatcher for replies sent at once (made on first use)."""
    dispatcher: Dispatcher | None = getattr(state, "reply_dispatcher", None)
    if dispatcher is None:
        dispatcher = Dispatcher(state.engine, app_channels(state), state.clock)
        state.reply_dispatcher = dispatcher
    return dispatcher


def process_events(
    engine: Engine, clock: Clock, channel: Channel, events: list[InboundEvent]
) -> Handled:
    """Take in one webhook's events in one transaction (committed here)."""
    with Session(engine, expire_on_commit=False) as session:
        handled = handle_events(
            session,
            channel=channel.name,
            capabilities=channel.capabilities,
            events=events,
            now=clock.now(),
        )
        session.commit()
    return handled


async def send_to_strangers(channel: Channel, replies: list[StrangerReply]) -> None:
    """Answer people with no linked identity directly (no borrower, so no outbox row)."""
    for reply in replies:
        message = OutboundMessage(
            recipient=reply.address,
            text=reply.text,
            buttons=tuple(Button(i, t) for i, t in reply.buttons),
            locale=reply.locale,
        )
        try:
            await channel.send(message)
        except ChannelError as exc:
            log.warning("chat.stranger_reply_failed channel=%s error=%s", channel.name, exc)


async def finish(state: State, channel: Channel, handled: Handled) -> None:
    """After answering the provider: deliver the queued replies, answer strangers."""
    try:
        if handled.replies and getattr(state, "deliver_replies_at_once", True):
            await deliver_now(reply_dispatcher(state), handled.replies)
        if handled.strangers:
            await send_to_strangers(channel, handled.strangers)
    except Exception:  # the periodic dispatcher retries whatever is still queued
        log.exception("chat.deliver_failed channel=%s", channel.name)
