"""Writing messages into the outbox, in the same transaction as the event that caused them."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

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
    values = _row(
        now,
        user_id=user_id,
        dedupe_key=dedupe_key,
        scenario=scenario,
        category=category,
        priority=priority,
        foldable=foldable,
        debt_key=debt_key,
        channel=channel,
        subject=subject,
        body=body,
        html=html,
        headers=headers,
        buttons=buttons,
        not_before=not_before,
        expires_at=expires_at,
    )
    statement = (
        dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = session.execute(statement.returning(table.c.id))
    new_id = result.scalar_one_or_none()
    if new_id is None:
        return None
    return session.get(OutboxMessage, new_id)


def _row(
    now: datetime,
    *,
    user_id: int,
    dedupe_key: str,
    scenario: str,
    category: str,
    body: str,
    priority: int = 1,
    foldable: bool = False,
    debt_key: str | None = None,
    channel: str | None = None,
    subject: str | None = None,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    buttons: Sequence[tuple[str, str]] = (),
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """The outbox row of one message, as `enqueue` and `enqueue_many` write it."""
    return {
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


def enqueue_many(session: Session, messages: Sequence[Mapping[str, Any]], *, now: datetime) -> int:
    """Queue many messages (each `enqueue`'s keyword arguments) in one statement, each once per
    dedupe key; returns how many were new. For sweeps that queue thousands at a time."""
    if not messages:
        return 0
    table: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = session.execute(statement, [_row(now, **message) for message in messages])
    rowcount: int = result.rowcount  # type: ignore[attr-defined]
    return rowcount if rowcount >= 0 else len(messages)


def queued_keys(session: Session, keys: Collection[str], *, chunk: int = 900) -> set[str]:
    """Those of `keys` already in the outbox (looked up on its unique index, a chunk at a time)."""
    ordered, found = sorted(set(keys)), set[str]()
    column = col(OutboxMessage.dedupe_key)
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        found.update(session.exec(select(OutboxMessage.dedupe_key).where(column.in_(part))).all())
    return found
