"""A borrower's right to their data: export it all as one document, or erase it all.

Both walk the schema rather than a hand-kept list: every table with a `user_id` column holds the
user's data, and so does any table whose foreign key points at such a table. A new domain's
tables are therefore exported and erased without touching this module.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlmodel import Session, SQLModel, col

from billbot.users.models import LoginFailure, User

_PRIVATE_COLUMNS = frozenset({"password_hash"})


def _owned_tables() -> list[tuple[Table, Any]]:
    """(table, where-clause factory) for each table of user data, parents before children."""
    owned: list[tuple[Table, Any]] = []
    direct: dict[str, Table] = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name == "users":
            continue
        if "user_id" in table.c:
            direct[table.name] = table
            owned.append((table, lambda uid, t=table: t.c.user_id == uid))
            continue
        for fk in table.foreign_keys:
            parent = direct.get(fk.column.table.name)
            if parent is not None:
                column = fk.parent

                def clause(
                    uid: int, column: Any = column, parent: Table = parent, fk: Any = fk
                ) -> Any:
                    owner_ids = select(fk.column).where(parent.c.user_id == uid)
                    return column.in_(owner_ids)

                owned.append((table, clause))
                break
    return owned


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_user(session: Session, user: User) -> dict[str, Any]:
    """Everything billbot holds about `user`, as one JSON-ready document."""
    profile = {k: _plain(v) for k, v in user.model_dump().items() if k not in _PRIVATE_COLUMNS}
    document: dict[str, Any] = {"format": "billbot.export/1", "user": profile}
    for table, clause in _owned_tables():
        rows = session.execute(
            select(table).where(clause(user.id)).order_by(*table.primary_key)
        ).mappings()
        document[table.name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return document


def erase_user(session: Session, user: User) -> dict[str, int]:
    """Delete `user` and everything tied to them; returns how many rows went from each table."""
    counts: dict[str, int] = {}
    for table, clause in reversed(_owned_tables()):
        result = session.execute(delete(table).where(clause(user.id)))
        counts[table.name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    session.execute(delete(LoginFailure).where(col(LoginFailure.email) == user.email))
    session.delete(user)
    session.flush()
    counts["users"] = 1
    return counts
