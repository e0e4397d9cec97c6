"""The demo's digest: last week's email for the demo borrower, written as `.eml` and `.html`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from billbot.clock import zone
from billbot.digests.compose import build_digest
from billbot.digests.subscriptions import latest_slot, subscription
from billbot.scenarios.weekly_digest import digest_week
from billbot.settings import Settings
from billbot.users.models import User
from channels import OutboundMessage
from channels.mailfolder import MailFolderChannel, MailFolderSettings


def write_last_digest(
    session: Session, *, user: User, now: datetime, settings: Settings, folder: Path
) -> tuple[Path, Path]:
    """Write the digest the borrower got (or would have got) most recently; returns both paths."""
    sub = subscription(session, user=user, now=now)
    slot = latest_slot(now, sub.send_day, sub.send_time, zone(user.time_zone))
    week = digest_week(slot, time_zone=user.time_zone, locale=user.locale)
    digest = build_digest(session, user=user, week_of=week, now=now, settings=settings)
    channel = MailFolderChannel(
        MailFolderSettings(folder=folder, from_address=settings.email_from_address),
        clock=lambda: now,
    )
    eml, html = channel.write(
        OutboundMessage(
            recipient=user.email,
            text=digest.text,
            subject=digest.subject,
            html=digest.html,
            headers=digest.headers,
            locale=user.locale,
        )
    )
    assert html is not None
    return eml, html
