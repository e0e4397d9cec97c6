"""Writing messages into the outbox, in the same transaction as the event that caused them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from billbot.outbox.models import OutboxMessage, OutboxStatus


def enqueue(
    session: Session,
    *,
    user_id: int,
    scenario: str,
    dedupe_key: str,
    category: str,
    body: str,
    now: datetime,
    priority: int = 1,
    foldable: bool = False,
    debt_key: str | None = None,
    subject: str | None = None,
    buttons: Sequence[tuple[str, str]] = (),
    channel: str | None = None,
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboxMessage | None:
    """Queue a message once per `dedupe_key`; returns it, or None when it was queued before."""
    table: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {
        "user_id": user_id,
        "dedupe_key": dedupe_key,
        "scenario": scenario,
        "category": category,
        "priority": priority,
        "foldable": foldable,
        "debt_key": debt_key,
        "channel": channel,
        "subject": subject,
        "body": body,
        "html": html,
        "headers": json.dumps(dict(headers), ensure_ascii=False) if headers else None,
        "buttons": json.dumps([{"id": i, "title": t} for i, t in buttons], ensure_ascii=False),
        "status": OutboxStatus.PENDING.value,
        "not_before": not_before or now,
        "expires_at": expires_at,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    statement = (
        dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = session.execute(statement.returning(table.c.id))
    new_id = result.scalar_one_or_none()
    if new_id is None:
        return None
    return session.get(OutboxMessage, new_id)
