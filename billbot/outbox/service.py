"""Writing messages into the outbox, in the same transaction as the event that caused them."""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from billbot.db import raw_rows
from billbot.outbox.models import OutboxMessage, OutboxStatus

# `json.dumps(value, ensure_ascii=False)`, without building an encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False)


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
    _wrote(session, [dedupe_key])
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
        "headers": _JSON.encode(dict(headers)) if headers else None,
        "buttons": _JSON.encode([{"id": i, "title": t} for i, t in buttons]),
        "status": OutboxStatus.PENDING.value,
        "not_before": not_before or now,
        "expires_at": expires_at,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def enqueue_many(session: Session, messages: Sequence[Mapping[str, Any]], *, now: datetime) -> int:
    """Queue many messages (each `enqueue`'s keyword arguments) in one statement, each once per
    dedupe key; returns how many were new. For sweeps that queue thousands at a time.

    The rows go through the driver's own `executemany` (INSERT ... ON CONFLICT (dedupe_key) DO
    NOTHING on SQLite and PostgreSQL alike), each value bound as its column's type binds it.
    """
    if not messages:
        return 0
    if session.autoflush:  # as `session.execute` would: rows they refer to may be pending
        session.flush()
    connection = session.connection()
    sql, processors = _insert_plan(connection.dialect)
    _wrote(session, [message["dedupe_key"] for message in messages])
    bound = [(i, _remembering(process)) for i, process in processors]
    rows = []
    for message in messages:
        row = list(_row(now, **message).values())
        for i, bind in bound:
            row[i] = bind(row[i])
        rows.append(row)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
        rowcount: int = cursor.rowcount
    finally:
        cursor.close()
    return rowcount if rowcount >= 0 else len(messages)


_PLANS: dict[tuple[str, str], tuple[str, list[tuple[int, Callable[[Any], Any]]]]] = {}


def _insert_plan(dialect: Any) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
    """`enqueue_many`'s statement for `dialect`, and the bind conversion of each column that
    has one (worked out once per dialect and driver)."""
    found = _PLANS.get((dialect.name, dialect.driver))
    if found is None:
        table: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
        names = list(_row(_EPOCH, user_id=0, dedupe_key="", scenario="", category="", body=""))
        processors: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(names):
            process = table.c[name].type._cached_bind_processor(dialect)
            if process is not None:
                processors.append((i, process))
        mark = "?" if dialect.name == "sqlite" else "%s"
        # Column names from the table, every value bound: nothing from outside goes in the text.
        columns, marks = ", ".join(names), ", ".join([mark] * len(names))
        sql = (
            f"INSERT INTO {table.name} ({columns}) VALUES ({marks}) "  # noqa: S608
            "ON CONFLICT (dedupe_key) DO NOTHING"
        )
        found = _PLANS[(dialect.name, dialect.driver)] = (sql, processors)
    return found


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, remembered per value (a batch repeats its timestamps and flags)."""
    seen: dict[Any, Any] = {}

    def bind(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = bound = process(value)
            return bound
        except TypeError:  # not hashable
            return process(value)

    return bind


def queued_keys(
    session: Session,
    keys: Collection[str],
    *,
    chunk: int = 900,
    known_for: Hashable | None = None,
) -> set[str]:
    """Those of `keys` already in the outbox (looked up on its unique index, a chunk at a time).

    With `known_for` (whose messages the keys are: the borrower, with what tells them from
    another ever given the same id), keys found committed are remembered for them in this
    process and not looked up again: outbox rows are only ever deleted with their borrower. A
    key found but written in this database transaction (`enqueue`, `enqueue_many`) is not
    remembered, as a rollback would take it away.
    """
    wanted, found = set(keys), set[str]()
    told = _told_in(session) if known_for is not None else None
    if told is not None:
        with _LOCK:
            held = told.get(known_for)
            if held is not None:
                told.move_to_end(known_for)
                found = wanted & held
        wanted -= found
    ordered = sorted(wanted)
    if ordered and session.autoflush:  # as a session read would: rows may still be pending
        session.flush()
    read = set[str]()
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        # A plain read: event scenarios ask this once per ingested batch.
        sql = "SELECT dedupe_key FROM outbox_messages WHERE dedupe_key IN "
        sql += f"({','.join(['{mark}'] * len(part))})"  # placeholders only
        read.update(key for (key,) in raw_rows(session, sql, part))
    if told is not None and read:
        transaction = session.connection().get_transaction()
        with _LOCK:
            committed = read - _WRITTEN.get(transaction, set()) if transaction else set()
            if committed:
                held = told.setdefault(known_for, set())
                if len(held) + len(committed) > MAX_TOLD_KEYS:
                    held.clear()  # last month's keys, most likely
                held |= committed
                told.move_to_end(known_for)
                while len(told) > MAX_TOLD:
                    told.popitem(last=False)
    return found | read


def _told_in(session: Session) -> OrderedDict[Hashable, set[str]]:
    """The told keys remembered for `session`'s database (per engine object: one dropped and
    made again is another)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _LOCK:
        told = _TOLD.get(engine)
        if told is None:
            told = _TOLD[engine] = OrderedDict()
    return told


MAX_TOLD = 4_096  # borrowers (per database) whose told keys are remembered
MAX_TOLD_KEYS = 512  # keys remembered per borrower
_TOLD: weakref.WeakKeyDictionary[Engine, OrderedDict[Hashable, set[str]]] = (
    weakref.WeakKeyDictionary()
)
# The keys each database transaction (its Core root transaction, which sessions joining one
# connection share) wrote itself: found in the outbox, they are not yet told for good.
_WRITTEN: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _wrote(session: Session, keys: Iterable[str]) -> None:
    """Note `keys` as written in `session`'s database transaction."""
    transaction = session.connection().get_transaction()
    if transaction is None:
        return
    with _LOCK:
        written = _WRITTEN.get(transaction)
        if written is None:
            written = _WRITTEN[transaction] = set()
        written.update(keys)


def forget_told() -> None:
    """Forget the told keys remembered in this process (for tables emptied behind its back, as
    tests do: outbox rows otherwise go only with their borrower)."""
    with _LOCK:
        _TOLD.clear()
