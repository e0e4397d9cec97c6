"""One borrower's digest for one week, ready for the outbox: parts, links and mail headers.

The content comes from the stored weekly report (generated if it is not stored yet) and from the
messages the contact policy folded into the digest since the previous one ("also this week").
Every digest carries RFC 8058 one-click unsubscribe headers: `List-Unsubscribe` with an https
URL holding a signed token and a mailto, and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from billbot.clock import local_date, zone
from billbot.digests.content import AlsoThisWeek, DigestLinks, digest_content
from billbot.digests.render import RenderedDigest, render_digest
from billbot.digests.tokens import make_token
from billbot.outbox.models import OutboxMessage, OutboxStatus
from billbot.reports.weekly import report_for
from billbot.settings import Settings
from billbot.users.models import User

ALSO_LIMIT = 10


@dataclass(frozen=True)
class Digest:
    """A digest email addressed to one borrower."""

    subject: str
    text: str
    html: str
    headers: dict[str, str]
    report: dict[str, Any]


def digest_links(settings: Settings, user_id: int) -> DigestLinks:
    """The signed unsubscribe and manage links for a borrower, and the app's address."""
    base = settings.public_base_url.rstrip("/")
    token = urlencode({"token": make_token(settings.secret_key, user_id)})
    return DigestLinks(
        unsubscribe=f"{base}/v1/digest/unsubscribe?{token}",
        manage=f"{base}/v1/digest/manage?{token}",
        app=f"{base}/",
    )


def unsubscribe_headers(settings: Settings, user_id: int) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: one-click https unsubscribe first, then a mailto."""
    links = digest_links(settings, user_id)
    subject = quote(f"unsubscribe {make_token(settings.secret_key, user_id)}")
    mailto = f"mailto:{settings.digest_unsubscribe_mailto}?subject={subject}"
    return {
        "List-Unsubscribe": f"<{links.unsubscribe}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def folded_since(
    session: Session, *, user_id: int, since: datetime, until: datetime, tz: ZoneInfo
) -> list[AlsoThisWeek]:
    """Messages folded into the digest in [since, until), oldest first, as one line each."""
    rows = session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.user_id) == user_id,
            col(OutboxMessage.status) == OutboxStatus.FOLDED,
            col(OutboxMessage.updated_at) >= since,
            col(OutboxMessage.updated_at) < until,
        )
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
        .limit(ALSO_LIMIT)
    ).all()
    return [AlsoThisWeek(day=local_date(m.created_at, tz), text=_one_line(m)) for m in rows]


def _one_line(message: OutboxMessage) -> str:
    text = " ".join((message.body or message.subject or "").split())
    return text if len(text) <= 280 else text[:279] + "…"


def build_digest(
    session: Session,
    *,
    user: User,
    week_of: date,
    now: datetime,
    settings: Settings,
    folded_between: tuple[datetime, datetime] | None = None,
) -> Digest:
    """The digest of the borrower's week holding `week_of`, generating its report if needed.

    "Also this week" lists the messages folded in `folded_between` (default: the last 7 days).
    """
    assert user.id is not None
    report = report_for(session, user=user, week_of=week_of, now=now)
    since, until = folded_between or (now - timedelta(days=7), now)
    also = folded_since(session, user_id=user.id, since=since, until=until, tz=zone(user.time_zone))
    rendered = render_digest(
        digest_content(
            report,
            locale=user.locale,
            name=user.display_name,
            links=digest_links(settings, user.id),
            also=also,
        )
    )
    return _addressed(rendered, unsubscribe_headers(settings, user.id), report)


def _addressed(rendered: RenderedDigest, headers: dict[str, str], report: dict[str, Any]) -> Digest:
    return Digest(
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        headers=headers,
        report=report,
    )
