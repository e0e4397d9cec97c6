"""`billbot chat`: talk to the bot as a borrower in the terminal, no provider account needed."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

import typer

from billbot.cli.output import fail
from billbot.clock import SystemClock
from billbot.db import ensure_migrated, get_engine, make_engine, session_scope
from billbot.outbox.dispatcher import Dispatcher
from billbot.users.service import find_user_by_email
from billbot.webhooks.conversation import converse_as
from billbot.webhooks.delivery import deliver_now
from channels import ConsoleChannel, ConsoleSettings

CHANNEL = "console"
GOODBYE = frozenset({"quit", "exit", "/quit", "/exit"})


def chat_cmd(
    user: str = typer.Option(..., "--user", help="the borrower's email"),
    database: Path | None = typer.Option(
        None, "--database", help="a SQLite file (default: the configured database)"
    ),
) -> None:
    """Chat with the bot as a borrower: each line is a message; buttons answer to their number."""
    engine = make_engine(f"sqlite:///{database}") if database else get_engine()
    ensure_migrated(engine)
    clock = SystemClock()
    console = ConsoleChannel(ConsoleSettings(stream=sys.stdout), clock=clock.now)
    # Only the replies to what is typed here are sent, and only to this terminal.
    dispatcher = Dispatcher(engine, {CHANNEL: console}, clock)
    with session_scope(engine) as session:
        borrower = find_user_by_email(session, user)
        if borrower is None:
            fail(f"no borrower with email {user!r}")
        email = borrower.email
    typer.echo(f"Chatting with billbot as {email}. Try: my bill, how much did I spend this week,")
    typer.echo("how much is left, 还款, help. A number presses that button. quit (or Ctrl-D) ends.")
    while True:
        try:
            line = input("> ").strip()
        except EOFError:
            typer.echo()
            return
        if not line:
            continue
        if line.lower() in GOODBYE:
            return
        with session_scope(engine) as session:
            borrower = find_user_by_email(session, email)
            if borrower is None:
                fail("the borrower was erased")
            handled = converse_as(
                session,
                user=borrower,
                channel=CHANNEL,
                address=email,
                inbound_id=f"console:{uuid.uuid4().hex}",
                capabilities=console.capabilities,
                now=clock.now(),
                text=line,
                always_numbered=True,
            )
        report = asyncio.run(deliver_now(dispatcher, handled.replies))
        if handled.replies and not report.outcomes.get("sent"):
            typer.echo("(the answer is held back by the contact policy; see /v1/messages)")
