"""`billbot chat`: the bot in a terminal, through the same conversation and the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from billbot.cli import app
from billbot.db import make_engine, upgrade
from billbot.outbox.models import OutboxMessage
from billbot.users.schemas import UserBase
from billbot.users.service import create_user


def test_console_chat_answers_through_the_outbox(tmp_path: Path) -> None:
    database = tmp_path / "chat.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    with Session(engine) as session:
        create_user(
            session,
            email="mei@example.com",
            password="correct horse battery",
            profile=UserBase(display_name="Mei"),
            now=datetime.now(UTC),
        )
        session.commit()

    result = CliRunner().invoke(
        app,
        ["chat", "--user", "mei@example.com", "--database", str(database)],
        input="help\nSTOP\nmy bill\nSTART\nquit\n",
    )

    assert result.exit_code == 0, result.output
    assert "Chatting with billbot as mei@example.com" in result.output
    assert result.output.count("--- to mei@example.com") == 4
    assert "won't get any more messages" in result.output
    assert "Send START to hear from us again" in result.output
    assert "Welcome back" in result.output
    with Session(engine) as session:
        sent = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.sent_channel) == "console")
        ).all()
        assert len(sent) == 4 and all(m.category == "reply" for m in sent)
    engine.dispose()


def test_console_chat_refuses_an_unknown_borrower(tmp_path: Path) -> None:
    database = tmp_path / "chat.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    result = CliRunner().invoke(
        app, ["chat", "--user", "nobody@example.com", "--database", str(database)], input=""
    )
    assert result.exit_code != 0
    assert "no borrower" in result.output
