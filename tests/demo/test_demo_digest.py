"""The demo writes last week's digest for the demo borrower as an `.eml` and an `.html` preview."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from billbot.clock import FrozenClock
from billbot.digests.demo import write_last_digest
from billbot.settings import Settings
from billbot.users.service import get_user


def test_demo_writes_last_weeks_digest(
    demo: Any, engine: Engine, clock: FrozenClock, settings: Settings, tmp_path: Path
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        user = get_user(session, demo.seed.user_id)
        eml, html = write_last_digest(
            session, user=user, now=clock.now(), settings=settings, folder=tmp_path / "mail"
        )
        session.commit()
    assert eml.parent == html.parent == tmp_path / "mail"
    assert eml.suffix == ".eml" and html.suffix == ".html" and eml.stem == html.stem
    mail = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["To"] == user.email and "Nov 9 – Nov 15" in str(mail["Subject"])
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    part = mail.get_body(("html",))
    assert part is not None
    assert part.get_content().splitlines() == html.read_text("utf-8").splitlines()
    text = mail.get_body(("plain",))
    assert text is not None and "Where it went" in text.get_content()
    # Six months of demo spending: a full week with both of Mei's currencies.
    preview = html.read_text("utf-8")
    assert "CN¥" in preview and "$" in preview and "Top merchants" in preview
