"""Binding a chat identity to a borrower with a one-time code, and finding them again.

The borrower asks the app for a code (short-lived, shown once, stored only as a hash) and sends
it to the bot (`/start CODE` on Telegram, the code alone elsewhere). Sending it is the consent to
be contacted there; the time is recorded. An unknown sender learns nothing about any account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from billbot.chat.models import ChatIdentity, LinkCode
from billbot.errors import NotFoundError, ValidationFailed

# No 0/O, 1/I/L: codes are typed by hand from a phone screen.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_CODE = re.compile(rf"\b([{_ALPHABET}]{{{CODE_LENGTH}}})\b")


def _digest(code: str) -> str:
    return hashlib.sha256(code.upper().encode()).hexdigest()


def issue_code(
    session: Session, *, user_id: int, now: datetime, lifetime: timedelta
) -> tuple[str, datetime]:
    """A fresh link code for `user_id` and when it expires; only its hash is kept."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + lifetime
    session.add(
        LinkCode(user_id=user_id, code_hash=_digest(code), created_at=now, expires_at=expires)
    )
    session.flush()
    return code, expires


def find_code(text: str) -> str | None:
    """The link code inside a message ("/start ABCD2345", "my code is abcd2345"), if any."""
    match = _CODE.search(text.upper())
    return match.group(1) if match else None


def link(session: Session, *, channel: str, address: str, code: str, now: datetime) -> ChatIdentity:
    """Bind `address` on `channel` to the code's owner; the code works once, before it expires."""
    record = session.exec(select(LinkCode).where(col(LinkCode.code_hash) == _digest(code))).first()
    if record is None or record.used_at is not None or record.expires_at <= now:
        raise ValidationFailed(
            "that code is not valid any more; ask the app for a new one", code="link.bad_code"
        )
    record.used_at = now
    identity = session.exec(
        select(ChatIdentity).where(
            col(ChatIdentity.channel) == channel, col(ChatIdentity.address) == address
        )
    ).first()
    if identity is None:
        identity = ChatIdentity(
            user_id=record.user_id, channel=channel, address=address, linked_at=now, consent_at=now
        )
        session.add(identity)
    else:  # the code's owner takes the address over: possession of the code is the proof
        identity.user_id, identity.linked_at, identity.consent_at = record.user_id, now, now
        identity.opted_out_at = None
    identity.last_inbound_at = now
    session.flush()
    return identity


def identity_for(session: Session, *, channel: str, address: str) -> ChatIdentity | None:
    """The linked identity behind an inbound sender, or None for a stranger."""
    return session.exec(
        select(ChatIdentity).where(
            col(ChatIdentity.channel) == channel, col(ChatIdentity.address) == address
        )
    ).first()


def list_identities(session: Session, *, user_id: int) -> list[ChatIdentity]:
    """The borrower's linked chats."""
    return list(
        session.exec(
            select(ChatIdentity)
            .where(col(ChatIdentity.user_id) == user_id)
            .order_by(col(ChatIdentity.id))
        ).all()
    )


def unlink(session: Session, *, user_id: int, identity_id: int) -> None:
    """Forget one of the borrower's chats; anyone else's looks absent."""
    identity = session.get(ChatIdentity, identity_id)
    if identity is None or identity.user_id != user_id:
        raise NotFoundError("no such chat link", code="link.not_found")
    session.delete(identity)
    session.flush()


def masked(address: str) -> str:
    """How an address is shown back: enough to recognise it, not to reuse it."""
    if len(address) <= 4:
        return "…" + address[-2:]
    return "…" + address[-4:]
